"""The post store: a check reuses what it made of each unchanged post, and finds exactly
what a check without it finds, whatever changed in between."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import files as tree
from conftest import probe, run_cli
from smcycle_build.cache import DiskCache
from smcycle_build.pipeline import CheckResult, Project, check_project

EXAMPLE = Path(__file__).parent.parent / "content"
POST = "content/posts/series/abc-check.md"
PINTEREST_TEXT = next(
    line + "\n"
    for line in (EXAMPLE.parent / POST).read_text().splitlines()
    if "Air, Brakes" in line
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the example playbook (87 posts: series, campaigns, media, every network)."""
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root / "content")
    return root


def check(root: Path, store: bool = True) -> CheckResult:
    project = Project.locate(root / "content", cwd=root)
    disk = DiskCache(root)
    posts = disk.post_store() if store else None
    result = check_project(project, store=posts, freeze=False)
    if result.checks is not None:
        result.checks.save()
        disk.digests.save()
    return result


def same_as_without_store(root: Path) -> CheckResult:
    """A check with the store finds what a check without it finds, post for post."""
    stored, fresh = check(root), check(root, store=False)
    assert stored.diagnostics == fresh.diagnostics
    assert (stored.model is None) == (fresh.model is None)
    if fresh.model is not None:
        assert stored.model.posts == fresh.model.posts
        # Loc's lines are not part of its equality: compare where each thing was written
        for pid, post in fresh.model.posts.items():
            other = stored.model.posts[pid]
            assert [v.loc.keys for v in other.variants] == [v.loc.keys for v in post.variants]
            assert other.loc.keys == post.loc.keys
    return stored


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unchanged_check_reads_no_post_and_an_edit_reads_one(repo, parsed_posts) -> None:
    parsed = parsed_posts
    first = same_as_without_store(repo)
    posts = len(list((repo / "content/posts").rglob("*.md")))
    assert first.checks is not None and len(first.checks.made) == posts
    parsed.clear()
    again = check(repo)
    assert parsed == [] and len(again.checks.found) == posts and not again.checks.made
    assert again.diagnostics == first.diagnostics
    edit(repo, POST, "two-minute ritual", "three-minute ritual")
    parsed.clear()
    edited = check(repo)
    assert parsed == [POST] and list(edited.checks.made) == [POST]
    assert edited.diagnostics == check(repo, store=False).diagnostics
    assert "three-minute" in edited.model.posts["abc-check"].variants[0].text


def test_the_commands_that_need_the_checked_playbook_read_only_what_changed(
    repo, parsed_posts, tmp_path: Path
) -> None:
    """`export`, `new` and `import metrics` check the playbook first, as `check` does:
    with the cache, and saving what they made for the next command."""
    assert run_cli(repo, "check").exit_code == 0
    parsed_posts.clear()
    run = run_cli(repo, "export", "instagram", "--to", "buffer")
    assert run.exit_code == 0 and run.output.count("\n") > 5
    assert parsed_posts == []
    edit(repo, POST, "two-minute ritual", "three-minute ritual")
    run = run_cli(repo, "new", "post", "A new one", "--date", "2027-05-03", "--channels", "x")
    assert run.exit_code == 0, run.output
    assert parsed_posts == [POST]  # saved: the next command reads none
    export = tmp_path / "meta.csv"
    export.write_text("Date,Reach\n2027-05-01,120\n")
    parsed_posts.clear()
    run_cli(repo, "import", "metrics", str(export), "--channel", "facebook")
    assert parsed_posts == ["content/posts/2027-05/a-new-one.md"]


def test_every_kind_of_change_finds_what_a_fresh_check_finds(repo) -> None:
    """Edits to posts and to what posts are checked against, one after the other, each
    checked with the store of the step before (and again, reusing it) and without."""
    same_as_without_store(repo)
    steps = [
        # a copy-paste warning in one post (its Pinterest text pasted to Facebook), found
        # by the lint, then replayed from the store
        lambda: edit(repo, POST, "variants:\n", f"variants:\n  facebook:\n{PINTEREST_TEXT}"),
        # playbook.yaml's `lint:` makes that an error: every post is checked again
        lambda: edit(
            repo,
            "content/playbook.yaml",
            "  unrealistic: info",
            "  unrealistic: info\n  copy-paste: error",
        ),
        lambda: edit(repo, "content/playbook.yaml", "  copy-paste: error", "  copy-paste: info"),
        # a campaign that posts name is removed: their references break
        lambda: (repo / "content/campaigns/spring-tune-up.md").unlink(),
        # a second file claims a post's id, and then the first file goes
        lambda: shutil.copy(repo / POST, repo / "content/posts/2027-01/another-abc.md"),
        lambda: edit(repo, "content/posts/2027-01/another-abc.md", "---\n", "---\nid: abc-check\n"),
        lambda: (repo / POST).unlink(),
        # a post that no longer parses, and a media file a post shows that is gone
        lambda: edit(
            repo, "content/posts/2027-10/leaves-and-brakes.md", "title:", "title: [unclosed"
        ),
        lambda: shutil.rmtree(repo / "content/media/autumn"),
        # and a post with a channel that does not exist
        lambda: edit(
            repo,
            "content/posts/2027-03/open-workshop-evening.md",
            "variants:\n",
            "variants:\n  myspace:\n    text: Hello\n",
        ),
    ]
    rules: set[str] = set()
    for step in steps:
        step()
        result = same_as_without_store(repo)
        again = same_as_without_store(repo)  # everything reused this time
        assert not again.checks.made and again.diagnostics == result.diagnostics
        rules |= {d.rule for d in result.diagnostics}
    # the steps did find what they were meant to
    assert {"copy-paste", "ref", "duplicate-id", "schema"} <= rules, rules


