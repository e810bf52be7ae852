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


# links as people paste them: those the check takes, and those it refuses (a space, a
# quote, brackets, a stray `%` or `#`, a space in the host, credentials)
TAKEN = [
    "https://shop.example/",
    "https://shop.example",
    "https://shop.example/spring%20sale/?ref=a&b=c;d#top",
    "https://[::1]:8080/p",
    "https://shop.example:8443/a/(b)/c*!$',+=:@~",
    "https://shop.example/é/ü?q=ñ#ß",
]
REFUSED = [
    "https://shop.example/spring sale/",
    'https://shop.example/?ref="x"',
    "https://shop.example/<b>",
    "https://shop.example/a\\b",
    "https://shop.example/a^b`c{d|e}",
    "https://shop.example/?a[]=1",
    "https://shop.example/p?a=50%",
    "https://shop.example/p#a#b",
    "https://shop example/",
    "https://user:secret@shop.example/",
]


def test_the_url_rule_agrees_with_the_w3c_checker(tmp_path: Path) -> None:
    """A post's link, a channel's `url` and `base_url` are refused exactly when the W3C
    checker would reject a page linking to them, and the hint's escaped form is valid."""
    from html import escape

    from smcycle_build.fields import url_problem

    hints = []
    for link in TAKEN:
        assert url_problem(link) is None, link
    for link in REFUSED:
        problem = url_problem(link)
        assert problem is not None, link
        if problem.hint is not None:
            hint = problem.hint.split("`")[1]
            assert url_problem(hint) is None, hint
            hints.append(hint)
    assert len(hints) == len(REFUSED) - 1  # a space in the host cannot be escaped
    links = TAKEN + hints + REFUSED
    page = tmp_path / "links.html"
    page.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
        "<body>\n"
        + "".join(f'<p><a href="{escape(link)}">{i}</a></p>\n' for i, link in enumerate(links))
        + "</body></html>\n",
        encoding="utf-8",
    )
    vnu = node_tool("vnu-jar", "build", "dist", "vnu.jar")
    run = subprocess.run(
        [shutil.which("java") or "java", "-jar", str(vnu), "--format", "json", str(page)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(run.stderr or run.stdout)
    bad_lines = {m["lastLine"] for m in report["messages"] if m["type"] == "error"}
    rejected = {links[line - 2] for line in bad_lines}  # line 2 holds the first link
    assert rejected == set(REFUSED)
