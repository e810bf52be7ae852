"""Where a build may put the site: a build replaces its folder whole (`output.py`), so
never where that would take what it reads or someone's own files with it.

`smcycle build --out .` in a repository replaced the repository, `.git` and all, with
the site; `--out content` replaced the playbook. MkDocs refuses a `site_dir` inside its
`docs_dir` or around it; we refuse more, as a folder we replace is gone."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import SmcycleError
from .routes import TOP_LEVEL

# what systems leave in any folder a person opened: no one's work, and never a build's
LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
SHOWN = 3  # foreign names a message lists


def check_destination(out: str, dest: Path, reads: dict[str, Path], root: Path) -> None:
    """SmcycleError when the folder `dest` (`--out OUT`) must not be replaced by the site:

    * it is, or holds, or lies inside a folder the build reads (`reads`, by what it is
      called: the content, the templates, the cache);
    * it is the repository (`root`), or holds it, or lies inside a `.git` folder;
    * it is a file, or holds something a build does not write at its top (`TOP_LEVEL`):
      a folder of someone's files, which would go with the old site."""
    dest = dest.resolve()
    said = f"--out {out}"
    root = root.resolve()
    if root.is_relative_to(dest):
        where = "is" if root == dest else "holds"
        raise SmcycleError(
            f"{said} {where} the repository ({root}): a build replaces its folder whole"
        )
    for name, folder in reads.items():
        folder = folder.resolve()
        if dest == folder or dest.is_relative_to(folder) or folder.is_relative_to(dest):
            where = (
                "is" if dest == folder else "is inside" if dest.is_relative_to(folder) else "holds"
            )
            raise SmcycleError(
                f"{said} {where} {name} ({folder}): a build replaces its folder whole"
            )
    if ".git" in dest.parts:
        raise SmcycleError(f"{said} is inside git's own folder: a build replaces its folder whole")
    try:
        names = os.listdir(dest)
    except FileNotFoundError:
        return  # a new folder
    except NotADirectoryError:
        raise SmcycleError(f"{said} is a file, not a folder") from None
    except OSError:
        return  # the build says why it cannot write there
    foreign = sorted(set(names) - TOP_LEVEL - LITTER)
    if foreign:
        listed = ", ".join(foreign[:SHOWN]) + (
            f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else ""
        )
        raise SmcycleError(
            f"{said} holds {listed}, which a build does not write: a build replaces the folder "
            "whole. Move them, or build into another folder"
        )
