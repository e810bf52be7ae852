"""Our direct iCalendar writer against icalendar's: the same bytes, event by event."""

from __future__ import annotations

import re
from pathlib import Path

from feed_builds import JERUSALEM, make_repo
from icalendar import Event

from smcycle_build.build import build_site
from smcycle_build.feeds.icstext import Component, fold, text
from smcycle_build.output import MemoryOutput
from smcycle_build.pipeline import Project

REPO = Path(__file__).parent.parent
EVENT = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.S)


def events_of(root: Path, content: str = "content") -> list[bytes]:
    out = MemoryOutput()
    assert build_site(Project.locate(content, cwd=root), out).ok
    return EVENT.findall(out.files["calendar.ics"])


def test_every_event_is_icalendars_own_serialisation(tmp_path: Path) -> None:
    jerusalem = make_repo(tmp_path / "jlm", JERUSALEM)  # DST days, series, Hebrew, escapes
    events = events_of(REPO) + events_of(REPO, "examples/he/content") + events_of(jerusalem)
    assert len(events) > 300
    for raw in events:
        assert Event.from_ical(raw).to_ical() == raw, raw.decode()


def test_escaping_and_folding_like_icalendar() -> None:
    for value in [
        "a,b;c\\d\nnew line",
        "x" * 73 + "\\n and more",  # an escape at the fold: kept whole
        "שלום " * 40,  # two-byte characters across folds
        "😀" * 30,  # four-byte characters
        "plain",
    ]:
        ours = Component("VEVENT")
        ours.add("DESCRIPTION", text(value))
        reference = Event()
        reference.add("description", value)
        assert ours.to_ical() == reference.to_ical(), value
    for line in (fold("DESCRIPTION:" + "é" * 100)).split("\r\n"):
        assert len(line.encode()) <= 75


def test_clean_strips_every_control_character_but_tab_and_newline() -> None:
    """ASCII text goes by a byte table, any other by an expression: the same characters."""
    from smcycle_build.feeds.icstext import clean

    controls = "".join(chr(c) for c in [*range(0x20), 0x7F] if chr(c) not in "\t\n")
    assert clean(f"a{controls}b\tc\r\nd") == "ab\tc\nd"
    assert clean(f"é{controls}\x85\x9fb\tc\r\nd") == "éb\tc\nd"
    plain = "nothing to strip\n"
    assert clean(plain) == plain
