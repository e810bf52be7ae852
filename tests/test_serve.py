"""`smcycle serve` in a real browser: live reload, the error page, and recovery."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from site_builds import CHROMIUM, CHROMIUM_ARGS

from smcycle_build.pipeline import Project
from smcycle_build.serve import RELOAD_PATH, LiveSite, local_host, site_path

REPO = Path(__file__).parent.parent


@contextlib.contextmanager
def serving(root: Path) -> Iterator[str]:
    """`smcycle serve` in `root`, until the block ends; its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "smcycle_build", "serve", "--port", "0"],
        cwd=root,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1800000000"},
    )
    try:
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            match = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
            url = match.group(1) if match else None
        assert url, "serve did not start"
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def wait_for(url: str, text: str) -> None:
    """Until the page at `url` shows `text` (15 s at most)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url) as r:
            if text in r.read().decode():
                return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never reached {url}")


@pytest.fixture
def served(playbook) -> Iterator[tuple[Path, str]]:
    root = playbook()
    with serving(root) as url:
        yield root, url


def test_edit_reloads_error_page_recovers(served) -> None:
    root, url = served
    post = root / "content/posts/hello.md"
    original = post.read_text()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url + "posts/hello/")
        expect(page.locator("h1")).to_contain_text("Hello")
        # an edit shows up without a manual reload
        post.write_text(original.replace("title: Hello", "title: Hello again"))
        expect(page.locator("h1")).to_contain_text("Hello again", timeout=15000)
        # a broken file: the error page, with the file and the line
        post.write_text(original.replace("title: Hello", "title: [broken"))
        expect(page.locator("#problems")).to_contain_text(
            "content/posts/hello.md:2: error schema", timeout=15000
        )
        # fixed: the page comes back by itself
        post.write_text(original.replace("title: Hello", "title: Hello fixed"))
        expect(page.locator("h1")).to_contain_text("Hello fixed", timeout=15000)
        browser.close()


def test_a_rebuild_before_the_page_listens_still_reloads_it(served) -> None:
    """A page says which build it shows (serve.reload_script): a rebuild that finished
    after the page was served but before its reload events connected (a second save
    right after the first) still reloads it. The events are held back here until the
    edit is built; the page took their first message for its own build, and kept
    showing the old one."""
    root, url = served
    post = root / "content/posts/hello.md"
    original = post.read_text()
    held = []

    def edit_first(route) -> None:
        if not held:  # the page's first connection: the edit is built meanwhile
            held.append(route)
            post.write_text(original.replace("title: Hello", "title: Hello sooner"))
            wait_for(url + "posts/hello/", "Hello sooner")
        route.continue_()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route(f"**{RELOAD_PATH}", edit_first)
        page.goto(url + "posts/hello/")
        expect(page.locator("h1")).to_contain_text("Hello sooner", timeout=15000)
        assert held
        browser.close()


def test_a_template_that_fails_on_a_page_says_where_and_reloads_once_fixed(playbook) -> None:
    """A repository template that compiles but fails as a page is made (a field no post
    has): `serve` finds it only when the page is asked for. The page says where, as
    `build` does, and reloads by itself once the template is fixed and saved, as the
    check's error page does. It was a line of plain text without the reload script:
    fixed, the tab stayed on the error until reloaded by hand."""
    template = (
        '{% extends "default/post.html" %}\n'
        "{% block main %}{{ post.no_such_field }}{% endblock %}\n"
    )
    root = playbook({"templates/post.html": template})
    with serving(root) as url:
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(url + "posts/hello/")
        assert failed.value.code == 500
        assert "text/html" in failed.value.headers["Content-Type"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url + "posts/hello/")
            problems = page.locator("#problems")
            expect(problems).to_contain_text("templates/post.html:2: error template")
            expect(problems).to_contain_text("no_such_field")
            (root / "templates/post.html").write_text('{% extends "default/post.html" %}\n')
            expect(page.locator("h1")).to_contain_text("Hello", timeout=15000)
            browser.close()


def test_binds_loopback_and_refuses_paths_outside(served) -> None:
    _, url = served
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url + "assets/style.css") as r:
        assert r.status == 200 and "text/css" in r.headers["Content-Type"]
    raw = url.rstrip("/") + "/%2e%2e/%2e%2e/etc/passwd"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(raw)
    assert err.value.code in (403, 404)
    # the reload script is served with pages, never written into output/
    with urllib.request.urlopen(url) as r:
        assert "EventSource" in r.read().decode()


def test_answers_only_to_its_own_names(served) -> None:
    """A page of another site whose name was pointed at 127.0.0.1 (DNS rebinding) asks
    with that name in `Host`: refused, pages, feeds and the reload events alike. The
    preview's own names still answer."""
    _, url = served
    port = int(url.rstrip("/").rsplit(":", 1)[1])

    def get(path: str, host: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", path, headers={"Host": host})
            response = conn.getresponse()
            return response.status, response.read(200) if response.status != 200 else b""
        finally:
            conn.close()

    for host in (f"rebound.example:{port}", "rebound.example", f"localhost.example:{port}"):
        for path in ("/", "/posts/hello/", "/calendar.ics", RELOAD_PATH):
            status, said = get(path, host)
            assert status == 403 and b"answers only to localhost" in said, (host, path)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"preview.localhost:{port}"):
        assert get("/posts/hello/", host)[0] == 200, host


