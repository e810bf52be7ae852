"""An edit of a campaign's, goal's or audience's fields checks no post again and makes
again only the files that show them (shown.py): a post is checked against their ids,
and its pages, events and rows are keyed by the fields of what it names."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import file_id, files, run_cli

EXAMPLE = Path(__file__).parent.parent / "content"
WINTER = "content/campaigns/winter-riders-club.md"


def example(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root / "content")
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1))


def same_as_a_first_build(root: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    shutil.copytree(root / "content", fresh / "content")
    assert run_cli(fresh, "build").exit_code == 0
    assert files(root / "output") == files(fresh / "output")


def campaign_of(post: Path) -> str | None:
    found = re.search(r"^campaign: *(\S+)", post.read_text(), re.M)
    return found.group(1) if found else None


def page(out: Path, post: Path) -> Path:
    """The page of the post at `post`."""
    ident = re.search(r"^id: *(\S+)", post.read_text(), re.M)
    return out / "posts" / (ident.group(1) if ident else post.stem) / "index.html"


def test_a_campaigns_name_edited_checks_no_post_and_keeps_the_pages_of_the_others(
    tmp_path: Path, monkeypatch, parsed_posts
) -> None:
    """The name is shown on its posts' pages, in their events' categories and in their
    months' filters: those are made again, and no post is checked again. The pages of
    posts in no campaign or another one are kept, and so are the months without the
    campaign's posts or phases. The output is what a first build makes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    root = example(tmp_path)
    assert run_cli(root, "build").exit_code == 0
    out = root / "output"
    posts = sorted((root / "content/posts").rglob("*.md"))
    others = [p for p in posts if campaign_of(p) != "winter-riders-club"]
    mine = [p for p in posts if campaign_of(p) == "winter-riders-club"]
    assert len(others) > 70 and len(mine) > 10

    kept = [page(out, p) for p in others] + [out / f"calendar/2027-0{m}/index.html" for m in (3, 5)]
    before = {path: file_id(path) for path in kept}
    parsed_posts.clear()
    edit(root, WINTER, 'name: "Winter Riders Club"', 'name: "Winter Wheels Club"')
    assert run_cli(root, "build").exit_code == 0
    assert parsed_posts == []
    assert before == {path: file_id(path) for path in kept}
    for post in mine:
        assert "Winter Wheels Club" in page(out, post).read_text()
    assert "Winter Wheels Club" in (out / "channels/instagram.ics").read_text()
    same_as_a_first_build(root, tmp_path)


def test_a_campaigns_dates_moved_make_again_the_months_of_its_phases(
    tmp_path: Path, monkeypatch, parsed_posts
) -> None:
    """A campaign moved a week checks no post again, and keeps its posts' pages (they
    show its name, not its dates) and the months its phases neither left nor joined;
    the months they did are made again (their days' phases), and the output is a
    first build's."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    root = example(tmp_path)
    assert run_cli(root, "build").exit_code == 0
    out = root / "output"
    kept = [out / f"calendar/2027-0{m}/index.html" for m in (3, 5, 6)]
    mine = [
        p for p in (root / "content/posts").rglob("*.md") if campaign_of(p) == "winter-riders-club"
    ]
    assert mine
    kept += [page(out, p) for p in mine]
    before = {path: file_id(path) for path in kept}
    december = (out / "calendar/2027-12/index.html").read_bytes()
    parsed_posts.clear()
    edit(root, WINTER, "end: 2027-12-19", "end: 2027-12-26")
    assert run_cli(root, "build").exit_code == 0
    assert parsed_posts == []
    assert before == {path: file_id(path) for path in kept}
    assert (out / "calendar/2027-12/index.html").read_bytes() != december
    same_as_a_first_build(root, tmp_path)


def test_a_campaign_moved_shows_its_phases_on_the_days_of_a_month_without_its_posts(
    playbook, tmp_path: Path, monkeypatch
) -> None:
    """No post names the campaign: its month is made again for the phases its days
    show (calendar_pages.month_inputs), as a first build makes it."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    root: Path = playbook({})
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    march = (root / "output/calendar/2027-03/index.html").read_text()
    edit(root, "content/campaigns/spring.yaml", "start: 2027-03-01", "start: 2027-03-05")
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    assert (root / "output/calendar/2027-03/index.html").read_text() != march
    fresh = tmp_path / "fresh"
    shutil.copytree(root / "content", fresh / "content")
    assert run_cli(fresh, "build", "-j", "1").exit_code == 0
    assert files(root / "output") == files(fresh / "output")


