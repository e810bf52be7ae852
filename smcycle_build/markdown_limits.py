"""What Python-Markdown cannot render, or only in minutes: a body's problems before any
page is made.

Python-Markdown renders a list inside a list by recursing: a body whose lists or
indentation nest some hundreds deep fails with a RecursionError (from 249 levels of
indentation, 495 of `- - - x`). And it tries each `[` (a link, an image, a footnote)
and each `<` (an autolink) of a paragraph against the rest of that paragraph: time
grows with the square of their number, 3 s for 4,000 and minutes for 40,000 (upstream:
Python-Markdown/markdown#798, "someday-maybe"). No post needs either, and a pull request
must not be able to stall the build: `check` says where, at a tenth of what fails.
"""

from __future__ import annotations

import re

MAX_NESTING = 100  # levels of lists or indentation
MAX_TRIES = 1000  # `[` and `<` in one paragraph: 0.2 s at most

# a line that starts deeper than MAX_NESTING: each four spaces, a tab, or a list marker;
# such a line starts with more than MAX_NESTING of these characters, which is quicker
# to rule out (a check of 10,000 posts: 13 ms against 24)
_DEEP = re.compile(rf"\n(?:    |\t|[-*+][ \t]|\d{{1,9}}[.)][ \t]){{{MAX_NESTING + 1}}}")
_LONG_PREFIX = re.compile(rf"\n[ \t\-*+.)0-9]{{{MAX_NESTING + 1}}}")
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


def body_problems(body: str) -> list[tuple[int, str, str]]:
    """(line within the body, from 0; message; hint) of each such place."""
    found = []
    lines = "\n" + body  # a "\n" to search for: much faster than `^` lines
    deep = _DEEP.search(lines) if _LONG_PREFIX.search(lines) else None
    if deep is not None:
        found.append(
            (
                body.count("\n", 0, deep.start()),
                f"the body nests more than {MAX_NESTING} levels deep here",
                "Markdown renders a list in a list by recursing: no post needs this many",
            )
        )
    if body.count("[") + body.count("<") > MAX_TRIES:
        at = 0
        for paragraph in _PARAGRAPHS.split(body):
            at = body.index(paragraph, at)  # where it starts, past the paragraphs before
            tries = paragraph.count("[") + paragraph.count("<")
            if tries > MAX_TRIES:
                found.append(
                    (
                        body.count("\n", 0, at),
                        f"a paragraph with {tries:,} `[` and `<`: at most {MAX_TRIES:,}",
                        "Markdown tries each against the rest of its paragraph: thousands "
                        "take minutes",
                    )
                )
            at += len(paragraph)
    return found
