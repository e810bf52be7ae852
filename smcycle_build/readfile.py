"""Reading a file of the repository, which may be anything a person can put there.

A file in `content/` or `templates/` comes from many hands. A pipe would be waited for
for ever, a device such as `/dev/zero` read for ever, into memory: only a regular file
is read, and opening one never waits."""

from __future__ import annotations

import errno
import os
import stat

# open a pipe at once, where a plain open waits for a writer (a file it does not change)
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def read_regular(path: str) -> bytes:
    """The bytes of the regular file at `path` (its links followed); OSError for anything
    else, as for a file that cannot be read."""
    fd = os.open(path, _FLAGS)
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        return handle.read()


def unsafe(path: str, folder: str) -> str | None:
    """Why the file at `path`, below `folder`, must not be read as part of that folder,
    or None: it leads nowhere (a link to nothing or round: the system's words), it is a
    link that leads out of `folder` (to `/etc/passwd`, `/proc/self/environ`), or it is
    neither a regular file nor a folder (a pipe, a device)."""
    try:
        real = os.path.realpath(path, strict=True)
        mode = os.stat(real).st_mode
    except OSError as exc:
        return exc.strerror or str(exc)
    if not _below(real, folder):
        return "it links to a place outside its folder"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "it is not a regular file"
    return None


def leads_inside(path: str, folder: str) -> bool:
    """Whether `path`, its links followed, is `folder` or below it (its links followed
    too). A link round and round leads nowhere: inside, and reading it says why."""
    return _below(os.path.realpath(path), folder)


def _below(real: str, folder: str) -> bool:
    top = os.path.realpath(folder)
    return real == top or real.startswith(top + os.sep)
