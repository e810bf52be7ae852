"""`smcycle diff`: schedule changes between git revisions, as a pull-request comment."""

from __future__ import annotations

import html
import json
import os
import subprocess
from pathlib import Path

import pytest

import smcycle_build.diff as diff
from conftest import BASE, run_cli, write_files
from smcycle_build.pipeline import Project, check_project
from smcycle_build.revision import read_revision

SERIES = """---
title: Saturday ride
date: "2027-03-06 08:00"
goal: more-replies
audience: riders
repeat: {freq: weekly, until: 2027-03-20}
variants:
  x: {text: "Ride at eight"}
---
"""
EXTRA = """---
title: Extra
date: "2027-03-12 12:00"
status: draft
goal: more-replies
audience: riders
variants:
  x: {text: "An extra word"}
---
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)


def repo(playbook) -> Path:
    root = playbook({"content/posts/series.md": SERIES, "content/posts/extra.md": EXTRA})
    git(root, "init", "-q")
    commit(root, "base")
    return root


def test_every_kind_of_change(playbook) -> None:
    root = repo(playbook)
    hello = root / "content/posts/hello.md"
    text = hello.read_text()
    text = text.replace("2027-03-10 09:00", "2027-03-11 09:30")  # moved
    text = text.replace("Hello from the shop", "Hello from the workshop")  # instagram text
    hello.write_text(text)
    extra = root / "content/posts/extra.md"
    extra.write_text(EXTRA.replace("status: draft", "status: approved"))  # re-status
    series = root / "content/posts/series.md"
    series.write_text(SERIES.replace("until: 2027-03-20", "until: 2027-04-03"))
    (root / "content/posts/new.md").write_text(
        EXTRA.replace("title: Extra", "title: New one").replace("03-12", "03-13")
    )
    commit(root, "head")
    (root / "content/posts/extra.md").unlink()  # removed, in the working tree only
    run = run_cli(root, "diff", "HEAD~1", "HEAD")
    assert run.exit_code == 0, run.output
    out = run.output
    assert out.splitlines()[0] == (
        "**smcycle diff** `HEAD~1` → `HEAD`: 1 added, 3 moved, 1 text changed, "
        "1 status changed, 1 series changed on 3 channels"
    )
    assert "| moved | Hello (`hello`) | 2027-03-11 09:30 | from 2027-03-10 09:00 |" in out
    assert "| added | New one (`new`) | 2027-03-13 12:00 |  |" in out
    assert "| status changed | Extra (`extra`) | 2027-03-12 12:00 | draft → approved |" in out
    assert "| series changed | Saturday ride (`series`) | 2027-03-06 08:00 | 2 more " in out
    assert "(2027-03-27 to 2027-04-03) |" in out
    assert "| text changed | Hello (`hello`) | 2027-03-11 09:30 | 19 → 23 characters" in out
    # the working tree (HEAD omitted) also sees the removal
    run = run_cli(root, "diff", "HEAD")
    assert "| removed | Extra (`extra`) | 2027-03-12 12:00 |  |" in run.output
    assert "`HEAD` → `working tree`" in run.output


def test_no_difference_and_json(playbook) -> None:
    root = repo(playbook)
    run = run_cli(root, "diff", "HEAD")
    assert run.exit_code == 0
    assert run.output == "**smcycle diff** `HEAD` → `working tree`: no change to the schedule\n"
    run = run_cli(root, "diff", "HEAD", "--format", "json")
    doc = json.loads(run.output)
    assert doc == {"base": "HEAD", "head": "working tree", "changes": [], "new_warnings": []}


def test_new_warnings_are_listed(playbook) -> None:
    root = repo(playbook)
    pb = root / "content/playbook.yaml"
    pb.write_text((BASE / "content/playbook.yaml").read_text() + "lint: {max_silence_days: 3}\n")
    run = run_cli(root, "diff", "HEAD")
    assert "new warnings" in run.output.splitlines()[0]
    assert "- `content/channels/website.yaml:1: warning silence:" in run.output


def test_long_channels_are_collapsed(playbook) -> None:
    root = repo(playbook)
    for i in range(12):
        (root / f"content/posts/n{i}.md").write_text(
            EXTRA.replace("title: Extra", f"title: N{i}").replace("12:00", f"{8 + i:02d}:00")
        )
    run = run_cli(root, "diff", "HEAD")
    assert "<details><summary><b>X</b>: 12 changes</summary>" in run.output


def test_unreadable_revision_exits_1(playbook) -> None:
    root = repo(playbook)
    run = run_cli(root, "diff", "no-such-rev")
    assert run.exit_code == 1


def checked_both_ways(root: Path) -> tuple:
    """HEAD's playbook checked from its files on disk and from git, in memory."""
    on_disk = check_project(Project.locate("content", cwd=root))
    project, files = read_revision(root, "HEAD", "content")
    return on_disk, check_project(project, files=files)


