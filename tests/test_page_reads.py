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


EXAMPLE = Path(__file__).parent.parent / "content"


def test_a_brief_edited_makes_again_the_pages_that_show_it_and_checks_no_post(
    tmp_path: Path, monkeypatch, parsed_posts
) -> None:
    """A campaign's Markdown body is no part of what posts are checked against: an edit
    of it checks no post again and keeps every post's page, the calendar's months, the
    schedules and the feeds of the channels, and the pages that show posts' texts but
    no description (reads.py); the campaign's page shows it, and the output is a first
    build's."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root / "content")
    assert run_cli(root, "build").exit_code == 0
    out = root / "output"
    kept = [*out.glob("posts/*/index.html"), *out.glob("calendar/*/index.html")]
    kept += [out / "schedule.json", *out.glob("channels/*.*")]
    # pages that show posts' texts, and so read bodies, but no description
    kept += [*out.glob("channels/*/index.html"), out / "campaigns/spring-tune-up/index.html"]
    before = {path: file_id(path) for path in kept}
    parsed_posts.clear()
    brief = root / "content/campaigns/winter-riders-club.md"
    brief.write_text(brief.read_text() + "\nA sentence added to the brief.\n")
    assert run_cli(root, "build").exit_code == 0
    assert parsed_posts == []
    assert before == {path: file_id(path) for path in kept}
    page = (out / "campaigns/winter-riders-club/index.html").read_text()
    assert "A sentence added to the brief." in page

    fresh = tmp_path / "fresh"
    shutil.copytree(root / "content", fresh / "content")
    assert run_cli(fresh, "build").exit_code == 0
    assert files(out) == files(fresh / "output")


@pytest.mark.parametrize(
    ("template", "page"),
    [
        (
            "{% for w in weeks %}{% for d in w %}{% for o in d.occs %}{{ o.channel.body }}"
            "{% endfor %}{% endfor %}{% endfor %}",
            "month.html",
        ),
        ("{% for o in upcoming %}{{ o.channel.body }}{% endfor %}", "index.html"),
        ("{% for o in upcoming %}{{ o.channel | attr('body') }}{% endfor %}", "index.html"),
        ("{% for o in upcoming %}{{ o.channel }}{% endfor %}", "index.html"),
        ("{% for o in upcoming %}{{ o }}{{ o.occ.post.body }}{% endfor %}", "index.html"),
    ],
)
def test_a_page_that_shows_a_channels_body_through_an_occurrence_is_made_again(
    playbook, monkeypatch, template: str, page: str
) -> None:
    """An occurrence's view holds its channel, which the walk of a page's context does
    not meet: a repository's template that shows the channel's body through it, on a
    calendar month (keyed without its context) or the home page, shows the new body
    after the channel's file is edited."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1804507200")  # 2027-03-08: the post is upcoming
    channel = "---\nname: X\n---\nOur short news.\n"
    root = playbook({f"templates/{page}": template, "content/channels/x.md": channel})
    (root / "content/channels/x.yaml").unlink()
    path = root / "output" / ("calendar/2027-03/index.html" if page == "month.html" else page)
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    assert "Our short news." in path.read_text()
    (root / "content/channels/x.md").write_text(channel.replace("short", "longer"))
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    assert "Our longer news." in path.read_text()


def test_a_month_that_shows_a_description_is_kept_while_no_description_changes(
    playbook, monkeypatch
) -> None:
    """A month's page read a channel's description: the build recorded its key with
    every description (page_keys.PageKeys.input_keys), and the next build keeps the page
    by that key instead of making it again every time."""
    from test_post_checks import reused_months

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    template = (
        "{% for w in weeks %}{% for d in w %}{% for o in d.occs %}{{ o.channel.body }}"
        "{% endfor %}{% endfor %}{% endfor %}"
    )
    channel = "---\nname: X\n---\nOur short news.\n"
    root = playbook({"templates/month.html": template, "content/channels/x.md": channel})
    (root / "content/channels/x.yaml").unlink()
    assert run_cli(root, "build", "-j", "1").exit_code == 0
    month = "calendar/2027-03/index.html"
    assert "Our short news." in (root / "output" / month).read_text()
    months, jobs = reused_months(root)
    assert month in months and month not in jobs
    (root / "content/channels/x.md").write_text(channel.replace("short", "longer"))
    months, jobs = reused_months(root)
    assert month not in months and month in jobs
