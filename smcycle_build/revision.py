"""A git revision's playbook, read into memory: `smcycle diff` checks it where it is.

Extracting a revision wrote every file of it to disk, for the check to read back once:
ten thousand posts are ten thousand files created and deleted, seconds on a slow disk.
`git archive` hands the files over as a tar stream; they stay in that memory, and the
check asks `RevisionFiles` for them as it asks the disk (load.DiskFiles). Nothing is
written, so no name in the archive can lead a write anywhere.
"""

from __future__ import annotations

import errno
import io
import os
import posixpath
import subprocess
import tarfile
from pathlib import Path

from .errors import SmcycleError
from .load import DiskFiles, ignored
from .pipeline import Project

# where a revision's files are said to be: no file is there, so that nothing can read
# the disk in their place by mistake (it would fail, loudly)
ROOT = "/smcycle-revision"
MAX_LINKS = 40  # links followed in a row before a path is given up, as the system does


class RevisionFiles(DiskFiles):
    """The files of a tree given by path (below ROOT) and their bytes, with its links.
    Every method of DiskFiles is replaced: one that was not would look on disk, below
    ROOT, and find nothing."""

    def __init__(self, files: dict[str, bytes], links: dict[str, str]) -> None:
        self.files = {f"{ROOT}/{name}": data for name, data in files.items()}
        self.links = {f"{ROOT}/{name}": target for name, target in links.items()}
        # each folder's entries: (name, is a folder), for `scan` in `walk`'s order
        self.entries: dict[str, dict[str, bool]] = {}
        for path in (*self.files, *self.links):
            folder, name, is_dir = posixpath.dirname(path), posixpath.basename(path), False
            while folder != "/" and name:
                self.entries.setdefault(folder, {})[name] = is_dir
                folder, name, is_dir = posixpath.dirname(folder), posixpath.basename(folder), True

    def _resolve(self, path: str) -> str | None:
        """Where `path` leads, its links followed (None: round and round)."""
        path = posixpath.normpath(path)
        for _ in range(MAX_LINKS):
            target = self.links.get(path)
            if target is None:
                return path
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        return None

    def is_file(self, path: str) -> bool:
        return self._resolve(path) in self.files

    def is_dir(self, path: str) -> bool:
        return self._resolve(path) in self.entries

    def read(self, path: str) -> bytes:
        real = self._resolve(path)
        if real is None:
            raise _error(errno.ELOOP)
        if real in self.entries:
            raise _error(errno.EISDIR)
        if real not in self.files:
            raise _error(errno.ENOENT)
        return self.files[real]

    def scan(self, folder: str) -> list[tuple[str, bool]]:
        """As `walk` orders them: a folder's files (and links) by name, then its folders
        by name; `_` and `.` names skipped with all below them; no link followed."""
        found: list[tuple[str, bool]] = []
        stack = [posixpath.normpath(folder)]  # no recursion: a tree can be 1,500 deep
        while stack:
            at = stack.pop()
            entries = self.entries.get(at, {})
            folders = []
            for name in sorted(entries):
                if ignored(name):
                    continue
                path = f"{at}/{name}"
                if entries[name] and path not in self.links:
                    folders.append(path)
                else:
                    found.append((path, path in self.links))
            stack.extend(reversed(folders))
        return found

    def inside(self, path: str, folder: str) -> bool:
        real, top = self._resolve(path), self._resolve(folder)
        if real is None or top is None:
            return True  # a loop of links leads nowhere, and reading it says so
        return real.startswith(top + "/")


def _error(code: int) -> OSError:
    """The error reading such a path on disk raises, with the system's words for it."""
    return OSError(code, os.strerror(code))


def commit_of(root: Path, rev: str) -> str:
    """The commit `rev` names, as its full hash: what `diff` then hands git, so that both
    of its questions are about one commit, and never a word git could take for one of
    its own options. `--output=FILE` given as a revision made `git archive` write FILE."""
    if rev.startswith("-"):
        raise SmcycleError(f"`{rev}` is not a revision: none starts with `-`")
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
            capture_output=True,
            text=True,
        )
    except OSError as exc:  # no git on the PATH
        raise SmcycleError(f"cannot run git to read {rev}: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        raise SmcycleError(f"`{rev}` names no commit of the repository at {root}")
    return proc.stdout.strip()


def read_revision(
    root: Path, rev: str, content: str, name: str | None = None
) -> tuple[Project, RevisionFiles]:
    """`content` of git revision `rev` (no checkout, no index change, nothing written);
    `name`: what the user called it, for messages (`rev` itself unless said)."""
    name = name or rev
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "archive", "--format=tar", rev, "--", content],
            capture_output=True,
        )
    except OSError as exc:  # no git on the PATH
        raise SmcycleError(f"cannot run git to read {name}: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SmcycleError(f"cannot read `{content}` at {name}: {message[-1] if message else ''}")
    files: dict[str, bytes] = {}
    links: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        for member in tar:
            name = posixpath.normpath(member.name)
            if name.startswith(("/", "../")) or name == "..":
                continue  # git never writes such a name; it could be nowhere in the tree
            if member.isfile():
                handle = tar.extractfile(member)
                files[name] = handle.read() if handle is not None else b""
            elif member.issym():
                links[name] = member.linkname
            # a folder is known by what is in it; git makes nothing else
    tree = RevisionFiles(files, links)
    folder = posixpath.normpath(f"{ROOT}/{content}")
    if not tree.is_dir(folder):
        raise SmcycleError(f"no content folder `{content}` at {name}")
    return Project(root=Path(ROOT), content=Path(folder)), tree
