"""`serve` re-checks with a memo of every file's parse and checks: after any edit, what
it serves must be what a fresh check and build would make, and what did not change
must really be reused (the memo is no use if it is rebuilt every time)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from smcycle_build.layout import BuildCache, Layout
from smcycle_build.pipeline import CheckResult, Project, check_project
from smcycle_build.serve import LiveSite

REPO = Path(__file__).parent.parent
POST = "content/posts/2027-03/open-workshop-evening.md"
OTHER = "content/posts/2027-03/road-bike-spring-ready.md"


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, LiveSite]:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "content", root / "content")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    site = LiveSite(Project.locate("content", cwd=root), None)
    assert site.rebuild().layout is not None
    return root, site


def fresh(root: Path) -> CheckResult:
    return check_project(Project.locate("content", cwd=root))


def edit(root: Path, rel: str, old: str, new: str) -> str:
    path = root / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))
    return str(path)


def assert_like_fresh(root: Path, site: LiveSite, pages: tuple[str, ...] = ()) -> None:
    """The memo's check equals a check from nothing; the named pages are byte-equal."""
    state = site.current()
    expected = fresh(root)
    got = site.last_check
    assert got is not None
    assert got.diagnostics == expected.diagnostics
    assert got.model == expected.model
    if expected.ok:
        assert got.plan is not None and expected.plan is not None
        assert got.plan.occurrences == expected.plan.occurrences
        layout = Layout(
            Project.locate("content", cwd=root),
            expected,
            templates=None,
            base_url=None,
            now=state.layout.now,
            cache=BuildCache(),
        )
        for path in pages:
            assert state.layout.get(path) == layout.get(path), path


def test_unchanged_files_are_reused_and_an_edited_one_is_not(live) -> None:
    root, site = live
    before = site.last_check.model.posts
    changed = edit(root, POST, "Open workshop evening", "Open workshop night")
    site.rebuild([changed])
    after = site.last_check.model.posts
    assert after["open-workshop-evening"].title.startswith("Open workshop night")
    assert after["open-workshop-evening"] is not before["open-workshop-evening"]
    # every other post is the very object of the last check: neither read nor checked again
    assert all(after[pid] is post for pid, post in before.items() if pid != "open-workshop-evening")
    assert_like_fresh(root, site, ("posts/open-workshop-evening/index.html", "index.html"))


def test_what_posts_refer_to_invalidates_them(live) -> None:
    root, site = live
    before = site.last_check.model.posts
    clock = edit(root, "content/channels/x.md", 'default_time: "07:45"', 'default_time: "08:15"')
    site.rebuild([clock])
    after = site.last_check.model.posts
    assert all(after[pid] is not post for pid, post in before.items())
    assert_like_fresh(
        root, site, ("posts/open-workshop-evening/index.html", "channels/x/index.html")
    )


