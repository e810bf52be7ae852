"""A build on every core: making the files is the embarrassingly parallel part of it.

The parent lays out the whole site, then forks workers that inherit it (no pickling
of the model); each runs units of work (the feeds, a schedule, a channel's page, a
month, a batch of posts) and writes its files straight into the build's temporary
folder. Only the written paths come back. A unit of work returns pages to render,
or writes its files itself as it makes them (`FileJob`: the feeds, a schedule).
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .theme_errors import TemplateProblem, TemplateProblems, unique

T = TypeVar("T")

# what the forked workers render with, set just before the fork
_JOB: tuple[list[Any], Any, Any, Any] | None = None
# the repository templates' problems this process met; its pages are not written (the
# build fails), the others still are made, so that every problem is found in one run
_PROBLEMS: list[Any] = []
# below this many pages' worth of work (a small playbook, or an edit of a few pages and
# small feeds), forking costs more than it saves
MIN_WORK = 40


def workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class FileJob:
    """Files that are not pages (feeds, schedules): their paths, and what writes them to
    an output, as they are made (a large one is never held whole)."""

    paths: tuple[str, ...]
    write: Callable[[Any], None]
    size: int = 1  # about how many pages' work it is (see MIN_WORK)


def _work_of(jobs: list[Any]) -> int:
    """The jobs' work in pages: an edit at 10,000 posts renders a few pages, but its
    schedules and feeds (tens of thousands of occurrences) take a core each."""
    return sum(
        job.size if isinstance(job, FileJob) else len(getattr(job, "paths", "1")) for job in jobs
    )  # a job that does not say its pages (a callable): one


def _run(index: int) -> list[str]:
    assert _JOB is not None
    jobs, site, out, reuse = _JOB
    job = jobs[index]
    if isinstance(job, FileJob):
        job.write(out)
        return list(job.paths)
    written = []
    for page in job():
        if reuse is None or not reuse.keep(page, out):  # the last build's file, or made
            try:
                html = site.render(page)
            except TemplateProblem as problem:
                _PROBLEMS.append(problem.diagnostic)
                continue
            out.write(page.path, html)
        written.append(page.path)
    return written


def render_pages(
    jobs: list[Any],
    site,
    out,
    parallel: bool,
    meanwhile: Callable[[], T],
    processes: int | None = None,
    finish: Callable[[], Any] = lambda: None,
    reuse: Any = None,
) -> tuple[list[str], T, list[Any]]:
    """Run every job, on `processes` processes (this one and forked workers) when worth
    it, after `meanwhile()` in this one; a page `reuse` keeps from the last build is not
    rendered (see page_keys.PageReuse). The paths the jobs wrote (the workers' must be
    claimed by the caller), what `meanwhile()` returned, and what `finish()` returned in
    each process once it had no job left. `TemplateProblems` when a repository template
    failed, with every problem met, once all the jobs ran."""
    global _JOB
    _JOB = (jobs, site, out, reuse)
    _PROBLEMS.clear()
    try:
        count = workers() if processes is None else processes
        forkable = "fork" in multiprocessing.get_all_start_methods()
        if not parallel or count < 2 or _work_of(jobs) < MIN_WORK or not forkable:
            paths = [path for i in range(len(jobs)) for path in _run(i)]
            result = paths, meanwhile(), [finish()]
        else:
            result = _share(count, len(jobs), meanwhile, finish)
        if _PROBLEMS:
            raise TemplateProblems(unique(_PROBLEMS))
        return result
    finally:
        _JOB = None
        _PROBLEMS.clear()


def _share(
    count: int, total: int, meanwhile: Callable[[], T], finish: Callable[[], Any]
) -> tuple[list[str], T, list[Any]]:
    """`count` processes take the jobs one at a time, the next free one each: this one
    and `count - 1` forked workers. This process works too: a worker of its own would
    copy the whole checked playbook again (CPython's reference counts write to every
    object a worker reads), a third more memory for no more speed.

    A page of the playbook that either process reads after the fork is held twice (the
    first to write it gets a copy, the other keeps the original), so which process takes
    which job does not change the memory (measured: the build's own process taking the
    feeds and the pages of every post, the worker posts from the back, was no better):
    only a smaller checked playbook does."""
    ctx = multiprocessing.get_context("fork")
    claimed = ctx.Value("i", 0)
    results = ctx.SimpleQueue()
    procs = [
        ctx.Process(target=_work, args=(claimed, total, finish, results), daemon=True)
        for _ in range(count - 1)
    ]
    try:
        for proc in procs:
            proc.start()
        result = meanwhile()
        paths = _claim_all(claimed, total)
        finished = [finish()]
        for _proc in procs:
            kind, payload = results.get()
            if kind == "error":  # the worker's exception, as its traceback's last line says
                raise RuntimeError(f"a worker failed: {payload.strip().splitlines()[-1]}")
            paths.extend(payload[0])
            finished.append(payload[1])
            _PROBLEMS.extend(payload[2])
        for proc in procs:
            proc.join()
        return paths, result, finished
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()


def _claim_all(claimed, total: int) -> list[str]:
    written: list[str] = []
    while True:
        with claimed.get_lock():
            index = claimed.value
            claimed.value += 1
        if index >= total:
            return written
        written.extend(_run(index))


def _work(claimed, total: int, finish: Callable[[], Any], results) -> None:
    """A forked worker: jobs until none is left, then its paths and what `finish()`
    says (or what went wrong)."""
    try:
        paths = _claim_all(claimed, total)
        results.put(("ok", (paths, finish(), unique(_PROBLEMS))))  # each once
    except BaseException:
        results.put(("error", traceback.format_exc()))
