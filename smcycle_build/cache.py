"""`.smcycle-cache/`: what a build can skip next time. Safe to delete, ignored by git.

What is kept is keyed by content, never by time (a file's digest is found by its stat,
as git's index does, but is the digest of its bytes):

* the whole build: a fingerprint of every input (content, templates, the program and
  the options, with `SOURCE_DATE_EPOCH` when set) and the day it was made for in the
  playbook's zone. When both match the last build's and the output folder is still
  exactly what that build wrote, there is nothing to do;
* rendered Markdown, by the text's digest, in a small SQLite file that every worker
  process of a build reads and writes: an edit renders only the bodies that changed.
  It holds one renderer's HTML (emptied when smcycle, Python-Markdown, nh3 or our
  settings change) and only what the last build asked for;
* each post as the last check made it, by the digest of its file and of every file a
  post is checked against (`post_checks.py`): a check reads the posts that changed,
  not the ten thousand that did not;
* the feeds' events and the schedules' rows, a run of posts or a month at a time, by
  the digest of the posts' keys (`pieces.py`): an edit makes one run again, not all;
* each file's digest by its stat (`FileDigests`, `digests.json`): a file unchanged
  since it was hashed is not read again, by the fingerprint or by the check;
* the templates as Jinja compiled them, by their name, path and source, in a folder of
  this version of smcycle and Jinja (`jinja/`): every process of a build loads them
  instead of compiling the theme again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from . import __version__
from .errors import Diagnostic
from .readfile import read_regular
from .walk import walk

CACHE_DIR = ".smcycle-cache"
S = TypeVar("S", bound="SqliteStore")
PACKAGE = Path(__file__).resolve().parent


def _files(folder: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(path relative to `folder`, its entry) for every file below it: a link to a
    folder is not followed, as `os.walk` does not."""
    return ((rel, entry) for rel, entry in walk(folder) if not _leads_to_folder(entry))


def _leads_to_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a loop of links: a file that cannot be read (the check says so)
        return False