PLAYBOOK = "content/playbook.yaml"
KEPT, EVERY = "no post", "every post"


def checked_again(repo: Path, rel: str, steps: list[tuple[str, str, str]]) -> set[str]:
    """Each edit of `rel` in turn, checked with the store of the step before: it checks
    again no post (KEPT) or every post (EVERY), and finds what a fresh check finds. The
    rules of what the steps found."""
    every = len(list((repo / "content/posts").rglob("*.md")))
    same_as_without_store(repo)
    rules: set[str] = set()
    for old, new, checked in steps:
        edit(repo, rel, old, new)
        result = same_as_without_store(repo)
        assert len(result.checks.made) == (every if checked == EVERY else 0), (new, checked)
        rules |= {d.rule for d in result.diagnostics}
    return rules


def test_a_playbook_edit_checks_the_posts_again_only_when_it_moves_what_they_read(repo) -> None:
    """A post's check reads playbook.yaml's zone, default time and `lint:` alone: a
    comment, the title, the strategy or the events' length edited checks no post again;
    an edit of any of the three checks every post again."""
    checked_again(
        repo,
        PLAYBOOK,
        [
            ("# One focus for the whole cycle", "# A single focus for the cycle", KEPT),
            ("Social Playbook 2027", "Playbook", KEPT),
            ("strategy: loyalty", "strategy: awareness", KEPT),
            ("event_minutes: 15", "event_minutes: 30", KEPT),
            ("timezone: Europe/Amsterdam", "timezone: Europe/Lisbon", EVERY),
            ('default_time: "09:00"', 'default_time: "10:30"', EVERY),
            ("  unrealistic: info", "  unrealistic: info\n  copy_paste_similarity: 0.9", EVERY),
            ("  unrealistic: info", "  unrealistic: info\n  copy-paste: error", EVERY),
        ],
    )


def test_a_channel_edit_checks_the_posts_again_only_when_it_moves_what_they_read(repo) -> None:
    """A post's check reads a channel's id, network, limits and default time alone: its
    name, handle, role or cadence edited checks no post again (a cadence is checked
    across posts, every time); its default time or a limit edited checks every post
    again."""
    rules = checked_again(
        repo,
        "content/channels/x.md",
        [
            ('name: "X @harborlanebikes"', 'name: "X"', KEPT),
            ('handle: "@harborlanebikes"', 'handle: "@harborlane"', KEPT),
            ("quick commuter tips", "commuter tips", KEPT),
            ("min_per_week: 1\n  max_per_week: 6", "min_per_week: 5\n  max_per_week: 6", KEPT),
            ('default_time: "07:45"', 'default_time: "08:15"', EVERY),
            ("cadence:\n", "limits:\n  text: 120\ncadence:\n", EVERY),
        ],
    )
    assert {"cadence", "length"} <= rules  # the new cadence and limit took effect


def test_a_picture_added_checks_no_post_again_and_one_gone_only_the_posts_naming_it(
    repo,
) -> None:
    """A post's entry holds while the files of content/media/ it names are there: a
    picture added checks no post again; one removed checks again the post that names it
    (which now has an error), and that post is checked again when the picture is back
    (its entry, made when one was missing, holds only for those same files)."""
    tour = "content/posts/2027-06/weekend-tour-veluwe.md"
    picture = repo / "content/media/summer/veluwe-tour.png"
    same_as_without_store(repo)
    shutil.copy(picture, repo / "content/media/summer/new-picture.png")
    assert not same_as_without_store(repo).checks.made
    data = picture.read_bytes()
    picture.unlink()
    gone = same_as_without_store(repo)
    assert list(gone.checks.made) == [tour]
    assert [(d.path, d.rule) for d in gone.diagnostics if d.severity == "error"] == [(tour, "ref")]
    picture.write_bytes(data)
    back = same_as_without_store(repo)
    assert list(back.checks.made) == [tour] and "weekend-tour-veluwe" in back.model.posts


