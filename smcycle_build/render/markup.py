"""Markdown bodies, rendered once and sanitized: pull requests come from many hands.

Python-Markdown (and the shortcuts of `markdown_fast`) is imported when a body is first
rendered, not with this module: a build after an edit seldom renders one (the renderer
ahead did, and the store holds the others), and the import is a tenth of a second.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import nh3
from markupsafe import Markup

from .. import __version__, webtext
from ..webtext import escaped

if TYPE_CHECKING:
    import markdown

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


@cache
def _spaced_hash_header() -> type:
    """`# Title` is a heading, a `#hashtag` that starts a line is not (CommonMark's rule).

    Python-Markdown takes `#katendrecht` for a heading; social media texts start lines
    with hashtags all the time. (A class made when first asked for, as Python-Markdown
    is imported then.)
    """
    from markdown.blockprocessors import HashHeaderProcessor

    class SpacedHashHeader(HashHeaderProcessor):
        RE = re.compile(
            r"(?:^|\n)(?P<level>#{1,6})(?=[ \t]|\n|$)"
            r"(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)"
        )

        def test(self, parent, block: str) -> bool:
            # every paragraph of every body is tried: most have no "#" at all
            return "#" in block and super().test(parent, block)

    return SpacedHashHeader


MEMORY_ENTRIES = 256


@cache
def renderer_id() -> str:
    """Everything the HTML of a text depends on but the text: the versions of smcycle,
    Python-Markdown and nh3, and the source of this module (its extensions and
    allowlist), of its shortcuts and of the URL rule (webtext.py).
    A stored body from any other renderer is not used (see cache.MarkdownStore)."""
    source = hashlib.sha256()
    for module in (__file__, Path(__file__).with_name("markdown_fast.py"), webtext.__file__):
        source.update(Path(module).read_bytes())
    return (
        f"smcycle {__version__}; markdown {version('markdown')}; nh3 {version('nh3')}; "
        f"{source.hexdigest()}"
    )


def new_markdown(fast: bool = True) -> markdown.Markdown:
    """Python-Markdown as bodies are rendered: `extra`, sane lists, CommonMark's headings,
    and (`fast`) the shortcuts of `markdown_fast`, which give the same HTML sooner."""
    import markdown

    from . import markdown_fast

    md = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
    md.parser.blockprocessors.register(_spaced_hash_header()(md.parser), "hashheader", 70)
    if fast:
        markdown_fast.speed_up(md)
    return md


class MarkdownRenderer:
    """One Python-Markdown instance, reset between documents (cheaper than a new one)."""

    def __init__(self, cache: dict[str, Markup] | None = None, store=None) -> None:
        self._md: markdown.Markdown | None = None  # made for the first body not stored
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
            if self._md is None:
                self._md = new_markdown()
            stored = to_html(self._md, text)
            if self._store is not None:
                self._store.put(text, stored)
        if self._store is not None and len(self._cache) >= MEMORY_ENTRIES:
            # a build keeps everything on disk: in memory, only what a page may ask again
            # (a body and its website variant), not every body a worker ever rendered
            self._cache.clear()
        done = self._cache[text] = Markup(stored)
        return done


_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})  # the URLs nh3's allowlist lets through


def _escaped_url(element: str, attribute: str, value: str) -> str:
    """A link's or an image's URL as a page must write it: Python-Markdown passes
    `[the sale](<https://shop.example/spring sale>)` on as it is, and the W3C checker
    rejects the page; CommonMark's renderers escape it, and so do we (webtext.escaped)."""
    return escaped(value) if attribute in _URL_ATTRIBUTES else value


# built once: `nh3.clean(html, tags=...)` turns the allowlists into Rust's sets again for
# every body, half of what sanitizing 10,000 bodies cost
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes=_ALLOWED_ATTRIBUTES,
    attribute_filter=_escaped_url,
    url_schemes=_URL_SCHEMES,
    link_rel="noopener noreferrer",
)


def to_html(md: markdown.Markdown, text: str) -> str:
    """`text` rendered by `md` (one of `new_markdown`'s, reused) and sanitized: what the
    pages show and the store holds, wherever it is rendered."""
    md.reset()
    return sanitize(md.convert(text))


def sanitize(html: str) -> str:
    """An allowlist, not a blocklist: what is not known to be safe does not reach a page."""
    return _CLEANER.clean(html)
