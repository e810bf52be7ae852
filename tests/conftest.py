"""Shared test helpers: small playbooks written inline, and the CLI run in-process."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from smcycle_build.cli import cli

TESTS = Path(__file__).parent
BASE = TESTS / "invalid" / "_base"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen", action="store_true", help="rewrite the expected files of golden tests"
    )


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """`serve` turns the cyclic collector off between its quiet moments (serve.py): a
    test that rebuilds a LiveSite must not leave it off for the tests after it."""
    yield
    gc.enable()


@pytest.fixture
def regen(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen"))


@dataclass
class Run:
    exit_code: int
    output: str  # stdout and stderr, as a terminal shows them
    stdout: str = ""
    stderr: str = ""


def run_cli(root: Path, *args: str) -> Run:
    """`smcycle ARGS` in `root`, in-process; a traceback fails the test."""
    old = Path.cwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.output, result.stdout, result.stderr)


def probe(code: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """What `code` prints in a new interpreter in `cwd` (which must exit cleanly): what a
    fresh process imports and does, apart from the test's own."""
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def build_imports(module: str, root: Path, env: dict[str, str], *options: str) -> bool:
    """Whether `smcycle build OPTIONS`, run in `root` by a new interpreter, imported
    `module` in its own process (what a build pays before any file is made). With
    `-j 1`, the process that does everything: on two cores, what a worker makes
    depends on which process is free first (render/parallel.py)."""
    code = (
        "import sys\n"
        "from smcycle_build.cli import main\n"
        f"sys.argv = ['smcycle', 'build', *{list(options)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print({module!r} in sys.modules)\n"
    )
    return probe(code, root, env).splitlines()[-1] == "True"


def files(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` and its bytes, by its path there: two outputs compared."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def file_id(path: Path) -> tuple[int, int]:
    """A file's inode and modification time: the same after a build that kept the file."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def playbook(tmp_path: Path):
    """A copy of the small valid base playbook, with some files replaced or removed.

    `playbook({"content/posts/x.md": "..."}, remove=["content/goals/more-replies.yaml"])`
    """

    def make(files: dict[str, str | bytes] | None = None, remove: tuple[str, ...] = ()) -> Path:
        root = tmp_path / "repo"
        if not root.exists():
            shutil.copytree(BASE, root)
        for rel in remove:
            (root / rel).unlink()
        return write_files(root, files or {})

    return make


@pytest.fixture
def parsed_posts(monkeypatch) -> list[str]:
    """The post files parsed from here on (their paths), as `load.parse_document` sees them."""
    import smcycle_build.load as load

    parsed: list[str] = []
    parse = load.parse_document

    def counting(kind, path, rel, text, diags):
        if kind == "posts":
            parsed.append(rel)
        return parse(kind, path, rel, text, diags)

    monkeypatch.setattr(load, "parse_document", counting)
    return parsed