def test_a_revision_in_memory_checks_as_its_files_on_disk(playbook, tmp_path: Path) -> None:
    """The same problems at the same lines, the same model and plan: with sub-folders,
    names the check passes by, and links inside content/, out of it, round and to
    nothing."""
    root = repo(playbook)
    write_files(
        root,
        {
            "content/posts/2027/nested.md": EXTRA.replace("title: Extra", "title: Nested"),
            "content/posts/_drafts/draft.md": "not a post",
            "content/posts/.hidden.md": "not a post",
            "content/posts/notes.txt": "not a post",
            "content/media/sub/pic.png": b"png",
            "content/metrics/reach.csv": "date,channel,metric,value\n2027-03-01,x,reach,10\n",
            "content/metrics/notes.txt": "not a table",
        },
    )
    os.symlink("2027/nested.md", root / "content/posts/alias.md")  # read through
    os.symlink("sub/pic.png", root / "content/media/link.png")
    (root / "content/posts/extra.md").write_text(
        EXTRA.replace("status: draft", "status: draft\n  # a comment").replace(
            "variants:", "variants:\n  instagram: {text: x, media: [sub/pic.png, link.png]}"
        )
    )
    commit(root, "folders and links inside")
    on_disk, in_memory = checked_both_ways(root)
    assert on_disk.plan is not None and on_disk.model is not None
    assert in_memory.diagnostics == on_disk.diagnostics
    assert in_memory.model == on_disk.model
    assert {"nested", "alias", "extra"} <= set(in_memory.model.posts)
    assert [(o.channel, o.post.id, o.start) for o in in_memory.plan.occurrences] == [
        (o.channel, o.post.id, o.start) for o in on_disk.plan.occurrences
    ]
    outside = tmp_path / "outside.md"
    outside.write_text(EXTRA)
    os.symlink(outside, root / "content/posts/out.md")
    os.symlink("nowhere.md", root / "content/posts/dangling.md")
    os.symlink("round.md", root / "content/posts/round.md")
    os.symlink(outside, root / "content/media/escape.png")
    os.symlink(outside, root / "content/metrics/out.csv")
    (root / "content/posts/series.md").write_text(SERIES.replace("title:", "title: [x"))
    with open(os.fsencode(root) + b"/content/posts/caf\xe9.md", "wb") as handle:
        handle.write(EXTRA.encode())
    commit(root, "links out, round and to nothing, a name not in UTF-8")
    on_disk, in_memory = checked_both_ways(root)
    assert in_memory.diagnostics == on_disk.diagnostics
    errors = {(d.path, d.line, d.message) for d in in_memory.diagnostics if d.severity == "error"}
    outside_content = "this file links to a place outside content/"
    assert ("content/posts/out.md", 1, outside_content) in errors
    assert ("content/metrics/out.csv", 1, outside_content) in errors
    assert ("content/posts/round.md", 1, f"cannot read the file: {os.strerror(40)}") in errors
    assert ("content/posts/dangling.md", 1, f"cannot read the file: {os.strerror(2)}") in errors
    assert any(path == "content/posts/series.md" and line == 2 for path, line, _ in errors)
    assert ("content/posts/caf\\xe9.md", 1, "the file name is not UTF-8") in errors


