"""Regression tests for the review of the whole change (one per finding)."""

from __future__ import annotations

from pathlib import Path

from conftest import BASE, run_cli
from smcycle_build.importers import date_formats, parse_day
from smcycle_build.pipeline import Project, check_project

PLAYBOOK = (BASE / "content/playbook.yaml").read_text()


def test_day_first_exports_are_read_day_first() -> None:
    assert date_formats(["04/05/2027", "31/12/2027"]) == ("%d/%m/%Y",)
    assert date_formats(["04/05/2027", "12/31/2027"]) == ("%m/%d/%Y",)
    day = parse_day("04/05/2027", date_formats(["04/05/2027", "31/12/2027"]))
    assert (day.month, day.day) == (5, 4)


def test_a_platform_post_id_is_not_our_post(playbook) -> None:
    root = playbook({"fb.csv": "Date,Post ID,Reach\n2027-04-01,1234567890_987,50\n"})
    run = run_cli(root, "import", "metrics", "fb.csv", "--channel", "x")
    assert run.exit_code == 0, run.output
    assert "appended 1 row to content/metrics/x.csv" in run.output


def test_goal_met_is_quiet_once_a_review_lists_it(playbook) -> None:
    root = playbook(
        {"content/metrics/x.csv": "date,channel,metric,value\n2027-03-05,x,replies,12\n"}
    )
    assert "goal-met" in run_cli(root, "check").output
    (root / "content/reviews").mkdir()
    (root / "content/reviews/q1.md").write_text(
        "---\ndate: 2027-03-06\ngoals_met: [more-replies]\n---\n"
    )
    assert "goal-met" not in run_cli(root, "check").output


def test_audience_feed_holds_posts_of_its_campaigns(playbook) -> None:
    hello = (BASE / "content/posts/hello.md").read_text()
    root = playbook(
        {
            "content/posts/hello.md": hello.replace("audience: riders\n", "campaign: spring\n"),
            "content/campaigns/spring.yaml": "name: Spring\naudiences: [riders]\n"
            "start: 2027-03-01\nend: 2027-03-31\n",
        }
    )
    assert run_cli(root, "build").exit_code == 0
    feed = (root / "output/audiences/riders.ics").read_text()
    assert "UID:hello.x@smcycle.invalid" in feed


def test_a_series_starting_in_the_repeated_hour_is_warned(playbook) -> None:
    hello = (BASE / "content/posts/hello.md").read_text()
    series = hello.replace('date: "2027-03-10 09:00"', 'date: "2027-10-31 02:30"').replace(
        "audience: riders\n", "audience: riders\nrepeat: {freq: weekly, count: 2}\n"
    )
    root = playbook({"content/posts/hello.md": series})
    out = run_cli(root, "check").output
    assert "warning time: the x series falls on 2027-10-31 02:30, which happens twice" in out


def test_feed_size_can_be_relaxed_and_locked_rules_accept_error(playbook) -> None:
    root = playbook({"content/playbook.yaml": PLAYBOOK + "lint: {feed-size: off, time: error}\n"})
    assert run_cli(root, "check").exit_code == 0


def test_feed_titles_speak_the_playbook_language(playbook) -> None:
    root = playbook(
        {
            "content/playbook.yaml": PLAYBOOK + "language: he\n",
            "content/themes.yaml": '- {month: "2027-03", topic: "אביב"}\n',
        }
    )
    assert run_cli(root, "build").exit_code == 0
    feed = (root / "output/calendar.ics").read_text()
    assert "SUMMARY:נושא החודש: אביב" in feed and "SUMMARY:Spring: לפני" in feed


def test_diff_of_an_unreadable_revision_leaves_no_temp_folder(playbook, tmp_path: Path) -> None:
    import subprocess
    import tempfile

    root = playbook()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    before = set(Path(tempfile.gettempdir()).glob("smcycle-diff-*"))
    assert run_cli(root, "diff", "nope").exit_code == 1
    assert set(Path(tempfile.gettempdir()).glob("smcycle-diff-*")) == before


def test_new_post_takes_each_channels_default_time(playbook) -> None:
    root = playbook({"content/channels/x.yaml": "name: X\ndefault_time: '18:30'\n"})
    run = run_cli(root, "new", "post", "Evening", "--date", "2027-03-12", "--channels", "x")
    assert run.exit_code == 0
    model = check_project(Project.locate("content", cwd=root)).model
    variant = model.posts["evening"].variants[0]
    assert variant.start.strftime("%H:%M") == "18:30"
