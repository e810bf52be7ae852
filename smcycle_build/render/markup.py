"""Markdown bodies, rendered once and sanitized: pull requests come from many hands."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib.metadata import version
from pathlib import Path

import markdown
import nh3
from markdown.blockprocessors import HashHeaderProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from markupsafe import Markup

from .. import __version__

# nh3's allowlist (no script, style, iframe, forms, event handlers), less what HTML5 made
# obsolete: the W3C checker rejects those, and a page must validate whatever the content says
_OBSOLETE_TAGS = {"acronym", "big", "center", "strike", "tt"}
_ALLOWED_TAGS = nh3.ALLOWED_TAGS - _OBSOLETE_TAGS
_ALLOWED_ATTRIBUTES = {
    tag: attrs - {"align", "valign", "bgcolor", "border", "charoff", "char"}
    for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()
    if tag not in _OBSOLETE_TAGS
}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


class _SpacedHashHeader(HashHeaderProcessor):
    """`# Title` is a heading, a `#hashtag` that starts a line is not (CommonMark's rule).

    Python-Markdown takes `#katendrecht` for a heading; social media texts start lines
    with hashtags all the time.
    """

    RE = re.compile(
        r"(?:^|\n)(?P<level>#{1,6})(?=[ \t]|\n|$)"
        r"(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)"
    )

    def test(self, parent, block: str) -> bool:
        # every paragraph of every body is tried: most have no "#" at all
        return "#" in block and super().test(parent, block)


# What each of Python-Markdown's inline patterns (with `extra`) needs in a text to match at
# all: a code span a backtick, an escape a backslash, a link, image, reference or footnote
# a "[", an autolink or inline HTML a "<", an entity a "&", emphasis a "*" or a "_", a
# hard line break two spaces before a newline.
INLINE_TRIGGERS = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("[",),
    "image_reference": ("[",),
    "short_reference": ("[",),
    "short_image_ref": ("[",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "html": ("<",),
    "entity": ("&",),
    "em_strong": ("*", "_"),
    "footnote": ("[",),
}
# and "\x02", which starts the placeholders Python-Markdown leaves in a text (raw HTML)
_MAY_MATCH = re.compile(
    "|".join(sorted({re.escape(t) for ts in INLINE_TRIGGERS.values() for t in ts} | {"\x02"}))
)


class _PlainText(AtomicString):
    """A text in which no inline pattern can match: the inline processor passes it by."""


class _SkipPlainText(Treeprocessor):
    """Before the inline processor: every text that holds none of `INLINE_TRIGGERS`.

    The inline processor tries each of its fifteen patterns on every text, one after the
    other, in Python: half of what converting a body costs, and most texts of prose hold
    nothing any of them could match. Such a text is marked an `AtomicString`, Python-
    Markdown's own way to say "not to be processed further", and `_RestorePlainText`
    turns it back into the text it was right after, so that what runs later (the
    abbreviations, attribute lists) sees the tree the inline processor would have left."""

    def run(self, root) -> None:
        search = _MAY_MATCH.search
        for element in root.iter():
            text = element.text
            if text and type(text) is str and search(text) is None:
                element.text = _PlainText(text)


class _RestorePlainText(Treeprocessor):
    def run(self, root) -> None:
        for element in root.iter():
            if type(element.text) is _PlainText:
                element.text = str(element.text)


def skip_plain_texts(md: markdown.Markdown) -> bool:
    """Registers the two around the inline processor when its patterns are exactly those
    `INLINE_TRIGGERS` knows (another version of Python-Markdown may add one whose
    trigger is not known here: then every text goes through every pattern, as before)."""
    patterns = md.inlinePatterns
    if len(patterns) != len(INLINE_TRIGGERS) or not all(n in patterns for n in INLINE_TRIGGERS):
        return False
    md.treeprocessors.register(_SkipPlainText(md), "smcycle-skip-plain", 21)
    md.treeprocessors.register(_RestorePlainText(md), "smcycle-restore-plain", 19)
    return True


MEMORY_ENTRIES = 256


@cache
def renderer_id() -> str:
    """Everything the HTML of a text depends on but the text: the versions of smcycle,
    Python-Markdown and nh3, and this module's source (its extensions and allowlist).
    A stored body from any other renderer is not used (see cache.MarkdownStore)."""
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return f"smcycle {__version__}; markdown {markdown.__version__}; nh3 {version('nh3')}; {source}"


class MarkdownRenderer:
    """One Python-Markdown instance, reset between documents (cheaper than a new one)."""

    def __init__(self, cache: dict[str, Markup] | None = None, store=None) -> None:
        self._md = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
        parser = self._md.parser
        parser.blockprocessors.register(_SpacedHashHeader(parser), "hashheader", 70)
        skip_plain_texts(self._md)
        # text -> sanitized HTML: a rebuild renders only the bodies that changed (in
        # memory for serve, on disk in .smcycle-cache/ between builds)
        self._cache = cache if cache is not None else {}
        self._store = store

    def render(self, text: str) -> Markup:
        text = text or ""
        done = self._cache.get(text)
        if done is not None:
            return done
        stored = self._store.get(text) if self._store is not None else None
        if stored is None:
            self._md.reset()
            stored = sanitize(self._md.convert(text))
            if self._store is not None:
                self._store.put(text, stored)
        if self._store is not None and len(self._cache) >= MEMORY_ENTRIES:
            # a build keeps everything on disk: in memory, only what a page may ask again
            # (a body and its website variant), not every body a worker ever rendered
            self._cache.clear()
        done = self._cache[text] = Markup(stored)
        return done


# built once: `nh3.clean(html, tags=...)` turns the allowlists into Rust's sets again for
# every body, half of what sanitizing 10,000 bodies cost
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes=_ALLOWED_ATTRIBUTES,
    url_schemes=_URL_SCHEMES,
    link_rel="noopener noreferrer",
)


def sanitize(html: str) -> str:
    """An allowlist, not a blocklist: what is not known to be safe does not reach a page."""
    return _CLEANER.clean(html)
