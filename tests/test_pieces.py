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

from smcycle_build.cache import PieceStore
from smcycle_build.pieces import Runs

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


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


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
    posts = len(list((root / "content/posts").rglob("*.md")))  # 300, and the series
    assert len(events) == -(-posts // 100) and len(rows) > 12  # 100 posts a run; a month

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
