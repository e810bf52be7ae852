"""Files a pull request can put in `content/` and `templates/` that are not what they
seem: links out of the repository (to a secret, to `/dev/zero`) and pipes. None of
them is read, none hangs a command, none is shown or published; each is an error at
its file.

Every command runs in its own process with a time limit: before, the pipes and
`/dev/zero` hung the check, the build's fingerprint and the theme for ever."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import write_files
from smcycle_build.output import remove_tree

SECRET = "secret-token-0123456789"


def smcycle(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smcycle_build", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def errors(output: str) -> list[str]:
    return sorted(line for line in output.splitlines() if ": error " in line)


def test_content_that_leads_out_or_is_a_pipe_is_neither_read_nor_shown(
    playbook, tmp_path: Path
) -> None:
    """The check said a link to a secret led outside `content/` and then showed the
    secret's first line under the message (a CI log anyone can read)."""
    root = playbook()
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\n")
    posts = root / "content/posts"
    os.symlink(secret, posts / "secret.md")
    os.symlink("/dev/zero", posts / "zero.md")
    os.mkfifo(posts / "pipe.md")
    expected = [
        "content/posts/pipe.md:1: error schema: cannot read the file: not a regular file",
        "content/posts/secret.md:1: error schema: this file links to a place outside content/",
        "content/posts/zero.md:1: error schema: this file links to a place outside content/",
    ]
    for command in ("check", "build"):
        run = smcycle(root, command)
        assert run.returncode == 1, run.stderr
        assert errors(run.stdout + run.stderr) == expected
        assert SECRET not in run.stdout + run.stderr
    assert not (root / "output").exists()


def test_theme_files_that_lead_out_or_do_not_load_are_said_and_never_published(
    playbook, tmp_path: Path
) -> None:
    """A template, an asset or a strings file linking to a secret was read: the page
    showed it (Jinja takes any text for a template), the asset was published as it, a
    pipe or `/dev/zero` hung the build, and a strings file that is no YAML was an
    internal error. Each is now a problem at its file, the built-in one is not taken
    for it silently, and the last output stays as it was."""
    root = playbook()
    assert smcycle(root, "build").returncode == 0
    before = sorted(p for p in (root / "output").rglob("*"))
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}: shown\n")
    theme = root / "templates"
    write_files(
        root, {"templates/i18n/en.yaml": "a: [unclosed\n", "templates/i18n/he.yaml": "- x\n"}
    )
    (theme / "assets").mkdir()
    (theme / "partials").mkdir()
    os.symlink(secret, theme / "post.html")
    os.symlink(secret, theme / "assets/leak.txt")
    os.symlink("/dev/zero", theme / "assets/zero.css")
    os.symlink(secret, theme / "i18n/nl.yaml")
    os.mkfifo(theme / "partials/pipe.html")
    outside = "it links to a place outside templates/"
    expected = [
        f"templates/assets/leak.txt:1: error template: cannot read the file: {outside}",
        f"templates/assets/zero.css:1: error template: cannot read the file: {outside}",
        "templates/i18n/en.yaml:2: error template: YAML does not parse: "
        "did not find expected ',' or ']'",
        "templates/i18n/he.yaml:1: error template: the strings file must map keys to texts",
        f"templates/i18n/nl.yaml:1: error template: cannot read the file: {outside}",
        "templates/partials/pipe.html:1: error template: cannot read the template: "
        "it is not a regular file",
        f"templates/post.html:1: error template: cannot read the template: {outside}",
    ]
    for command in ("check", "build"):
        run = smcycle(root, command)
        assert run.returncode == 1, run.stderr
        assert errors(run.stdout + run.stderr) == expected
        assert SECRET not in run.stdout + run.stderr
        assert "internal error" not in run.stderr
    assert sorted(p for p in (root / "output").rglob("*")) == before
    assert not any(SECRET.encode() in p.read_bytes() for p in before if p.is_file())


def test_jinja_never_reads_a_template_that_leads_out(tmp_path: Path) -> None:
    """Whatever the build then says, the loader of the repository's templates passes by
    one that links out of its folder: the built-in one is loaded, never the secret."""
    from smcycle_build.render.env import builtin_theme, make_environment

    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    own = tmp_path / "templates"
    own.mkdir()
    os.symlink(secret, own / "post.html")
    (own / "404.html").write_text("ours")
    env = make_environment([own, builtin_theme()], reload=False)
    source = env.loader.get_source(env, "post.html")[0]
    assert source == (builtin_theme() / "post.html").read_text(encoding="utf-8")
    assert env.loader.get_source(env, "404.html")[0] == "ours"


