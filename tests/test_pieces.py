"""The last build's feed events and schedule rows, reused (pieces.py): an edit makes only
the runs that hold its post, and every file still equals a cold build's."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from feed_builds import build_example

from conftest import build_imports
from conftest import files as tree
from smcycle_build import pieces
from smcycle_build.cache import PieceStore
from smcycle_build.feeds.ical import cut_runs
from smcycle_build.feeds.schedule import RECORDS, Schedules, _fits
from smcycle_build.pieces import Runs
from smcycle_build.pipeline import Project, check_project
from smcycle_build.routes import Links

GENERATE = Path(__file__).parent.parent / "benchmarks/generate.py"


def build(root: Path, epoch: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "smcycle_build", "build"],
        cwd=root,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def stored(root: Path, name: str) -> set[str]:
    with sqlite3.connect(root / f".smcycle-cache/{name}.sqlite") as db:
        return {key for (key,) in db.execute("SELECT key FROM pieces")}


def stamp(epoch: int) -> bytes:
    return datetime.fromtimestamp(epoch, UTC).strftime("DTSTAMP:%Y%m%dT%H%M%SZ").encode()


def test_an_edit_makes_the_runs_of_its_post_again_and_the_files_match_a_cold_build(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    subprocess.run(
        [sys.executable, str(GENERATE), "300", str(root)], check=True, capture_output=True
    )
    build(root, 1800000000)
    events, rows = stored(root, "events"), stored(root, "rows")
    feeds = len(list((root / "output").rglob("*.ics")))  # each one's head, and
    assert len(events) == feeds + len(runs_of(root)) and len(rows) > 12  # each run

    post = next(p for p in sorted((root / "content/posts/2027-03").glob("*.md")))
    text = post.read_text()
    body = text.index("\n---\n", 4) + 5
    post.write_text(text[:body] + "An edited first sentence. " + text[body:])
    pid = post.stem  # no `id:`: the file's name
    # built at another moment: the events that are reused carry this build's DTSTAMP
    build(root, 1800086400)
    schedule = json.loads((root / "output/schedule.json").read_text())
    months = {o["datetime_utc"][:7] for o in schedule["occurrences"] if o["post"] == pid}
    assert months  # the post is in the schedule
    assert len(stored(root, "events") - events) == 1  # the run of 100 posts that holds it
    assert len(stored(root, "rows") - rows) == len(months)
    # what no build asks for any more is forgotten
    assert len(stored(root, "events")) == len(events)
    assert len(stored(root, "rows")) == len(rows)

    feed = (root / "output/calendar.ics").read_bytes()
    assert stamp(1800086400) in feed and stamp(1800000000) not in feed
    cold = tmp_path / "cold"
    shutil.copytree(root / "content", cold / "content")
    build(cold, 1800086400)
    assert tree(root / "output") == tree(cold / "output")


def runs_of(root: Path) -> list[int]:
    """How many posts each run of the feeds' events holds (`cut_runs`)."""
    checked = check_project(Project.locate(root / "content", cwd=root))
    assert checked.model is not None
    return [len(run) for run in cut_runs(list(checked.model.posts.values()))]


NEW_POST = """---
title: "A new first post"
date: "2027-01-01 07:00"
status: approved
goal: website-readers
audience: riders
variants:
  website:
    title: "A new first post: the guide"
  x:
    text: "The first of the year, added late."
---
A body of its own, added after the plan was built.
"""


def test_a_post_added_before_the_others_makes_only_its_own_run_again(tmp_path: Path) -> None:
    """Runs end where a post's path says, not every 100 posts: a post added before all
    the others, or removed again, makes its own run again, not every run after it (cut
    by position, each of them held other posts). Every file equals a cold build's."""
    root = tmp_path / "repo"
    subprocess.run(
        [sys.executable, str(GENERATE), "300", str(root)], check=True, capture_output=True
    )
    build(root, 1800000000)
    events = stored(root, "events")
    before = runs_of(root)
    assert len(before) >= 2
    added = root / "content/posts/2027-01/a-new-first-post.md"
    added.write_text(NEW_POST)
    build(root, 1800000000)
    assert runs_of(root) == [before[0] + 1, *before[1:]]
    assert len(stored(root, "events") - events) == 1
    cold = tmp_path / "cold"
    shutil.copytree(root / "content", cold / "content")
    build(cold, 1800000000)
    assert tree(root / "output") == tree(cold / "output")

    events = stored(root, "events")
    added.unlink()
    build(root, 1800000000)
    assert runs_of(root) == before and len(stored(root, "events") - events) == 1


