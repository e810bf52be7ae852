"""`.smcycle-cache/`: what a build can skip next time. Safe to delete, ignored by git.

Two levels, both keyed by content, never by time:

* the whole build: a fingerprint of every input (content, templates, the program,
  the options and the day). When it matches the last build's and the output folder
  is still exactly what that build wrote, there is nothing to do;
* rendered Markdown, by the text's digest, in a small SQLite file that every worker
  process of a build reads and writes: an edit renders only the bodies that changed.
  It holds one renderer's HTML (emptied when smcycle, Python-Markdown, nh3 or our
  settings change) and only what the last build asked for.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from pathlib import Path

from . import __version__
from .errors import Diagnostic
from .walk import walk

CACHE_DIR = ".smcycle-cache"
PACKAGE = Path(__file__).resolve().parent


def _files(folder: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(path relative to `folder`, its entry) for every file below it: a link to a
    folder is not followed, as `os.walk` does not."""
    return ((rel, entry) for rel, entry in walk(folder) if not entry.is_dir())


def digest_trees(folders: list[Path], extra: list[str]) -> str:
    """One digest of the files (names and bytes) under `folders`, and of `extra` strings."""
    h = hashlib.sha256()
    for text in extra:
        h.update(text.encode("utf-8") + b"\0")
    for folder in folders:
        if not folder.is_dir():
            continue
        for rel, entry in _files(str(folder)):
            if "__pycache__" in rel.split("/"):
                continue
            h.update(rel.encode("utf-8") + b"\0")
            with open(entry.path, "rb") as handle:
                h.update(handle.read())
            h.update(b"\0")
    return h.hexdigest()


def snapshot(out: Path) -> dict[str, list[int]]:
    """Every file of a built site with its size and modification time."""
    result = {}
    for rel, entry in _files(str(out)):
        st = entry.stat()
        result[rel] = [st.st_size, st.st_mtime_ns]
    return result


class DiskCache:
    """The cache folder of one repository."""

    def __init__(self, root: Path) -> None:
        self.dir = root / CACHE_DIR

    def fingerprint(
        self, content: Path, theme: list[Path], options: dict[str, str | None], today: date
    ) -> str:
        extra = [__version__, today.isoformat(), json.dumps(options, sort_keys=True)]
        return digest_trees([content, *theme, PACKAGE], extra)

    def _manifest(self) -> Path:
        return self.dir / "last-build.json"

    def unchanged(self, fingerprint: str, out: Path) -> list[Diagnostic] | None:
        """The last build's problems when it had these very inputs and its output is intact."""
        try:
            last = json.loads(self._manifest().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if last.get("fingerprint") != fingerprint or last.get("out") != str(out.resolve()):
            return None
        if not out.is_dir() or snapshot(out) != last.get("files"):
            return None  # someone touched the output: build it again
        return [Diagnostic(**d) for d in last.get("diagnostics", [])]

    def remember(self, fingerprint: str, out: Path, diagnostics: list[Diagnostic]) -> str | None:
        """Note the build that just succeeded; what went wrong if the folder would not
        take it (the next build then starts cold: a cache never fails a build)."""
        doc = {
            "fingerprint": fingerprint,
            "out": str(out.resolve()),
            "files": snapshot(out),
            "diagnostics": [asdict(d) for d in diagnostics],
        }
        try:
            self.dir.mkdir(exist_ok=True)
            (self.dir / ".gitignore").write_text("*\n", encoding="utf-8")
            tmp = self._manifest().with_suffix(".tmp")
            tmp.write_text(json.dumps(doc), encoding="utf-8")
            tmp.replace(self._manifest())
        except OSError as exc:
            return f"{CACHE_DIR}/ cannot be written ({exc.strerror or exc})"
        return None

    def markdown_store(self) -> MarkdownStore | None:
        """The Markdown store, or None where the folder cannot hold one: the build is
        slower then, never failed. A file that is no database any more (a crash, a bad
        restore of CI's cache) is started anew."""
        from .render.markup import renderer_id

        store = MarkdownStore(self.dir / "markdown.sqlite")
        try:
            self.dir.mkdir(exist_ok=True)
            try:
                store.claim(renderer_id())
            except sqlite3.DatabaseError:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{store.path}{suffix}").unlink(missing_ok=True)
                store.claim(renderer_id())
        except (OSError, sqlite3.Error):
            return None
        return store


class MarkdownStore:
    """Sanitized HTML by the digest of its Markdown; usable from forked workers.

    It holds the HTML of one renderer (smcycle, Python-Markdown and nh3, their
    versions and our settings): `claim` empties it for another, so that an upgrade or
    a changed allowlist can never show HTML the renderer of now would not make."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._used: set[str] = set()  # the keys this process asked for or stored

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL is never corrupted; a crash may only lose the last entries
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS html (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        return conn

    def _db(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # a fork needs its own connection
            self._conn, self._pid = self._connect(), os.getpid()
        return self._conn

    def claim(self, renderer: str) -> None:
        """Make this the store of `renderer`, emptied if it held another's HTML. On a
        connection of its own, closed at once: none is open when the build forks."""
        with contextlib.closing(self._connect()) as conn:
            row = conn.execute("SELECT value FROM meta WHERE name = 'renderer'").fetchone()
            if row is not None and row[0] == renderer:
                return
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM html")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('renderer', ?)", (renderer,))
            conn.execute("COMMIT")

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, text: str) -> str | None:
        key = self.key(text)
        try:
            found = self._db().execute("SELECT value FROM html WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:  # locked for too long, or broken meanwhile: render it again
            return None
        if found is None:
            return None
        self._used.add(key)
        return found[0]

    def put(self, text: str, html: str) -> None:
        key = self.key(text)
        self._used.add(key)
        # a busy cache is only a slower build, never a failed one
        with contextlib.suppress(sqlite3.Error):
            self._db().execute(
                "INSERT OR REPLACE INTO html (key, value) VALUES (?, ?)", (key, html)
            )

    def used(self) -> set[str]:
        """The keys this process asked for or stored (a build gathers every process's)."""
        return self._used

    def keep_only(self, keys: set[str]) -> None:
        """Forget the HTML of every text not in `keys`: what a whole build asked for. An
        edited body leaves its old HTML behind, which would otherwise pile up in the cache
        (and in CI's copy of it) for ever."""
        with (
            contextlib.suppress(sqlite3.Error),
            contextlib.closing(self._connect()) as conn,
        ):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TEMP TABLE keep (key TEXT PRIMARY KEY)")
            conn.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((k,) for k in keys))
            conn.execute("DELETE FROM html WHERE key NOT IN (SELECT key FROM keep)")
            conn.execute("COMMIT")
