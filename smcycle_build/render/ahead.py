"""Markdown rendered ahead: the posts' bodies, on the other core while the check runs.

A cold build spends a third of its CPU in Python-Markdown, and its first seconds on
the check, which is one process's work. A process forked before the check (while the
heap is still small) reads the posts' files itself, takes each body as the loader
does, and renders it into the Markdown store; the pages find it there. Then it
compiles the theme's templates into Jinja's bytecode cache, which every process of
the build would otherwise do for itself in a first build (a small playbook's bodies
are soon rendered). After an edit it reads only the files changed since the last
run, and is done long before the check: the build then gives its core the feeds and
schedules (render/parallel.py, `Helper`). Otherwise it stops when the site is laid
out (the posts checked and saved), before the page workers start: it never competes
with them.
What it makes is what a page would ask for, by the same renderer and the same key, so
whatever it did not reach is only made later, and nothing depends on its speed.

Before all that, it lists the output folder of the last build, with each file's size
and time (`OutputListing`): the build then knows which of its pages are still as it
wrote them, and which files to remove once the new ones are in, without a stat or a
walk of its own (at 10,000 posts, 0.2 s of the build's own process after an edit). A
file put in the output folder after that listing stays until the next build.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache import FileDigests
from ..load import scan_files, split_front_matter
from ..markdown_limits import body_problems
from ..walk import walk

if TYPE_CHECKING:
    from ..cache import DiskCache, MarkdownStore
    from ..pipeline import Project

    Theme = tuple[list[Path], DiskCache]  # its folders (env.theme_dirs), and the cache

STOP_WAIT = 5.0  # seconds for the last body in hand; then it is stopped
LIST_WAIT = 10.0  # seconds the build waits for the output's listing, at the most
BATCH = 32  # bodies stored a transaction: a tenth of a second's work


def render_bodies(
    posts: Path, store: MarkdownStore, stop: Any, digests: FileDigests | None = None
) -> int:
    """Render every post body under `posts` into `store` until `stop` (an Event) is set; how many
    were rendered (the ones already stored are not). Files that links lead to are left
    to the loader, which says whether they may be read.

    With the cache's `digests` (as the last run saved them), a file unchanged since a
    build hashed it is not read: that build rendered its body, and stored it. After an
    edit this finds the body that changed in a tenth of the time of reading every file
    and looking each body up (at 10,000 posts, 0.08-0.14 s instead of 0.8-1.3 s on a
    slow day): CPU the machine has for something else. A body not stored all the same
    (swept, or its file hashed by a `check` only) is rendered by its page, as any this
    process does not reach."""
    from .markup import new_markdown, to_html

    md = new_markdown()
    rendered = 0
    # a store empty when this starts (a first build, or a new renderer) holds only what
    # this process puts in it until the workers start: no body is looked for in it
    empty = store.is_empty()
    if empty:
        digests = None  # nothing is stored yet, however old the file: read every one
    with store.batched(BATCH):
        for path, link in scan_files(str(posts)):
            if stop.is_set():
                break
            if link or not path.endswith(".md"):
                continue
            if digests is not None and digests.known(path) is not None:
                continue
            try:
                with open(path, "rb") as file:
                    text = file.read().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError):
                continue  # the check says what is wrong with it
            front, _offset, body, _line = split_front_matter(text)
            if front is None or body_problems(body):
                continue  # the check says what is wrong with it
            key = store.key(body)  # once: looked up, then stored
            if (key in store.used()) if empty else (store.get(body, key) is not None):
                continue
            store.put(body, to_html(md, body), key)
            rendered += 1
    return rendered


def compile_templates(dirs: list[Path], disk: DiskCache, stop: Any) -> int:
    """Every template of the theme in `dirs` compiled into the build's bytecode cache
    (`env.bytecode_cache`), until `stop` is set; how many were compiled or found there.
    A process of the build then loads each in a millisecond instead of compiling it
    (the theme: 0.17 s, which a first build paid in each process). One that does not
    compile is left to the build, which says where."""
    from .env import make_environment

    bytecode = disk.template_bytecode()
    if bytecode is None:
        return 0
    env = make_environment(dirs, reload=False, bytecode=bytecode)
    # "default/NAME" is the built-in NAME again (env.py): compiled only if a page asks
    names = env.list_templates(filter_func=lambda name: not name.startswith("default/"))
    done = 0
    for name in names:
        if stop.is_set():
            break
        if name.endswith(".html"):
            with contextlib.suppress(Exception):
                env.get_template(name)
                done += 1
    return done


def list_output(dest: str) -> dict[str, list[int]]:
    """Every file below `dest` (a link as itself, never followed), with its size and
    modification time in ns as `cache.LastBuild` records them; {} if there is none."""
    found = {}
    for path, entry in walk(dest):
        with contextlib.suppress(OSError):  # gone meanwhile: not there
            st = entry.stat(follow_symlinks=False)
            found[path] = [st.st_size, st.st_mtime_ns]
    return found


class OutputListing:
    """The output folder as the process ahead found it (`list_output`), handed to the
    build through an unlinked file both processes hold: a pipe of this size could block
    the one that writes until the other reads, and a build that fails early never
    reads it."""

    def __init__(self, dest: Path, ctx: Any) -> None:
        self.dest = str(dest)
        # its descriptor goes with the fork; closed by `take` or `close`
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._ready = ctx.Event()

    def make(self) -> None:
        """In the process ahead. Ready, listed or not: the build is never kept waiting
        for a listing that failed (an empty file is none)."""
        try:
            data = memoryview(pickle.dumps(list_output(self.dest), pickle.HIGHEST_PROTOCOL))
            at = 0
            while at < len(data):
                at += os.pwrite(self._file.fileno(), data[at:], at)
        finally:
            self._ready.set()

    def take(self, alive: Callable[[], bool]) -> dict[str, list[int]] | None:
        """In the build, once: the listing, or None when the process ahead did not make
        it (it ended, or LIST_WAIT passed): then the build looks for itself."""
        if self._file.closed:
            return None
        deadline = time.monotonic() + LIST_WAIT
        try:
            while not self._ready.wait(0.05):
                if not alive() or time.monotonic() > deadline:
                    return None
            fd = self._file.fileno()
            found = pickle.loads(os.pread(fd, os.fstat(fd).st_size, 0))
        except Exception:  # a head start, never a cause of failure
            return None
        finally:
            self.close()
        return found if type(found) is dict else None

    def close(self) -> None:
        self._file.close()


def _run(
    posts: Path,
    store: MarkdownStore,
    stop: Any,
    theme: Theme | None,
    listing: OutputListing | None,
) -> None:
    # Ctrl+C is the build's to handle: it stops this process (no traceback of its own)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a head start, never a cause of failure: whatever goes wrong, the pages make it
    with contextlib.suppress(Exception):
        if listing is not None:  # first: the build needs it once it is checked
            listing.make()
        # the digests as the last run saved them: the build's own copy already holds
        # those of the files its fingerprint hashed anew, the edited ones among them
        digests = FileDigests(theme[1].digests.path) if theme is not None else None
        render_bodies(posts, store, stop, digests)
        if theme is not None:
            compile_templates(*theme, stop)


def markdown_ahead(
    project: Project,
    store: MarkdownStore | None,
    processes: int | None,
    theme: Theme | None,
    dest: Path | None = None,
) -> MarkdownAhead | None:
    """The output folder `dest` listed, the posts' Markdown rendered, then the `theme`
    compiled, on the other core while this one checks, saves what it checked and lays
    the site out, until the workers start; None on one core, or without a store to put
    it in. Here, not in build.py: `smcycle build` starts it before it imports the rest
    of the build (a tenth of a second of the other core)."""
    from .parallel import workers

    if store is None or (processes or workers()) < 2:
        return None
    return start(project.content, store, theme, dest)


def start(
    content: Path, store: MarkdownStore, theme: Theme | None, dest: Path | None = None
) -> MarkdownAhead | None:
    """The renderer ahead, where processes can be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None  # pragma: no cover - not on Linux
    return MarkdownAhead(content, store, theme, dest)


class MarkdownAhead:
    """The forked renderer of one build: started before the check, stopped after it."""

    def __init__(
        self, content: Path, store: MarkdownStore, theme: Theme | None, dest: Path | None
    ) -> None:
        ctx = multiprocessing.get_context("fork")
        self._stop = ctx.Event()
        self._listing = None
        if dest is not None:
            with contextlib.suppress(OSError):  # no room for a temporary file: no listing
                self._listing = OutputListing(dest, ctx)
        args = (content / "posts", store, self._stop, theme, self._listing)
        self._proc = ctx.Process(target=_run, args=args, daemon=True)
        self._proc.start()

    def output_files(self) -> dict[str, list[int]] | None:
        """The output folder's files as this process found them (`list_output`), once;
        None if it did not list them."""
        if self._listing is None:
            return None
        return self._listing.take(self._proc.is_alive)

    def done(self) -> bool:
        """Whether it has done all it does (its core is idle): after an edit, it finds
        the changed bodies long before the check ends."""
        return not self._proc.is_alive()

    def stop(self) -> None:
        if self._listing is not None:
            self._listing.close()
        self._stop.set()
        self._proc.join(STOP_WAIT)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()