def test_diff_reads_only_the_posts_a_change_touched(playbook, parsed_posts) -> None:
    """The working tree first (its posts saved in the cache), then the base, which finds
    there every post it shares with it."""
    root = repo(playbook)
    assert run_cli(root, "check").exit_code == 0  # the cache holds every post
    hello = root / "content/posts/hello.md"
    hello.write_text(hello.read_text().replace("Hello from the shop", "Hello from the workshop"))
    commit(root, "head")
    parsed_posts.clear()
    run = run_cli(root, "diff", "HEAD~1", "HEAD")
    assert "1 text changed on 1 channel" in run.output.splitlines()[0]
    # HEAD's new hello (then saved, in place of the base's), and the base's
    assert parsed_posts == ["content/posts/hello.md", "content/posts/hello.md"]
    parsed_posts.clear()
    run_cli(root, "diff", "HEAD~1", "HEAD")
    assert parsed_posts == ["content/posts/hello.md"]  # the base's again


def test_a_revision_that_is_the_working_tree_is_checked_there(playbook, monkeypatch) -> None:
    root = repo(playbook)
    assert diff.same_as_worktree(root, "HEAD", "content")

    def unread(*args):
        raise AssertionError("the working tree holds this revision")

    with monkeypatch.context() as patch:
        patch.setattr(diff, "read_revision", unread)
        run = run_cli(root, "diff", "HEAD")
        assert run.output.endswith("no change to the schedule\n")
        run = run_cli(root, "diff", "HEAD", "HEAD")
        assert run.output.endswith("no change to the schedule\n")
    new = root / "content/posts/new.md"
    new.write_text(EXTRA.replace("title: Extra", "title: New"))  # not in git
    assert not diff.same_as_worktree(root, "HEAD", "content")
    (root / ".gitignore").write_text("content/posts/new.md\n")  # ignored: the check reads it
    assert not diff.same_as_worktree(root, "HEAD", "content")
    new.unlink()
    commit(root, "ignore")
    assert diff.same_as_worktree(root, "HEAD", "content")
    hello = root / "content/posts/hello.md"
    hello.write_text(hello.read_text() + "\nMore.\n")
    assert not diff.same_as_worktree(root, "HEAD", "content")
    git(root, "checkout", "--", "content/posts/hello.md")
    assert diff.same_as_worktree(root, "HEAD", "content")
    assert diff.same_as_worktree(root, "HEAD~1", "content")  # .gitignore is not in content/
    hello.write_text(hello.read_text() + "\nMore.\n")
    commit(root, "more")
    assert not diff.same_as_worktree(root, "HEAD~1", "content")
    assert not diff.same_as_worktree(root, "no-such-rev", "content")
    index = (root / ".git/index").read_bytes()
    os.utime(hello, (1, 1))  # the index's stat of it is wrong now: doubt says no
    assert not diff.same_as_worktree(root, "HEAD", "content")
    assert (root / ".git/index").read_bytes() == index  # nothing written
    assert run_cli(root, "diff", "HEAD").output.endswith("no change to the schedule\n")
    assert (root / ".git/index").read_bytes() == index


@pytest.mark.parametrize("rev", ["no-such-rev", "HEAD"])
def test_a_revision_without_the_content_folder_exits_1(playbook, rev: str) -> None:
    root = repo(playbook)
    run = run_cli(root, "diff", rev, "--content", "elsewhere")
    assert run.exit_code == 1
    assert run.output.startswith("smcycle: ")