def test_a_store_of_another_program_or_with_damaged_entries_is_not_used(repo) -> None:
    same_as_without_store(repo)
    store = DiskCache(repo).post_store()
    with contextlib.closing(sqlite3.connect(store.path)) as db, db:
        db.execute("UPDATE posts SET value = x'00' WHERE rowid % 2 = 0")
    damaged = same_as_without_store(repo)
    assert damaged.checks.made and damaged.checks.found  # half of each
    with contextlib.closing(sqlite3.connect(store.path)) as db, db:
        db.execute("UPDATE meta SET value = 'an older smcycle' WHERE name = 'owner'")
    upgraded = same_as_without_store(repo)
    assert not upgraded.checks.found  # emptied for this program, every post checked anew


def test_the_posts_of_a_bucket_whose_pickle_is_damaged_are_checked_again(repo) -> None:
    """A bucket of the store lists its keys ahead of its pickle: when the pickle cannot
    be loaded, or is not a bucket's, its posts are read and checked anew (and found as
    without the store), the others reused; the check stores that bucket again."""
    import pickle

    from smcycle_build.cache import PostStore

    first = same_as_without_store(repo)
    store = DiskCache(repo).post_store()
    buckets = store.buckets()
    assert sum(len(b.keys) for b in buckets.values()) == len(first.checks.keys)
    assert set(buckets) == {PostStore.bucket(path) for path in first.checks.keys}
    broken, foreign = sorted(buckets)[:2]
    with contextlib.closing(sqlite3.connect(store.path)) as db, db:
        for name, payload in ((broken, b"not a pickle"), (foreign, pickle.dumps([1, 2]))):
            value = PostStore.packed(buckets[name].keys, payload)
            db.execute("UPDATE posts SET value = ? WHERE key = ?", (value, name))
    damaged = same_as_without_store(repo)
    assert set(damaged.checks.made) == {
        path for path in first.checks.keys if PostStore.bucket(path) in (broken, foreign)
    }
    assert len(damaged.checks.found) == len(first.checks.keys) - len(damaged.checks.made)
    assert not check(repo).checks.made  # stored again


def test_a_checked_post_is_stored_as_its_constructors_arguments(repo) -> None:
    """Pickled by its fields (model.pickled_by_fields), as its post is: no state dict
    restored field by field for each of the ten thousand entries a check loads; loaded
    equal to what was stored."""
    import pickle

    from smcycle_build.post_checks import CheckedPost

    entry = next(iter(check(repo).checks.made.values()))
    kind, args = entry.__reduce__()
    assert kind is CheckedPost
    assert args == tuple(getattr(entry, name) for name in CheckedPost.__slots__)
    assert pickle.loads(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)) == entry


def test_check_keeps_its_store_in_the_ignored_cache_folder(repo) -> None:
    first = run_cli(repo, "check")
    cache = repo / ".smcycle-cache"
    assert (cache / "posts.sqlite").is_file() and (cache / ".gitignore").read_text() == "*\n"
    assert run_cli(repo, "check") == first


def build(root: Path, epoch: int = 1800000000) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "smcycle_build", "build"],
        cwd=root,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def like_cold(root: Path, tmp_path: Path, epoch: int = 1800000000) -> None:
    """The output equals a cold build's of the same content, without any cache."""
    cold = tmp_path / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    shutil.copytree(root / "content", cold / "content")
    build(cold, epoch)
    assert tree(root / "output") == tree(cold / "output")


def everything(root: Path) -> dict[str, int]:
    out = root / "output"
    return {
        p.relative_to(out).as_posix(): p.stat().st_ino
        for p in out.rglob("*.html")
        if not p.is_relative_to(out / "posts") or p.parent == out / "posts"
    }


def inodes(root: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_ino for p in (root / "output/posts").glob("*/index.html")}


