"""The disk output: a next build changes the files it made in place and removes the rest;
a first one, or one where a file and a folder trade places, swaps the folder in whole."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import files as tree
from conftest import run_cli
from smcycle_build.output import DiskOutput, remove_stale


class Killed(Exception):
    """The build's process killed."""


def first_build(dest: Path, files: dict[str, bytes]) -> None:
    out = DiskOutput(dest)
    for path, data in files.items():
        out.write(path, data)
    out.commit()


def test_a_next_build_keeps_files_in_place_moves_new_ones_in_and_removes_the_rest(
    tmp_path: Path,
) -> None:
    dest = tmp_path / "output"
    first_build(
        dest, {"a/index.html": b"a", "b/index.html": b"b", "old/deep/x.html": b"x", "s.css": b"s"}
    )
    (dest / "by-hand.txt").write_text("put there by hand")
    kept, folder = (dest / "a/index.html").stat().st_ino, dest.stat().st_ino

    out = DiskOutput(dest)
    out.keep("a/index.html")  # the last build's, as it is
    out.write("b/index.html", b"B")
    out.write("new/index.html", b"n")
    out.write("s.css", b"s")
    assert tree(dest)["b/index.html"] == b"b"  # nothing moves before the commit
    out.commit()

    assert tree(dest) == {
        "a/index.html": b"a",
        "b/index.html": b"B",
        "new/index.html": b"n",
        "s.css": b"s",
    }
    assert (dest / "a/index.html").stat().st_ino == kept  # never rewritten
    assert dest.stat().st_ino == folder  # changed in place, not swapped
    assert not (dest / "old").exists()  # the folders it emptied go too
    assert [p.name for p in tmp_path.iterdir()] == ["output"]  # no temporary folder left


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"k.html": b"k", "x": b"a file"}, {"x/index.html": b"now a folder"}),
        ({"k.html": b"k", "x/index.html": b"a folder"}, {"x": b"now a file"}),
        ({"k.html": b"k", "x": b"a file"}, {"x/y/index.html": b"now two folders"}),
    ],
)
def test_a_file_and_a_folder_that_trade_places_are_swapped_in_whole(
    tmp_path: Path, before: dict[str, bytes], after: dict[str, bytes]
) -> None:
    dest = tmp_path / "output"
    first_build(dest, before)
    out = DiskOutput(dest)
    out.keep("k.html")
    for path, data in after.items():
        out.write(path, data)
    out.commit()
    assert tree(dest) == {"k.html": b"k", **after}


