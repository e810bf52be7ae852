"""Every page of both example sites is valid HTML to the W3C Nu HTML Checker (vnu.jar)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from site_builds import REPO, Site, build_sites, node_tool

from conftest import run_cli
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

    from smcycle_build.webtext import url_problem

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
    body = "".join(f'<p><a href="{escape(link)}">{i}</a></p>\n' for i, link in enumerate(links))
    bad_lines = {m["lastLine"] for m in vnu_report(tmp_path, body, name="links.html")}
    rejected = {links[line - 2] for line in bad_lines}  # line 2 holds the first link
    assert rejected == set(REFUSED)


def test_the_links_of_a_body_are_valid_whatever_its_markdown_says(tmp_path: Path) -> None:
    """Python-Markdown writes a link's destination as it is given, and nh3 keeps it: a
    body's `[sale](<https://shop.example/spring sale>)` made a page the W3C checker
    rejects. Each URL is escaped as CommonMark's renderers escape it, in Markdown and in
    raw HTML alike; what is valid is left as it was."""
    from smcycle_build.render.markup import new_markdown, to_html

    bodies = {
        "[the sale](<https://shop.example/spring sale/>)": 'href="https://shop.example/spring%20sale/"',
        "<https://shop.example/a|b>": 'href="https://shop.example/a%7Cb"',
        "[half off](https://shop.example/?off=50%)": 'href="https://shop.example/?off=50%25"',
        "[top](https://shop.example/p#a#b)": 'href="https://shop.example/p#a%23b"',
        "![a bike](<my bike [2].png>)": 'src="my%20bike%20%5B2%5D.png"',
        '<a href="https://shop.example/a b">raw</a>': 'href="https://shop.example/a%20b"',
        '<blockquote cite="https://shop.example/q^1">said</blockquote>': (
            'cite="https://shop.example/q%5E1"'
        ),
        "[as it was](https://shop.example/a%20b?q=1&r=é#top)": (
            'href="https://shop.example/a%20b?q=1&amp;r=é#top"'
        ),
    }
    md = new_markdown()
    rendered = []
    for body, written in bodies.items():
        html = to_html(md, body)
        assert written in html, html
        rendered.append(html)
    report = vnu_report(tmp_path, "\n".join(rendered) + "\n", name="bodies.html")
    assert [m["message"] for m in report] == []


def test_the_characters_left_out_are_those_no_page_can_show(tmp_path: Path) -> None:
    """A YAML escape (`"\\a"`, `"\\x1b"`, `"\\0"`) or pasted text puts a character in a
    title or a body that the W3C checker rejects on any page: exactly those are left out
    (webtext.showable), and no other."""
    from smcycle_build.webtext import showable

    chars = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA1)) if chr(c) not in "\n\r"]
    chars += ["\u00ad", "\u200d", "\u2028", "\u2029", "\ufeff", "\ufdcf", "\ufdd0", "\ufdef"]
    chars += ["\ufdf0", "\ufffd", "\ufffe", "\uffff", "\U0001f6b2", "\U0001fffe", "\U0010ffff"]
    report = vnu_report(tmp_path, "".join(f"<p>a{c}b</p>\n" for c in chars), name="chars.html")
    rejected = {chars[m["lastLine"] - 2] for m in report}  # line 2 holds the first
    left_out = {c for c in chars if showable(f"a{c}b") == "ab"}
    assert {f"U+{ord(c):04X}" for c in left_out} == {f"U+{ord(c):04X}" for c in rejected}
    assert showable("a\nb\r\nc\td") == "a\nb\r\nc\td"


def test_the_quick_test_of_a_text_leaves_out_what_the_expression_does() -> None:
    """`showable` looks at a text's UTF-8 before it runs its expression (which reads three
    seconds of 10,000 posts' bodies): every character of the planes that hold the ones it
    leaves out, alone and beside an ASCII one, gives what the expression gives."""
    from smcycle_build.webtext import _UNSHOWABLE, showable

    points = [*range(0x3000), *range(0xD000, 0x10000)]
    points += [
        plane + low for plane in range(0x10000, 0x110000, 0x10000) for low in range(0xBFB0, 0xBFC0)
    ]
    points += [
        plane + low for plane in range(0x10000, 0x110000, 0x10000) for low in range(0xFFF0, 0x10000)
    ]
    for point in points:
        for text in (f"a\n{chr(point)}b", f"a\n{chr(point)}b\x07", f"{chr(point)}é\n"):
            assert showable(text) == _UNSHOWABLE.sub("", text), hex(point)


def test_a_page_is_valid_whatever_characters_its_content_holds(playbook, tmp_path) -> None:
    """Control characters and noncharacters in a post's fields and body made its page
    invalid (the feeds and the CSV always left them out): every page leaves them out."""
    noisy = (
        '---\ntitle: "Noisy\\a title\\uFDD0"\ndate: "2027-03-11 09:00"\n'
        "goal: more-replies\naudience: riders\n"
        'variants:\n  x: {text: "Ring\\a the \\e[1mbell"}\n  website: {}\n---\n'
        "Pasted from a document:\x0bthe next line.\x7f\n"
    )
    root = playbook({"content/posts/noisy.md": noisy})
    run = run_cli(root, "build", "--out", str(tmp_path / "out"))
    assert run.exit_code == 0, run.output
    page = (tmp_path / "out/posts/noisy/index.html").read_text(encoding="utf-8")
    assert "Noisy title" in page and "Ring the [1mbell" in page
    assert "Pasted from a document:the next line." in page
    pages = [p for p in (tmp_path / "out").rglob("*.html")]
    assert vnu_files(pages) == []


def vnu_files(files: list[Path]) -> list[dict]:
    """The W3C checker's errors on these files."""
    vnu = node_tool("vnu-jar", "build", "dist", "vnu.jar")
    run = subprocess.run(
        [shutil.which("java") or "java", "-jar", str(vnu), "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(run.stderr or run.stdout)
    return [m for m in report["messages"] if m["type"] in ("error", "non-document-error")]


def vnu_report(tmp_path: Path, body: str, name: str = "page.html") -> list[dict]:
    """The W3C checker's errors on a page of this body."""
    page = tmp_path / name
    page.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
        "<body>\n" + body + "</body></html>\n",
        encoding="utf-8",
        newline="\n",
    )
    return vnu_files([page])
