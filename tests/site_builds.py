"""Both example playbooks built once per test session, through the real command line.

The browser and HTML-validity tests look at what `smcycle build` writes, so they build
the way a user does: `python -m smcycle_build build` in a subprocess, at a fixed "today".
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"
ARTIFACTS = REPO / "test-artifacts"

# 2027-01-15: inside the examples' year, so "today" and "what's next" are on the pages
SOURCE_DATE_EPOCH = "1800000000"

# Debian's Chromium, as root, on a machine with no network but the package registries
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

EXAMPLES = {"en": REPO / "content", "he": REPO / "examples" / "he" / "content"}


@dataclass(frozen=True)
class Site:
    """One built example: `root / name` is its output folder."""

    name: str
    root: Path

    @property
    def out(self) -> Path:
        return self.root / self.name

    def html_files(self) -> list[Path]:
        return sorted(self.out.rglob("*.html"))


_built: dict[Path, dict[str, Site]] = {}


def build_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Site]:
    """Build every example into one folder (`<tmp>/sites/en`, `.../he`), once per session.

    Test modules each wrap this in their own session fixture; the cache keeps it one build.
    """
    base = tmp_path_factory.getbasetemp()
    if base not in _built:
        root = tmp_path_factory.mktemp("sites", numbered=False)
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PYTHONUTF8": "1"}
        sites = {}
        for name, content in EXAMPLES.items():
            args = [sys.executable, "-m", "smcycle_build", "build"]
            args += ["--content", str(content), "--out", str(root / name)]
            run = subprocess.run(
                args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300
            )
            assert run.returncode == 0, f"building {name} failed:\n{run.stdout}{run.stderr}"
            assert (root / name / "index.html").is_file(), run.stdout
            sites[name] = Site(name, root)
        _built[base] = sites
    return _built[base]


def node_tool(*parts: str) -> Path:
    """A file from the npm test tools; `npm ci` (scripts/test runs it) installs them."""
    path = NODE_MODULES.joinpath(*parts)
    if not path.is_file():
        pytest.fail(f"{path.relative_to(REPO)} is missing: run `npm ci` at the repository root")
    return path