def test_a_build_killed_while_moving_files_in_is_repaired_by_the_next(
    playbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed right after the edited post's page moved in: each file is whole, some new
    and some old. The edit is then undone, so the next build's key for that page is the
    last build's again; the file no longer matches the last build's record, so it is
    made again, and the output equals a cold build's."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")  # the same feeds, cold or not
    root = playbook()
    assert run_cli(root, "build").exit_code == 0
    post = root / "content/posts/hello.md"
    original = post.read_text()
    post.write_text(original.replace("Welcome to the shop.", "Welcome, riders."))

    moved: list[str] = []
    real = os.replace

    def killed_after_the_page(src, dst) -> None:
        if moved and moved[-1].endswith("posts/hello/index.html"):
            raise Killed  # nothing after it runs
        moved.append(str(dst))
        real(src, dst)

    with monkeypatch.context() as patched, pytest.raises(Killed):
        patched.setattr("smcycle_build.output.os.replace", killed_after_the_page)
        run_cli(root, "build")
    assert "Welcome, riders." in (root / "output/posts/hello/index.html").read_text()
    assert "Welcome, riders." not in (root / "output/posts/index.html").read_text()

    post.write_text(original)
    assert run_cli(root, "build").exit_code == 0
    repaired = tree(root / "output")
    cold = root.parent / "cold"
    cold.mkdir()
    (root / "content").rename(cold / "content")
    assert run_cli(cold, "build").exit_code == 0
    assert repaired == tree(cold / "output")


def test_a_folder_of_the_output_that_is_a_link_is_replaced_not_written_through(
    tmp_path: Path,
) -> None:
    """Someone made `output/posts` a link to a folder elsewhere: the new files go into the
    output, never into that folder."""
    dest, elsewhere = tmp_path / "output", tmp_path / "elsewhere"
    first_build(dest, {"k.html": b"k", "posts/a.html": b"a"})
    elsewhere.mkdir()
    (dest / "posts/a.html").rename(elsewhere / "a.html")
    (dest / "posts").rmdir()
    (dest / "posts").symlink_to(elsewhere, target_is_directory=True)
    out = DiskOutput(dest)
    out.keep("k.html")
    out.write("posts/a.html", b"new")
    out.commit()
    assert not (dest / "posts").is_symlink()
    assert tree(dest) == {"k.html": b"k", "posts/a.html": b"new"}
    assert (elsewhere / "a.html").read_bytes() == b"a"


HOLDER = """
import sys, time
from pathlib import Path
from smcycle_build.output import DiskOutput
out = DiskOutput(Path(sys.argv[1]))
out.write("posts/hello/index.html", "half a build")
print(out.tmp, flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(os.name != "posix", reason="folders are locked with flock")
def test_the_folder_of_a_killed_build_is_removed_by_the_next(playbook) -> None:
    """A build killed outright cannot clean up; the next build into the same place
    removes its folder, never one a running build holds, nor one too new to be held yet;
    the output a swap killed between its two renames had moved aside comes back."""
    root = playbook()
    dest = root / "output"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(dest)], stdout=subprocess.PIPE, text=True
    )
    try:
        tmp = Path(holder.stdout.readline().strip())
        assert tmp.name.startswith(".output.new-") and (tmp / "posts/hello/index.html").exists()
        long_ago = time.time() - 3600
        os.utime(tmp, (long_ago, long_ago))
        remove_stale(dest)
        assert tmp.is_dir()  # its build still runs
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    recent = root / ".output.new-recent"
    (recent / "posts").mkdir(parents=True)  # as a build's before it takes its lock
    aside, older = root / ".output.old-aside", root / ".output.old-older"
    for folder, age in ((tmp, 3600), (aside, 3600), (older, 7200)):
        (folder / "posts").mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(f"{folder.name}, {age} s ago")
        os.utime(folder, (time.time() - age, time.time() - age))

    remove_stale(dest)  # killed between the swap's renames: the output it had moved aside
    assert (dest / "index.html").read_text() == ".output.old-aside, 3600 s ago"
    assert not tmp.exists() and not older.exists() and not aside.exists() and recent.is_dir()
    assert run_cli(root, "build").exit_code == 0
    os.utime(recent, (long_ago, long_ago))
    assert run_cli(root, "build").exit_code == 0
    left = [p.name for p in root.iterdir() if p.name.startswith(".output.")]
    assert left == [] and (dest / "index.html").exists()


def test_output_paths_are_taken_as_a_pure_path_gives_them() -> None:
    """A path already in its plain form is taken as it is, without a PurePosixPath
    (output.py): for any path, the same path, or the same refusal, as by the pure path."""
    import random
    from pathlib import PurePosixPath

    from smcycle_build.output import OutputError, _check

    def by_pure_path(path: str) -> str | None:
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            return None
        return pure.as_posix()

    def checked(path: str) -> str | None:
        try:
            return _check(path)
        except OutputError:
            return None

    pieces = ["a", "b.html", ".", "..", "/", "//", ".well-known", "x..", "é", " ", "\\", "index"]
    rng = random.Random(8)
    paths = ["", "posts/a/index.html", "a/../b", "./a", "a/./b", "a/", "/a", "..a/b", "a/.b"]
    paths += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 7))) for _ in range(5000)]
    for path in paths:
        assert checked(path) == by_pure_path(path), path
    assert checked("posts/a/index.html") == "posts/a/index.html"
    assert checked("a//b/./c/") == "a/b/c" and checked("a/../b") is None


def test_make_folders_makes_every_missing_folder_relative_or_deep(tmp_path, monkeypatch) -> None:
    """`make_folders` as `mkdir(parents=True)`, for a path relative to where the build
    runs and for one deeper than Python's recursion limit allows pathlib to go."""
    from smcycle_build.output import make_folders, remove_tree

    monkeypatch.chdir(tmp_path)
    make_folders("a/b/c")
    assert (tmp_path / "a/b/c").is_dir()
    make_folders("a/b/c")  # there already: nothing to do
    deep = tmp_path.joinpath(*["d"] * 1500)
    try:
        make_folders(deep)
        assert deep.is_dir()
    finally:  # pytest's own clean-up of old temporary folders recurses a folder a level
        remove_tree(tmp_path / "d")


def test_a_commit_removes_what_was_listed_and_not_made_again(tmp_path: Path) -> None:
    """With the destination listed while the build ran (render/ahead.py), a commit in
    place removes the listed files it did not make, without walking the destination: a
    file put there after the listing stays until the next build, and a listed file
    gone meanwhile is no error."""
    dest = tmp_path / "output"
    first_build(dest, {"a/index.html": b"a", "old/deep/x.html": b"x", "gone.txt": b"g"})
    out = DiskOutput(dest)
    out.listed = {"a/index.html", "old/deep/x.html", "gone.txt"}
    (dest / "gone.txt").unlink()
    (dest / "late.txt").write_text("put there after the listing")
    out.keep("a/index.html")
    out.write("b/index.html", b"b")
    out.commit()
    assert tree(dest) == {
        "a/index.html": b"a",
        "b/index.html": b"b",
        "late.txt": b"put there after the listing",
    }
    assert not (dest / "old").exists()  # the folders it emptied go too
    again = DiskOutput(dest)  # not listed: found by walking
    again.keep("a/index.html")
    again.commit()
    assert tree(dest) == {"a/index.html": b"a"}


def test_a_build_uses_the_listing_of_the_process_ahead(playbook, monkeypatch) -> None:
    """A build on two cores has its output listed by the process ahead while it checks:
    it neither walks the output nor looks at each page it keeps, and still keeps the
    pages as they are, makes a page changed by hand again and removes the page of a
    post deleted."""
    import smcycle_build.cache as cache
    import smcycle_build.output as output
    from smcycle_build.render import ahead

    root = playbook({})
    hello = (root / "content/posts/hello.md").read_text()
    (root / "content/posts/goodbye.md").write_text(hello.replace("Hello", "Goodbye"))
    assert run_cli(root, "build", "-j", "2").exit_code == 0
    before = tree(root / "output")
    changed, deleted = "posts/hello/index.html", "posts/goodbye/index.html"
    assert {changed, deleted} <= set(before)
    (root / "output" / changed).write_text("changed by hand")
    (root / "content/posts/goodbye.md").unlink()
    listed: list[dict] = []
    take = ahead.MarkdownAhead.output_files

    def output_files(self):
        listed.append(take(self))
        return listed[-1]

    def refused(*args, **kwargs):
        raise AssertionError("walked the output itself")

    listing_used: list[bool] = []
    has = cache.LastBuild.has

    def has_from(self, path: str, key: str) -> bool:
        listing_used.append(self.found is not None)
        return has(self, path, key)

    monkeypatch.setattr(ahead.MarkdownAhead, "output_files", output_files)
    monkeypatch.setattr(output, "walk", refused)
    monkeypatch.setattr(cache.LastBuild, "has", has_from)
    assert run_cli(root, "build", "-j", "2").exit_code == 0
    assert listing_used and all(listing_used)  # no page kept by looking at its file
    assert listed and listed[0][changed][0] == len("changed by hand")
    assert len(listed[0]) == len(before)
    after = tree(root / "output")
    assert after[changed] == before[changed]
    assert deleted not in after and not (root / "output/posts/goodbye").exists()
