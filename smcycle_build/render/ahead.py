"""Markdown rendered ahead: the posts' bodies, on the other core while the check runs.

A cold build spends a third of its CPU in Python-Markdown, and its first seconds on
the check, which is one process's work. A process forked before the check (while the
heap is still small) reads the posts' files itself, takes each body as the loader
does, and renders it into the Markdown store; the pages find it there. Then it
compiles the theme's templates into Jinja's bytecode cache, which every process of
the build would otherwise do for itself in a first build (a small playbook's bodies
are soon rendered). It stops when the site is laid out (the posts checked and saved),
before the page workers start: it never competes with them.
What it makes is what a page would ask for, by the same renderer and the same key, so
whatever it did not reach is only made later, and nothing depends on its speed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..load import scan_files, split_front_matter
from ..markdown_limits import body_problems

if TYPE_CHECKING:
    from ..cache import DiskCache, MarkdownStore
    from ..pipeline import Project

    Theme = tuple[list[Path], DiskCache]  # its folders (env.theme_dirs), and the cache

STOP_WAIT = 5.0  # seconds for the last body in hand; then it is stopped
BATCH = 32  # bodies stored a transaction: a tenth of a second's work


def render_bodies(posts: Path, store: MarkdownStore, stop: Any) -> int:
    """Render every post body under `posts` into `store` until `stop` (an Event) is set; how many
    were rendered (the ones already stored are not). Files that links lead to are left
    to the loader, which says whether they may be read."""
    from .markup import new_markdown, to_html

    md = new_markdown()
    rendered = 0
    # a store empty when this starts (a first build, or a new renderer) holds only what
    # this process puts in it until the workers start: no body is looked for in it
    empty = store.is_empty()
    with store.batched(BATCH):
        for path, link in scan_files(str(posts)):
            if stop.is_set():
                break
            if link or not path.endswith(".md"):
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


def _run(posts: Path, store: MarkdownStore, stop: Any, theme: Theme | None) -> None:
    # Ctrl+C is the build's to handle: it stops this process (no traceback of its own)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a head start, never a cause of failure: whatever goes wrong, the pages make it
    with contextlib.suppress(Exception):
        render_bodies(posts, store, stop)
        if theme is not None:
            compile_templates(*theme, stop)


def markdown_ahead(
    project: Project, store: MarkdownStore | None, processes: int | None, theme: Theme | None
) -> MarkdownAhead | None:
    """The posts' Markdown rendered, then the `theme` compiled, on the other core while
    this one checks, saves what it checked and lays the site out, until the workers
    start; None on one core, or without a store to put it in. Here, not in build.py:
    `smcycle build` starts it before it imports the rest of the build (a tenth of a
    second of the other core)."""
    from .parallel import workers

    if store is None or (processes or workers()) < 2:
        return None
    return start(project.content, store, theme)


def start(content: Path, store: MarkdownStore, theme: Theme | None) -> MarkdownAhead | None:
    """The renderer ahead, where processes can be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None  # pragma: no cover - not on Linux
    return MarkdownAhead(content, store, theme)


class MarkdownAhead:
    """The forked renderer of one build: started before the check, stopped after it."""

    def __init__(self, content: Path, store: MarkdownStore, theme: Theme | None) -> None:
        ctx = multiprocessing.get_context("fork")
        self._stop = ctx.Event()
        self._proc = ctx.Process(
            target=_run, args=(content / "posts", store, self._stop, theme), daemon=True
        )
        self._proc.start()

    def stop(self) -> None:
        self._stop.set()
        self._proc.join(STOP_WAIT)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()