def test_a_build_reuses_the_pages_of_unchanged_posts_and_matches_a_cold_build(
    repo, tmp_path: Path
) -> None:
    """The page of a post whose key is unchanged is the last build's file (the same inode),
    every other page is made; after each edit the output equals a cold build's."""

    build(repo)
    before, pages = inodes(repo), everything(repo)
    edit(repo, POST, "two-minute ritual", "three-minute ritual")
    build(repo)
    after, made = inodes(repo), everything(repo)
    assert [pid for pid in before if after[pid] != before[pid]] == ["abc-check"]
    # the pages that list the post are made again, the others are the last build's
    again = {path for path in pages if made[path] != pages[path]}
    assert {"calendar/2027-01/index.html", "channels/instagram/index.html"} <= again
    assert {"posts/index.html", "goals/instagram-conversations/index.html"} <= again
    kept = {"channels/x/index.html", "campaigns/spring-tune-up/index.html", "index.html"}
    assert not kept & again
    like_cold(repo, tmp_path)
    # a page changed by hand is made again, even when its post did not change
    page = repo / "output/posts/leaves-and-brakes/index.html"
    page.write_text(page.read_text().replace("</main>", "<p>added</p></main>"))
    edit(repo, POST, "three-minute ritual", "four-minute ritual")
    build(repo)
    assert b"added" not in page.read_bytes()
    like_cold(repo, tmp_path)
    # files no post depends on, which other pages show: those pages are made again
    month = repo / "output/calendar/2027-01/index.html"
    first = month.stat().st_ino
    edit(repo, "content/themes.yaml", 'topic: "Winter commuting"', 'topic: "Winter riding"')
    build(repo)
    assert month.stat().st_ino != first and b"Winter riding" in month.read_bytes()
    like_cold(repo, tmp_path)
    edit(repo, "content/situation.md", "Two-store chain", "Three-store chain")
    metrics = repo / "content/metrics/2027-q1-social.csv"
    lines = metrics.read_text().splitlines()
    metrics.write_text("\n".join([*lines[:-1], lines[-1].replace(",1", ",2", 1)]) + "\n")
    build(repo)
    like_cold(repo, tmp_path)
    # a channel's name, which every page shows (no post is checked again): no page is
    # the last build's, and its events show the new name
    before = inodes(repo)
    edit(repo, "content/channels/x.md", 'name: "X @harborlanebikes"', 'name: "X"')
    build(repo)
    after = inodes(repo)
    assert all(after[pid] != before[pid] for pid in before)
    like_cold(repo, tmp_path)


def test_a_playbook_edit_builds_what_a_cold_build_makes(repo, tmp_path: Path) -> None:
    """A comment edited in playbook.yaml makes no file again; its title edited makes
    every page again without checking a post again, the length of its events every
    feed: the output equals a cold build's."""
    build(repo)
    out = repo / "output"
    sitemap = out / "sitemap.xml"  # written by every build that lays out the site

    def files() -> dict[Path, int]:
        return {p: p.stat().st_ino for p in out.rglob("*") if p.is_file() and p != sitemap}

    before = files()
    edit(repo, PLAYBOOK, "# One focus for the whole cycle", "# A single focus for the cycle")
    build(repo)
    assert files() == before
    pages = everything(repo)
    edit(repo, PLAYBOOK, "Social Playbook 2027", "Social Plan")
    build(repo)
    made = everything(repo)
    assert all(made[path] != pages[path] for path in pages)
    assert b"Harbor Lane Bikes \xe2\x80\x94 Social Plan" in (out / "posts/index.html").read_bytes()
    like_cold(repo, tmp_path)
    feed = out / "calendar.ics"
    first = feed.read_bytes()
    edit(repo, PLAYBOOK, "event_minutes: 15", "event_minutes: 45")
    build(repo)
    assert feed.read_bytes() != first
    like_cold(repo, tmp_path)


def test_a_picture_added_makes_no_page_again_and_is_copied(repo, tmp_path: Path) -> None:
    """A picture added for a post yet to come is copied into the output; every page,
    feed and schedule is the last build's, and the output equals a cold build's."""
    build(repo)
    out = repo / "output"
    sitemap = out / "sitemap.xml"  # written by every build that lays out the site
    before = {p: p.stat().st_ino for p in out.rglob("*") if p.is_file() and p != sitemap}
    shutil.copy(repo / "content/media/summer/veluwe-tour.png", repo / "content/media/new.png")
    build(repo)
    after = {p: p.stat().st_ino for p in out.rglob("*") if p.is_file() and p != sitemap}
    assert set(after) - set(before) == {out / "media/new.png"}
    assert all(after[p] == ino for p, ino in before.items())
    like_cold(repo, tmp_path)


def test_a_build_on_a_new_day_makes_again_only_the_pages_that_show_the_day(
    repo, tmp_path: Path
) -> None:
    """Nothing changed but the day (CI builds every morning): the home page (the build's
    date, what is upcoming) and the calendar's today are made again, no post page is,
    and the output equals a cold build made that day. A post page shows nothing of the
    day, so the thousands of them stay as they are, for the build and for a deploy."""
    build(repo)  # 2027-01-15
    posts, pages = inodes(repo), everything(repo)
    home = (repo / "output/index.html").read_text()
    assert "Built on" in home
    assert "Built on" not in (repo / "output/posts/abc-check/index.html").read_text()
    build(repo, 1800000000 + 86400)
    assert inodes(repo) == posts
    again = {path for path, ino in everything(repo).items() if pages.get(path) != ino}
    assert {"index.html", "calendar/2027-01/index.html"} <= again
    assert "calendar/2027-06/index.html" not in again
    assert (repo / "output/index.html").read_text() != home
    like_cold(repo, tmp_path, 1800000000 + 86400)


def schedules(root: Path) -> dict[str, int]:
    out = root / "output"
    files = [out / "schedule.json", *(out / "channels").glob("*.csv")]
    return {p.name: p.stat().st_ino for p in [*files, *(out / "channels").glob("*.json")]}


