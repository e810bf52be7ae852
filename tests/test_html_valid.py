"""Every page of both example sites is valid HTML to the W3C Nu HTML Checker (vnu.jar)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from site_builds import REPO, Site, build_sites, node_tool

from smcycle_build.build import build_site
from smcycle_build.output import MemoryOutput
from smcycle_build.pipeline import Project


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Site]:
    return build_sites(tmp_path_factory)


def split_channel_pages(folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The pages of a channel schedule long enough to be split by month (the examples'
    are not): the example built with a lower limit, its channel pages written out."""
    import smcycle_build.render.pages as pages

    monkeypatch.setattr(pages, "CHANNEL_PAGE_LIMIT", 20)
    out = MemoryOutput()
    project = Project.locate("content", cwd=REPO)
    assert build_site(project, out, now=datetime(2027, 1, 15, tzinfo=UTC)).ok
    files = []
    for path, data in out.files.items():
        if path.startswith("channels/x/") and path.endswith(".html"):
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            files.append(target)
    assert len(files) > 10
    return files


def test_every_page_is_valid_html(
    sites: dict[str, Site], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    java = shutil.which("java")
    assert java, "java is missing: scripts/test installs default-jre-headless"
    vnu = node_tool("vnu-jar", "build", "dist", "vnu.jar")
    files = [path for site in sites.values() for path in site.html_files()]
    assert len(files) > 100  # both sites, every page: a build that lost pages shows here
    files += split_channel_pages(tmp_path, monkeypatch)
    # one JVM for all files: starting the checker is most of its time
    args = [java, "-Xss4m", "-jar", str(vnu), "--errors-only", "--format", "json"]
    run = subprocess.run(
        [*args, *map(str, files)], capture_output=True, text=True, timeout=300, check=False
    )
    # vnu prints its JSON report to stderr and exits 1 when it found an error
    report = json.loads(run.stderr or run.stdout)
    root = next(iter(sites.values())).root
    errors = []
    for m in report["messages"]:
        where = m.get("url", "").removeprefix("file:")
        for folder in (root, tmp_path):
            where = where.removeprefix(str(folder) + "/")
        line = m.get("lastLine", m.get("firstLine", "?"))
        errors.append(f"{where}:{line}: {m['type']}: {m['message']}\n    {m.get('extract', '')!r}")
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
    assert run.returncode == 0, run.stdout + run.stderr
