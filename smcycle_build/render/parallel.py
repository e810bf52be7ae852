"""A build on every core: making the files is the embarrassingly parallel part of it.

The parent lays out the whole site, then forks workers that inherit it (no pickling
of the model); each runs units of work (the feeds, a schedule, a channel's page, a
month, a batch of posts) and writes its files straight into the build's temporary
folder. Only the written paths come back. A unit of work returns pages to render,
or writes its files itself as it makes them (`FileJob`: the feeds, a schedule).

After an edit, the other core is idle once the process ahead has found the changed
bodies, long before the check ends. A `Helper` forked once the plan is made writes the
feeds and schedules while this process runs the strategy checks and keys the pages,
and takes page jobs once its files are written.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from . import reads
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
WAIT = 0.005  # seconds between two looks for a worker's word


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


class Helper:
    """A worker forked before the pages are keyed (once the plan is made, while the
    strategy checks run), when the other core is idle (after an edit the process ahead
    is done before the check is): it writes the feeds and the schedules, the longest
    units of work, which need nothing of what is checked or keyed meanwhile, then takes
    page jobs as any worker does. `later(message)` makes, in it, the same jobs,
    renderer, page reuse and `finish` as this process makes of what it `hand`s over
    (render_pages)."""

    def __init__(
        self,
        first: list[FileJob],
        later: Callable[[Any], tuple[list[Any], Any, Any, Callable[[], Any]]],
        out: Any,
    ) -> None:
        ctx = multiprocessing.get_context("fork")
        self.claimed = ctx.Value("i", 0)
        self.results = ctx.SimpleQueue()
        reader, self._writer = ctx.Pipe(duplex=False)
        args = (first, later, out, reader, self.claimed, self.results)
        self.proc = ctx.Process(target=_help, args=args, daemon=True)
        self.proc.start()
        reader.close()  # the helper's end
        self._message = b""
        self._sending: threading.Thread | None = None

    def hand(self, message: Any) -> None:
        """What the helper's `later` needs to make the page jobs, once they are known;
        sent when the pages are made (`render_pages`)."""
        self._message = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)

    def send(self) -> None:
        """By a thread: the helper reads it only once its files are written, and a
        megabyte does not fit in a pipe."""
        data = self._message

        def write() -> None:
            with contextlib.suppress(OSError):  # the helper ended: the build says why
                self._writer.send_bytes(data)
            self._writer.close()

        self._sending = threading.Thread(target=write, daemon=True, name="smcycle-hand")
        self._sending.start()

    def stop(self) -> None:
        """Stopped, when the build fails before it has taken the helper's work."""
        if self._sending is None:
            self._writer.close()
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join()


def _help(first, later, out, reader, claimed, results) -> None:
    """The helper: its files, then the page jobs `later` makes of what the build hands
    over, claimed with the build's own process (and any other worker); then, as a
    worker does, its paths and what `finish()` says (or what went wrong)."""
    global _JOB
    # forked during the check, which pauses the collector while the playbook is made
    # (pipeline.long_lived): what this process inherits lives as long as it does
    gc.freeze()
    gc.enable()
    try:
        paths = []
        for job in first:
            job.write(out)
            paths.extend(job.paths)
        try:
            message = pickle.loads(reader.recv_bytes())
        except EOFError:  # the build stopped before its pages
            return
        jobs, site, reuse, finish = later(message)
        _JOB = (jobs, site, out, reuse)
        paths.extend(_claim_all(claimed, len(jobs)))
        results.put(("ok", (paths, finish(), unique(_PROBLEMS))))
    except BaseException:
        results.put(("error", traceback.format_exc()))


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
            before = reads.count()
            try:
                html = site.render(page)
            except TemplateProblem as problem:
                _PROBLEMS.append(problem.diagnostic)
                continue
            if reuse is not None:
                reuse.rendered(page.path, reads.since(before))
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
    helper: Helper | None = None,
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
        if helper is not None:  # forked already, with the same jobs (Helper)
            result = _share(count, len(jobs), meanwhile, finish, helper)
        elif not parallel or count < 2 or _work_of(jobs) < MIN_WORK or not forkable:
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
    count: int,
    total: int,
    meanwhile: Callable[[], T],
    finish: Callable[[], Any],
    helper: Helper | None = None,
) -> tuple[list[str], T, list[Any]]:
    """`count` processes take the jobs one at a time, the next free one each: this one,
    the `helper` if one was forked already, and forked workers for the rest. This
    process works too: a worker of its own would copy the whole checked playbook again
    (CPython's reference counts write to every object a worker reads), a third more
    memory for no more speed.

    A page of the playbook that either process reads after the fork is held twice (the
    first to write it gets a copy, the other keeps the original), so which process takes
    which job does not change the memory (measured: the build's own process taking the
    feeds and the pages of every post, the worker posts from the back, was no better):
    only a smaller checked playbook does."""
    ctx = multiprocessing.get_context("fork")
    if helper is not None:
        claimed, results, procs = helper.claimed, helper.results, [helper.proc]
    else:
        claimed, results, procs = ctx.Value("i", 0), ctx.SimpleQueue(), []
    more = [
        ctx.Process(target=_work, args=(claimed, total, finish, results), daemon=True)
        for _ in range(count - 1 - len(procs))
    ]
    for proc in more:
        proc.start()
    procs += more
    if helper is not None:
        helper.send()  # once no process is forked any more: none holds the pipe
    told = 0  # workers that said what they did
    try:
        result = meanwhile()
        paths = _claim_all(claimed, total)
        finished = [finish()]
        for _proc in procs:
            kind, payload = _word(results, procs, told)
            if kind == "error":  # the worker's exception, as its traceback's last line says
                raise RuntimeError(f"a worker failed: {payload.strip().splitlines()[-1]}")
            paths.extend(payload[0])
            finished.append(payload[1])
            _PROBLEMS.extend(payload[2])
            told += 1
        for proc in procs:
            proc.join()
        return paths, result, finished
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()


def _word(results, procs: list, told: int) -> tuple[str, Any]:
    """The next worker's word, once `told` have given theirs; RuntimeError when one ended
    without it (killed: out of memory, a signal), where waiting would wait for ever. A
    worker's word is in the queue before it ends, so more ended than told, with nothing
    in the queue, is one that never will."""
    while results.empty():
        ended = [proc.exitcode for proc in procs if proc.exitcode is not None]
        if len(ended) > told and results.empty():
            code = min(ended)  # a signal is negative, an exit positive, an end 0
            raise RuntimeError(f"a worker ended without a word (exit code {code})")
        time.sleep(WAIT)
    return results.get()


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
