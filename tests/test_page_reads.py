"""A page that shows no post's body is kept when only a body changes; one that reads a
body, in any way a template can, is made again (render/reads.py, render/page_keys.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import file_id, files, run_cli

LISTS = ("posts/index.html", "goals/more-replies/index.html", "audiences/riders/index.html")


def edit_body(root: Path) -> None:
    post = root / "content/posts/hello.md"
    post.write_text(post.read_text().replace("Welcome to the shop.", "Welcome back, cyclists."))


def test_the_pages_that_list_a_post_are_kept_when_only_its_body_changes(
    playbook, monkeypatch, tmp_path: Path
) -> None:
    """The index of every post, the goal's and the audience's list of posts show titles,
    dates and channels: an edit of the body leaves their files as they were, and the
    output is what a first build of the edited playbook makes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    root = playbook({})
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    out = root / "output"
    before = {path: file_id(out / path) for path in LISTS}
    edit_body(root)
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    assert before == {path: file_id(out / path) for path in LISTS}
    assert b"Welcome back, cyclists." in (out / "posts/hello/index.html").read_bytes()

    fresh = tmp_path / "fresh"
    shutil.copytree(root / "content", fresh / "content")
    assert run_cli(fresh, "build", "-j", "1").exit_code == 0
    assert files(out) == files(fresh / "output")


@pytest.mark.parametrize(
    "template",
    [
        "{% for r in posts %}{{ r.post.body }}{% endfor %}",
        "{% for r in posts[:1] %}{{ r.post.body }}{% endfor %}{{ posts[0].post.title }}",
        "{% for r in posts %}{{ r.post | attr('body') }}{% endfor %}",
        "{% for r in posts %}{{ r.post['body'] }}{% endfor %}",
        "{% set name = 'bo' ~ 'dy' %}{% for r in posts %}{{ r.post[name] }}{% endfor %}",
        "{{ posts | map(attribute='post.body') | join }}",
        "{% for r in posts %}{% for v in r.post.variants %}{{ v.text }}{% endfor %}{% endfor %}",
        "{% for r in posts %}{{ r.post }}{% endfor %}",
        "{% for r in posts %}{{ r.post.variants | string }}{% endfor %}",
        "{% for r in posts %}{{ r.post.__getattribute__('body') }}{% endfor %}",
        "{% for r in posts %}{% if 'cyclists' in r.post.body %}cyclists{% endif %}{% endfor %}",
    ],
)
def test_a_page_that_reads_a_body_is_made_again_when_the_body_changes(
    playbook, monkeypatch, template: str
) -> None:
    """A repository's template for the index of every post that shows a body, in any
    of the ways a template reaches one: after the edit, the page shows the new body."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    root = playbook({"templates/posts.html": template})
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    page = root / "output/posts/index.html"
    assert "cyclists" not in page.read_text()
    edit_body(root)
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    assert "cyclists" in page.read_text()
