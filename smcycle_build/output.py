"""Where a build's files go: to disk once the build succeeded, or into memory for tests
and `serve`.

The disk writer fills a temporary folder next to the destination with the files it
makes, and touches the destination only once the whole build succeeded: a failed
build leaves the previous output byte for byte. Then:

* a first build swaps the folder in whole, in two renames;
* a next build keeps in place the files it reused from the last (`keep`), moves each
  file it made over the old one (one rename each, so no file is ever half-written)
  and removes what it no longer makes. An edit then costs the files it changed, not
  the ten thousand it did not, as in Hugo. A build killed meanwhile leaves some files
  new and some old, each whole; the next build sees it (the files no longer match
  the last build's record, `cache.LastBuild`) and makes them again.

A build holds a lock on its temporary folder for as long as it runs. One killed
outright (SIGKILL, the out-of-memory killer, a CI job's timeout) cannot remove its
folder: the next build into the same place does (`remove_stale`, even when it finds
nothing to do), once no process holds its lock, so no `.output.new-*` of thousands of
files is left for `git add .` to pick up. One killed between a swap's two renames had
moved the last output aside: that build puts it back.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .walk import walk

try:
    import fcntl
except ImportError:  # Windows: no folder is taken for another build's and removed
    fcntl = None  # type: ignore[assignment]

# a folder this recent may be a build's that has not taken its lock yet
STALE_AFTER = 10  # seconds


class OutputError(Exception):
    """A path written twice or outside the site: a bug in routes, not in content."""


# a path in the form `_check` gives: segments neither empty nor starting with a dot
_PLAIN = re.compile(r"[^/.][^/]*(?:/[^/.][^/]*)*")


def _check(path: str) -> str:
    if _PLAIN.fullmatch(path):  # as PurePosixPath would give it: ten thousand a build
        return path
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise OutputError(f"output path `{path}` is outside the site")
    return pure.as_posix()


# what pathlib's `exists` and `is_symlink` take for "not there" (pathlib._IGNORED_ERRNOS)
_MISSING = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})

# the most folders a path can go down (PATH_MAX, 4,096 bytes, of `d/`)
DEEPEST = 2048


def remove_tree(path: str | Path) -> None:
    """`shutil.rmtree`, errors ignored, with room for the deepest tree a path can hold.

    It recurses once a folder level (Python 3.11), and a tree a thousand folders deep,
    left by a build that copied such an asset, ended in a RecursionError in every build
    after it (`remove_stale`). Its way of removing is kept: it never follows a link
    that takes a folder's place meanwhile."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * DEEPEST))
    try:
        shutil.rmtree(path, ignore_errors=True)
    finally:
        sys.setrecursionlimit(limit)


def make_folders(folder: str | Path) -> None:
    """`folder` and those above it that are missing, as `mkdir(parents=True)` makes them,
    in a loop: pathlib's recursion ended in a RecursionError for an asset or a media
    file 1,000 folders deep, which git can hold."""
    folder = os.fspath(folder)
    try:  # most often its parent is there: one call, as mkdir(parents=True) makes it
        os.mkdir(folder)
        return
    except FileExistsError:  # a file in its place: the write into it says so
        return
    except FileNotFoundError:
        folder = os.path.abspath(folder)  # a relative one's top is "", which is no folder
    missing = []
    while not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for each in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            os.mkdir(each)


# what a file is made of: its bytes or text, or its pieces in order (a schedule or a feed
# of tens of megabytes is written as it is made, never held whole)
Data = bytes | str | Iterable[bytes | str]


def encoded(data: Data) -> Iterator[bytes]:
    if isinstance(data, bytes | str):
        data = (data,)
    for piece in data:
        yield piece.encode("utf-8") if isinstance(piece, str) else piece


def joined(data: Data) -> bytes:
    return b"".join(encoded(data))