def test_the_schedules_are_kept_on_a_new_day_and_made_again_when_a_post_changes(
    repo, tmp_path: Path
) -> None:
    """A schedule shows nothing of the day: a morning build keeps the last build's files
    (the same inodes) instead of writing tens of megabytes again, and equals a cold build
    of that day. Each file is kept or made on its own: a schedule changed by hand is made
    again alone; a post's edit makes `schedule.json` and its channels' files again."""
    day = 86400
    build(repo)
    first = schedules(repo)
    assert len(first) == 1 + 2 * len(list((repo / "content/channels").iterdir()))
    build(repo, 1800000000 + day)
    assert schedules(repo) == first
    like_cold(repo, tmp_path, 1800000000 + day)
    csv = repo / "output/channels/x.csv"
    csv.write_text("changed by hand\n")
    build(repo, 1800000000 + 2 * day)
    again = schedules(repo)
    assert {name for name in first if again[name] != first[name]} == {"x.csv"}
    like_cold(repo, tmp_path, 1800000000 + 2 * day)
    edit(repo, POST, "two-minute ritual", "three-minute ritual")  # instagram and pinterest
    build(repo, 1800000000 + 2 * day)
    edited = schedules(repo)
    made = {
        "schedule.json",
        *(f"{c}.{e}" for c in ("instagram", "pinterest") for e in ("csv", "json")),
    }
    assert {name for name in again if edited[name] != again[name]} == made
    assert b"three-minute ritual" in (repo / "output/schedule.json").read_bytes()
    like_cold(repo, tmp_path, 1800000000 + 2 * day)


def stored_keys(path: Path) -> set[str]:
    """The keys of a Markdown store's HTML; of a post store's entries, and `x-lengths`
    when it holds them."""
    if path.name == "posts.sqlite":
        from smcycle_build.cache import PostStore

        store = PostStore(path)
        keys = {key for bucket in store.buckets().values() for key in bucket.keys}
        return keys | ({"x-lengths"} if store.get("x-lengths") is not None else set())
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {key for (key,) in db.execute("SELECT key FROM html")}


def test_the_markdown_of_a_reused_page_stays_in_the_store(repo) -> None:
    """An edited body leaves its old HTML in the store until the store holds more than
    its pages render (`needs_sweep`): a build after an edit does not gather every key
    it still uses. A build that sweeps keeps the HTML of the pages it reused, which it
    never asked for."""
    from datetime import UTC, datetime

    from smcycle_build.cache import SWEEP_SLACK
    from smcycle_build.layout import BuildCache, Layout

    store = DiskCache(repo).markdown_store()
    build(repo)
    first = stored_keys(store.path)
    project = Project.locate(repo / "content", cwd=repo)
    now = datetime.fromtimestamp(1800000000, UTC)
    layout = Layout(
        project, check(repo), templates=None, base_url=None, now=now, cache=BuildCache()
    )
    # what a build stores is at most what its pages render: the bound a sweep waits for
    assert len(first) <= layout.markdown_texts_at_most() <= len(first) + 12
    edit(repo, POST, "two-minute routine", "three-minute routine")  # the body
    build(repo)
    edited = stored_keys(store.path)
    assert first < edited and len(edited - first) == 1  # the new body's, the old one's kept
    for n in range(len(first) + SWEEP_SLACK):  # as if many edits had left theirs
        store.put(f"An old body {n}.", "<p>old</p>")
    edit(repo, POST, "three-minute routine", "four-minute routine")
    build(repo)
    swept = stored_keys(store.path)
    assert len(first - swept) == 1 and not swept & (edited - first)  # both old ones gone
    assert len(swept) == len(first)  # and every old one put there
    body = check(repo, store=False).model.posts["leaves-and-brakes"].body
    assert store.get(body) is not None  # its page was reused, its HTML kept


def test_a_check_forgets_the_entries_of_files_edited_or_gone(repo) -> None:
    """The post store holds one entry a post file as it is now, and the X lengths."""
    store = DiskCache(repo).post_store().path
    first = check(repo)
    assert stored_keys(store) == {*first.checks.keys.values(), "x-lengths"}
    edit(repo, POST, "two-minute ritual", "three-minute ritual")
    (repo / "content/posts/2027-10/leaves-and-brakes.md").unlink()
    edited = check(repo)
    assert stored_keys(store) == {*edited.checks.keys.values(), "x-lengths"}
    assert len(edited.checks.keys) == len(first.checks.keys) - 1