def test_local_host_names_only_this_machine() -> None:
    for header in (
        None,
        "localhost",
        "LOCALHOST:8000",
        "127.0.0.1:8000",
        "[::1]:8000",
        "a.localhost",
        "localhost.",
        "127.0.0.1",
    ):
        assert local_host(header), header
    for header in (
        "example.com",
        "127.0.0.1.example.com:80",
        "localhost.example",
        "[::2]:8000",
        "0.0.0.0:8000",
        "evil-localhost",
        "",
    ):
        assert not local_host(header), header


def test_site_path_never_leaves_the_site() -> None:
    assert site_path("/") == "index.html"
    assert site_path("/goals/") == "goals/index.html"
    assert site_path("/a/../../../etc/passwd") == "etc/passwd"  # clamped to the site root
    assert site_path("/x\\..\\y") is None
    assert site_path("/%00") is None


def test_build_output_has_no_reload_script(playbook) -> None:
    from conftest import run_cli

    root = playbook()
    assert run_cli(root, "build").exit_code == 0
    assert "EventSource" not in (root / "output/index.html").read_text()


def test_an_edit_right_after_start_is_not_missed(served) -> None:
    """Regression: `serving` was said before the watcher ran, and an edit made at once was lost."""
    root, url = served
    post = root / "content/posts/hello.md"
    post.write_text(post.read_text().replace("title: Hello", "title: Hello at once"))
    wait_for(url + "posts/hello/", "Hello at once")


def test_served_files_are_the_built_files(tmp_path, monkeypatch) -> None:
    """`serve` makes each file when asked for; every one must equal what `build` writes,
    and nothing may be served that is not built (the example playbook, all of it)."""
    from conftest import run_cli
    from smcycle_build.pipeline import Project
    from smcycle_build.serve import LiveSite

    root = tmp_path / "repo"
    shutil.copytree(REPO / "content", root / "content")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert run_cli(root, "build").exit_code == 0
    built = {
        p.relative_to(root / "output").as_posix(): p.read_bytes()
        for p in (root / "output").rglob("*")
        if p.is_file()
    }
    site = LiveSite(Project.locate("content", cwd=root), None)
    layout = site.rebuild().layout
    assert layout is not None
    assert sorted(layout.paths()) == sorted(built)
    for path, data in built.items():
        assert layout.get(path) == data, path
    assert layout.get("no/such/page.html") is None