def joined_digest(parts: Iterable[str]) -> str:
    """The digest of `parts` joined by NUL: a key made of other keys."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def digest_trees(folders: list[Path], extra: list[str], digests: FileDigests | None = None) -> str:
    """One digest of the files (names and bytes) under `folders`, and of `extra` strings;
    with `digests`, a file hashed before and unchanged since is not read again."""
    h = hashlib.sha256()
    for text in extra:
        h.update(text.encode("utf-8") + b"\0")
    for folder in folders:
        if not folder.is_dir():
            continue
        for rel, entry in _files(str(folder)):
            if "__pycache__" in rel.split("/"):
                continue
            h.update(os.fsencode(rel) + b"\0")  # its bytes, UTF-8 or not
            try:
                if digests is not None:
                    h.update(digests.digest(entry.path).encode())
                else:
                    h.update(read_regular(entry.path))
            except OSError as exc:  # a link to nothing or round: the check says what is wrong
                h.update(f"unreadable {exc.errno}".encode())
            h.update(b"\0")
    return h.hexdigest()


SMALL_CHANGE = 1 << 20  # bytes hashed anew that the next run may hash again, not saved


class FileDigests:
    """Each file's sha256 by its stat, as git's index keeps them: a file whose inode,
    size, modification and change times are those it had when it was hashed is not read
    again. A build after an edit then reads the file that changed, not all ten thousand.

    The change time is set by the system on every write or rename and cannot be set
    back by a tool. A file changed within the clock's granularity after it was hashed
    could keep its times: so, as git does with "racily clean" entries, a file written
    less than RACY seconds before it was hashed is hashed again the next time."""

    RACY = 2_000_000_000  # ns

    def __init__(self, path: Path) -> None:
        self.path = path
        self._known: dict[str, list] | None = None  # path -> [ino, size, mtime, ctime, digest]
        self._changed = False
        self._fresh = self._fresh_bytes = 0  # files (and their bytes) hashed anew this run
        self._seen: dict[str, str] = {}  # path -> digest, of the files this run looked at

    def _entries(self) -> dict[str, list]:
        if self._known is None:
            try:
                known = load_json(self.path.read_bytes())["files"]
            except (OSError, ValueError, KeyError, TypeError):
                known = {}
            # a damaged file is only a slower build: whatever is not an entry is not used
            self._known = known if isinstance(known, dict) else {}
        return self._known

    @staticmethod
    def _stat(st: os.stat_result) -> list[int]:
        return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]

    def known(self, path: str, st: os.stat_result | None = None) -> str | None:
        """The digest of `path` if it is as it was when hashed (`st`: its stat now, taken
        here if not given, and only for a file hashed before)."""
        entry = self._entries().get(path)
        if not isinstance(entry, list) or len(entry) != 5 or not isinstance(entry[4], str):
            return None
        if st is None:
            try:
                st = os.stat(path)
            except OSError:
                return None
        if entry[:4] == self._stat(st):
            self._seen[path] = entry[4]
            return entry[4]
        return None

    def this_run(self, path: str) -> str | None:
        """The digest this run found for `path` already (the fingerprint of a build
        hashes every content file before the check asks for the posts')."""
        return self._seen.get(path)

    def record(self, path: str, st: os.stat_result, data: bytes) -> str:
        """The digest of `data`, read from `path` after `st` was taken: kept for the next
        time unless the file was written too recently to tell a later write apart."""
        digest = hashlib.sha256(data).hexdigest()
        self._seen[path] = digest
        self._fresh += 1
        self._fresh_bytes += len(data)
        entries = self._entries()
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > self.RACY:
            entries[path] = [*self._stat(st), digest]
        else:
            entries.pop(path, None)
        self._changed = True
        return digest

    def digest(self, path: str) -> str:
        st = os.stat(path)
        known = self.known(path, st)
        if known is not None:
            return known
        return self.record(path, st, read_regular(path))

    def save(self) -> None:
        """Written when something was hashed anew, with the files this run looked at
        only: the entries of files gone, or not asked for, are dropped. Not when what
        changed is a hundredth of the entries or less, and a megabyte at most (an edit):
        rewriting all of them (2 MB at 10,000 posts, a twentieth of a second) costs more
        than the next run hashing those few files again, which it does, as their stat
        is not the one recorded."""
        if not self._changed:
            return
        known = self._entries()
        entries = {p: e for p, e in known.items() if p in self._seen}
        changed = self._fresh + len(known) - len(entries)
        if changed <= len(known) // 100 and self._fresh_bytes <= SMALL_CHANGE:
            return
        with contextlib.suppress(OSError):
            tmp = self.path.with_suffix(".tmp")
            tmp.write_bytes(dump_json({"files": entries}))
            tmp.replace(self.path)
        self._changed = False
        self._fresh = self._fresh_bytes = 0


def dump_json(doc: object) -> bytes:
    """A record of the cache as JSON. orjson writes the 2 MB records of a 10,000-post
    build (every output file's stat, every page's key) in a tenth of the json module's
    time, which every build after an edit and every warm build pays; a string orjson
    refuses (a file name that is not UTF-8, kept with surrogates) goes through json."""
    try:
        return orjson.dumps(doc)
    except TypeError:
        return json.dumps(doc).encode()


def load_json(data: bytes) -> object:
    """What `dump_json` wrote (ValueError if it is not JSON)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)  # json's escapes of what orjson refused


def local_day(zone: object, now: datetime) -> str | None:
    """The date at `now` in the zone named `zone`: what a build shows as today. None for
    what is not a zone's name (a damaged record)."""
    if not isinstance(zone, str):
        return None
    try:
        return now.astimezone(ZoneInfo(zone)).date().isoformat()
    except (ValueError, ZoneInfoNotFoundError):
        return None


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
        self.digests = FileDigests(self.dir / "digests.json")
        self._last_build: LastBuild | None = None  # as `last_build` read it

    def fingerprint(self, content: Path, theme: list[Path], options: dict[str, str | None]) -> str:
        """The inputs' digest. The time is not one of them unless it is pinned (in
        `options`): what a build shows of now is the day, compared by `unchanged`."""
        extra = [__version__, json.dumps(options, sort_keys=True)]
        return digest_trees([content, *theme, PACKAGE], extra, self.digests)

    def _make_dir(self) -> None:
        self.dir.mkdir(exist_ok=True)
        ignore = self.dir / ".gitignore"
        if not ignore.exists():  # the cache is never committed, whatever the repository says
            ignore.write_text("*\n", encoding="utf-8")

    def has_record(self) -> bool:
        """Whether a build was recorded here (`remember`): without one, nothing is known
        to be up to date."""
        return self._manifest().is_file()

    def _manifest(self) -> Path:
        return self.dir / "last-build.json"

    def _last(self) -> dict:
        """The last build's record, with what is not as `remember` writes it left out: a
        damaged record is only a build from scratch."""
        try:
            last = load_json(self._manifest().read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(last, dict):
            return {}
        kinds = {"pages": dict, "files": dict, "diagnostics": list, "today": list}
        return {k: v for k, v in last.items() if isinstance(v, kinds.get(k, str))}

    def unchanged(self, fingerprint: str, out: Path, now: datetime) -> list[Diagnostic] | None:
        """The last build's problems when it had these very inputs, it is still the day
        it was made for in the playbook's zone, and its output is intact.

        The day, not the hour: a build shows today's date (the index, the calendar's
        today, what is upcoming), and a zone's day can start on the half or quarter
        hour (India, Nepal). The feeds' DTSTAMP keeps the moment of the build that
        made them, as when nothing at all changed."""
        last = self._last()
        if last.get("fingerprint") != fingerprint or last.get("out") != str(out.resolve()):
            return None
        zone, day = (last.get("today") or [None, None])[:2]
        if day is None or local_day(zone, now) != day:
            return None
        if not out.is_dir() or snapshot(out) != last.get("files"):
            return None  # someone touched the output: build it again
        try:
            return [Diagnostic(**d) for d in last.get("diagnostics", [])]
        except TypeError:  # not a problem as `remember` wrote it
            return None

    def remember(
        self,
        fingerprint: str,
        out: Path,
        diagnostics: list[Diagnostic],
        pages: dict[str, str] | None = None,
        kept: tuple[set[str], set[str]] | None = None,
        today: tuple[str, datetime] | None = None,
    ) -> str | None:
        """Note the build that just succeeded, with the keys of its `pages` that a next
        build may reuse; what went wrong if the folder would not take it (the next build
        then starts cold: a cache never fails a build). `kept`: every file of the output
        and those of them the build left in place, which are as the last build's record
        says (their stat is not taken again). `today`: the playbook's zone and the
        build's moment, whose date there the output shows."""
        files = snapshot(out) if kept is None else self._snapshot(out, *kept)
        doc = {
            "fingerprint": fingerprint,
            "today": [today[0], local_day(*today)] if today is not None else [],
            "out": str(out.resolve()),
            "files": files,
            "diagnostics": [asdict(d) for d in diagnostics],
            "pages": pages or {},
        }
        try:
            self._make_dir()
            tmp = self._manifest().with_suffix(".tmp")
            tmp.write_bytes(dump_json(doc))
            tmp.replace(self._manifest())
        except OSError as exc:
            return f"{CACHE_DIR}/ cannot be written ({exc.strerror or exc})"
        return None

    def _snapshot(self, out: Path, written: set[str], kept: set[str]) -> dict[str, list[int]]:
        """`snapshot(out)` from the last build's record of the files kept in place (each
        was found as recorded before it was kept: LastBuild.has) and the stat of the
        others. Falls back to a walk if the record lacks one."""
        last = self._last_build.files if self._last_build is not None else {}
        if not kept <= last.keys():
            return snapshot(out)
        files = {path: last[path] for path in kept}
        root = str(out)
        for path in written - kept:
            st = os.stat(os.path.join(root, path))  # no Path: ten thousand after a cold build
            files[path] = [st.st_size, st.st_mtime_ns]
        return files

    def last_build(self, out: Path) -> LastBuild:
        """The pages' keys of the last build into `out`, and the files it wrote."""
        last = self._last()
        if last.get("out") != str(out.resolve()):
            last = {}
        self._last_build = LastBuild(out, last.get("pages", {}), last.get("files", {}))
        return self._last_build

    def markdown_store(self) -> MarkdownStore | None:
        """The Markdown store, or None where the folder cannot hold one (see `_store`)."""
        from .render.markup import renderer_id

        return self._store(MarkdownStore(self.dir / "markdown.sqlite"), renderer_id)

    def post_store(self) -> PostStore | None:
        """The checked posts, or None where the folder cannot hold them (see `_store`)."""
        from .post_checks import checker_id

        store = self._store(PostStore(self.dir / "posts.sqlite"), checker_id)
        if store is not None:
            store.digests = self.digests
        return store

    def piece_store(self, name: str) -> PieceStore | None:
        """The pieces of one kind of file (`pieces.py`), or None where the folder cannot
        hold them (see `_store`). Made by smcycle's source, like a checked post."""
        from .post_checks import checker_id

        return self._store(PieceStore(self.dir / f"{name}.sqlite"), checker_id)

    def template_bytecode(self) -> Path | None:
        """The folder of the templates compiled by this version of smcycle and Jinja
        (render/env.py), or None where the cache cannot hold it. Another version's
        folder goes: its code may follow other settings."""
        from importlib.metadata import version

        from .post_checks import checker_id

        owner = hashlib.sha256(f"{checker_id()}; jinja2 {version('jinja2')}".encode())
        folder = self.dir / "jinja"
        mine = folder / owner.hexdigest()[:16]
        try:
            self._make_dir()
            folder.mkdir(exist_ok=True)
            for other in folder.iterdir():
                if other != mine:
                    shutil.rmtree(other, ignore_errors=True)
            mine.mkdir(exist_ok=True)
        except OSError:
            return None
        return mine

    def _store(self, store: S, owner: Callable[[], str]) -> S | None:
        """`store` claimed for `owner()`, or None where the folder cannot hold it: the build
        is slower then, never failed. A file that is no database any more (a crash, a bad
        restore of CI's cache) is started anew."""
        try:
            self._make_dir()
            try:
                store.claim(owner())
            except sqlite3.DatabaseError:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{store.path}{suffix}").unlink(missing_ok=True)
                store.claim(owner())
        except (OSError, sqlite3.Error):
            return None
        return store


@dataclass(frozen=True)
class LastBuild:
    """What the last build wrote into `dest`: each page's key, each file's size and time."""

    dest: Path
    pages: dict[str, str]
    files: dict[str, list[int]]
    # what `dest` holds now, each file's size and time, when it was listed for this build
    # (render/ahead.py); None: each file is looked at when it is asked about
    found: dict[str, list[int]] | None = None

    def found_as(self, found: dict[str, list[int]]) -> LastBuild:
        return dataclasses.replace(self, found=found)

    def has(self, path: str, key: str) -> bool:
        """Whether it wrote the page at `path` with this key, and the file is still as it
        wrote it (a file someone changed since is made again)."""
        if self.pages.get(path) != key or path not in self.files:
            return False
        if self.found is not None:
            return self.found.get(path) == self.files[path]
        try:
            st = os.stat(os.path.join(self.dest, path))  # no Path: ten thousand a build
        except OSError:
            return False
        return [st.st_size, st.st_mtime_ns] == self.files[path]


SWEEP_SLACK = 64  # values a store may hold beyond what a run uses, at the least


class SqliteStore:
    """Values by key in one SQLite table, for one owner (`claim`), usable from forked workers.

    The owner is what made the values (the renderer's or the checker's versions and
    source): `claim` empties the table for another, so that an upgrade can never show
    what the program of now would not make."""

    TABLE = ""
    VALUE = "TEXT"
    JOURNAL = "WAL"  # readers and a writer at once: the forked workers of a build

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._pid = -1

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute(f"PRAGMA journal_mode={self.JOURNAL}")
        # WAL with NORMAL is never corrupted; a crash may only lose the last entries
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {self.TABLE} (key TEXT PRIMARY KEY, value {self.VALUE})"
        )
        conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        return conn

    def _db(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # a fork needs its own connection
            self._conn, self._pid = self._connect(), os.getpid()
        return self._conn

    def close(self) -> None:
        """Close this process's connection (none may be open when a build forks)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def claim(self, owner: str) -> None:
        """Make this the store of `owner`, emptied if it held another's values. On a
        connection of its own, closed at once: none is open when the build forks."""
        with contextlib.closing(self._connect()) as conn:
            row = conn.execute("SELECT value FROM meta WHERE name = 'owner'").fetchone()
            if row is not None and row[0] == owner:
                return
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"DELETE FROM {self.TABLE}")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('owner', ?)", (owner,))
            conn.execute("COMMIT")

    def keep_only(self, keys: set[str]) -> None:
        """Forget every value whose key is not in `keys`: what the last run asked for. An
        edited file leaves its old value behind, which would otherwise pile up in the cache
        (and in CI's copy of it) for ever."""
        with (
            contextlib.suppress(sqlite3.Error),
            contextlib.closing(self._connect()) as conn,
        ):
            conn.execute("BEGIN IMMEDIATE")
            self._forget_all_but(conn, keys)
            conn.execute("COMMIT")

    def needs_sweep(self, used_at_most: int) -> bool:
        """Whether the store holds a tenth (and at least SWEEP_SLACK) more values than a
        run can use (`used_at_most`), so that `keep_only` is worth its price: knowing every
        key still used means hashing every text (at 10,000 posts, 0.1 s, and as much again
        for the table of them) to forget the one an edit left behind. Until then, what
        edits left behind stays; a store a tenth larger is no slower."""
        try:
            (count,) = self._db().execute(f"SELECT count(*) FROM {self.TABLE}").fetchone()
        except sqlite3.Error:  # locked for too long, or broken: sweep, which says nothing
            return True
        return count > used_at_most + max(SWEEP_SLACK, used_at_most // 10)

    def _forget_all_but(self, conn: sqlite3.Connection, keys: set[str]) -> None:
        conn.execute("CREATE TEMP TABLE keep (key TEXT PRIMARY KEY)")
        conn.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((k,) for k in keys))
        conn.execute(f"DELETE FROM {self.TABLE} WHERE key NOT IN (SELECT key FROM keep)")


class MarkdownStore(SqliteStore):
    """Sanitized HTML by the digest of its Markdown, for one renderer (smcycle,
    Python-Markdown and nh3, their versions and our settings)."""

    TABLE = "html"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._used: set[str] = set()  # the keys this process asked for or stored
        self._batch = 0  # puts a transaction holds (`batched`); 0: each its own
        self._pending = 0  # puts in the open transaction

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @contextlib.contextmanager
    def batched(self, size: int) -> Iterator[None]:
        """Puts committed `size` at a time, the rest when the block ends: half the cost of
        a transaction each, for the store's one writer at that time (the renderer ahead,
        before the workers start). Puts not yet committed when the process is stopped are
        only rendered again."""
        self._batch, self._pending = size, 0
        try:
            yield
        finally:
            self._batch = 0
            self._commit()

    def _commit(self) -> None:
        """The open transaction committed, if this process's connection has one."""
        self._pending = 0
        conn = self._conn if self._pid == os.getpid() else None
        if conn is not None and conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("COMMIT")

    def get(self, text: str, key: str | None = None) -> str | None:
        """The HTML stored for `text` (`key`: its `key`, when the caller has it)."""
        key = key or self.key(text)
        try:
            found = self._db().execute("SELECT value FROM html WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:  # locked for too long, or broken meanwhile: render it again
            return None
        if found is None or type(found[0]) is not str:  # none, or not what `put` wrote
            return None
        self._used.add(key)
        return found[0]

    def is_empty(self) -> bool:
        """Whether the store holds no HTML (False when it cannot be read: look in it)."""
        try:
            return self._db().execute("SELECT 1 FROM html LIMIT 1").fetchone() is None
        except sqlite3.Error:
            return False

    def put(self, text: str, html: str, key: str | None = None) -> None:
        key = key or self.key(text)
        self._used.add(key)
        # a busy cache is only a slower build, never a failed one
        with contextlib.suppress(sqlite3.Error):
            db = self._db()
            if self._batch and not db.in_transaction:  # not `_pending`: a put may have failed
                db.execute("BEGIN")
            db.execute("INSERT OR REPLACE INTO html (key, value) VALUES (?, ?)", (key, html))
            if self._batch:
                self._pending += 1
                if self._pending >= self._batch:
                    self._commit()

    def used(self) -> set[str]:
        """The keys this process asked for or stored (a build gathers every process's)."""
        return self._used


@dataclass(frozen=True)
class Bucket:
    """One row of the post store: the keys of the entries it holds, and their pickle."""

    keys: tuple[str, ...]
    payload: memoryview


class PostStore(SqliteStore):
    """Each post as a check made it (`post_checks.CheckedPost`), by the digest of its file
    and of everything a post is checked against; for one checker (smcycle, its libraries
    and its source). Written only by smcycle, in the repository's own ignored cache
    folder, like Sphinx's pickled environment.

    The entries are kept in BUCKETS rows, a post file's by its path (`bucket`): each row
    holds the keys of its entries, then one pickle of them all. A check loads ten
    thousand posts: one pickle each took 0.27 s to load, 256 took 0.15 s (each finds
    its classes once, and shares the strings its posts repeat), while an edit writes
    again only the forty posts of its bucket, where one pickle of all would be 0.6 s."""

    TABLE = "posts"
    VALUE = "BLOB"
    BUCKETS = 256
    # one writer at the end of a check, no reader meanwhile: a rollback journal writes the
    # 40 MB of 10,000 posts once, where WAL writes them twice (0.21 against 0.08 s)
    JOURNAL = "DELETE"
    # the files' digests by stat: a post file unchanged since it was hashed is not read
    digests: FileDigests | None = None

    @classmethod
    def bucket(cls, path: str) -> str:
        """The row that holds the entry of the post file at `path`, by its CRC-32: the
        same in every process (`hash` of a string is not)."""
        return f"{zlib.crc32(path.encode()) % cls.BUCKETS:02x}"

    @staticmethod
    def packed(keys: Iterable[str], payload: bytes) -> bytes:
        """A bucket's value: its keys, one a line (hex digests), a blank line, the pickle."""
        return "\n".join(keys).encode() + b"\n\n" + payload

    def buckets(self) -> dict[str, Bucket]:
        """Every bucket, its pickle not loaded; one whose value is not a bucket's (damaged
        meanwhile) holds nothing."""
        # a bucket's name is two hex digits: not the X lengths' row (megabytes of JSON)
        query = f"SELECT key, value FROM {self.TABLE} WHERE length(key) = 2"
        try:
            rows = self._db().execute(query).fetchall()
        except sqlite3.Error:  # locked for too long, or broken meanwhile: check them again
            return {}
        found = {}
        for name, value in rows:
            if type(value) is not bytes:  # damaged
                continue
            end = value.find(b"\n\n")
            if end > 0:
                keys = value[:end].decode("ascii", "replace").split("\n")
                found[name] = Bucket(tuple(keys), memoryview(value)[end + 2 :])
        return found

    def get(self, key: str) -> bytes | None:
        """A row that is no bucket (`post_checks.X_LENGTHS`)."""
        try:
            row = (
                self._db()
                .execute(f"SELECT value FROM {self.TABLE} WHERE key = ?", (key,))
                .fetchone()
            )
        except sqlite3.Error:  # locked for too long, or broken meanwhile: count them again
            return None
        return row[0] if row is not None and type(row[0]) is bytes else None

    def save(self, rows: Iterable[tuple[str, bytes]], forget: Iterable[str]) -> None:
        """Put `rows` (key, value) and forget the rows of `forget`, in one transaction."""
        with (
            contextlib.suppress(sqlite3.Error),
            contextlib.closing(self._connect()) as conn,
        ):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                f"INSERT OR REPLACE INTO {self.TABLE} (key, value) VALUES (?, ?)", rows
            )
            conn.executemany(f"DELETE FROM {self.TABLE} WHERE key = ?", ((k,) for k in forget))
            conn.execute("COMMIT")


class PieceStore(SqliteStore):
    """Pieces of one big file (a feed's events, a schedule's rows) by the digest of what
    they were made from: one job reads and writes it, in one transaction per build."""

    TABLE = "pieces"
    VALUE = "BLOB"
    JOURNAL = "DELETE"  # one writer, no reader meanwhile (as PostStore)

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._writing = False

    def get(self, key: str) -> bytes | None:
        try:
            found = self._db().execute("SELECT value FROM pieces WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:  # locked for too long, or broken meanwhile: make it again
            return None
        return found[0] if found is not None else None

    def put(self, key: str, value: bytes) -> None:
        """Stored at once (a build never holds what it made of every post), committed
        by `finish`."""
        with contextlib.suppress(sqlite3.Error):
            db = self._db()
            if not self._writing:
                db.execute("BEGIN IMMEDIATE")
                self._writing = True
            db.execute("INSERT OR REPLACE INTO pieces (key, value) VALUES (?, ?)", (key, value))

    def finish(self, keep: set[str]) -> None:
        """Commit, and forget every piece this build did not use."""
        with contextlib.suppress(sqlite3.Error):
            db = self._db()
            if not self._writing:
                db.execute("BEGIN IMMEDIATE")
            self._writing = True
            self._forget_all_but(db, keep)
            db.execute("COMMIT")
        self._writing = False
        self.close()