def test_a_page_key_tells_apart_what_prints_alike_and_refuses_what_it_cannot_see() -> None:
    from markupsafe import Markup

    from smcycle_build.render.page import Page
    from smcycle_build.render.page_keys import PageKeys

    keys = PageKeys("site", {})

    def key(context: dict) -> str | None:
        return keys.key(Page("a/index.html", "a.html", context))

    assert key({"x": "<b>"}) != key({"x": Markup("<b>")})  # escaped, or not
    assert key({"x": ["a", "b"]}) != key({"x": ("a", "b")}) != key({"x": ["ab"]})
    assert key({"x": 1}) != key({"x": "1"}) != key({"x": True})
    assert key({"x": {"b", "a"}}) == key({"x": {"a", "b"}})
    assert key({"x": [1]}) == key({"x": [1]}) and key({"x": [1]}) != key({"x": [2]})
    assert key({"x": len}) is None  # a function: the page is rendered every time
    # a context of a hundred thousand parts goes into the digest in pieces, the same way
    big = [str(i) for i in range(20_000)]
    assert key({"x": big}) == key({"x": list(big)}) != key({"x": [*big[:-1], "z"]})
    assert key({"x": set(big)}) == key({"x": set(reversed(big))})


def generated(root: Path) -> Path:
    """The benchmark's synthetic playbook of 300 posts (benchmarks/generate.py), at `root`:
    five years, so its channels have pages by month."""
    script = Path(__file__).parent.parent / "benchmarks/generate.py"
    subprocess.run([sys.executable, str(script), "300", str(root)], check=True, capture_output=True)
    return root


def test_pages_keyed_by_the_forked_workers_are_reused_and_match_a_cold_build(
    tmp_path: Path,
) -> None:
    """The benchmark's playbook of 300 posts is built by two processes: the keys of the
    pages the worker made reach the manifest, and the next build after an edit links
    them (the same files), and equals a cold build."""
    root = generated(tmp_path / "repo")
    build(root)
    pages = json.loads((root / ".smcycle-cache/last-build.json").read_text())["pages"]
    html = {p.relative_to(root / "output").as_posix() for p in (root / "output").rglob("*.html")}
    # every page keyed, by whichever process made it, the schedules and feeds by what
    # they are made of, and every copy by its source
    made = {p.relative_to(root / "output").as_posix() for p in (root / "output").rglob("*")}
    data = {p for p in made if p.endswith((".csv", ".json", ".ics"))}
    assert {p for p in pages if not pages[p].startswith("copy ")} == html | data
    assert {p.split("/")[0] for p in pages if pages[p].startswith("copy ")} == {"assets", "media"}
    before = everything(root)
    post = next((root / "content/posts/2027-01").glob("*.md"))
    text = post.read_text()
    body = text.index("\n---\n", 4) + 5
    post.write_text(text[:body] + "An edited first sentence. " + text[body:])
    build(root)
    after = everything(root)
    assert after["calendar/2029-06/index.html"] == before["calendar/2029-06/index.html"]
    assert after["calendar/2027-01/index.html"] != before["calendar/2027-01/index.html"]
    # a channel's month is kept unless the post is in it, and its job is not even run
    assert after["channels/x/2029-06/index.html"] == before["channels/x/2029-06/index.html"]
    assert after["channels/x/2027-01/index.html"] != before["channels/x/2027-01/index.html"]
    post.write_text(text[:body] + "Edited again. " + text[body:])
    months, jobs = reused_months(root)
    assert "channels/x/2029-06/index.html" in months
    assert "channels/x/2029-06/index.html" not in jobs and "channels/x/2027-01/index.html" in jobs
    again = [p for p in jobs if p.startswith("channels/") and p.count("/") == 3]
    assert again and all("/2027-01/" in p for p in again)  # the post's month, its channels
    assert len([p for p in months if p.startswith("channels/")]) > 150
    post.write_text(text[:body] + "An edited first sentence. " + text[body:])
    like_cold(root, tmp_path)


def test_a_channels_description_edited_makes_no_month_page_again(tmp_path: Path) -> None:
    """A month's page is keyed by what it is made from, every channel among them (an
    occurrence's view holds its channel), but by the channel's fields alone while its
    render reads no description (page_keys.PageKeys.input_keys): an edit of X's
    description runs no month's job, the calendar's or any channel's. (A month template
    that shows a description: test_page_reads.py.)"""
    root = generated(tmp_path / "repo")
    build(root)
    before = everything(root)
    edit(root, "content/channels/x.md", "How we post on X", "How we write for X")
    months, jobs = reused_months(root)
    month_pages = {
        p
        for p in before
        if p.startswith(("calendar/", "channels/")) and p.split("/")[-2][:2] == "20"
    }
    assert len(month_pages) > 200 and months == month_pages
    assert not month_pages & set(jobs) and "channels/x/index.html" in jobs
    build(root)
    after = everything(root)
    assert all(after[p] == before[p] for p in month_pages)
    assert b"How we write for X" in (root / "output/channels/x/index.html").read_bytes()
    like_cold(root, tmp_path)


SPRING_CHECK = "content/posts/2027-03/ten-minute-spring-check.md"


