"""The files below a folder, in `os.walk`'s order, from one `scandir` per folder.

Both the check (every content file) and a warm build's fingerprint (the content and
the whole output) walk tens of thousands of files: plain strings and `DirEntry`
objects, because `Path` objects were a third of that work.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator


def walk(
    folder: str, skip: Callable[[str], bool] = lambda name: False, prefix: str = ""
) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(path relative to `folder` with `/`, its entry) for everything below `folder`
    that is not a folder: a folder's own entries first, then its sub-folders, each by
    name. Names that `skip` says are skipped, with all below them; a link to a folder
    is an entry like a file, never followed."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    folders = []
    for entry in entries:
        if skip(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            folders.append(entry)
        else:
            yield prefix + entry.name, entry
    for entry in folders:
        yield from walk(entry.path, skip, prefix + entry.name + "/")