class MemoryOutput:
    """Files as bytes in a dict: what tests and the dev server read."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write(self, path: str, data: Data) -> None:
        with self.open(path) as handle:
            handle.writelines(encoded(data))

    def open(self, path: str) -> io.BytesIO:
        """A file to write in pieces; it is in `files` once closed."""
        path = _check(path)
        if path in self.files:
            raise OutputError(f"`{path}` is written twice")
        self.files[path] = b""  # taken: a second open is an error too
        return _MemoryFile(self.files, path)

    def copy(self, path: str, source: Path) -> None:
        self.write(path, source.read_bytes())

    def size(self, path: str) -> int:
        return len(self.files[path])

    def text(self, path: str) -> str:
        return self.files[path].decode("utf-8")


class _MemoryFile(io.BytesIO):
    def __init__(self, files: dict[str, bytes], path: str) -> None:
        super().__init__()
        self._files, self._path = files, path

    def close(self) -> None:
        if not self.closed:
            self._files[self._path] = self.getvalue()
        super().close()


class DiskOutput:
    """Streams files into a temporary sibling folder; `commit()` moves them in."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest.resolve()
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.new-", dir=self.dest.parent))
        self._lock = _lock(self.tmp)
        self._root = str(self.tmp)
        # the folders of the new output this process made or found: each file's own
        # folder is looked for once, not at each of the ten thousand pages
        self._folders: set[str] = set()
        self.written: set[str] = set()  # by this process, and by workers (`claim`)
        # of those, the last build's files kept (`keep`, here and in workers: `claim`)
        self.reused: set[str] = set()
        self.kept: set[str] | None = None  # once committed in place: the files left there
        # the destination's files as listed while the build ran (render/ahead.py): what
        # a commit in place removes is found there, not by walking the destination
        self.listed: set[str] | None = None

    def _take(self, path: str) -> str:
        path = _check(path)
        if path in self.written:
            raise OutputError(f"`{path}` is written twice")
        self.written.add(path)
        return path

    def _target(self, path: str) -> str:
        target = os.path.join(self._root, self._take(path))  # no Path: ten thousand a build
        folder = os.path.dirname(target)
        if folder not in self._folders:
            make_folders(folder)
            self._folders.add(folder)
        return target

    def write(self, path: str, data: Data) -> None:
        with self.open(path) as handle:
            handle.writelines(encoded(data))

    def open(self, path: str) -> BinaryIO:
        """A file to write in pieces, as it is made."""
        return open(self._target(path), "wb")

    def copy(self, path: str, source: Path) -> None:
        shutil.copyfile(source, self._target(path))

    def keep(self, path: str) -> None:
        """The last build's file at `path`, as it is: left where it is (no Path is made:
        ten thousand of them were a tenth of a second)."""
        self.reused.add(self._take(path))

    @staticmethod
    def _link(source: Path, target: Path) -> None:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    def size(self, path: str) -> int:
        """The size of the file at `path` in the new build: a file kept is where it is."""
        folder = self.dest if path in self.reused else self.tmp
        return os.stat(os.path.join(folder, path)).st_size

    def claim(self, paths: list[str], reused: Iterable[str] = ()) -> None:
        """Paths that worker processes wrote, and of those the ones they kept (`keep`):
        checked here as if written here."""
        seen: set[str] = set()
        for path in paths:
            if path in seen:
                raise OutputError(f"`{path}` is written twice")
            seen.add(path)
            self.written.add(_check(path))
        self.reused.update(reused)

    def commit(self) -> None:
        """Make the destination the new build: in place when it holds the files kept,
        else by swapping the whole folder in."""
        try:
            self._commit()
        finally:
            self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the folder lets its lock go
            self._lock = None

    def _commit(self) -> None:
        os.chmod(self.tmp, 0o755)  # mkdtemp makes it private; a site folder is not
        # what every process kept (`keep`, `claim`) is all of `written` it did not make:
        # no walk of the new folder (ten thousand folders of one page each)
        kept = self.reused
        made = self.written - kept
        if kept and self._in_place(made):
            remove_tree(self.tmp)  # only its emptied folders are left
            self.kept = kept
            return
        for path in sorted(kept):  # into the new folder after all
            target = self.tmp / path
            make_folders(target.parent)
            self._link(self.dest / path, target)
        self._swap()

    def _in_place(self, made: set[str]) -> bool:
        """Each new file moved over its old one, then every file the build did not make
        removed. False, with nothing touched, when a file and a folder would trade
        places, or a folder is a link (a swap does either in one go). Plain strings, one
        `lstat` a folder, and the emptied folders removed by name: a build that makes
        every page again (a new theme, a new smcycle) moves ten thousand files here,
        which took twice as long with pathlib, three stats a folder and `rmtree`."""
        dest, tmp = str(self.dest), str(self.tmp)
        # a kept file's folders are folders already
        folders = {os.path.dirname(path) for path in made} - {""}
        above: set[str] = set()
        for folder in folders:
            parent = os.path.dirname(folder)
            while parent and parent not in above:  # one seen: so are those above it
                above.add(parent)
                parent = os.path.dirname(parent)
        for path in made:
            if os.path.isdir(os.path.join(dest, path)):
                return False
        for folder in folders | above:
            try:
                mode = os.lstat(os.path.join(dest, folder)).st_mode
            except OSError as exc:
                if exc.errno in _MISSING:  # not there (or a file above it: met too)
                    continue
                raise
            if not stat.S_ISDIR(mode):  # a link (to a folder or not), or a file
                return False
        there: set[str] = set()  # the destination's folders made or found
        for path in sorted(made):
            target = os.path.join(dest, path)
            parent = os.path.dirname(target)
            if parent not in there:
                make_folders(parent)
                there.add(parent)
            os.replace(os.path.join(tmp, path), target)
        for folder in sorted(folders, key=len, reverse=True):  # emptied, the deepest first
            with contextlib.suppress(OSError):  # left for `remove_tree`
                os.rmdir(os.path.join(tmp, folder))
        self._remove_all_but(self.written)
        return True

    def _remove_all_but(self, keep: set[str]) -> None:
        """What the destination holds that this build did not make: removed content, or
        anything put there by hand (a swap would drop it too); then the folders that
        this emptied. As `listed` when it was (a file put there since stays until the
        next build), else as found now."""
        dest = str(self.dest)
        if self.listed is not None:
            stale = [os.path.join(dest, path) for path in sorted(self.listed - keep)]
        else:
            stale = [entry.path for path, entry in walk(dest) if path not in keep]
        emptied = set()
        for target in stale:
            with contextlib.suppress(FileNotFoundError):  # gone meanwhile
                os.unlink(target)
            emptied.add(os.path.dirname(target))
        for folder in sorted(emptied, key=len, reverse=True):  # the deepest first
            with contextlib.suppress(OSError):  # not empty: a kept file is in it
                while Path(folder) != self.dest:
                    os.rmdir(folder)
                    folder = os.path.dirname(folder)

    def _swap(self) -> None:
        """Replace the destination by the new folder in two renames."""
        old = None
        if self.dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.old-", dir=self.dest.parent))
            os.rmdir(old)
            os.rename(self.dest, old)
        os.rename(self.tmp, self.dest)
        if old is not None:
            remove_tree(old)

    def abort(self) -> None:
        remove_tree(self.tmp)
        self._unlock()