def test_a_page_asked_for_is_rendered_alone(tmp_path, monkeypatch) -> None:
    """Every campaign's page is one job (its index shows them all), but `serve` renders
    the one asked for: at 10,000 posts one takes a tenth of a second, all of them two."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "content", root / "content")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    layout = LiveSite(Project.locate("content", cwd=root), None).rebuild().layout
    assert layout is not None
    rendered: list[str] = []
    render = layout.site.render
    monkeypatch.setattr(
        layout.site, "render", lambda page: rendered.append(page.path) or render(page)
    )
    campaigns = [path for path in layout.paths() if path.startswith("campaigns/")]
    assert len([path for path in campaigns if path.endswith(".html")]) == 4  # 3 and the index
    page = layout.get("campaigns/spring-tune-up/index.html")
    assert page is not None and b"Spring Tune-Up" in page
    assert rendered == ["campaigns/spring-tune-up/index.html"]
    assert layout.get("campaigns/spring-tune-up/index.html") == page  # made once
    assert b"Spring Tune-Up" in layout.get("campaigns/index.html")
    assert rendered == ["campaigns/spring-tune-up/index.html", "campaigns/index.html"]


def test_an_edited_template_is_served(playbook) -> None:
    """`serve` keeps its Jinja environment from one rebuild to the next: it must still
    read a template edited meanwhile (a build reads each template once)."""
    root = playbook({"templates/post.html": '{% extends "default/post.html" %}\n'})
    with serving(root) as url:
        with urllib.request.urlopen(url + "posts/hello/") as r:
            assert "Edited template" not in r.read().decode()
        (root / "templates/post.html").write_text(
            '{% extends "default/post.html" %}\n'
            "{% block main %}<p>Edited template</p>{{ super() }}{% endblock %}\n"
        )
        wait_for(url + "posts/hello/", "Edited template")


def test_serve_starts_from_the_post_store_and_fills_its_memo_while_serving(
    playbook, monkeypatch, parsed_posts
) -> None:
    """A playbook checked before: the first check parses no post (the store has them),
    the warm-up then reads every file into the memo without a browser reload, its site
    is what a check from scratch gives, and an edit after it parses that post alone."""
    from conftest import run_cli
    from smcycle_build.cache import DiskCache
    from smcycle_build.pipeline import Project
    from smcycle_build.serve import LiveSite

    root = playbook()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert run_cli(root, "build").exit_code == 0
    parsed = parsed_posts
    parsed.clear()  # the build's
    project = Project.locate("content", cwd=root)
    site = LiveSite(project, None, DiskCache(root).post_store())
    first = site.rebuild()
    assert first.layout is not None and parsed == []
    page = first.layout.get("posts/hello/index.html")
    site.warm_up()
    posts = sorted(p.name for p in (root / "content/posts").glob("*.md"))
    assert sorted(rel.rsplit("/", 1)[-1] for rel in parsed) == posts
    assert site.state.version == first.version and site.state.layout is not first.layout
    assert site.state.layout.get("posts/hello/index.html") == page
    fresh = LiveSite(project, None).rebuild().layout
    assert sorted(site.state.layout.paths()) == sorted(fresh.paths())
    parsed.clear()
    post = root / "content/posts/hello.md"
    post.write_text(post.read_text().replace("title: Hello", "title: Hello again"))
    edited = site.rebuild([str(post)])
    assert parsed == ["content/posts/hello.md"]
    assert b"Hello again" in edited.layout.get("posts/hello/index.html")


def test_an_edit_while_the_memo_fills_is_not_missed(playbook) -> None:
    """`serve` of a playbook built before is serving before its memo is filled: an edit
    made at once is built after the warm-up, not lost."""
    from conftest import run_cli

    root = playbook()
    assert run_cli(root, "build").exit_code == 0
    with serving(root) as url:
        post = root / "content/posts/hello.md"
        post.write_text(post.read_text().replace("title: Hello", "title: Hello at once"))
        wait_for(url + "posts/hello/", "Hello at once")


def test_a_warm_up_that_fails_keeps_the_site_served(playbook) -> None:
    """The memo is filled in the watcher's thread: a failure there (strings broken
    meanwhile) must neither stop the watcher nor take the site away; the next rebuild
    says what is wrong, as every rebuild does."""
    from conftest import run_cli
    from smcycle_build.cache import DiskCache
    from smcycle_build.pipeline import Project
    from smcycle_build.serve import LiveSite

    root = playbook({"templates/i18n/en.yaml": "nav.index: Home base\n"})
    assert run_cli(root, "build").exit_code == 0
    site = LiveSite(Project.locate("content", cwd=root), None, DiskCache(root).post_store())
    first = site.rebuild()
    assert first.layout is not None
    (root / "templates/i18n/en.yaml").write_text("nav.index: [unclosed\n")
    site.warm_up()
    assert site.state.layout is first.layout and site.state.version == first.version
    said = "templates/i18n/en.yaml:2: error template: YAML does not parse: "
    assert said in site.rebuild().error_text


def test_a_server_left_running_overnight_shows_the_new_day(playbook, monkeypatch) -> None:
    """Nothing changed but the date in the playbook's zone (Amsterdam): the watcher lays
    the site out again once, so that the home page and the calendar's today are today's;
    never again until the next day, even when the content is broken meanwhile."""
    import smcycle_build.serve as serve

    clock = [datetime(2027, 1, 15, 22, 0, tzinfo=UTC)]  # 23:00 in Amsterdam
    monkeypatch.setattr(serve, "build_time", lambda: clock[0])
    root = playbook()
    site = LiveSite(Project.locate("content", cwd=root), None)
    site.rebuild()
    assert b"Jan 15, 2027" in site.state.layout.get("index.html")
    reports: list = []
    stop = threading.Event()
    watcher = threading.Thread(
        target=serve.watch, args=(site, [root / "content"], stop, reports.append, lambda: None)
    )
    watcher.start()
    try:
        time.sleep(1.0)
        assert reports == [] and not site.day_is_over()
        clock[0] = datetime(2027, 1, 15, 23, 30, tzinfo=UTC)  # 00:30 on the 16th there
        deadline = time.monotonic() + 10
        while not reports and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(reports) == 1
        assert b"Jan 16, 2027" in site.state.layout.get("index.html")
        # a broken file at the next midnight: one failed rebuild, not one every tick
        (root / "content/playbook.yaml").write_text("title: [broken\n")
        deadline = time.monotonic() + 10
        while len(reports) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        clock[0] = datetime(2027, 1, 16, 23, 30, tzinfo=UTC)
        time.sleep(1.5)
        assert len(reports) == 3 and reports[-1].error_text
    finally:
        stop.set()
        watcher.join(timeout=10)


def test_the_collector_runs_when_the_site_is_quiet_not_in_a_rebuild(playbook) -> None:
    """A rebuild leaves its predecessor's site (held in cycles) to the collector, which
    waits (serve.py): the watcher runs it once nothing changed for IDLE seconds, and a
    run of edits that never pauses has it run after PUT_OFF rebuilds; then it is on
    again until the next rebuild."""
    import gc

    import smcycle_build.serve as serve

    root = playbook()
    site = LiveSite(Project.locate("content", cwd=root), None)
    stop = threading.Event()
    watcher = None
    try:
        site.rebuild()
        assert not gc.isenabled() and site.put_off == 1
        site.collect_when_idle()  # not quiet for long enough yet
        assert not gc.isenabled() and site.put_off == 1
        for n in range(2, serve.PUT_OFF):
            site.rebuild()
            assert not gc.isenabled() and site.put_off == n
        site.rebuild()  # the PUT_OFF-th in a row
        assert gc.isenabled() and site.put_off == 0
        site.rebuild()
        assert not gc.isenabled()
        watcher = threading.Thread(
            target=serve.watch, args=(site, [root / "content"], stop, lambda _: None, lambda: None)
        )
        watcher.start()
        deadline = time.monotonic() + serve.IDLE + 5
        while site.put_off and time.monotonic() < deadline:
            time.sleep(0.05)
        assert site.put_off == 0 and gc.isenabled()
    finally:
        stop.set()
        if watcher is not None:
            watcher.join(timeout=10)
        gc.enable()


def test_a_file_name_that_is_not_utf8_is_said_and_serving_goes_on(served) -> None:
    """watchfiles stops on a path it cannot name in Python (WatchfilesRustInternalError):
    the watcher starts again, and the check says what is wrong."""
    root, url = served

    def page(address: str) -> str:
        try:
            with urllib.request.urlopen(address) as response:
                return response.read().decode()
        except urllib.error.HTTPError as error:  # the error page
            return error.read().decode()

    def shows(address: str, text: str) -> None:
        deadline = time.monotonic() + 15
        while text not in page(address):
            assert time.monotonic() < deadline, f"{text!r} never reached {address}"
            time.sleep(0.05)

    bad = os.fsencode(root) + b"/content/posts/caf\xe9.md"
    with open(bad, "wb") as handle:
        handle.write((root / "content/posts/hello.md").read_bytes())
    shows(url, "content/posts/caf\\xe9.md:1: error schema: the file name is not UTF-8")
    os.remove(bad)
    shows(url + "posts/hello/", "Welcome to the shop.")
    hello = root / "content/posts/hello.md"
    hello.write_text(hello.read_text().replace("title: Hello", "title: Hello again"))
    shows(url + "posts/hello/", "Hello again")
