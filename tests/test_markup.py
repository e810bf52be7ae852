"""Markdown bodies: what becomes a heading."""

from __future__ import annotations

from smcycle_build.render.markup import MarkdownRenderer, new_markdown


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


def reference() -> MarkdownRenderer:
    """The renderer without the shortcuts of markdown_fast.py: what they must equal."""
    md = MarkdownRenderer()
    md._md = new_markdown(fast=False)
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
    "\n\n___\n\n", "\n\n- - -\n", "a|b\n-|-\nc|d", "|x|\n|-|", "\n\n: def", "]:", "[^",
    "-", "---", "\n***\n", "\x02", ":", "!", "~", "^", "=", "+", "'", '"', ".", "1",
    "\n\n~~~\nfenced\n~~~\n\n", "&#1", "&#x41", "&copy", "{", "}",
    "\r", "\r\n", " \n", "   \n\n", "\x03", "\t\n", "\n===", "\n-", "\n=", "-  -  -",
    "* * *", "_  _ _", "*  *", "\t-", "-\t-\t-", ":  x", ": ", ":\t", "\n:",
]  # fmt: skip


def test_the_shortcuts_around_python_markdown_give_the_same_html() -> None:
    """Texts that hold no character an inline pattern needs skip the inline processor,
    the others are tried only with the patterns whose characters they hold, a block is
    searched by an expression only when it holds what that expression needs, and a
    document by fenced code, raw HTML and attribute lists only when it holds a fence, a
    tag or entity, or a brace, and whitespace is normalised only where there is some to
    normalise (markdown_fast.py): the HTML is the same, for the
    example's bodies and for documents made of every construct, abbreviations,
    footnotes and tables included."""
    import random
    from pathlib import Path

    from smcycle_build.render.markdown_fast import (
        BLOCK_NEEDLES,
        DOCUMENT_PRECHECKS,
        _ListedRegistry,
        _TriggeredInline,
    )

    fast, slow = MarkdownRenderer(), reference()
    md = new_markdown()  # what `fast` converts with, made for its first body
    assert "smcycle-skip-plain" in md.treeprocessors  # known to this Python-Markdown
    assert type(md.treeprocessors["inline"]) is _TriggeredInline
    prechecked = {type(p).__mro__[1] for p in md.parser.blockprocessors}
    assert set(BLOCK_NEEDLES) <= prechecked
    processors = {*map(type, md.preprocessors), *map(type, md.treeprocessors)}
    assert set(DOCUMENT_PRECHECKS.values()) <= processors
    assert type(md.parser.blockprocessors) is _ListedRegistry
    texts = [
        p.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        for p in sorted((Path(__file__).parent.parent / "content").rglob("*.md"))
    ]
    rng = random.Random(5)
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(8000)]
    for text in texts:
        for md in (fast, slow):
            md._cache.clear()
        assert fast.render(text) == slow.render(text), repr(text)


def test_an_inline_pattern_not_known_here_turns_the_skip_off() -> None:
    import markdown
    from markdown.inlinepatterns import SimpleTagInlineProcessor

    from smcycle_build.render.markdown_fast import skip_plain_texts

    md = markdown.Markdown(extensions=["extra", "sane_lists"])
    md.inlinePatterns.register(SimpleTagInlineProcessor(r"()~~(.+?)~~", "del"), "del", 40)
    assert not skip_plain_texts(md)
    assert type(md.treeprocessors["inline"]).__name__ == "InlineProcessor"
    assert markdown.markdown("a ~~b~~", extensions=[]) != md.convert("a ~~b~~")


def test_a_processor_registered_after_the_shortcuts_runs() -> None:
    """The registries list their items once (markdown_fast._ListedRegistry), and list
    them again when one is registered or deregistered, as Python-Markdown's do."""
    from markdown.blockprocessors import BlockProcessor

    class Shout(BlockProcessor):
        def test(self, parent, block: str) -> bool:
            return block.startswith("!!")

        def run(self, parent, blocks: list[str]) -> None:
            blocks.pop(0)
            parent.append(parent.makeelement("hr", {}))

    md = new_markdown()
    assert md.convert("!! loud") == "<p>!! loud</p>"  # listed, without Shout
    md.parser.blockprocessors.register(Shout(md.parser), "shout", 200)
    assert md.convert("!! loud") == "<hr>"
    md.parser.blockprocessors.deregister("shout")
    assert md.convert("!! loud") == "<p>!! loud</p>"
    # the same name again, at another priority: replaced, not listed twice
    md.parser.blockprocessors.register(Shout(md.parser), "shout", 5)
    md.parser.blockprocessors.register(Shout(md.parser), "shout", 200)
    assert md.convert("!! loud") == "<hr>"
    assert [*md.parser.blockprocessors].count(md.parser.blockprocessors["shout"]) == 1