def _lock(folder: Path) -> int | None:
    """The folder opened and locked for as long as this build runs (its workers inherit
    the lock); the lock goes with the last process that holds it, however it ends."""
    if fcntl is None:
        return None
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a file system without locks: nothing is removed as stale, then
        os.close(fd)
        return None
    return fd


def remove_stale(dest: Path) -> None:
    """The temporary folders of builds into `dest` that were killed: a new folder that no
    process holds locked is removed; the old output a swap had moved aside comes back
    when the swap was killed between its two renames (`dest` is missing), and goes
    otherwise."""
    if fcntl is None:
        return
    new, old = f".{dest.name}.new-", f".{dest.name}.old-"
    try:
        entries = list(os.scandir(dest.parent))
    except OSError:
        return
    aside = []
    for entry in entries:
        if not entry.name.startswith((new, old)) or not entry.is_dir(follow_symlinks=False):
            continue
        with contextlib.suppress(OSError):
            moment = entry.stat(follow_symlinks=False).st_mtime
            if time.time() - moment < STALE_AFTER:
                continue
            if entry.name.startswith(old):
                aside.append((moment, entry.path))
                continue
            fd = os.open(entry.path, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises while a build runs
                remove_tree(entry.path)
            finally:
                os.close(fd)
    for _, path in sorted(aside, reverse=True):  # the latest output first
        with contextlib.suppress(OSError):
            if not os.path.lexists(dest):
                os.rename(path, dest)
            else:
                remove_tree(path)
