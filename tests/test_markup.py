"""Markdown bodies: what becomes a heading."""

from __future__ import annotations

from smcycle_build.render.markup import MarkdownRenderer


def test_a_hashtag_that_starts_a_line_is_not_a_heading() -> None:
    # content/channels/instagram.md wraps a list of hashtags: "#katendrecht." began a line
    # and Python-Markdown made it a second <h1> on the channel's page
    md = MarkdownRenderer()
    assert str(md.render("Tags we use: #rotterdam\n#katendrecht. Never more.")) == (
        "<p>Tags we use: #rotterdam\n#katendrecht. Never more.</p>"
    )
    assert str(md.render("##tag")) == "<p>##tag</p>"
    assert str(md.render("# Title\n\n## Part ##\ntext")) == (
        "<h1>Title</h1>\n<h2>Part</h2>\n<p>text</p>"
    )
