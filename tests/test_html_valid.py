"""Every page of both example sites is valid HTML to the W3C Nu HTML Checker (vnu.jar)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from site_builds import Site, build_sites, node_tool


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Site]:
    return build_sites(tmp_path_factory)


def test_every_page_is_valid_html(sites: dict[str, Site]) -> None:
    java = shutil.which("java")
    assert java, "java is missing: scripts/test installs default-jre-headless"
    vnu = node_tool("vnu-jar", "build", "dist", "vnu.jar")
    files = [path for site in sites.values() for path in site.html_files()]
    assert len(files) > 100  # both sites, every page: a build that lost pages shows here
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
        where = where.removeprefix(str(root) + "/") if where.startswith(str(root)) else where
        line = m.get("lastLine", m.get("firstLine", "?"))
        errors.append(f"{where}:{line}: {m['type']}: {m['message']}\n    {m.get('extract', '')!r}")
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
    assert run.returncode == 0, run.stdout + run.stderr
