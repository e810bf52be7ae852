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
    is an entry like a file, never followed.

    A stack, not recursion: git holds folders 1,500 deep (3,000 characters of path), and
    a recursive walk ended in a RecursionError there (as `os.walk` does before 3.12)."""
    stack = [(folder, prefix)]
    while stack:
        path, at = stack.pop()
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            continue
        folders = []
        for entry in entries:
            if skip(entry.name):
                continue
            if entry.is_dir(follow_symlinks=False):
                folders.append((entry.path, at + entry.name + "/"))
            else:
                yield at + entry.name, entry
        stack.extend(reversed(folders))  # the first by name is walked next
