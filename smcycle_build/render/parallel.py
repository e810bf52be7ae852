"""A build on every core: making the files is the embarrassingly parallel part of it.

The parent lays out the whole site, then forks workers that inherit it (no pickling
of the model); each runs units of work (the feeds, a schedule, a channel's page, a
month, a batch of posts) and writes its files straight into the build's temporary
folder. Only the written paths come back. A unit of work returns pages to render,
or (path, data) pairs already made (`FileJob`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from ..output import Data

T = TypeVar("T")

# what the forked workers render with, set just before the fork
_JOB: tuple[list[Any], Any, Any] | None = None
MIN_JOBS = 40  # below this (a small playbook), forking costs more than it saves


def workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class FileJob:
    """Files that are not pages (feeds, schedules): their paths, and the pairs
    (path, data) made one at a time, so that a large one is written as it is made."""

    paths: tuple[str, ...]
    make: Callable[[], Iterator[tuple[str, Data]]]


def _run(index: int) -> list[str]:
    assert _JOB is not None
    jobs, site, out = _JOB
    written = []
    job = jobs[index]
    if isinstance(job, FileJob):
        for path, data in job.make():
            out.write(path, data)
            written.append(path)
        return written
    for page in job():
        out.write(page.path, site.render(page))
        written.append(page.path)
    return written


def render_pages(
    jobs: list[Any],
    site,
    out,
    parallel: bool,
    meanwhile: Callable[[], T],
    processes: int | None = None,
) -> tuple[list[str], T]:
    """Run every job, on several processes when asked and worth it, and `meanwhile()` in
    this process as they run. The paths the jobs wrote (workers' paths must be claimed by
    the caller), and what `meanwhile()` returned."""
    global _JOB
    _JOB = (jobs, site, out)
    try:
        count = workers() if processes is None else processes
        forkable = "fork" in multiprocessing.get_all_start_methods()
        if not parallel or count < 2 or len(jobs) < MIN_JOBS or not forkable:
            paths = [path for i in range(len(jobs)) for path in _run(i)]
            return paths, meanwhile()
        with multiprocessing.get_context("fork").Pool(count) as pool:
            pending = pool.map_async(_run, range(len(jobs)), chunksize=1)
            result = meanwhile()
            done = pending.get()
        return [path for paths in done for path in paths], result
    finally:
        _JOB = None
