"""Each post as the last check made it: a check reads the posts that changed, not all of them.

Checking ten thousand posts takes seconds, nearly all of it reading, validating and
linting posts nobody touched. What a check makes of one post file (its `Post`, and
the problems found in it) depends on three things only:

* the file's own bytes and path;
* what a post is checked against: playbook.yaml's zone, default time and `lint:`, the
  channels' networks, limits and default times, the ids of the campaigns, goals,
  audiences and reviews (`load._checked_against`; `serve`'s memo keys its posts by the
  same, validate's `context`, and by the media), and the files of content/media/ it
  names (an entry says which: `PostChecks.media_holds`);
* the program: smcycle's source and the libraries that read, count and compare
  (`checker_id`).

An entry is stored under the digest of all three (`.smcycle-cache/posts.sqlite`, with
the entries of other post files: `cache.PostStore`), so a channel's new limit, a new
time zone or an upgrade checks every post again, and nothing is reused because two
values merely look alike.
What spans files is never stored: duplicate ids, and every strategy check but
copy-paste (which compares the variants of one post), run on the posts each time,
reused or not.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import zoneinfo
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .cache import Bucket, PostStore, dump_json, load_json
from .errors import Diagnostic, Diagnostics
from .frozen import frozen
from .model import Post, pickled_by_fields

if TYPE_CHECKING:
    from .load import DiskFiles, RawDocument
    from .validate import Record

# what reads, counts and compares a post, besides smcycle's own source
LIBRARIES = ("pyyaml", "twitter-text-parser", "rapidfuzz", "python-dateutil", "tzdata")
PACKAGE = Path(__file__).resolve().parent

Problems = tuple[Diagnostic, ...]
X_LENGTHS = "x-lengths"  # the store's entry of X lengths by text (networks.count_x)


@frozen
class CheckedPost:
    """What a check made of one post file, and the problems it found at each step."""

    path: str
    stem: str
    id: str | None  # None: the file has no usable id (the reason is among `read`)
    id_line: int  # where its `id:` is written: duplicate ids are reported there
    parsed: Problems  # reading the file and its front matter
    read: Problems  # its fields and id
    post: Post | None  # None: something in it is wrong (see `built`)
    built: Problems
    copy_paste: Problems | None = None  # None: not linted yet (a check with errors)
    head: str = ""  # its path and front matter, digested (load.RawDocument.head)
    # the files of content/media/ its check found (`PostChecks.media_holds`); or, when
    # one was not found or it has no post, the digest of the media it was checked with
    media: tuple[str, ...] = ()
    media_key: str | None = None


pickled_by_fields(CheckedPost)  # ten thousand are loaded by every check after an edit


@cache
def library(name: str) -> str:
    """A library's version, `-` when it is not installed (half a millisecond to find)."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def _zone_database() -> str:
    """The time zone rules the system has (they move a post's instants): their version."""
    for folder in zoneinfo.TZPATH:
        try:
            with open(Path(folder) / "tzdata.zi", encoding="utf-8") as handle:
                return handle.readline().strip()
        except OSError:
            continue
    return "-"


