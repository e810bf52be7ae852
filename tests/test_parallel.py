"""Builds on more than one core (render/parallel.py): the helper forked before the pages
are keyed, and workers that end without a word."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

from conftest import file_id, files, run_cli
from smcycle_build.output import DiskOutput
from smcycle_build.render import parallel
from smcycle_build.render.parallel import FileJob, Helper, render_pages


def built_then_edited(playbook, monkeypatch, tmp_path: Path, jobs: str) -> tuple[Path, Path]:
    """A playbook built on `jobs` processes (at a pinned moment), copied, and the same
    post edited in both: a build after an edit, and its twin to build another way. The
    edit makes a warning only the strategy checks find (copy-paste)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    root = playbook({})
    assert run_cli(root, "build", "-j", jobs).exit_code == 0
    twin = tmp_path / "twin"
    shutil.copytree(root, twin)
    for repo in (root, twin):
        post = repo / "content/posts/hello.md"
        text = post.read_text().replace("Welcome to the shop.", "Welcome back.")
        post.write_text(text.replace('"Hello from the shop"', '"Hello riders"'))
    return root, twin


def _write_a(out) -> None:
    out.write("a.txt", str(os.getpid()))


def _dies(out) -> None:
    os._exit(3)


def _no_pages(message):
    assert message == "the pages"
    return [], None, None, lambda: "helper finished"


def test_a_helper_writes_its_files_then_takes_the_jobs_it_is_handed(tmp_path: Path) -> None:
    """The helper writes its files in its own process; `render_pages` hands it the
    message it makes its jobs of, and gathers what it wrote and what it finished with."""
    out = DiskOutput(tmp_path / "site")
    helper = Helper([FileJob(("a.txt",), _write_a)], _no_pages, out)
    helper.hand("the pages")
    written, meanwhile, finished = render_pages(
        [], None, out, True, lambda: "meanwhile", 2, lambda: "this one finished", helper=helper
    )
    assert written == ["a.txt"] and meanwhile == "meanwhile"
    assert finished == ["this one finished", "helper finished"]
    out.claim(written)
    out.commit()
    assert int((tmp_path / "site/a.txt").read_text()) == helper.proc.pid != os.getpid()


def test_a_worker_that_ends_without_a_word_fails_the_build_at_once(tmp_path: Path) -> None:
    """A worker killed (out of memory, a signal) never puts its word in the queue: the
    build says so instead of waiting for ever."""
    out = DiskOutput(tmp_path / "site")
    helper = Helper([FileJob(("a.txt",), _dies)], _no_pages, out)
    helper.hand("the pages")
    raised: list[BaseException] = []

    def build() -> None:
        try:
            render_pages([], None, out, True, lambda: None, 2, lambda: None, helper=helper)
        except BaseException as error:  # what the build would say
            raised.append(error)

    waiting = threading.Thread(target=build, daemon=True)
    waiting.start()
    waiting.join(30)  # not for ever: a build that waits for the dead worker fails here
    assert not waiting.is_alive(), "the build waits for a worker that has ended"
    assert [str(error) for error in raised] == ["a worker ended without a word (exit code 3)"]
    assert not helper.proc.is_alive()


def test_a_helper_stopped_before_its_pages_ends(tmp_path: Path) -> None:
    helper = Helper([FileJob(("a.txt",), _write_a)], _no_pages, DiskOutput(tmp_path / "site"))
    helper.stop()  # the build failed while it keyed the pages
    assert not helper.proc.is_alive()


