"""`smcycle diff`: schedule changes between git revisions, as a pull-request comment."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import BASE, run_cli

SERIES = """---
title: Saturday ride
date: "2027-03-06 08:00"
goal: more-replies
audience: riders
repeat: {freq: weekly, until: 2027-03-20}
variants:
  x: {text: "Ride at eight"}
---
"""
EXTRA = """---
title: Extra
date: "2027-03-12 12:00"
status: draft
goal: more-replies
audience: riders
variants:
  x: {text: "An extra word"}
---
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)


def repo(playbook) -> Path:
    root = playbook({"content/posts/series.md": SERIES, "content/posts/extra.md": EXTRA})
    git(root, "init", "-q")
    commit(root, "base")
    return root


def test_every_kind_of_change(playbook) -> None:
    root = repo(playbook)
    hello = root / "content/posts/hello.md"
    text = hello.read_text()
    text = text.replace("2027-03-10 09:00", "2027-03-11 09:30")  # moved
    text = text.replace("Hello from the shop", "Hello from the workshop")  # instagram text
    hello.write_text(text)
    extra = root / "content/posts/extra.md"
    extra.write_text(EXTRA.replace("status: draft", "status: approved"))  # re-status
    series = root / "content/posts/series.md"
    series.write_text(SERIES.replace("until: 2027-03-20", "until: 2027-04-03"))
    (root / "content/posts/new.md").write_text(
        EXTRA.replace("title: Extra", "title: New one").replace("03-12", "03-13")
    )
    commit(root, "head")
    (root / "content/posts/extra.md").unlink()  # removed, in the working tree only
    run = run_cli(root, "diff", "HEAD~1", "HEAD")
    assert run.exit_code == 0, run.output
    out = run.output
    assert out.splitlines()[0] == (
        "**smcycle diff** `HEAD~1` → `HEAD`: 1 added, 3 moved, 1 text changed, "
        "1 status changed, 1 series changed on 3 channels"
    )
    assert "| moved | Hello (`hello`) | 2027-03-11 09:30 | from 2027-03-10 09:00 |" in out
    assert "| added | New one (`new`) | 2027-03-13 12:00 |  |" in out
    assert "| status changed | Extra (`extra`) | 2027-03-12 12:00 | draft → approved |" in out
    assert "| series changed | Saturday ride (`series`) | 2027-03-06 08:00 | 2 more " in out
    assert "(2027-03-27 to 2027-04-03) |" in out
    assert "| text changed | Hello (`hello`) | 2027-03-11 09:30 | 19 → 23 characters" in out
    # the working tree (HEAD omitted) also sees the removal
    run = run_cli(root, "diff", "HEAD")
    assert "| removed | Extra (`extra`) | 2027-03-12 12:00 |  |" in run.output
    assert "`HEAD` → `working tree`" in run.output


def test_no_difference_and_json(playbook) -> None:
    root = repo(playbook)
    run = run_cli(root, "diff", "HEAD")
    assert run.exit_code == 0
    assert run.output == "**smcycle diff** `HEAD` → `working tree`: no change to the schedule\n"
    run = run_cli(root, "diff", "HEAD", "--format", "json")
    doc = json.loads(run.output)
    assert doc == {"base": "HEAD", "head": "working tree", "changes": [], "new_warnings": []}


def test_new_warnings_are_listed(playbook) -> None:
    root = repo(playbook)
    pb = root / "content/playbook.yaml"
    pb.write_text((BASE / "content/playbook.yaml").read_text() + "lint: {max_silence_days: 3}\n")
    run = run_cli(root, "diff", "HEAD")
    assert "new warnings" in run.output.splitlines()[0]
    assert "- `content/channels/website.yaml:1: warning silence:" in run.output


def test_long_channels_are_collapsed(playbook) -> None:
    root = repo(playbook)
    for i in range(12):
        (root / f"content/posts/n{i}.md").write_text(
            EXTRA.replace("title: Extra", f"title: N{i}").replace("12:00", f"{8 + i:02d}:00")
        )
    run = run_cli(root, "diff", "HEAD")
    assert "<details><summary><b>X</b>: 12 changes</summary>" in run.output


def test_unreadable_revision_exits_1(playbook) -> None:
    root = repo(playbook)
    run = run_cli(root, "diff", "no-such-rev")
    assert run.exit_code == 1