@cache
def checker_id() -> str:
    """Everything a post's entry depends on but the content: smcycle's source, Python's
    and the libraries' versions, and the system's time zone rules."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    libraries = "; ".join(f"{name} {library(name)}" for name in LIBRARIES)
    python = sys.version.split()[0]
    zones = _zone_database()
    return f"smcycle {__version__}; python {python}; {libraries}; {zones}; {h.hexdigest()}"


class PostChecks:
    """One check's use of the store: which posts it reuses, which it makes and saves."""

    def __init__(self, store: PostStore) -> None:
        self.store = store
        self._context = hashlib.sha256()
        self._context_key = ""
        # the store's buckets, read once (until `fetch` has taken what it needs), and the
        # bucket of each key they hold
        self._buckets: dict[str, Bucket] | None = None
        self._stored: dict[str, str] | None = None
        self.keys: dict[str, str] = {}  # path -> key of every post file read
        self.found: dict[str, CheckedPost] = {}  # path -> entry reused
        # path -> the problems of a post read anew: in its front matter, its fields
        self.parsed: dict[str, Problems] = {}
        self.recorded: dict[str, Problems] = {}
        self.made: dict[str, CheckedPost] = {}  # path -> entry made by this check
        self.copy_paste: dict[str, Problems | None] = {}  # by post id, as the lint found
        self.media: frozenset[str] = frozenset()  # the files of content/media/ (depend_media)
        self.media_key = ""

    def depend(self, path: str, text: str | None) -> None:
        """A file every post is checked against (None: it could not be read): what a
        post's check reads of it (`load._checked_against`)."""
        self._context.update(f"{path}\0{'-' if text is None else '+' + text}\0".encode())

    def depend_media(self, media: frozenset[str], escapes: frozenset[str]) -> None:
        """The media, the last of what posts depend on: the context is complete. A post's
        entry holds while the files it names are still there (`media_holds`), not only
        while every file of content/media/ is: a picture added for a new post checks no
        other post again."""
        digest = hashlib.sha256()
        for names in (media, escapes):
            digest.update(("\0".join(sorted(names)) + "\0\0").encode())
        self.media, self.media_key = media, digest.hexdigest()
        self._context_key = self._context.hexdigest()

    def media_holds(self, entry: CheckedPost) -> bool:
        """Whether what a stored entry's check found in content/media/ is found there
        now: each file it names (none of them was missing or outside), or the very same
        files (a missing one's hint names the files of that name's folder)."""
        if entry.media_key is not None:
            return entry.media_key == self.media_key
        media = self.media
        return all(name in media for name in entry.media)

    @property
    def context_key(self) -> str:
        """The digest of every file posts are checked against but the media, which each
        entry holds for itself (`depend_media`): what every page and feed is made of."""
        assert self._context_key, "every file posts depend on is read first"
        return self._context_key

    def reuse(self, path: str, digest: str) -> bool:
        """Whether the store has this post file's entry as it is now (`digest`: the
        sha256 of its bytes): then `fetch` puts it in `found`. Called once the files every
        post depends on are all read."""
        assert self._context_key, "every file posts depend on is read first"
        stored = self._stored if self._stored is not None else self._read_buckets()
        key = self.keys[path] = hashlib.sha256(
            f"{self._context_key}\0{path}\0{digest}".encode()
        ).hexdigest()
        return key in stored

    def _read_buckets(self) -> dict[str, str]:
        self._buckets = self.store.buckets()
        self._stored = {key: name for name, b in self._buckets.items() for key in b.keys}
        return self._stored

    def known_digest(self, name: str) -> str | None:
        """The digest of the file at `name` when it is unchanged since it was hashed
        (cache.FileDigests): then it need not be read."""
        digests = self.store.digests
        if digests is None:
            return None
        return digests.this_run(name) or digests.known(name)

    def read(
        self, name: str, rel: str, diags: Diagnostics, files: DiskFiles | None = None
    ) -> tuple[str, str] | None:
        """The text of a post file and the digest of its bytes (None: it cannot be read,
        and why is in `diags`); the digest is kept for the next time. `files`: where
        it is read from (the disk unless said)."""
        from .load import DISK, decode, read_bytes

        digests = self.store.digests
        st = None
        if digests is not None:
            with contextlib.suppress(OSError):  # read_bytes says why
                st = os.stat(name)  # before the bytes: a later write changes it (FileDigests)
        data = read_bytes(name, rel, diags, files or DISK)
        if data is None:
            return None
        if digests is not None and st is not None:
            digest = digests.record(name, st, data)
        else:
            digest = hashlib.sha256(data).hexdigest()
        text = decode(data, rel, diags)
        return None if text is None else (text, digest)

    def fetch(self, paths: list[str]) -> list[str]:
        """The entries of `paths` (which `reuse` said the store has) into `found`, in
        that order, each bucket loaded once; the paths whose entry turned out unusable,
        to be read anew."""
        assert self._buckets is not None and self._stored is not None, "`reuse` said so"
        stored, buckets = self._stored, self._buckets
        loaded: dict[str, dict] = {}
        for name in {stored[self.keys[path]] for path in paths}:
            bucket = buckets.get(name)
            loaded[name] = _unpickle(bucket.payload) if bucket is not None else {}
        self._buckets = None  # forty megabytes at ten thousand posts, read
        unusable = []
        for path in paths:
            key = self.keys[path]
            entry = loaded[stored[key]].get(key)
            # damaged, another file's, or a file it names is gone (or it missed one)
            if type(entry) is not CheckedPost or entry.path != path or not self.media_holds(entry):
                unusable.append(path)
            else:
                self.found[path] = entry
        return unusable

    def know_x_lengths(self) -> None:
        """The X lengths the last checks counted (networks.count_x), kept in the store
        under a key no digest can be."""
        from . import networks

        blob = self.store.get(X_LENGTHS)
        try:
            lengths = load_json(blob) if blob is not None else {}
        except ValueError:
            lengths = {}
        if isinstance(lengths, dict):  # a damaged entry is only a slower check
            networks.know_x_lengths({k: v for k, v in lengths.items() if type(v) is int})

    def close(self) -> None:
        """Every post is read: no connection to the store may stay open when a build forks
        (saving opens its own)."""
        self._buckets = None
        self.store.close()

    def make(
        self, doc: RawDocument, rec: Record | None, post: Post | None, built: Problems
    ) -> None:
        """The entry of a post read anew (`rec` None: it has no usable id). One that lost
        its id to another file gets none: what it is depends on that other file."""
        from .validate import named_media

        id_line = rec.ymap.key_lines.get("id", 1) if rec is not None else 1
        # the files it names hold its entry when all were found and it has a post;
        # otherwise only the same content/media/ does (`media_holds`)
        names = named_media(rec) if post is not None else None
        found = tuple(sorted(set(names))) if names is not None else ()
        whole = names is None or not all(name in self.media for name in found)
        self.made[doc.path] = CheckedPost(
            doc.path,
            doc.stem,
            rec.id if rec is not None else None,
            id_line,
            self.parsed[doc.path],
            self.recorded[doc.path],
            post,
            built,
            head=doc.head,
            media=found,
            media_key=self.media_key if whole else None,
        )

    def heads(self) -> dict[str, str]:
        """Each post file's key without its body (`CheckedPost.head`), or its key when it
        has none: what a page that shows none of the bodies depends on (page_keys.py)."""
        made, found = self.made, self.found
        heads = {}
        for path, key in self.keys.items():
            entry = made.get(path) or found.get(path)
            heads[path] = entry.head if entry is not None and entry.head else key
        return heads

    def linted(self) -> dict[str, Problems | None]:
        """Copy-paste findings by post id, for the lint to use and fill in: known for
        reused posts, None for the others."""
        found = {e.post.id: e.copy_paste for e in self.found.values() if e.post is not None}
        self.copy_paste = found
        return found

    def save(self) -> None:
        """Store what this check made (and findings it added to reused entries); forget
        the entries of files that are gone or changed. Only the buckets that hold one of
        these are written again, each with the entries of all its files as they are now."""
        copy_paste = self.copy_paste

        def linted(entry: CheckedPost) -> CheckedPost:
            known = copy_paste.get(entry.post.id) if entry.post is not None else ()
            return entry if known is None else replace(entry, copy_paste=known)

        from . import networks

        bucket = self.store.bucket
        stored = self._stored if self._stored is not None else self._read_buckets()
        self._buckets = None
        current = set(self.keys.values())
        # the buckets of what was stored before this check and no post file is now (the
        # entries of files edited or gone), of what it made, and of what it linted anew
        touched = {name for key, name in stored.items() if key not in current}
        touched.update(bucket(path) for path in self.made)
        touched.update(
            bucket(path)
            for path, entry in self.found.items()
            if entry.copy_paste is None and linted(entry).copy_paste is not None
        )
        members: dict[str, dict[str, CheckedPost]] = {name: {} for name in touched}
        for path, key in self.keys.items():
            entry = self.made.get(path) or self.found.get(path)
            held = members.get(bucket(path))
            if held is not None and entry is not None:
                held[key] = linted(entry)

        def rows() -> Iterator[tuple[str, bytes]]:
            """Pickled one bucket at a time, as the store takes them: never all at once."""
            for name in sorted(touched):
                if members[name]:
                    yield name, self.store.packed(members[name], _pickle(members[name]))
            # the lengths counted last: a text of each post on X, and those edited away
            lengths = list(networks.x_lengths().items())[-4 * len(self.keys) - 1000 :]
            yield X_LENGTHS, dump_json(dict(lengths))

        self.store.save(rows(), [name for name in touched if not members[name]])


def _pickle(entries: dict[str, CheckedPost]) -> bytes:
    return pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)


def _unpickle(payload: memoryview) -> dict:
    """A bucket's entries by key, or none if it is not one this program reads (its posts
    are checked again; `fetch` looks at each entry)."""
    try:
        entries = pickle.loads(payload)
    except Exception:  # a damaged or foreign bucket is only a slower check
        return {}
    return entries if type(entries) is dict else {}