def test_serve_never_serves_an_asset_that_leads_out(playbook, tmp_path: Path) -> None:
    """`serve` serves the assets of a site whose templates have problems (its pages show
    the problems): an asset linking to a secret is no asset of it."""
    from smcycle_build.pipeline import Project
    from smcycle_build.serve import LiveSite

    root = playbook()
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    (root / "templates/assets").mkdir(parents=True)
    os.symlink(secret, root / "templates/assets/leak.txt")
    site = LiveSite(Project.locate(cwd=root), None)
    state = site.rebuild()
    assert "templates/assets/leak.txt:1: error template: cannot read the file" in state.error_text
    assert state.layout is not None and state.layout.get("assets/style.css") is not None
    assert state.layout.get("assets/leak.txt") is None


def test_a_playbook_or_situation_that_leads_out_is_refused(playbook, tmp_path: Path) -> None:
    """The files read by name (`playbook.yaml`, `situation.md`, `themes.yaml`,
    `listening.yaml`) were read wherever their links led; they are held to the rule of
    every other file of `content/`."""
    root = playbook()
    assert smcycle(root, "check").returncode == 0
    situation = tmp_path / "situation.md"
    situation.write_text(f"---\ncompetitors: []\n---\n{SECRET}\n")
    for name, target in (("situation.md", situation), ("playbook.yaml", tmp_path / "p.yaml")):
        if name == "playbook.yaml":
            os.replace(root / "content" / name, target)
        os.symlink(target, root / "content" / name)
        run = smcycle(root, "check")
        assert run.returncode == 1
        assert errors(run.stdout) == [
            f"content/{name}:1: error schema: this file links to a place outside content/"
        ]
        assert SECRET not in run.stdout
        os.unlink(root / "content" / name)
    os.replace(tmp_path / "p.yaml", root / "content/playbook.yaml")


def test_a_pipe_in_media_is_no_file_a_post_can_show(playbook) -> None:
    """The build copies media: a pipe would have been waited for for ever."""
    root = playbook()
    os.unlink(root / "content/media/photo.png")
    os.mkfifo(root / "content/media/photo.png")
    for command in ("check", "build"):
        run = smcycle(root, command)
        assert run.returncode == 1
        assert errors(run.stdout + run.stderr) == [
            "content/posts/hello.md:8: error ref: `photo.png` names no file in content/media/"
        ]


def deep(folder: Path, levels: int) -> Path:
    """`folder`/d/d/.../d, `levels` deep (os.makedirs itself recurses, and fails)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    finally:
        os.close(fd)


def test_folders_1500_deep_are_walked(playbook) -> None:
    """Git holds folders as deep as a path can be long; walking them recursively ended in
    a RecursionError (an internal error) in the check, the build and the theme."""
    root = playbook()
    try:
        post = deep(root / "content/posts", 1500) / "deep.md"
        post.write_text(
            "---\ntitle: Deep\ndate: 2027-03-10 09:00\nvariants:\n  website: {}\n---\n.\n"
        )
        (root / "templates/assets").mkdir(parents=True)
        asset = deep(root / "templates/assets", 1200) / "deep.css"
        asset.write_text("p {}\n")
        for command in ("check", "build", "build"):  # the second: in place, over the first
            run = smcycle(root, command)
            assert "internal error" not in run.stderr, run.stderr
            assert run.returncode == 0, run.stdout + run.stderr
        assert (root / "output/posts/deep/index.html").is_file()
        assert (root / "output/assets" / asset.relative_to(root / "templates/assets")).is_file()
        asset.write_text("p { color: red }\n")  # a build that replaces the deep copy
        assert smcycle(root, "build").returncode == 0
        remove_tree(root / "output")  # a first build again: swapped in whole
        assert smcycle(root, "build").returncode == 0
    finally:  # pytest's own clean-up of its temporary folders recurses, and fails
        remove_tree(root)


def test_a_revision_1500_deep_is_scanned_in_walks_order() -> None:
    from smcycle_build.revision import ROOT, RevisionFiles

    path = "/".join(["d"] * 1500)
    files = RevisionFiles({f"c/{path}/x.md": b"", "c/a.md": b"", "c/b/y.md": b""}, {})
    assert [p for p, _ in files.scan(f"{ROOT}/c")] == [
        f"{ROOT}/c/a.md",
        f"{ROOT}/c/b/y.md",
        f"{ROOT}/c/{path}/x.md",
    ]