def test_a_run_is_made_when_a_post_has_no_key_or_its_piece_is_damaged(tmp_path: Path) -> None:
    store = PieceStore(tmp_path / "pieces.sqlite")
    store.claim("test")
    made: list[str] = []

    def make(value: str):
        return lambda: made.append(value) or value

    runs = Runs(store, {"a.md": "ka", "b.md": "kb"}, salt="s")
    assert runs.run(["ka", "kb"], make("first")) == "first"
    assert runs.run([runs.key("a.md"), runs.key("new.md")], make("keyless")) == "keyless"
    runs.finish()
    assert made == ["first", "keyless"]

    again = Runs(store, {"a.md": "ka", "b.md": "kb"}, salt="s")
    assert again.run(["ka", "kb"], make("second")) == "first"  # reused
    assert again.run(["ka", None], make("keyless")) == "keyless"  # never stored
    assert Runs(store, {}, salt="other").run(["ka", "kb"], make("salted")) == "salted"
    again.finish()
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE pieces SET value = x'00'")
    assert Runs(store, {}, salt="s").run(["ka", "kb"], make("damaged")) == "damaged"
    # a stored value ("damaged") that is not what `make` makes (an int) is made again
    ints = Runs(store, {}, salt="s")
    assert ints.run(["ka", "kb"], make("unfit"), lambda v: isinstance(v, int)) == "unfit"
    assert made == ["first", "keyless", "keyless", "salted", "damaged", "unfit"]


def test_a_feeds_head_is_made_again_only_when_what_it_shows_changes(playbook, tmp_path) -> None:
    """The calendar's properties and the VTIMEZONE are icalendar's (the largest of the
    imports of a build after an edit): kept with the events, made again when the feed's
    name, or the years of its series, change; every feed still equals a cold build's."""
    series = (
        "---\ntitle: Weekly\ndate: 2027-03-05 17:00\ngoal: more-replies\naudience: riders\n"
        "repeat: {freq: weekly, count: 3}\nvariants:\n  x: {text: Every Friday}\n---\n"
    )
    root = playbook({"content/posts/weekly.md": series})
    build(root, 1800000000)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1800000000"}

    def built_with_icalendar() -> bool:
        return build_imports("icalendar", root, env, "-j", "1")  # the feeds in this process

    def cold() -> dict[str, bytes]:
        fresh = tmp_path / "cold"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(root / "content", fresh / "content")
        build(fresh, 1800000000)
        return tree(fresh / "output")

    post = root / "content/posts/hello.md"
    post.write_text(post.read_text().replace("Welcome", "Welcome again"))
    assert not built_with_icalendar()  # every head kept
    playbook_yaml = root / "content/playbook.yaml"
    playbook_yaml.write_text(playbook_yaml.read_text().replace("Test playbook", "Renamed"))
    assert built_with_icalendar()
    assert b"X-WR-CALNAME:Renamed\r\n" in (root / "output/calendar.ics").read_bytes()
    assert tree(root / "output") == cold()
    weekly = root / "content/posts/weekly.md"
    weekly.write_text(series.replace("2027-03-05", "2028-03-03"))
    playbook_yaml.write_text(
        playbook_yaml.read_text().replace("end: 2027-03-14", "end: 2028-03-31")
    )
    assert built_with_icalendar()
    # the zone's rules for the years around the series' (2027 to 2029, was 2026 to 2028)
    assert b"RDATE:20290325T030000" in (root / "output/calendar.ics").read_bytes()
    assert tree(root / "output") == cold()