@pytest.mark.parametrize(
    ("rel", "old", "new"),
    [
        ("content/campaigns/spring-tune-up.md", 'name: "Spring Tune-Up"', 'name: "Tune-Up"'),
        ("content/campaigns/spring-tune-up.md", "end: 2027-04-11", "end: 2027-04-18"),
        ("content/goals/instagram-conversations.md", 'title: "Turn', 'title: "Make'),
        ("content/audiences/club-riders.md", 'name: "Club riders"', 'name: "Road club"'),
        ("content/channels/x.md", "Short, useful,", "Short and useful,"),
        ("content/channels/x.md", 'name: "X @harborlanebikes"', 'name: "X"'),
        ("content/channels/x.md", "max_per_week: 6", "max_per_week: 5"),
        ("content/playbook.yaml", 'title: "Harbor Lane', 'title: "The Harbor Lane'),
    ],
    ids=[
        "campaign-name",
        "campaign-end",
        "goal-title",
        "audience-name",
        "channel-body",
        "channel-name",
        "channel-cadence",
        "title",
    ],
)
def test_an_edit_of_what_posts_only_name_checks_no_post_again(live, rel, old, new) -> None:
    """A post's check reads a campaign's, goal's or audience's id, a channel's network,
    limits and default time, and the playbook's zone, default time and `lint:` (as the
    post store keys it): a re-check after an edit of anything else reuses every post,
    and still equals a fresh check, pages that show the edited value included."""
    root, site = live
    before = site.last_check.model.posts
    site.rebuild([edit(root, rel, old, new)])
    after = site.last_check.model.posts
    assert all(after[pid] is post for pid, post in before.items())
    assert_like_fresh(
        root,
        site,
        (
            "posts/open-workshop-evening/index.html",
            "campaigns/spring-tune-up/index.html",
            "channels/x/index.html",
            "index.html",
        ),
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("timezone: Europe/Amsterdam", "timezone: Europe/Lisbon"),
        ('default_time: "09:00"', 'default_time: "10:30"'),
        ("lint:\n", "lint:\n  copy-paste: info\n"),
    ],
    ids=["timezone", "default-time", "lint"],
)
def test_what_posts_read_of_the_playbook_checks_them_again(live, old, new) -> None:
    root, site = live
    before = site.last_check.model.posts
    site.rebuild([edit(root, "content/playbook.yaml", old, new)])
    after = site.last_check.model.posts
    assert all(after[pid] is not post for pid, post in before.items())
    assert_like_fresh(root, site, ("posts/open-workshop-evening/index.html", "calendar.ics"))


def test_a_picture_added_checks_no_post_again_and_one_gone_the_post_naming_it(live) -> None:
    """A post's check reads of content/media/ whether the files it names are there: a
    picture added reuses every post; one removed makes again the post that names it
    (an error there), and so does its return; each re-check equals a fresh one."""
    root, site = live
    tour = "weekend-tour-veluwe"
    picture = root / "content/media/summer/veluwe-tour.png"
    before = site.last_check.model.posts
    added = root / "content/media/summer/new-picture.png"
    shutil.copy(picture, added)
    site.rebuild([str(added)])
    assert all(site.last_check.model.posts[pid] is post for pid, post in before.items())
    assert_like_fresh(root, site, (f"posts/{tour}/index.html",))
    data = picture.read_bytes()
    picture.unlink()
    site.rebuild([str(picture)])
    assert_like_fresh(root, site)
    assert any(d.rule == "ref" and tour in d.path for d in site.last_check.diagnostics)
    picture.write_bytes(data)
    site.rebuild([str(picture)])
    after = site.last_check.model.posts
    assert [pid for pid, post in before.items() if after[pid] is not post] == [tour]
    assert_like_fresh(root, site, (f"posts/{tour}/index.html",))


def test_a_broken_reference_stays_reported_when_its_post_is_reused(live) -> None:
    """A post's reference errors belong to the post: a re-check that reuses the post (an
    edit elsewhere) reports them again, or the post would vanish from the site unsaid."""
    root, site = live
    site.rebuild([str(root / "content/campaigns/spring-tune-up.md")])
    (root / "content/campaigns/spring-tune-up.md").unlink()
    site.rebuild([str(root / "content/campaigns/spring-tune-up.md")])
    broken = site.last_check.diagnostics
    assert any(d.rule == "ref" and d.path == POST for d in broken)
    site.rebuild([edit(root, OTHER, "title:", "title: Edited,")])
    assert {d for d in site.last_check.diagnostics if d.rule == "ref"} == {
        d for d in broken if d.rule == "ref"
    }
    assert_like_fresh(root, site)