def reused_months(root: Path) -> tuple[set[str], list[str]]:
    """The month pages (the calendar's and the channels') a build would keep from the last
    one, and the paths of the page jobs it would still run."""
    from datetime import UTC, datetime

    from smcycle_build.layout import BuildCache, Layout

    checked = check(root)
    project = Project.locate(root / "content", cwd=root)
    now = datetime.fromtimestamp(1800000000, UTC)  # as `build`'s: the day is an input
    layout = Layout(project, checked, templates=None, base_url=None, now=now, cache=BuildCache())
    last = DiskCache(root).last_build((root / "output").resolve())
    declared, _ = layout.page_reuse(checked.checks, last)
    reused = {path for path, key in declared.items() if last.has(path, key)}
    months = {p for p in reused if p.count("/") >= 2 and p.split("/")[-2][:2] == "20"}
    return months, [path for job in layout.jobs_without(reused) for path in job.paths]


def test_a_month_page_is_made_again_only_when_what_it_shows_changed(repo, tmp_path: Path) -> None:
    """A month's page is keyed by what it is made from, its posts among them, without
    making it (calendar_pages.py): a build keeps the pages of the months an edit did not
    touch and runs no job for them, and makes again those of the months a post left and
    joined, and a month whose neighbour is new. After each edit the output equals a cold
    build's. (A channel's months: the next test, with channels long enough for them.)"""

    build(repo)
    months, jobs = reused_months(repo)
    assert {f"calendar/2027-{m:02}/index.html" for m in range(1, 13)} == months
    assert not months & set(jobs) and "calendar/2027-08/index.html" not in jobs
    before = everything(repo)
    for day in ("09", "10", "11"):  # the post and its variants, from March to May
        edit(repo, SPRING_CHECK, f"2027-03-{day}", f"2027-05-{int(day) - 5:02}")
    months, jobs = reused_months(repo)
    made = {"calendar/2027-03/index.html", "calendar/2027-05/index.html"}
    assert made <= set(jobs) and not made & months and len(months) == 10
    assert "calendar/2027-08/index.html" in months and "calendar/2027-04/index.html" in months
    build(repo)
    after = everything(repo)
    assert all(after[path] != before[path] for path in made)
    assert after["calendar/2027-04/index.html"] == before["calendar/2027-04/index.html"]
    assert b"ten-minute spring check" in (repo / "output/calendar/2027-05/index.html").read_bytes()
    like_cold(repo, tmp_path)
    # a month after the cycle's last: the last one's page links to it now
    later = repo / "content/posts/2028-02/again.md"
    later.parent.mkdir()
    text = (repo / SPRING_CHECK).read_text().replace("2027-05-0", "2028-02-0")
    later.write_text(text.replace('title: "The ten', 'title: "Again: the ten', 1))
    before = after
    build(repo)
    after = everything(repo)
    assert after["calendar/2027-12/index.html"] != before["calendar/2027-12/index.html"]
    assert after["calendar/2027-11/index.html"] == before["calendar/2027-11/index.html"]
    assert "calendar/2028-02/index.html" in after
    like_cold(repo, tmp_path)


def test_a_calendar_page_is_keyed_without_making_the_views_it_shows(repo, monkeypatch) -> None:
    """A month's page holds its occurrences, and a view of each is made only when the
    template shows it: a page the last build still has never makes them."""
    from smcycle_build.layout import BuildCache, Layout
    from smcycle_build.render.page_keys import PageKeys
    from smcycle_build.render.views import Views
    from smcycle_build.times import build_time

    checked = check(repo)
    project = Project.locate(repo / "content", cwd=repo)
    layout = Layout(
        project, checked, templates=None, base_url=None, now=build_time(), cache=BuildCache()
    )
    made = []
    real = Views.occurrence
    monkeypatch.setattr(Views, "occurrence", lambda self, occ: made.append(occ) or real(self, occ))
    path = "calendar/2027-01/index.html"
    page = next(p for p in layout.job_of[path]() if p.path == path)
    assert PageKeys("site", checked.checks.keys).key(page) is not None
    assert made == []
    html = layout.site.render(page)
    assert len(made) == sum(len(day["occs"]) for week in page.context["weeks"] for day in week)
    assert "First of the month: the ABC check" in html


