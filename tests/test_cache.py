"""The build cache: warm builds do nothing, edits redo what changed, outputs never differ."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from conftest import build_imports, files, probe, run_cli
from smcycle_build.cache import DiskCache, FileDigests, MarkdownStore, dump_json, load_json
from smcycle_build.render.ahead import render_bodies

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1800000000"}


def build(root: Path, out: str = "output", *options: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "smcycle_build", "build", "--out", out, *options],
        cwd=root,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout + proc.stderr


def test_cold_warm_and_incremental_builds_are_byte_identical(playbook, tmp_path: Path) -> None:
    root = playbook()
    first = build(root)
    assert "built " in first and (root / ".smcycle-cache").is_dir()
    cold = files(root / "output")
    # warm: nothing changed, nothing done, nothing different
    assert "is up to date" in build(root)
    assert files(root / "output") == cold
    # an edit, then back: the incremental builds match a cold build of the same content
    post = root / "content/posts/hello.md"
    original = post.read_text()
    post.write_text(original.replace("Welcome to the shop.", "Welcome to the workshop."))
    assert "built " in build(root)
    # the record of an output changed in place is the output as it is: nothing to do
    assert "is up to date" in build(root)
    edited = files(root / "output")
    assert edited != cold and b"Welcome to the workshop." in edited["posts/hello/index.html"]
    # the same content built cold elsewhere, without any cache, gives the same bytes
    fresh = tmp_path / "fresh"
    subprocess.run(["cp", "-r", str(root), str(fresh)], check=True)
    subprocess.run(["rm", "-rf", str(fresh / ".smcycle-cache"), str(fresh / "output")], check=True)
    build(fresh)
    assert files(fresh / "output") == edited
    post.write_text(original)
    assert "built " in build(root)
    assert files(root / "output") == cold


def test_a_warm_build_is_for_the_day_the_output_shows_in_the_playbooks_zone(
    playbook, tmp_path: Path, monkeypatch
) -> None:
    """Without SOURCE_DATE_EPOCH a build is up to date for the rest of the day it shows
    (the index's date, the calendar's today, what is upcoming) in the playbook's zone,
    which in India starts at 18:30 UTC: not at an hour, and not for another hour."""
    import smcycle_build.cli as cli_module

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    base = (Path(__file__).parent / "invalid/_base/content/playbook.yaml").read_text()
    kolkata = base.replace("timezone: Europe/Amsterdam", "timezone: Asia/Kolkata")
    root = playbook({"content/playbook.yaml": kolkata})

    def build_at(where: Path, hour: int, minute: int) -> str:
        moment = datetime(2026, 11, 26, hour, minute, tzinfo=UTC)
        monkeypatch.setattr(cli_module, "build_time", lambda: moment)
        run = run_cli(where, "build")
        assert run.exit_code == 0, run.output
        return run.output

    assert "built " in build_at(root, 18, 20)  # 23:50 on the 26th in Kolkata
    assert "26, 2026" in (root / "output/index.html").read_text()
    feeds = {path: data for path, data in files(root / "output").items() if path.endswith(".ics")}
    assert "is up to date" in build_at(root, 18, 25)
    # 00:10 on the 27th there, in the same UTC hour: the index must say the 27th
    assert "built " in build_at(root, 18, 40)
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns(".smcycle-cache", "output"))
    build_at(fresh, 18, 40)
    # what a first build makes now, but the feeds: the same events, so the last build's
    # files, with the moment they were made as their DTSTAMP (Layout.long_jobs)
    built, first = files(root / "output"), files(fresh / "output")
    assert {path: data for path, data in built.items() if path in feeds} == feeds
    assert all(b"DTSTAMP:20261126T182000Z" in data for data in feeds.values())
    assert {path: data for path, data in built.items() if path not in feeds} == {
        path: data for path, data in first.items() if path not in feeds
    }
    assert built.keys() == first.keys()
    assert "27, 2026" in (root / "output/index.html").read_text()
    # another UTC hour, the same day in Kolkata: nothing to do
    assert "is up to date" in build_at(root, 19, 40)


def test_a_pinned_moment_is_an_input_like_the_content(playbook, tmp_path: Path) -> None:
    """With SOURCE_DATE_EPOCH, the output is a function of the content and that moment,
    whatever the cache holds: a minute later is a build whose feeds carry its DTSTAMP."""
    root = playbook()
    build(root)
    assert "is up to date" in build(root)
    later = {**ENV, "SOURCE_DATE_EPOCH": "1800000060"}
    run = subprocess.run(
        [sys.executable, "-m", "smcycle_build", "build"], cwd=root, env=later, capture_output=True
    )
    assert run.returncode == 0 and b"built " in run.stdout, run.stderr
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns(".smcycle-cache", "output"))
    subprocess.run(
        [sys.executable, "-m", "smcycle_build", "build"], cwd=fresh, env=later, check=True
    )
    assert files(root / "output") == files(fresh / "output")
    assert b"DTSTAMP:20270115T080100Z" in (root / "output/calendar.ics").read_bytes()


def test_a_touched_output_is_rebuilt_and_warnings_are_repeated(playbook) -> None:
    base = (Path(__file__).parent / "invalid/_base/content/playbook.yaml").read_text()
    root = playbook({"content/playbook.yaml": base + "lint: {max_silence_days: 8}\n"})
    build(root)
    warm = build(root)
    assert "is up to date" in warm and "warning silence" in warm  # still said
    (root / "output/index.html").write_text("tampered")
    assert "built " in build(root)
    assert b"tampered" not in (root / "output/index.html").read_bytes()


def test_markdown_is_rendered_once_across_builds(playbook) -> None:
    root = playbook()
    store = DiskCache(root).markdown_store()
    body = "Welcome to the shop."  # the post's body, without the blank lines around it
    assert store.get(body) is None
    build(root)
    assert store.get(body) == "<p>Welcome to the shop.</p>"
    # a cached entry is what the next build uses (proved by planting a different one)
    store.put(body, "<p>from the cache</p>")
    (root / "content/posts/other.md").write_text(
        (root / "content/posts/hello.md").read_text().replace("title: Hello", "title: Other")
    )
    build(root)
    assert "from the cache" in (root / "output/posts/other/index.html").read_text()


def test_a_build_that_renders_no_body_does_not_import_python_markdown(playbook) -> None:
    """Python-Markdown is imported when a body is first rendered (render/markup.py): a
    build after an edit that changed no body (every one is in the store) does without
    the import, a tenth of a second of its own process."""
    root = playbook()
    # one process: on two cores, the bodies of goals and campaigns are anyone's to render
    assert build_imports("markdown", root, ENV, "-j", "1")  # the first build renders all
    hello = root / "content/posts/hello.md"
    hello.write_text(hello.read_text().replace("title: Hello", "title: Hello again"))
    assert not build_imports("markdown", root, ENV, "-j", "1")
    hello.write_text(hello.read_text().replace("title: Hello again", "title: Hello twice"))
    assert not build_imports("markdown", root, ENV)  # nor on two cores: none is rendered
    assert "Hello twice" in (root / "output/posts/hello/index.html").read_text()
    assert "<p>Welcome to the shop.</p>" in (root / "output/posts/hello/index.html").read_text()


def test_markdown_of_another_renderer_is_never_used(playbook) -> None:
    """The store is keyed by the renderer too (smcycle's, Python-Markdown's and nh3's
    versions, our extensions and allowlist): after an upgrade, or a stricter allowlist,
    a body is rendered anew, never taken from the cache."""
    root = playbook()
    build(root)
    store = DiskCache(root).markdown_store()
    body = "Welcome to the shop."
    store.put(body, "<p>planted</p>")
    with contextlib.closing(sqlite3.connect(store.path)) as db, db:
        db.execute("UPDATE meta SET value = 'an older renderer' WHERE name = 'owner'")
    (root / "content/posts/other.md").write_text(
        (root / "content/posts/hello.md").read_text().replace("title: Hello", "title: Other")
    )
    build(root)
    assert "<p>planted</p>" not in (root / "output/posts/other/index.html").read_text()
    assert store.get(body) == "<p>Welcome to the shop.</p>"  # rendered anew, and kept


def test_parallel_and_single_process_builds_are_byte_identical(tmp_path: Path) -> None:
    """A playbook large enough to fork the renderers (the benchmark's, 300 posts): `-j 2`
    and `-j 1` write the same bytes, and `-j 1` is one process (memory for speed)."""
    repo = Path(__file__).parent.parent
    subprocess.run(
        [sys.executable, str(repo / "benchmarks/generate.py"), "300", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    outputs = {}
    for jobs in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-m", "smcycle_build", "build", "-j", jobs, "--out", f"out{jobs}"],
            cwd=tmp_path,
            env=ENV,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        outputs[jobs] = files(tmp_path / f"out{jobs}")
        (tmp_path / ".smcycle-cache/last-build.json").unlink()  # build again, for real
    assert len(outputs["1"]) > 400 and outputs["1"] == outputs["2"]
    # the cache keeps what every process asked for: each post's body is still there
    with contextlib.closing(sqlite3.connect(tmp_path / ".smcycle-cache/markdown.sqlite")) as db:
        (stored,) = db.execute("SELECT COUNT(*) FROM html").fetchone()
    assert stored >= 300


def test_a_failing_page_on_any_process_fails_the_build(tmp_path: Path) -> None:
    """A template that breaks on one post: whichever process renders it, the build stops
    with the error at the template's line (tests/test_theme_errors.py), leaves no output
    and does not wait forever for a worker."""
    repo = Path(__file__).parent.parent
    subprocess.run(
        [sys.executable, str(repo / "benchmarks/generate.py"), "300", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    post = sorted((tmp_path / "content/posts").rglob("*.md"))[-1].stem
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/post.html").write_text(
        '{% extends "default/post.html" %}'
        f'{{% block main %}}{{% if post.id == "{post}" %}}{{{{ no_such_thing }}}}{{% endif %}}'
        "{{ super() }}{% endblock %}"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "smcycle_build", "build", "-j", "2"],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    said = "templates/post.html:1: error template: 'no_such_thing' is undefined"
    assert said in proc.stderr.splitlines() and "internal error" not in proc.stderr
    assert not (tmp_path / "output").exists()


def test_markdown_ahead_keeps_the_other_core_busy_until_the_workers_start(
    playbook, monkeypatch
) -> None:
    """A first build starts the Markdown before it fingerprints the content (there is
    nothing to compare with), a later one after (it may have nothing to do); either way
    it runs while the posts are saved and the templates compiled, and stops before the
    workers fork."""
    from smcycle_build import build as building
    from smcycle_build.post_checks import PostChecks
    from smcycle_build.render import ahead
    from smcycle_build.render.site import SiteRenderer

    root = playbook({})
    events: list[str] = []

    def noted(owner, name: str, event: str) -> None:
        real = getattr(owner, name)

        def note(*args, **kwargs):
            events.append(event)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, note)

    noted(ahead, "start", "start")
    noted(ahead.MarkdownAhead, "stop", "stop")
    noted(DiskCache, "fingerprint", "fingerprint")
    noted(PostChecks, "save", "save")
    noted(SiteRenderer, "template_problems", "templates")
    noted(building, "render_pages", "render")
    assert run_cli(root, "build", "-j", "2").exit_code == 0
    assert events[:2] == ["start", "fingerprint"]
    assert events.index("save") < events.index("templates") < events.index("stop")
    assert events.index("stop") < events.index("render")
    events.clear()
    (root / "content/posts/hello.md").write_text(
        (root / "content/posts/hello.md").read_text() + "\nOne more line.\n"
    )
    assert run_cli(root, "build", "-j", "2").exit_code == 0
    assert events.index("fingerprint") < events.index("start") < events.index("save")
    assert events.index("templates") < events.index("stop") < events.index("render")


def test_a_first_build_starts_the_markdown_before_it_imports_the_rest(playbook) -> None:
    """The renderer ahead is started by `smcycle build` before the build's own modules
    (layout, templates, feeds: a tenth of a second) are imported, in a new interpreter;
    it is forked only once, and the build then imports them."""
    root = playbook()
    code = (
        "import sys\n"
        "from smcycle_build.render import ahead\n"
        "real = ahead.start\n"
        "def start(*args):\n"
        "    print('started', 'smcycle_build.build' in sys.modules, 'jinja2' in sys.modules)\n"
        "    return real(*args)\n"
        "ahead.start = start\n"
        "from smcycle_build.cli import main\n"
        "sys.argv = ['smcycle', 'build', '-j', '2']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('built', 'smcycle_build.build' in sys.modules)\n"
    )
    said = ("started True", "started False", "built True", "built False")
    lines = [line for line in probe(code, root, ENV).splitlines() if line.startswith(said)]
    assert lines == ["started False False", "built True"]


def test_markdown_rendered_ahead_is_what_the_pages_show(playbook) -> None:
    """The bodies rendered on the other core during the check are stored under the key,
    and as the HTML, that the post pages then take; a stored body is not rendered again,
    a link is left to the loader, and a stop is obeyed."""
    root = playbook(
        {
            "content/posts/ride.md": (
                "---\ntitle: Ride\ndate: 2027-03-12\nvariants:\n  website: {}\n---\n\n"
                "# The ride\n\nA *long* story, with [a link](https://example.com).\n"
            ),
        }
    )
    outside = root / "elsewhere.md"
    outside.write_text("---\ntitle: Elsewhere\n---\nNot in the playbook.\n")
    (root / "content/posts/linked.md").symlink_to(outside)
    store = DiskCache(root).markdown_store()
    running, stopped = threading.Event(), threading.Event()
    assert render_bodies(root / "content/posts", store, running) == 2  # hello and ride
    assert render_bodies(root / "content/posts", store, running) == 0  # all stored
    assert store.get("Not in the playbook.") is None  # the loader refuses the link
    (root / "content/posts/linked.md").unlink()  # so would the build
    stopped.set()
    store.put("Welcome to the shop.", "<p>planted</p>")  # hello's body: not redone
    build(root)
    ride = (root / "output/posts/ride/index.html").read_text()
    ahead = store.get("# The ride\n\nA *long* story, with [a link](https://example.com).")
    assert ahead is not None and "<em>long</em>" in ahead and ahead in ride
    assert "<p>planted</p>" in (root / "output/posts/hello/index.html").read_text()
    (root / "content/posts/fresh.md").write_text("---\ntitle: Fresh\n---\nA fresh body.\n")
    assert render_bodies(root / "content/posts", store, stopped) == 0  # told to stop at once
    assert store.get("A fresh body.") is None
    assert render_bodies(root / "content/posts", store, running) == 1


def test_the_process_ahead_reads_only_the_bodies_changed_since_the_last_build(
    playbook, monkeypatch
) -> None:
    """With the digests the last build saved, the process ahead does not read a post file
    that build hashed and that has not changed since: it finds the edited one at once.
    Without them, it reads every file to look its body up in the store."""
    root = playbook({})
    monkeypatch.setattr(FileDigests, "RACY", 0)  # files this new are recorded all the same
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    disk = DiskCache(root)
    store = disk.markdown_store()
    hello = root / "content/posts/hello.md"
    body = "Welcome to the shop."
    assert body in hello.read_text() and store.get(body) is not None
    with contextlib.closing(sqlite3.connect(store.path)) as db:
        stored = {key for (key,) in db.execute("SELECT key FROM html")}
    store.keep_only(stored - {MarkdownStore.key(body)})  # hello's body gone, the rest kept
    assert store.get(body) is None and not store.is_empty()

    def saved() -> FileDigests:
        return FileDigests(disk.digests.path)

    stop = threading.Event()
    # hello.md is as the build hashed it: not read, so its body is not rendered
    assert render_bodies(root / "content/posts", store, stop, saved()) == 0
    assert store.get(body) is None
    assert render_bodies(root / "content/posts", store, stop) == 1  # without: every file read
    assert store.get(body) is not None
    hello.write_text(hello.read_text().replace(body, "Welcome to the workshop."))
    assert render_bodies(root / "content/posts", store, stop, saved()) == 1  # the edited one
    assert store.get("Welcome to the workshop.") is not None


def test_the_process_ahead_takes_the_digests_the_last_run_saved(
    playbook, monkeypatch, tmp_path: Path
) -> None:
    """The build's own digests know the edited file once its fingerprint has hashed it:
    the process ahead takes those the last run saved, which do not, so it renders that
    body (what it is there for)."""
    from smcycle_build.render import ahead

    root = playbook({})
    monkeypatch.setattr(FileDigests, "RACY", 0)  # files this new are recorded all the same
    assert run_cli(root, "build", "-j", "2").exit_code == 0
    hello = root / "content/posts/hello.md"
    hello.write_text(hello.read_text().replace("Welcome to the shop.", "Welcome back."))
    seen = tmp_path / "seen"
    real = ahead.render_bodies

    def spy(posts, store, stop, digests=None):  # in the forked process: tell through a file
        seen.write_text("no digests" if digests is None else repr(digests.known(str(hello))))
        return real(posts, store, stop, digests)

    monkeypatch.setattr(ahead, "render_bodies", spy)
    assert run_cli(root, "build", "-j", "2").exit_code == 0
    assert seen.read_text() == "None"  # digests it had, and the edited file not known
    assert "Welcome back." in (root / "output/posts/hello/index.html").read_text()


def test_templates_compiled_ahead_are_what_the_pages_load(playbook, monkeypatch) -> None:
    """After the bodies, the process ahead compiles the theme into Jinja's bytecode cache:
    a first build's processes then load every template instead of each compiling it.
    A build compiles none of those (the same code under the same key), the site's own
    included; a stop is obeyed, and a template that does not compile is passed by (the
    build says where)."""
    from jinja2 import Environment

    from smcycle_build.render import ahead
    from smcycle_build.render.env import theme_dirs

    root = playbook(
        {
            "templates/post.html": '{% extends "default/post.html" %}',
            "templates/broken.html": "{% if %}",
        }
    )
    dirs, disk = theme_dirs(root / "templates"), DiskCache(root)
    builtin = dirs[-1]
    theme = list(builtin.rglob("*.html"))
    stopped, running = threading.Event(), threading.Event()
    stopped.set()
    assert ahead.compile_templates(dirs, disk, stopped) == 0
    assert not any(disk.template_bytecode().iterdir())
    # forked after the Markdown, as a build starts it, and left to finish
    started = ahead.start(root / "content", disk.markdown_store(), (dirs, disk))
    started._proc.join(60)
    started.stop()
    assert len(list(disk.template_bytecode().iterdir())) == len(theme)  # all but broken
    assert ahead.compile_templates(dirs, disk, running) == len(theme)
    (root / "templates/broken.html").unlink()
    compiled: list[tuple[str, str]] = []
    real = Environment.compile

    def compile(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append((name, filename))
        return real(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", compile)
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    # only the built-in post.html, which the site's own extends as "default/post.html"
    assert compiled == [("post.html", str(builtin / "post.html"))]


def test_the_renderer_ahead_looks_for_nothing_in_an_empty_store(playbook, monkeypatch) -> None:
    """A first build's store holds nothing: the renderer ahead does not look each body
    up in it (render/ahead.py), and a body two posts share is still rendered once. In a
    store that holds bodies, each is looked for."""
    twin = "---\ntitle: Twin\ndate: 2027-03-12\nvariants:\n  website: {}\n---\n\n"
    twin += "Welcome to the shop.\n"  # hello's body
    root = playbook({"content/posts/twin.md": twin})
    store = DiskCache(root).markdown_store()
    looked_up = []
    get = store.get
    monkeypatch.setattr(store, "get", lambda *a: looked_up.append(a) or get(*a))
    assert render_bodies(root / "content/posts", store, threading.Event()) == 1  # hello's
    assert looked_up == []
    assert get("Welcome to the shop.") == "<p>Welcome to the shop.</p>"
    assert render_bodies(root / "content/posts", store, threading.Event()) == 0
    assert len(looked_up) == 2  # hello's and the twin's, found


def test_markdown_stored_in_batches_is_seen_once_committed(tmp_path: Path) -> None:
    """The renderer ahead stores its bodies a batch a transaction (cache.MarkdownStore):
    another connection (a worker) sees each batch once it is full and the rest when the
    block ends; a process stopped in between leaves the store as of the last batch."""
    from smcycle_build.cache import MarkdownStore

    store = MarkdownStore(tmp_path / "markdown.sqlite")
    other = MarkdownStore(tmp_path / "markdown.sqlite")
    with store.batched(3):
        for n in range(5):
            store.put(f"body {n}", f"<p>{n}</p>")
            seen = [other.get(f"body {i}") for i in range(5)]
            committed = 3 if n >= 2 else 0
            assert seen == [f"<p>{i}</p>" for i in range(committed)] + [None] * (5 - committed)
    assert [other.get(f"body {i}") for i in range(5)] == [f"<p>{i}</p>" for i in range(5)]
    store.put("body 5", "<p>5</p>")  # after the block: each put its own transaction
    assert other.get("body 5") == "<p>5</p>"
    # stopped mid-batch (the connection dropped as a killed process's would)
    with store.batched(3):
        store.put("body 6", "<p>6</p>")
        store._conn.close()
        store._conn = None
    assert other.get("body 6") is None and other.get("body 5") == "<p>5</p>"
    # a put that fails (a value SQLite cannot take) leaves the batch going
    with store.batched(2):
        store.put("broken", object())  # type: ignore[arg-type]
        store.put("body 7", "<p>7</p>")
        store.put("body 8", "<p>8</p>")
        assert other.get("body 8") == "<p>8</p>" and other.get("broken") is None


def test_the_markdown_cache_forgets_what_no_page_asks_for(playbook) -> None:
    """An edited body leaves its old HTML behind. A build does not gather every key its
    pages use after each edit: once the store holds more than the pages render at most
    (the next test), the next build keeps only what its pages asked for, so the cache
    (and CI's copy of it) never grows far, even after posts are deleted."""
    from smcycle_build.cache import SWEEP_SLACK

    root = playbook()
    build(root)
    store = DiskCache(root).markdown_store()
    assert store.get("Welcome to the shop.") is not None
    hello = root / "content/posts/hello.md"
    text = hello.read_text()
    hello.write_text(text.replace("Welcome to", "Welcome back to"))
    build(root)
    assert store.get("Welcome back to the shop.") == "<p>Welcome back to the shop.</p>"
    assert store.get("Welcome to the shop.") is not None  # left behind, for now
    for n in range(10 * SWEEP_SLACK):  # what many more edits, or deleted posts, leave
        store.put(f"An old body {n}.", "<p>old</p>")
    hello.write_text(text.replace("Welcome to", "Welcome again to"))
    build(root)
    assert store.get("Welcome again to the shop.") == "<p>Welcome again to the shop.</p>"
    assert store.get("Welcome to the shop.") is None and store.get("An old body 0.") is None
    assert store.get("Welcome back to the shop.") is None


def test_a_store_is_swept_once_it_holds_a_tenth_more_than_a_run_uses(tmp_path) -> None:
    """`needs_sweep`: more than a tenth, and at least SWEEP_SLACK, beyond what a run
    uses at most (`Layout.markdown_texts_at_most` for the Markdown store)."""
    from smcycle_build.cache import SWEEP_SLACK, MarkdownStore

    store = MarkdownStore(tmp_path / "markdown.sqlite")
    for n in range(SWEEP_SLACK + 10):
        store.put(f"text {n}", "<p>html</p>")
    assert not store.needs_sweep(10) and store.needs_sweep(9)  # 64 more, at the least
    for n in range(2000):
        store.put(f"more {n}", "<p>html</p>")
    count = SWEEP_SLACK + 10 + 2000
    assert not store.needs_sweep(1900) and store.needs_sweep(1800)  # a tenth: 190, 180
    assert count == 2074 and 1900 + 190 >= count > 1800 + 180


def test_a_broken_cache_never_fails_a_build(playbook) -> None:
    """A cache is only ever a faster build: a Markdown store that is no database any
    more (a crash, a bad restore of CI's cache) is started anew, and a cache folder that
    cannot be written is built without, with a note."""
    root = playbook()
    cache = root / ".smcycle-cache"
    cache.mkdir()
    (cache / "markdown.sqlite").write_bytes(b"not a database")
    assert "built " in build(root)
    assert DiskCache(root).markdown_store().get("Welcome to the shop.") is not None
    shutil.rmtree(cache)
    cache.write_text("a file where the folder should be")
    shutil.rmtree(root / "output")
    said = build(root)
    assert "built " in said and (root / "output/posts/hello/index.html").is_file()
    assert "note: .smcycle-cache/ cannot be written" in said


def test_damaged_digests_and_pieces_never_fail_a_build(playbook, tmp_path: Path) -> None:
    """The files' digests and the feeds' and schedules' runs, damaged every way a crash or
    a bad restore could: a build that would reuse them (the output deleted, the content
    as it was) still succeeds and equals a cold one."""
    root = playbook()
    build(root)
    cold = tmp_path / "cold"
    shutil.copytree(root / "content", cold / "content")
    build(cold)
    cache = root / ".smcycle-cache"
    post = str(root / "content/posts/hello.md")
    damaged = [
        "not json",
        json.dumps({"files": []}),
        json.dumps({"files": {post: [1, 2]}}),
        json.dumps({"files": {post: [1, 2, 3, 4, 5]}}),
    ]
    for i, digests in enumerate(damaged):
        (cache / "digests.json").write_text(digests)
        # a value that does not load, or loads as something else
        wrong = b"\x00" if i % 2 == 0 else pickle.dumps((("x", "y"),) if i == 1 else 7)
        for name in ("events", "rows"):
            with contextlib.closing(sqlite3.connect(cache / f"{name}.sqlite")) as db, db:
                db.execute("UPDATE pieces SET value = ?", (wrong,))
        with contextlib.closing(sqlite3.connect(cache / "markdown.sqlite")) as db, db:
            db.execute("UPDATE html SET value = ?", (wrong,))  # HTML that is not text
        shutil.rmtree(root / "output")
        assert "built " in build(root)
        assert files(root / "output") == files(cold / "output")
    (cache / "events.sqlite").write_bytes(b"not a database")
    shutil.rmtree(root / "output")
    assert "built " in build(root)
    assert files(root / "output") == files(cold / "output")
    # the record of the last build: not a record, or with fields of the wrong kinds
    manifest = cache / "last-build.json"
    record = json.loads(manifest.read_text())
    for last in ([], {**record, "pages": [], "files": 3}, {**record, "diagnostics": [{}]}):
        manifest.write_text(json.dumps(last))
        assert "built " in build(root)
        assert files(root / "output") == files(cold / "output")


def test_the_cache_records_read_back_what_was_written() -> None:
    """The records of the cache (the files' digests, the last build) are orjson's bytes;
    a string orjson refuses, a file name that is not UTF-8 and so holds surrogates, is
    written by the json module and read back all the same."""
    plain = {"files": {"posts/caf\u00e9.md": [1, 2**62, 3, 4, "ab"]}, "pages": {"a": "b"}}
    assert dump_json(plain) == orjson.dumps(plain)
    assert load_json(dump_json(plain)) == plain
    odd = {"files": {"posts/caf\udce9.md": [1, 2, 3, 4, "cd"], "posts/ok.md": [5, 6, 7, 8, "e"]}}
    assert load_json(dump_json(odd)) == odd
    with pytest.raises(ValueError):
        load_json(b"not json")


def test_templates_are_compiled_once_across_builds(playbook, tmp_path: Path) -> None:
    """Jinja's bytecode cache, in .smcycle-cache/jinja/: a later build loads each template
    compiled before (Jinja writes a file only for a template it compiled), an edited site
    template is compiled again, a damaged file is compiled again, and the folder of
    another version of smcycle goes. In one process: the one ahead (render/ahead.py)
    would also compile, whenever it gets there, the templates no page uses."""
    root = playbook(
        {
            "templates/404.html": '{% extends "default/404.html" %}'
            "{% block main %}<p>Our own 404</p>{{ super() }}{% endblock %}"
        }
    )
    stale = root / ".smcycle-cache/jinja/0123456789abcdef"
    stale.mkdir(parents=True)
    (stale / "__jinja2_x.cache").write_bytes(b"another version's code")
    build(root, "output", "-j", "1")
    assert not stale.exists()
    [folder] = (root / ".smcycle-cache/jinja").iterdir()

    def compiled() -> dict[str, tuple[int, int]]:
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}

    first = compiled()
    assert len(first) > 10
    post = root / "content/posts/hello.md"
    post.write_text(post.read_text().replace("Welcome to the shop.", "Welcome, all."))
    build(root, "output", "-j", "1")
    assert compiled() == first  # every template loaded, none compiled
    # an edited site template is compiled again: its page shows the edit
    override = root / "templates/404.html"
    override.write_text(override.read_text().replace("Our own 404", "Lost here"))
    build(root, "output", "-j", "1")
    assert "Lost here" in (root / "output/404.html").read_text()
    changed = {name for name, made in compiled().items() if first.get(name) != made}
    assert len(changed) == 1
    # damaged files are compiled again, and the output is a cold build's
    for path in folder.iterdir():
        path.write_bytes(path.read_bytes()[:40] + b"\x00garbage")
    post.write_text(post.read_text().replace("Welcome, all.", "Welcome, everyone."))
    shutil.rmtree(root / "output")
    build(root, "output", "-j", "1")
    cold = tmp_path / "cold"
    shutil.copytree(root / "content", cold / "content")
    shutil.copytree(root / "templates", cold / "templates")
    build(cold, "output", "-j", "1")
    assert files(root / "output") == files(cold / "output")
    # rewritten, not merely renamed over: a freed inode number can come back
    assert not any(p.read_bytes().endswith(b"\x00garbage") for p in folder.iterdir())


def test_assets_and_media_are_copied_only_when_their_bytes_change(playbook) -> None:
    """The theme's assets and the media are left in place when the last build copied
    the same bytes there (a media folder can be hundreds of megabytes); a changed source,
    or an output file someone changed, is copied again."""
    root = playbook()
    build(root)
    out = root / "output"
    copied = ("assets/style.css", "media/photo.png")

    def inodes() -> list[int]:
        return [(out / path).stat().st_ino for path in copied]

    first = inodes()
    post = root / "content/posts/hello.md"
    post.write_text(post.read_text().replace("Welcome to the shop.", "Welcome, all."))
    assert "built " in build(root)
    assert inodes() == first
    photo = root / "content/media/photo.png"
    photo.write_bytes(photo.read_bytes() + b"\0")
    assert "built " in build(root)
    assert inodes()[0] == first[0] and inodes()[1] != first[1]
    assert (out / "media/photo.png").read_bytes() == photo.read_bytes()
    (out / "assets/style.css").write_text("tampered")
    post.write_text(post.read_text().replace("Welcome, all.", "Welcome, everyone."))
    assert "built " in build(root)
    assert (out / "assets/style.css").read_bytes() != b"tampered"


def test_the_digests_of_a_few_changed_files_are_hashed_again_not_saved(
    tmp_path: Path, monkeypatch
) -> None:
    """Rewriting every file's digest for one edit costs more than hashing that file again
    next time (cache.FileDigests.save): a change to a hundredth of the files or less
    is not written, and the next run finds it and hashes it again; a larger one is."""
    import hashlib

    from smcycle_build.cache import FileDigests

    monkeypatch.setattr(FileDigests, "RACY", 0)  # every file old enough to be kept
    files = [tmp_path / f"f{i}.md" for i in range(300)]
    for i, f in enumerate(files):
        f.write_text(f"post {i}\n")
    store = tmp_path / "digests.json"

    def run() -> tuple[FileDigests, list[str]]:
        digests, read = FileDigests(store), []
        real = digests.record

        def record(path, st, data):
            read.append(Path(path).name)
            return real(path, st, data)

        digests.record = record  # type: ignore[method-assign]
        for f in files:
            assert digests.digest(str(f)) == hashlib.sha256(f.read_bytes()).hexdigest()
        digests.save()
        return digests, read

    assert len(run()[1]) == 300 and store.is_file()
    saved = store.read_bytes()
    files[7].write_text("post 7, edited\n")
    assert run()[1] == ["f7.md"] and store.read_bytes() == saved  # one of 300: not saved
    assert run()[1] == ["f7.md"]  # found changed again, hashed again
    for f in files[:9]:
        f.write_text(f.read_text() + "more\n")
    assert len(run()[1]) == 9 and store.read_bytes() != saved  # 3% of them: saved
    assert run()[1] == []


def test_the_renderer_ahead_leaves_a_body_markdown_cannot_render_to_the_check(playbook) -> None:
    """It starts before the check has said anything: a paragraph of 20,000 `[` would
    hold it (and the build waiting for it) for a minute."""
    stalling = "[ " * 20000
    root = playbook(
        {
            "content/posts/hello.md": "---\ntitle: Hi\ndate: 2027-03-12\nvariants:\n"
            f"  website: {{}}\n---\n\n{stalling}\n",
            "content/posts/ride.md": "---\ntitle: Ride\ndate: 2027-03-12\nvariants:\n"
            "  website: {}\n---\n\nA ride.\n",
        }
    )
    store = DiskCache(root).markdown_store()
    assert render_bodies(root / "content/posts", store, threading.Event()) == 1  # the ride
    assert store.get(stalling.rstrip()) is None and store.get("A ride.") is not None


def test_the_process_ahead_lists_the_output_as_the_last_build_records_it(
    playbook, tmp_path: Path, monkeypatch
) -> None:
    """`list_output` gives each file's size and time as `LastBuild` records them, a link
    as itself; the listing goes from the process ahead to the build once, and a listing
    that failed, a process ahead that ended without one, or one that had no room for it
    is None at once (the build then looks for itself)."""
    import multiprocessing

    from smcycle_build.render import ahead

    root = playbook({})
    assert run_cli(root, "build", "-j", "2").exit_code == 0
    out = root / "output"
    (out / "link").symlink_to(out / "index.html")
    found = ahead.list_output(str(out))
    record = DiskCache(root).last_build(out)
    assert {p: found[p] for p in record.files} == record.files
    assert set(found) == set(record.files) | {"link"}
    assert found["link"][0] == len(str(out / "index.html"))  # the link, not its target
    assert ahead.list_output(str(tmp_path / "none")) == {}

    started = ahead.start(root / "content", DiskCache(root).markdown_store(), None, out)
    assert started.output_files() == found
    assert started.output_files() is None  # once
    started.stop()

    def broken(dest: str) -> dict:
        raise OSError("unreadable")

    ctx = multiprocessing.get_context("fork")
    failed = ahead.OutputListing(out, ctx)
    monkeypatch.setattr(ahead, "list_output", broken)
    with contextlib.suppress(OSError):  # ready all the same, with nothing in the file
        failed.make()
    began = time.monotonic()
    assert failed.take(lambda: True) is None and time.monotonic() - began < 1
    never = ahead.OutputListing(out, ctx)
    began = time.monotonic()
    assert never.take(lambda: False) is None and time.monotonic() - began < 1

    def full(*args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr(ahead.tempfile, "TemporaryFile", full)  # the renderer still starts
    started = ahead.start(root / "content", DiskCache(root).markdown_store(), None, out)
    assert started.output_files() is None
    started.stop()


def test_a_last_build_with_a_listing_looks_at_no_file() -> None:
    """Listed (`found`), a page kept is the one whose key, size and time match, without
    a look at the disk (whose folder here does not exist)."""
    from smcycle_build.cache import LastBuild

    last = LastBuild(
        Path("/nowhere"), {"a.html": "k", "b.html": "k"}, {"a.html": [1, 2], "b.html": [1, 2]}
    )
    assert not last.has("a.html", "k")  # looked for on the disk: not there
    found = last.found_as({"a.html": [1, 2], "b.html": [1, 3]})
    assert found.has("a.html", "k")
    assert not found.has("a.html", "other key") and not found.has("b.html", "k")
    assert not found.has("c.html", "k")
