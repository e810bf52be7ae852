"""What a re-check can reuse: each file's parse, record and post, and their problems.

`serve` keeps one `Memo` for its whole life. A re-check after an edit parses only
the files whose stat changed (or that the watcher named), and validates a post
again only when its own file or something it refers to changed: everything else
is the very object of the last check, with the problems it had, replayed.

Reuse is decided by identity, never by comparing values: an entry remembers the
objects it was made from (`token`) and is reused only when the same objects come
back. A file read again is a new object, so whatever was made from it is made
again; nothing can be reused by mistake because two values merely look alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from .errors import Diagnostic, Diagnostics

T = TypeVar("T")


@dataclass
class Entry:
    token: tuple[Any, ...]
    value: Any
    problems: tuple[Diagnostic, ...]


@dataclass
class Memo:
    tables: dict[str, dict[str, Entry]] = field(default_factory=dict)
    stale: set[str] = field(default_factory=set)  # absolute paths the watcher saw change

    def forget(self, paths: Iterable[str]) -> None:
        """Files changed on disk, as the watcher names them: never trust their stat."""
        self.stale.update(os.path.abspath(p) for p in paths)

    def reuse(
        self,
        table: str,
        key: str,
        token: tuple[Any, ...],
        diags: Diagnostics,
        make: Callable[[Diagnostics], T],
    ) -> T:
        """`make(diags)`, or its remembered result (and problems) when `token` holds the
        same objects (or equal stats) as when it was made."""
        entries = self.tables.setdefault(table, {})
        hit = entries.get(key)
        if hit is not None and same(hit.token, token):
            diags.absorb(hit.problems)
            return hit.value
        own = diags.fork()
        value = make(own)
        diags.absorb(own.items)
        entries[key] = Entry(token, value, own.items)
        return value

    def value(self, table: str, key: str, token: tuple[Any, ...], make: Callable[[], T]) -> T:
        """`make()`, or what it made last time from the same `token`."""
        entries = self.tables.setdefault(table, {})
        hit = entries.get(key)
        if hit is not None and same(hit.token, token):
            return hit.value
        value = make()
        entries[key] = Entry(token, value, ())
        return value

    def file(
        self, path: str | Path, rel: str, diags: Diagnostics, read: Callable[[Diagnostics], T]
    ) -> T:
        """A file read again only when its stat changed or the watcher named it."""
        try:
            st = os.stat(path)
        except OSError:
            return read(diags)  # the reader reports it
        if self.stale and str(path) in self.stale:  # content/ is resolved, as watched
            self.stale.discard(str(path))
            self.tables.get("files", {}).pop(rel, None)
        stat = Stat(st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        return self.reuse("files", rel, (stat,), diags, read)

    def stable(self, key: str, value: T) -> T:
        """The object remembered under `key` when it equals `value` (so that what was made
        from it can be reused), else `value`, remembered from now on."""
        entries = self.tables.setdefault("values", {})
        hit = entries.get(key)
        if hit is not None and hit.value == value:
            return hit.value
        entries[key] = Entry((), value, ())
        return value

    def keep(self, table: str, keys: Iterable[str]) -> None:
        """Drop the entries of files that are gone (memory stays the playbook's size)."""
        wanted = set(keys)
        entries = self.tables.get(table, {})
        for key in [k for k in entries if k not in wanted]:
            del entries[key]


class Stat(NamedTuple):
    """What tells a file changed without reading it (the watcher covers a same-size edit
    within one timestamp tick)."""

    mtime_ns: int
    ctime_ns: int
    size: int
    inode: int


VALUES = (Stat, int, float, str, date)  # compared by value; anything else by identity


def same(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    """Element by element: the same object, or an equal stat, number or string. A loop,
    not `all()` over a generator: a re-check asks this for every file and post, and the
    generator was two thirds of its time."""
    if len(old) != len(new):
        return False
    for a, b in zip(old, new, strict=True):  # the lengths are equal
        if a is not b and (type(a) not in VALUES or type(a) is not type(b) or a != b):
            return False
    return True
