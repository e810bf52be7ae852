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


def without_the_skip() -> MarkdownRenderer:
    md = MarkdownRenderer()
    md._md.treeprocessors.deregister("smcycle-skip-plain", strict=False)
    md._md.treeprocessors.deregister("smcycle-restore-plain", strict=False)
    return md


# every construct of Python-Markdown with `extra`, and the characters around them
PIECES = [
    "word", "Word ", " ", "  \n", "\n", "\n\n", "\t", "*", "**", "_", "__", "`", "``",
    "\\", "\\*", "[", "]", "(", ")", "![", "[^1]", "\n\n[^1]: a note", "<", ">",
    "<span>", "</span>", "<https://x.nl>", "<a@b.nl>", "&amp;", "&", "&#169;", "AT&T",
    "#", "# ", "## Head {#id}", "{: .c }", "\n\n- item", "\n\n1. one", "\n\n> quote",
    "\n\n    code", "\n\n```\nfenced *x*\n```\n\n", "| a | b |\n|---|---|\n| 1 | 2 |",
    "\n\nTerm\n:   Definition", "\n\n*[HTML]: Hyper Text\n\n", "*[HTML]: Hyper", "HTML",
    "\n\n<div markdown=\"1\">*x*</div>\n\n",
    "[link](https://x.nl)", "[ref][r]\n\n[r]: https://r.nl", "https://plain.nl", "é",
    "-", "---", "\n***\n", "\x02", ":", "!", "~", "^", "=", "+", "'", '"', ".", "1",
]  # fmt: skip


def test_texts_no_inline_pattern_can_match_are_passed_by_to_the_same_html() -> None:
    """Texts that hold no character an inline pattern needs skip the inline processor
    (a third of converting prose): the HTML is the same, for the example's bodies and
    for documents made of every construct, abbreviations and footnotes included."""
    import random
    from pathlib import Path

    fast, slow = MarkdownRenderer(), without_the_skip()
    assert "smcycle-skip-plain" in fast._md.treeprocessors  # known to this Python-Markdown
    texts = [
        p.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        for p in sorted((Path(__file__).parent.parent / "content").rglob("*.md"))
    ]
    rng = random.Random(5)
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(6000)]
    for text in texts:
        for md in (fast, slow):
            md._cache.clear()
        assert fast.render(text) == slow.render(text), repr(text)


def test_an_inline_pattern_not_known_here_turns_the_skip_off() -> None:
    import markdown
    from markdown.inlinepatterns import SimpleTagInlineProcessor

    from smcycle_build.render.markup import skip_plain_texts

    md = markdown.Markdown(extensions=["extra", "sane_lists"])
    md.inlinePatterns.register(SimpleTagInlineProcessor(r"()~~(.+?)~~", "del"), "del", 40)
    assert not skip_plain_texts(md)
    assert markdown.markdown("a ~~b~~", extensions=[]) != md.convert("a ~~b~~")