EDITS: list[tuple[str, str, str]] = [
    # a goal's target and title: its page, the measurement, its posts' categories
    ("content/goals/winter-club-members.md", "target: ", "target: 1"),
    ("content/goals/facebook-community.md", "title: ", "title: Edited "),
    # an audience's name: its page and feed, the filters of its posts' months
    ("content/audiences/commuters.md", "name: ", "name: Edited "),
    # whom a campaign is for: the feeds of the audiences that hold its posts
    (WINTER, "audiences: [club-riders, commuters]", "audiences: [club-riders, families]"),
    # what it aims at, and how long it is announced and followed up
    (WINTER, "goals: [winter-club-members, facebook-community]", "goals: [winter-club-members]"),
    (WINTER, "before_days: 10", "before_days: 3"),
    # a milestone: the campaign's feed and page
    (WINTER, 'title: "Club sign-up opens"', 'title: "Sign-up opens"'),
    # a review's goals met: the measurement and continuity pages
    ("content/reviews/2027-04-02-q1-review.md", "goals_met: [facebook-community]", "goals_met: []"),
]


@pytest.mark.parametrize(("rel", "old", "new"), EDITS)
def test_an_edit_of_what_posts_name_checks_no_post_and_builds_what_a_first_build_does(
    tmp_path: Path, monkeypatch, parsed_posts, rel: str, old: str, new: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    root = example(tmp_path)
    assert run_cli(root, "build").exit_code == 0
    parsed_posts.clear()
    edit(root, rel, old, new)
    assert run_cli(root, "build").exit_code == 0
    assert parsed_posts == []
    same_as_a_first_build(root, tmp_path)


def test_a_campaigns_id_changed_checks_again_the_posts_that_name_it(
    tmp_path: Path, parsed_posts
) -> None:
    """A post is checked against the ids of what it names: when the campaign's id
    changes, each of its posts is checked again and reported where it names it, as a
    first check does; the output is left as it was."""
    root = example(tmp_path)
    assert run_cli(root, "build").exit_code == 0
    before = files(root / "output")
    parsed_posts.clear()
    edit(root, WINTER, "---\n", "---\nid: winter-club\n")
    run = run_cli(root, "build")
    assert run.exit_code == 1
    mine = [
        p.relative_to(root).as_posix()
        for p in sorted((root / "content/posts").rglob("*.md"))
        if campaign_of(p) == "winter-riders-club"
    ]
    assert set(mine) <= set(parsed_posts)
    for rel in mine:
        assert re.search(
            rf"^{re.escape(rel)}:\d+: error ref: `winter-riders-club`", run.output, re.M
        )
    assert files(root / "output") == before
    fresh = tmp_path / "fresh"
    shutil.copytree(root / "content", fresh / "content")
    assert run_cli(fresh, "check").output == run_cli(root, "check").output


SERIES = """\
---
title: Every Saturday
date: "2027-03-06 09:00"
repeat: {freq: weekly}
variants:
  x: {text: "Saturday ride, 9:00 at the shop"}
---
"""


def test_a_campaign_that_ends_later_carries_a_series_without_an_end_along(
    playbook, tmp_path: Path, monkeypatch
) -> None:
    """A series without an end stops where the plan does: at the cycle's end, or a
    campaign's when it is later. A campaign moved later makes the series longer on
    its page, in the schedules and the months, though the series names no campaign."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    root: Path = playbook({"content/posts/saturday.md": SERIES})
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    schedule = (root / "output/schedule.json").read_text()
    edit(root, "content/campaigns/spring.yaml", "end: 2027-03-31", "end: 2027-04-30")
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    assert "2027-04-24" in (root / "output/schedule.json").read_text()
    assert "2027-04-24" not in schedule
    fresh = tmp_path / "fresh"
    shutil.copytree(root / "content", fresh / "content")
    assert run_cli(fresh, "build", "-j", "1").exit_code == 0
    assert files(root / "output") == files(fresh / "output")


# every field a campaign, goal and audience has (schema.py), each written on a line of
# its own, so that each can be edited alone
RICH = {
    "content/campaigns/spring.yaml": """\
        name: Spring
        strategy: loyalty
        goals: [more-replies]
        audiences: [riders]
        channels: [x, instagram, website]
        start: 2027-03-01
        end: 2027-03-31
        before_days: 3
        after_days: 2
        milestones:
          - date: 2027-03-05
            title: Kick-off
        """,
    "content/goals/more-replies.yaml": """\
        title: More replies
        strategy: loyalty
        metric: x.replies
        aggregate: last
        baseline: 10
        target: 12
        start: 2027-01-01
        due: 2027-06-30
        audiences: [riders]
        channels: [x]
        owner: Mila
        """,
    "content/audiences/riders.yaml": """\
        name: Riders
        description: People who ride to work
        networks: [x, instagram, website]
        active_hours: ["07:00-09:00"]
        needs: [Safe routes]
        """,
    "content/audiences/families.yaml": "name: Families\n",
    # a post in the campaign that names no audience: it is for the campaign's
    "content/posts/push.md": """\
        ---
        title: Spring push
        date: "2027-03-08 09:00"
        campaign: spring
        variants:
          x: {text: "Spring tune-ups all week"}
          website: {}
        ---
        Spring is here.
        """,
}
CAMPAIGN, GOAL, AUDIENCE = (
    "content/campaigns/spring.yaml",
    "content/goals/more-replies.yaml",
    "content/audiences/riders.yaml",
)
FIELDS = [
    (CAMPAIGN, "name: Spring", "name: Spring push"),
    (CAMPAIGN, "strategy: loyalty", "strategy: awareness"),
    (CAMPAIGN, "goals: [more-replies]", "goals: []"),
    (CAMPAIGN, "audiences: [riders]", "audiences: [families]"),
    (CAMPAIGN, "channels: [x, instagram, website]", "channels: [x, website]"),
    (CAMPAIGN, "start: 2027-03-01", "start: 2027-03-04"),
    (CAMPAIGN, "end: 2027-03-31", "end: 2027-04-10"),
    (CAMPAIGN, "before_days: 3", "before_days: 9"),
    (CAMPAIGN, "after_days: 2", "after_days: 0"),
    (CAMPAIGN, "date: 2027-03-05", "date: 2027-03-06"),
    (CAMPAIGN, "title: Kick-off", "title: Kick-off ride"),
    (GOAL, "title: More replies", "title: More answers"),
    (GOAL, "strategy: loyalty", "strategy: awareness"),
    (GOAL, "metric: x.replies", "metric: x.mentions"),
    (GOAL, "aggregate: last", "aggregate: sum"),
    (GOAL, "baseline: 10", "baseline: 8"),
    (GOAL, "target: 12", "target: 20"),
    (GOAL, "start: 2027-01-01", "start: 2027-02-01"),
    (GOAL, "due: 2027-06-30", "due: 2027-05-31"),
    (GOAL, "audiences: [riders]", "audiences: [families]"),
    (GOAL, "channels: [x]", "channels: [instagram]"),
    (GOAL, "owner: Mila", "owner: Joris"),
    (AUDIENCE, "name: Riders", "name: Commuters"),
    (AUDIENCE, "description: People who ride to work", "description: Riders to work"),
    (AUDIENCE, "networks: [x, instagram, website]", "networks: [x]"),
    (AUDIENCE, '"07:00-09:00"', '"17:00-19:00"'),
    (AUDIENCE, "needs: [Safe routes]", "needs: [Lights]"),
]


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> Path:
    """The base playbook with every field of a campaign, goal and audience, built once."""
    from conftest import BASE, write_files

    root = tmp_path_factory.mktemp("rich") / "repo"
    shutil.copytree(BASE, root)
    write_files(root, RICH)
    with pytest.MonkeyPatch.context() as m:
        m.setenv("SOURCE_DATE_EPOCH", "1800000000")
        assert run_cli(root, "build", "-j", "1").exit_code == 0
    return root


@pytest.mark.parametrize(("rel", "old", "new"), FIELDS)
def test_every_field_of_what_posts_name_edited_builds_what_a_first_build_does(
    rich: Path, tmp_path: Path, monkeypatch, parsed_posts, rel: str, old: str, new: str
) -> None:
    """Whatever a page, event or row shows of a campaign, goal or audience is in its key
    (shown.SHOWN, page_keys.py): after any field is edited, the build checks no post
    again and makes what a first build of the edited playbook makes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    root = tmp_path / "repo"
    shutil.copytree(rich, root)
    edit(root, rel, old, new)
    parsed_posts.clear()
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    assert parsed_posts == []
    fresh = tmp_path / "fresh"
    shutil.copytree(root / "content", fresh / "content")
    assert run_cli(fresh, "build", "-j", "1").exit_code == 0
    assert files(root / "output") == files(fresh / "output")