def test_lint_settings_change_the_severity_of_remembered_problems(live) -> None:
    root, site = live
    # an x text copied from facebook: a copy-paste warning, found on this post only...
    facebook = (
        "Service-plan members: on Saturday 27 March the workshop stays open from 18:00 to "
        "21:00, just for you. Bring your road bike, learn to adjust your own brakes and gears "
        "with Sanne and Kees, and stay for a beer."
    )
    x_text = 'text: "Service-plan members: the workshop is open for you'
    path = root / POST
    text = path.read_text()
    start = text.index(x_text)
    path.write_text(text[:start] + f'text: "{facebook}"' + text[text.index("\n", start) :])
    site.rebuild([str(path)])
    assert any(d.rule == "copy-paste" for d in site.last_check.diagnostics)
    assert_like_fresh(root, site, ("health/index.html",))
    # ...then playbook.yaml turns rules up and down: the remembered ones follow
    site.rebuild(
        [edit(root, "content/playbook.yaml", "  unrealistic: info", "  unrealistic: error")]
    )
    assert_like_fresh(root, site)
    assert not site.last_check.ok
    site.rebuild(
        [
            edit(
                root,
                "content/playbook.yaml",
                "  unrealistic: error",
                "  unrealistic: off\n  copy-paste: error",
            )
        ]
    )
    assert_like_fresh(root, site)
    assert [d.rule for d in site.last_check.diagnostics if d.severity == "error"] == ["copy-paste"]


def test_errors_added_files_and_removed_files(live) -> None:
    root, site = live
    broken = edit(root, POST, 'title: "Open workshop', 'title: ["Open workshop')
    state = site.rebuild([broken])
    assert state.error_text and "open-workshop-evening.md" in state.error_text
    assert_like_fresh(root, site)
    fixed = edit(root, POST, 'title: ["Open workshop', 'title: "Open workshop')
    assert not site.rebuild([fixed]).error_text
    assert_like_fresh(root, site, ("posts/open-workshop-evening/index.html",))
    copy = root / "content/posts/2027-03/open-workshop-copy.md"
    shutil.copy(root / POST, copy)
    site.rebuild([str(copy)])
    assert "open-workshop-copy" in site.last_check.model.posts
    assert_like_fresh(root, site, ("posts/open-workshop-copy/index.html", "posts/index.html"))
    os.remove(copy)
    site.rebuild([str(copy)])
    assert "open-workshop-copy" not in site.last_check.model.posts
    assert site.current().layout.get("posts/open-workshop-copy/index.html") is None
    assert_like_fresh(root, site, ("posts/index.html",))


def test_an_edit_the_stat_cannot_see_is_read_when_the_watcher_names_it(live, monkeypatch) -> None:
    """Same size within one timestamp tick: the stat looks unchanged (simulated here, as the
    kernel moves ctime), and only the watcher's word says the file changed."""
    root, site = live
    path = root / POST
    old_stat = path.stat()
    real_stat = os.stat
    monkeypatch.setattr(
        "smcycle_build.memo.os.stat",
        lambda p, *a, **k: old_stat if str(p) == str(path) else real_stat(p, *a, **k),
    )
    path.write_text(path.read_text().replace("Open workshop evening", "Open workshop evenimg", 1))
    site.rebuild()  # nobody said so: the memo keeps the old parse
    assert site.last_check.model.posts["open-workshop-evening"].title.startswith(
        "Open workshop evening"
    )
    site.rebuild([str(path)])
    assert site.last_check.model.posts["open-workshop-evening"].title.startswith(
        "Open workshop evenimg"
    )
    assert_like_fresh(root, site)


def test_memo_entries_match_by_identity_or_by_equal_stat_number_string_or_date() -> None:
    """What decides reuse (memo.py): each element of a token the same object, or an
    equal value of a type compared by value, of the same type; never two objects that
    merely compare equal."""
    from datetime import date

    from smcycle_build.memo import Stat, same

    thing = ["a list"]
    stat = Stat(1, 2, 3, 4)
    assert same((thing, "x", 3, date(2027, 1, 1)), (thing, "x", 3, date(2027, 1, 1)))
    assert same((stat,), (Stat(1, 2, 3, 4),)) and same((), ())
    assert not same((Stat(1, 2, 3, 4),), (Stat(1, 2, 3, 5),))
    assert not same((thing,), (["a list"],))  # equal, another object: made again
    assert not same((1,), (True,)) and not same((1,), (1.0,))  # equal, another type
    assert not same((thing,), (thing, 1)) and not same((thing, 1), (thing,))
    assert not same((thing, "x"), (thing, "y")) and not same((2.5,), (2.25,))