def test_a_stored_month_is_used_only_if_it_is_what_the_schedules_make() -> None:
    """A schedule's month is kept as bytes (`MonthPart`): every record once, and where
    each channel's are. Each channel's JSON gets exactly its own records, in order; a
    stored value of another shape, count or extent is made again."""
    built = build_example()
    months: dict[tuple[int, int], list] = {}
    for occ in built.plan.occurrences:
        months.setdefault((occ.utc.year, occ.utc.month), []).append(occ)
    month, other = sorted(
        (m for m in months.values() if len({o.variant.channel for o in m}) > 1), key=len
    )[-2:]
    schedules = Schedules(built.model, Links(built.model.playbook.base_url))
    made = schedules.month(month)
    assert _fits(month, made) and made.count == len(month)
    every = [json.loads(record) for record in made.every.split(RECORDS)]
    assert [(r["post"], r["channel"], r["occurrence"]) for r in every] == [
        (o.post.id, o.variant.channel, o.index) for o in month
    ]
    for cid, csv_lines, spans in made.channels:
        mine = [json.loads(bytes(record)) for record in made.records(spans)]
        assert mine == [r for r in every if r["channel"] == cid]
        assert csv_lines.decode().count("\r\n") >= len(mine)  # a text may hold line ends
    cid, csv_lines, spans = made.channels[0]
    # as many spans, the last one too long
    beyond = pieces.spans([*pieces.bounds(spans)[:-1], len(made.every) + 1])
    assert not _fits(month, made._replace(channels=((cid, csv_lines, beyond), *made.channels[1:])))
    assert not _fits(month, made._replace(count=made.count + 1))
    assert not _fits(month, made._replace(channels=made.channels[1:]))
    assert not _fits(other, made)
    assert not _fits(month, tuple((o.variant.channel, "line", b"{}") for o in month))  # rows


def test_a_stored_feed_run_is_used_only_if_it_is_what_the_feeds_make() -> None:
    """A run of posts' events is kept joined once, with where each other feed's events
    are (feeds/ical.FeedRun). Each feed gets exactly its own events of the run, in order,
    as the writer makes them one by one; a run made at another moment gets this build's
    DTSTAMP; a stored value of another shape, count, extent or stamp is made again."""
    from smcycle_build.feeds.ical import FeedWriter
    from smcycle_build.feeds.ical import _fits as fits

    built = build_example()
    model, links = built.model, Links(built.model.playbook.base_url)
    writer = FeedWriter(model, built.plan, links, datetime(2027, 1, 5, 9, 0, tzinfo=UTC))
    run = list(model.posts.values())[:40]
    made = writer.post_run(run)
    one_by_one = [(writer.post_event(p, v), ts) for p in run for v, ts in writer._targets(p)]
    assert made.count == len(one_by_one) and made.events == b"".join(e for e, _ in one_by_one)
    assert {i for i, _ in made.feeds} == {i for _, ts in one_by_one for i in ts} - {0}
    for i, spans in made.feeds:
        mine = b"".join(pieces.views(made.events, spans))
        assert mine == b"".join(event for event, ts in one_by_one if i in ts)
    later = FeedWriter(model, built.plan, links, datetime(2027, 3, 1, 17, 30, tzinfo=UTC))
    assert made.stamp != later.post_run(run).stamp
    assert made.restamped(later.post_run(run).stamp) == later.post_run(run)

    feeds = len(writer.feeds())
    expect = {"count": made.count, "stamp": made.stamp, "feeds": feeds}
    assert fits(made, **expect)
    i, spans = made.feeds[0]
    # as many spans, the last one too long; a feed there is not
    beyond = pieces.spans([*pieces.bounds(spans)[:-1], len(made.events) + 1])
    assert not fits(made._replace(feeds=((i, beyond), *made.feeds[1:])), **expect)
    assert not fits(made._replace(feeds=((feeds, spans), *made.feeds[1:])), **expect)
    assert not fits(made, **{**expect, "count": made.count + 1})
    assert not fits(made._replace(stamp=made.stamp + b"0"), **expect)  # spans would move
    assert not fits(tuple(event for event, _ in one_by_one), **expect)  # the events alone