def test_without_git_diff_says_so(playbook, monkeypatch, tmp_path: Path) -> None:
    root = repo(playbook)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    run = run_cli(root, "diff", "HEAD")
    assert run.exit_code == 1
    assert run.output.startswith("smcycle: cannot run git to read HEAD: ")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--", "--output=written-by-git"], "`--output=written-by-git` is not a revision"),
        (["HEAD", "--", "--output=written-by-git"], "`--output=written-by-git` is not a revision"),
        (["no-such-rev"], "`no-such-rev` names no commit of the repository at "),
    ],
)
def test_a_revision_is_never_an_option_of_git(playbook, args: list[str], said: str) -> None:
    """A revision is handed to git as the commit it names. `--output=FILE` as a revision
    made `git archive` (and `git diff-index`) write FILE; it is refused before git runs."""
    root = repo(playbook)
    run = run_cli(root, "diff", *args)
    assert run.exit_code == 1 and run.output.startswith(f"smcycle: {said}"), run.output
    assert not (root / "written-by-git").exists()


def test_a_revision_is_read_as_the_commit_it_names(playbook) -> None:
    """Named by a branch, a tag or a hash, a revision reads the same; the report keeps
    the name it was given."""
    root = repo(playbook)
    git(root, "tag", "v1")
    post = root / "content/posts/hello.md"
    post.write_text(post.read_text().replace("2027-03-10 09:00", "2027-03-11 09:30"))
    commit(root, "move")
    sha = git(root, "rev-parse", "HEAD~1").strip()
    reports = [run_cli(root, "diff", rev, "HEAD").output for rev in ("v1", sha, "HEAD~1")]
    assert reports[0].startswith("**smcycle diff** `v1` → `HEAD`")
    assert "| moved | Hello (`hello`) | 2027-03-11 09:30 | from 2027-03-10 09:00 |" in reports[0]
    assert reports[1] == reports[0].replace("`v1`", f"`{sha}`")
    assert reports[2] == reports[0].replace("`v1`", "`HEAD~1`")


def test_the_summary_shows_the_playbooks_text_as_written_on_github(playbook) -> None:
    """The report goes into a pull request's job summary, which GitHub renders as its
    Markdown (cmark-gfm, here through cmarkgfm). A title with `|`, `<img ...>`, a link
    or `**` was markup there, a channel's name raw HTML in a collapsed table, and a
    warning holding backticks broke out of its code span."""
    import cmarkgfm

    title = "A | B <img src=x onerror=alert(1)> [x](javascript:alert(1)) **bold** `c` &amp;"
    root = repo(playbook)
    channel = root / "content/channels/x.yaml"
    channel.write_text(channel.read_text().replace("name: X", "name: X <script>alert(1)</script>"))
    for i in range(12):  # a collapsed table: its summary is HTML
        (root / f"content/posts/n{i}.md").write_text(
            EXTRA.replace("title: Extra", f'title: "{title}"').replace("12:00", f"{8 + i:02d}:00")
        )
    run = run_cli(root, "diff", "HEAD")
    # raw HTML kept (GitHub keeps <details> and <summary>, then sanitizes what is left)
    unsafe = cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE
    rendered = cmarkgfm.github_flavored_markdown_to_html(run.output, options=unsafe)
    assert "<img" not in rendered and "<script>" not in rendered and "<strong>bold" not in rendered
    assert "href=" not in rendered
    shown = html.escape(title, quote=False)
    assert rendered.count(f"<td>{shown} (<code>n") == 12, rendered
    assert "<summary><b>X &lt;script&gt;alert(1)&lt;/script&gt;</b>: 12 changes</summary>" in (
        rendered
    )
    for text in ("`x` names no channel", "a `` b", "`"):  # as warnings quote names
        shown = cmarkgfm.github_flavored_markdown_to_html(f"- {diff.code(text)}")
        assert shown == f"<ul>\n<li><code>{text}</code></li>\n</ul>\n"