def test_a_post_file_unchanged_since_it_was_hashed_is_not_read(repo, monkeypatch) -> None:
    """As git's index: a file whose inode, size and times are as when it was hashed is not
    read again. Its change time cannot be set back, so an edit of the same size whose
    modification time is restored is still seen; a file written too recently to tell a
    later write apart is hashed again the next time."""
    from smcycle_build.cache import FileDigests
    from smcycle_build.post_checks import PostChecks

    reads: list[str] = []
    real = PostChecks.read
    monkeypatch.setattr(
        PostChecks,
        "read",
        lambda self, name, rel, *a: reads.append(rel) or real(self, name, rel, *a),
    )
    posts = len(list((repo / "content/posts").rglob("*.md")))
    check(repo)  # every file was copied just now: too recent to be taken at its stat
    assert len(reads) == posts
    reads.clear()
    check(repo)
    assert len(reads) == posts

    monkeypatch.setattr(FileDigests, "RACY", 0)  # every file old enough from now on
    check(repo)
    reads.clear()
    first = check(repo)
    assert reads == [] and not first.checks.made

    path = repo / POST
    before = path.stat()
    time.sleep(0.05)  # past the clock's granularity: the change time moves
    edit(repo, POST, "two-minute ritual", "six-minute ritual")  # the same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    edited = check(repo)
    assert reads == [POST] and list(edited.checks.made) == [POST]
    assert "six-minute" in edited.model.posts["abc-check"].variants[0].text


X_POST = "content/posts/2027-01/battery-cold-weather.md"
X_TEXT = "Four rules from our workshop:"
CHECK = (
    "import sys\n"
    "from pathlib import Path\n"
    "from smcycle_build.cache import DiskCache\n"
    "from smcycle_build.pipeline import Project, check_project\n"
    "r = check_project(Project.locate(Path('content')), store=DiskCache(Path.cwd()).post_store())\n"
    "r.checks.save()\n"
    "print('twitter_text' in sys.modules, sorted(d.rule for d in r.diagnostics))\n"
)


# within X's limit, but not by the check's quick bound (networks.x_at_most): its every
# "e.g." could start a domain, and a URL weighs 23
X_NEAR = "Four rules from our workshop, e.g. e.g. e.g. e.g. e.g. e.g.:"


def test_x_texts_near_the_limit_are_counted_once_and_known_after(repo) -> None:
    """twitter-text takes a fifth of a second to load: a check counts only an X text its
    quick bound cannot place within the limit, and keeps the count; a check after an edit
    that leaves such a text as it was never loads it; an X text edited is counted again,
    too long or not."""
    from smcycle_build.networks import count_x, x_at_most

    def run() -> tuple[bool, list[str]]:
        loaded, rules = probe(CHECK, repo).strip().split(" ", 1)
        return loaded == "True", eval(rules)

    loaded, rules = run()
    assert not loaded and "length" not in rules  # every text within its limit by the bound
    text = (repo / X_POST).read_text(encoding="utf-8")
    near = next(line for line in text.splitlines() if X_TEXT in line)
    near = near.split('"')[1].replace(X_TEXT, X_NEAR)
    assert count_x(near) <= 280 < x_at_most(near)
    edit(repo, X_POST, X_TEXT, X_NEAR)
    assert run() == (True, rules)  # counted: within the limit
    edit(repo, X_POST, "## 1. Charge indoors", "## 1. Charge it indoors")  # not on X
    edit(repo, POST, "two-minute ritual", "three-minute ritual")
    assert run() == (False, rules)
    # the lengths kept, damaged: counted again
    store = repo / ".smcycle-cache/posts.sqlite"
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        (blob,) = db.execute("SELECT value FROM posts WHERE key = 'x-lengths'").fetchone()
        lengths = {key: "many" for key in json.loads(blob)}
        damaged = json.dumps(lengths).encode()  # as the store writes it: bytes
        db.execute("UPDATE posts SET value = ? WHERE key = 'x-lengths'", (damaged,))
    edit(repo, X_POST, "## 1. Charge it indoors", "## 1. Charge it inside")
    assert run() == (True, rules)
    edit(repo, X_POST, X_NEAR, X_NEAR + " " + "Really. " * 20)
    loaded, longer = run()
    assert loaded and "length" in longer


def test_a_build_keeps_the_count_of_every_x_text_its_pages_show(repo) -> None:
    """The check counts few X texts (see above), the post pages show every one's count:
    the build counts them before its workers fork (twitter-text loads once, not in each
    worker), and the post store keeps the counts for the builds after it."""
    from twitter_text import parse_tweet

    from smcycle_build.networks import _MAY_HOLD_URL, _x_key

    build = [sys.executable, "-m", "smcycle_build", "build", "--content", "content"]
    subprocess.run([*build, "--out", "site"], cwd=repo, check=True, capture_output=True)
    store = repo / ".smcycle-cache/posts.sqlite"
    with contextlib.closing(sqlite3.connect(store)) as db:
        (blob,) = db.execute("SELECT value FROM posts WHERE key = 'x-lengths'").fetchone()
    kept = json.loads(blob)
    result = check(repo, store=False)
    x = {c.id for c in result.model.channels.values() if c.network == "x"}
    texts = [v.text for p in result.model.posts.values() for v in p.variants if v.channel in x]
    # the ones twitter-text counts: with a character beyond ASCII, or what may be a URL
    counted = [t for t in texts if not t.isascii() or _MAY_HOLD_URL(t)]
    assert len(counted) > 10
    assert all(kept[_x_key(t)] == parse_tweet(t).weightedLength for t in counted)
