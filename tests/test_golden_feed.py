"""A golden feed: the Jerusalem playbook's calendar.ics, byte for byte.

Any change to what the feeds say shows here as a reviewable diff. Regenerate with
`pytest tests/test_golden_feed.py --regen` (.gitattributes keeps the CRLF bytes).
"""

from __future__ import annotations

from pathlib import Path

from feed_builds import JERUSALEM, NOW, make_repo

from smcycle_build.build import build_site
from smcycle_build.output import MemoryOutput
from smcycle_build.pipeline import Project

GOLDEN = Path(__file__).parent / "golden" / "jerusalem-calendar.ics"


def test_jerusalem_feed_is_the_golden_one(tmp_path: Path, regen: bool) -> None:
    root = make_repo(tmp_path / "jlm", JERUSALEM)
    out = MemoryOutput()
    assert build_site(Project.locate("content", cwd=root), out, now=NOW).ok
    data = out.files["calendar.ics"]
    if regen:
        GOLDEN.write_bytes(data)
    assert data == GOLDEN.read_bytes()
