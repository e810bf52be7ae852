"""Where a build's files go: to disk atomically, or into memory for tests and `serve`.

The disk writer fills a temporary folder next to the destination and swaps it in
only when the whole build succeeded: a failed build leaves the previous output
byte for byte, and files of removed content disappear with the old folder.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO


class OutputError(Exception):
    """A path written twice or outside the site: a bug in routes, not in content."""


def _check(path: str) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise OutputError(f"output path `{path}` is outside the site")
    return pure.as_posix()


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

    def link(self, path: str, source: Path) -> None:
        self.copy(path, source)

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
    """Streams files into a temporary sibling folder; `commit()` swaps it in."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest.resolve()
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.new-", dir=self.dest.parent))
        self.written: set[str] = set()

    def _target(self, path: str) -> Path:
        path = _check(path)
        if path in self.written:
            raise OutputError(f"`{path}` is written twice")
        self.written.add(path)
        target = self.tmp / path
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, path: str, data: Data) -> None:
        with self.open(path) as handle:
            handle.writelines(encoded(data))

    def open(self, path: str) -> BinaryIO:
        """A file to write in pieces, as it is made."""
        return self._target(path).open("wb")

    def copy(self, path: str, source: Path) -> None:
        shutil.copyfile(source, self._target(path))

    def link(self, path: str, source: Path) -> None:
        """`source` (a file of the last build) as it is: a hard link, or a copy with its
        times where the file system has none."""
        target = self._target(path)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    def size(self, path: str) -> int:
        return (self.tmp / path).stat().st_size

    def claim(self, paths: list[str]) -> None:
        """Paths that worker processes wrote: checked here as if written here."""
        seen: set[str] = set()
        for path in paths:
            if path in seen:
                raise OutputError(f"`{path}` is written twice")
            seen.add(path)
            self.written.add(_check(path))

    def commit(self) -> None:
        """Replace the destination by the new build in two renames."""
        os.chmod(self.tmp, 0o755)  # mkdtemp makes it private; a site folder is not
        old = None
        if self.dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.old-", dir=self.dest.parent))
            os.rmdir(old)
            os.rename(self.dest, old)
        os.rename(self.tmp, self.dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
