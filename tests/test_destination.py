"""`smcycle build --out`: a build replaces its folder whole, so never a folder it reads,
the repository, or a folder of someone's own files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from smcycle_build.routes import TOP_LEVEL

REPO = Path(__file__).parent.parent


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below `root` but the cache (a refused build still checked nothing)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".smcycle-cache" not in path.parts
    }


@pytest.mark.parametrize(
    ("out", "said"),
    [
        (".", "--out . is the repository ("),
        ("..", "--out .. holds the repository ("),
        ("content", "--out content is the content folder ("),
        ("content/posts", "--out content/posts is inside the content folder ("),
        ("templates", "--out templates is the templates folder ("),
        (".smcycle-cache", "--out .smcycle-cache is the cache folder ("),
        (".git/site", "--out .git/site is inside git's own folder"),
        ("notes", "--out notes holds a.txt, b.txt, c.txt and 1 more, which a build does not"),
        ("a-file", "--out a-file is a file, not a folder"),
    ],
)
def test_a_folder_the_build_must_not_replace_is_refused(playbook, out: str, said: str) -> None:
    """Before, `--out .` replaced the repository, `.git` and all, with the site, and
    `--out content` the playbook. Now each is a message, exit 1, and nothing is touched."""
    root = playbook({f"notes/{n}.txt": n for n in "abcd"} | {"a-file": "mine", ".git/HEAD": "x"})
    before = snapshot(root)
    run = run_cli(root, "build", "--out", out)
    assert run.exit_code == 1
    assert f"smcycle: {said}" in run.output, run.output
    assert "a build replaces" in run.output or "is a file" in run.output
    assert snapshot(root) == before


def test_a_folder_inside_the_templates_is_refused(playbook) -> None:
    root = playbook({"theme/post.html": "{% extends 'base.html' %}"})
    run = run_cli(root, "build", "--templates", "theme", "--out", "theme/site")
    assert run.exit_code == 1
    assert "--out theme/site is inside the --templates folder (" in run.output


def test_a_builds_own_folder_is_replaced_and_what_systems_leave_goes_with_it(
    playbook, tmp_path: Path
) -> None:
    """The last build's folder is built into again, with what Finder or Explorer left in
    it; a folder elsewhere is fine, and so is a new one."""
    root = playbook()
    assert run_cli(root, "build").exit_code == 0
    (root / "output/.DS_Store").write_bytes(b"\0")
    (root / "output/posts/Thumbs.db").write_bytes(b"\0")
    assert run_cli(root, "build").exit_code == 0
    assert not (root / "output/.DS_Store").exists()
    elsewhere = tmp_path / "site" / "public"
    assert run_cli(root, "build", "--out", str(elsewhere)).exit_code == 0
    assert (elsewhere / "index.html").is_file()


def test_the_names_a_build_writes_at_its_top_are_those_it_checks_for(tmp_path: Path) -> None:
    """routes.TOP_LEVEL is what the example playbook (every section, media too) builds:
    a new name the build wrote but did not list would make its next build refuse it."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    assert run_cli(tmp_path, "build").exit_code == 0
    assert {path.name for path in (tmp_path / "output").iterdir()} == TOP_LEVEL


@pytest.mark.parametrize("command", ["build", "serve"])
def test_a_templates_folder_that_is_not_there_is_refused(playbook, command: str) -> None:
    """A mistyped `--templates` was the built-in theme, silently."""
    run = run_cli(playbook(), command, "--templates", "them")
    assert run.exit_code == 2
    assert "Invalid value for '--templates': Directory 'them' does not exist." in run.output
