"""The feeds and schedules, kept file by file: a build after an edit writes again only the
files that show the edited post, and what it writes is what a first build makes
(Layout.long_jobs)."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import file_id, files, run_cli

EXAMPLE = Path(__file__).parent.parent / "content"
# website (its text is the body), newsletter (its network takes the body, it has its own
# text: keyed as the website is, whole), instagram and facebook; in the
# winter-riders-club campaign, for the club-riders audience
POST = "content/posts/2027-10/why-i-ride-in-winter.md"
BODY = ("what she\nwears", "what she\nbrings")
INSTAGRAM = ("the hardest", "the toughest")
POST_FILES = {
    "calendar.ics",
    "schedule.json",
    "campaigns/winter-riders-club.ics",
    "audiences/club-riders.ics",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root / "content")
    return root


def edit(root: Path, old: str, new: str) -> None:
    path = root / POST
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def data(out: Path) -> dict[str, tuple[int, int]]:
    """Each feed's and schedule's inode and time."""
    found = [*out.rglob("*.ics"), *out.rglob("*.csv"), *out.rglob("*.json")]
    return {p.relative_to(out).as_posix(): file_id(p) for p in found}


def channel_files(*channels: str) -> set[str]:
    return {f"channels/{c}.{ext}" for c in channels for ext in ("csv", "json", "ics")}


def build(root: Path) -> str:
    run = run_cli(root, "build")
    assert run.exit_code == 0, run.output
    return run.output


def test_an_edit_writes_again_only_the_feeds_and_schedules_that_show_the_post(
    repo: Path, tmp_path: Path, monkeypatch
) -> None:
    """A body edit: the files of everything, of the post's campaign and audience, and
    of the channels whose text is the body. An edit of its front matter: those of all
    its channels too. Every other file is the last build's, as it was, the feed-size
    warning of a feed kept is still given, and the output is a first build's."""
    import smcycle_build.layout as layout

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    monkeypatch.setattr(layout, "GOOGLE_LIMIT", 2000)  # every feed warned about
    warned = re.compile(r"feed-size: (\S+) is")
    first = build(repo)
    assert "channels/instagram.ics" in warned.findall(first)
    out = repo / "output"
    before = data(out)

    edit(repo, *BODY)
    second = build(repo)
    after = data(out)
    made = {path for path in before if after[path] != before[path]}
    assert made == POST_FILES | channel_files("website", "newsletter")
    assert after.keys() == before.keys()
    assert sorted(warned.findall(second)) == sorted(warned.findall(first))
    assert b"what she\\nbrings" in (out / "channels/website.json").read_bytes()

    edit(repo, *INSTAGRAM)
    build(repo)
    again = data(out)
    made = {path for path in after if again[path] != after[path]}
    assert made == POST_FILES | channel_files("website", "newsletter", "instagram", "facebook")
    assert b"the toughest" in (out / "channels/instagram.csv").read_bytes()

    fresh = tmp_path / "fresh"
    shutil.copytree(repo / "content", fresh / "content")
    build(fresh)
    assert files(out) == files(fresh / "output")


def test_a_feed_kept_keeps_the_moment_it_was_made_unless_the_moment_is_pinned(
    repo: Path, monkeypatch
) -> None:
    """Without SOURCE_DATE_EPOCH a feed whose events did not change is the last build's
    file, its DTSTAMP the moment that build made it (RFC 5545: when the iCalendar
    object was created); a feed made again has this build's. A pinned moment is an
    input like the content: every feed shows it."""
    import smcycle_build.cli as cli_module

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)

    def build_at(minute: int) -> None:
        moment = datetime(2027, 1, 15, 9, minute, tzinfo=UTC)
        monkeypatch.setattr(cli_module, "build_time", lambda: moment)
        build(repo)

    def stamps(path: str) -> set[bytes]:
        return set(re.findall(rb"DTSTAMP:(\w+)", (repo / "output" / path).read_bytes()))

    build_at(0)
    edit(repo, *BODY)
    build_at(5)
    assert stamps("channels/instagram.ics") == {b"20270115T090000Z"}
    assert stamps("campaigns/spring-tune-up.ics") == {b"20270115T090000Z"}
    assert stamps("channels/website.ics") == {b"20270115T090500Z"}
    assert stamps("calendar.ics") == {b"20270115T090500Z"}

    pinned = int(datetime(2027, 1, 15, 9, 10, tzinfo=UTC).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(pinned))
    monkeypatch.setattr(cli_module, "build_time", cli_module.pinned_time)
    build(repo)
    for path in ("channels/instagram.ics", "campaigns/spring-tune-up.ics", "calendar.ics"):
        assert stamps(path) == {b"20270115T091000Z"}
