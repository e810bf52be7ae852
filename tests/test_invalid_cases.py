"""Invalid-content cases: each folder of tests/invalid/ is a small playbook with a mistake.

Each case is the base playbook (`_base/`) with the case's own files laid over it
(and the base files named in `remove.txt` taken away). `smcycle check` must exit 1
and print exactly `expected.txt` — paths, lines, rules, messages and hints.
Regenerate with `pytest tests/test_invalid_cases.py --regen` and review the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import BASE, TESTS, run_cli

CASES = sorted(p for p in (TESTS / "invalid").iterdir() if p.is_dir() and p.name != "_base")


def test_base_playbook_is_valid(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "repo")
    run = run_cli(tmp_path / "repo", "check")
    assert run.exit_code == 0, run.output


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_case(case: Path, tmp_path: Path, regen: bool) -> None:
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    removed = case / "remove.txt"
    if removed.exists():
        for rel in removed.read_text().split():
            target = root / rel
            shutil.rmtree(target) if target.is_dir() else target.unlink()
    shutil.copytree(case, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.txt"))
    run = run_cli(root, "check")
    expected = case / "expected.txt"
    if regen:
        expected.write_text(run.output, encoding="utf-8")
    assert run.exit_code == 1, run.output
    assert run.output == expected.read_text(encoding="utf-8")