def test_the_helper_writes_the_feeds_and_schedules_while_the_checks_run_and_pages_are_keyed(
    playbook, monkeypatch, tmp_path: Path
) -> None:
    """Once the process ahead is done (after an edit, long before the check is), the
    build forks a helper that writes the feeds and schedules before the strategy checks
    run and the pages are keyed, then makes pages as a worker: with this process held
    back, every page made, the health page with the checks' warnings. The output is
    what a build without the helper makes. On another day, with the schedules kept,
    the helper writes the feeds alone; a page that fails in the helper fails the build,
    with the template's line."""
    from smcycle_build import build as building
    from smcycle_build import lint
    from smcycle_build.layout import Layout
    from smcycle_build.render import ahead

    root, twin = built_then_edited(playbook, monkeypatch, tmp_path, "2")

    idle = [True]
    events: list[str] = []
    helped: list[tuple[list[str], list[str]]] = []  # the helper's files, what came before
    helpers: list[Helper] = []
    log = tmp_path / "made.log"  # each page made, by which process (workers write it)
    start, reuse, run, render = Helper.__init__, Layout.page_reuse, parallel._run, render_pages
    strategy = lint.lint_plan

    def helper_init(self, first, later, out):
        helped.append(([path for job in first for path in job.paths], list(events)))
        helpers.append(self)
        start(self, first, later, out)

    def page_reuse(self, *args):
        events.append("keys")
        return reuse(self, *args)

    def checked(*args, **kwargs):
        events.append("lint")
        return strategy(*args, **kwargs)

    def made(index: int) -> list[str]:
        paths = run(index)
        with log.open("a") as file:
            file.writelines(f"{os.getpid()} {path}\n" for path in paths)
        return paths

    def held_back(jobs, site, out, parallel_, meanwhile, *args, **kwargs):
        def later_here():  # this process starts its share late: the helper takes them all
            time.sleep(1.5)
            return meanwhile()

        return render(jobs, site, out, parallel_, later_here, *args, **kwargs)

    monkeypatch.setattr(ahead.MarkdownAhead, "done", lambda self: idle[0])
    monkeypatch.setattr(Helper, "__init__", helper_init)
    monkeypatch.setattr(Layout, "page_reuse", page_reuse)
    monkeypatch.setattr(lint, "lint_plan", checked)
    monkeypatch.setattr(parallel, "_run", made)
    monkeypatch.setattr(building, "render_pages", held_back)
    assert run_cli(root, "build", "-j", "2").exit_code == 0
    output = files(root / "output")
    schedules = {
        "schedule.json",
        *(p for p in output if p.startswith("channels/") and p.endswith((".csv", ".json"))),
    }
    feeds = {p for p in output if p.endswith(".ics")}
    # forked before the strategy checks and the pages' keys
    assert len(helped) == 1 and helped[0][1] == [] and events == ["lint", "keys"]
    assert sorted(helped[0][0]) == sorted(schedules | feeds)
    pages = [line.split() for line in log.read_text().splitlines()]
    assert "posts/hello/index.html" in {path for _, path in pages}
    assert {pid for pid, _ in pages} == {pid for pid, _ in pages if int(pid) != os.getpid()}
    assert "health/index.html" in {path for _, path in pages}
    assert b"copy-paste" in output["health/index.html"]
    assert not (schedules | feeds) & {path for _, path in pages}  # not made twice

    idle[0] = False
    helped.clear()
    assert run_cli(twin, "build", "-j", "2").exit_code == 0
    assert helped == [] and files(twin / "output") == output  # as made without it

    # another day: the schedules are kept as they are, the feeds made again (their
    # DTSTAMP, pinned), both by the helper
    idle[0] = True
    before = {p: file_id(root / "output" / p) for p in schedules}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1800000000 + 86400))
    assert run_cli(root, "build", "-j", "2").exit_code == 0
    assert len(helped) == 1 and sorted(helped[0][0]) == sorted(schedules | feeds)
    later = files(root / "output")
    assert all(later[p] == output[p] for p in schedules)
    assert before == {p: file_id(root / "output" / p) for p in schedules}
    assert all(later[p] != output[p] for p in feeds if b"DTSTAMP" in output[p])

    # a page that fails in the helper: the build says where, and nothing is left running
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/post.html").write_text(
        '{% extends "default/post.html" %}{% block main %}{{ no_such_thing }}{% endblock %}'
    )
    failed = run_cli(root, "build", "-j", "2")
    assert failed.exit_code == 1
    assert "templates/post.html:1: error template: 'no_such_thing' is undefined" in failed.output
    assert not helpers[-1].proc.is_alive()


def test_an_error_the_strategy_checks_find_stops_the_helper_they_ran_beside(
    playbook, monkeypatch, tmp_path: Path
) -> None:
    """The helper starts before the strategy checks end: when they find an error, the
    build fails at its line, the helper is stopped, and the output is left as it was."""
    from smcycle_build.render import ahead

    root, _ = built_then_edited(playbook, monkeypatch, tmp_path, "2")
    before = files(root / "output")
    helpers: list[Helper] = []
    start = Helper.__init__

    def helper_init(self, *args):
        helpers.append(self)
        start(self, *args)

    monkeypatch.setattr(ahead.MarkdownAhead, "done", lambda self: True)
    monkeypatch.setattr(Helper, "__init__", helper_init)
    settings = root / "content/playbook.yaml"
    settings.write_text(settings.read_text() + "lint: {copy-paste: error}\n")
    failed = run_cli(root, "build", "-j", "2")
    assert failed.exit_code == 1
    assert "content/posts/hello.md:8: error copy-paste:" in failed.output
    assert len(helpers) == 1 and not helpers[0].proc.is_alive()
    assert files(root / "output") == before


def test_with_more_cores_the_other_workers_take_the_helpers_counter(
    playbook, monkeypatch, tmp_path: Path
) -> None:
    """On three cores the build forks one worker more once the pages are keyed, on the
    helper's counter: every page is made once, as by one process."""
    from smcycle_build.render import ahead

    root, twin = built_then_edited(playbook, monkeypatch, tmp_path, "3")
    forked: list[int] = []
    start = parallel.multiprocessing.context.ForkProcess.start

    def counted(self):
        forked.append(1)
        return start(self)

    monkeypatch.setattr(ahead.MarkdownAhead, "done", lambda self: True)
    monkeypatch.setattr(parallel.multiprocessing.context.ForkProcess, "start", counted)
    assert run_cli(root, "build", "-j", "3").exit_code == 0
    assert len(forked) == 3  # the process ahead, the helper, one worker more
    monkeypatch.setattr(ahead.MarkdownAhead, "done", lambda self: False)
    assert run_cli(twin, "build", "-j", "1").exit_code == 0
    assert files(root / "output") == files(twin / "output")
