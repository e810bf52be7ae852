"""Shortcuts around Python-Markdown's processors that give the same HTML in well under half
the time (0.58 -> 0.22 ms a body of the benchmark). The user asked for Python-Markdown,
and most of its time goes on trying, on every paragraph and every text, expressions
that cannot match there: each is now tried only where the characters it needs are.

The inline shortcut is Python-Markdown's public extension API (two treeprocessors and
`AtomicString`) for texts that hold no trigger at all, and, for the others, the inline
processor's own loop over its patterns with each pattern's triggers looked for first (a
subclass swapped in, only while its private methods are the ones known here). The block
shortcut, and the one for processors that search the whole document, subclass their
public processor classes, swapped in place so that every registry entry stays as it is;
so does the registry that lists its processors once rather than at every block.
All apply only to the patterns and processors whose expressions they know; anything
else (another version's new pattern, a processor of another class) runs as before.
tests/test_markup.py renders thousands of documents made of every construct both ways,
and fails if any trigger or needle below that can change the HTML is missing (of the
inline triggers, "&" and "\x02" cannot: they are kept to be safe).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import markdown
from markdown.blockprocessors import (
    BlockQuoteProcessor,
    HRProcessor,
    ReferenceProcessor,
    SetextHeaderProcessor,
)
from markdown.extensions.abbr import AbbrBlockprocessor
from markdown.extensions.attr_list import AttrListTreeprocessor
from markdown.extensions.def_list import DefListProcessor
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.footnotes import FootnoteBlockProcessor
from markdown.extensions.md_in_html import HtmlBlockPreprocessor
from markdown.extensions.tables import TableProcessor
from markdown.preprocessors import NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor, Treeprocessor, UnescapeTreeprocessor
from markdown.util import ETX, STX, AtomicString, Registry


def speed_up(md: markdown.Markdown) -> None:
    skip_plain_texts(md)
    precheck_blocks(md)
    precheck_documents(md)
    list_registries(md)


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


# the inline processor's own methods `_TriggeredInline` takes the place of, or calls
_INLINE_METHODS = ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern")


class _TriggeredInline(InlineProcessor):
    """The inline processor, trying on a text only the patterns whose triggers it holds.

    A text that holds one trigger went through all fifteen patterns, each tried in
    Python (`__applyPattern`) before its expression searched the text in vain. A pattern
    whose triggers the text lacks now fails at once, as its search would have: the text
    is left as it is and the next pattern starts from its beginning. A match only ever
    puts a placeholder (letters and digits between "\x02" and "\x03") in the place of
    what it took, so a trigger the text lacked never appears later."""

    _needs: list[tuple[str, ...]]  # each pattern's triggers, in the registry's order

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, AtomicString):
            return data
        patterns, needs = self.inlinePatterns, self._needs
        if len(patterns) != len(needs):  # a pattern registered since: each one, as before
            return super()._InlineProcessor__handleInline(data, patternIndex)
        apply = self._InlineProcessor__applyPattern
        start, count = 0, len(needs)
        while patternIndex < count:
            for trigger in needs[patternIndex]:
                if trigger in data:
                    break
            else:  # what the pattern's search would find: nothing
                patternIndex, start = patternIndex + 1, 0
                continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def skip_plain_texts(md: markdown.Markdown) -> bool:
    """Registers the two around the inline processor when its patterns are exactly those
    `INLINE_TRIGGERS` knows (another version of Python-Markdown may add one whose
    trigger is not known here: then every text goes through every pattern, as before),
    and makes the inline processor try only the patterns a text holds the triggers of."""
    patterns = md.inlinePatterns
    if len(patterns) != len(INLINE_TRIGGERS) or not all(n in patterns for n in INLINE_TRIGGERS):
        return False
    md.treeprocessors.register(_SkipPlainText(md), "smcycle-skip-plain", 21)
    md.treeprocessors.register(_RestorePlainText(md), "smcycle-restore-plain", 19)
    known = "inline" in md.treeprocessors  # a Registry: no `get`
    inline = md.treeprocessors["inline"] if known else None
    if type(inline) is InlineProcessor and all(hasattr(inline, m) for m in _INLINE_METHODS):
        needs: list[tuple[str, ...]] = [()] * len(patterns)
        for name, triggers in INLINE_TRIGGERS.items():
            needs[patterns.get_index_for_name(name)] = triggers
        inline.__class__ = _TriggeredInline
        inline._needs = needs
    return True


# Block processors that search every block with an expression, what that expression
# cannot match without (an expression itself, searched in C), and where they search
# (`test`, or `run`, which then gives up): a table's first row holds a "|"; a rule is
# three "-", "_" or "*", each at most two spaces from the next (tabs are spaces by now,
# NormalizeWhitespace); a definition starts ":" and a space; a heading underlined has a
# second line that starts "=" or "-"; a quote holds ">", a footnote "[^", an
# abbreviation "*[", a reference "]:".
BLOCK_NEEDLES: dict[type, tuple[str, str]] = {
    TableProcessor: ("test", r"\|"),
    HRProcessor: ("test", r"-[ ]{0,2}-|_[ ]{0,2}_|\*[ ]{0,2}\*"),
    DefListProcessor: ("test", ": "),
    SetextHeaderProcessor: ("test", "\n[=-]"),
    BlockQuoteProcessor: ("test", ">"),
    FootnoteBlockProcessor: ("run", r"\[\^"),
    AbbrBlockprocessor: ("run", r"\*\["),
    ReferenceProcessor: ("run", r"\]:"),
}
_PRECHECKED: dict[type, type] = {}


def _prechecked(base: type) -> type:
    """`base` that looks for its needle in a block before its expression does."""
    if base not in _PRECHECKED:
        method, needle = BLOCK_NEEDLES[base]
        original: Callable[..., Any] = getattr(base, method)
        find = re.compile(needle).search
        if method == "test":

            def test(self, parent, block: str) -> bool:
                return find(block) is not None and original(self, parent, block)

            body = {"test": test}
        else:

            def run(self, parent, blocks: list[str]):
                if find(blocks[0]) is None:
                    return False  # what `run` says of a block it does not take
                return original(self, parent, blocks)

            body = {"run": run}
        _PRECHECKED[base] = type(f"Prechecked{base.__name__}", (base,), body)
    return _PRECHECKED[base]


def precheck_blocks(md: markdown.Markdown) -> None:
    """Each registered processor of a class `BLOCK_NEEDLES` knows becomes its prechecked
    subclass, in place: the same object, name, priority and state (a processor keeps
    what its `test` found for its `run`), so nothing that looks it up sees a change."""
    for processor in md.parser.blockprocessors:
        if type(processor) in BLOCK_NEEDLES:
            processor.__class__ = _prechecked(type(processor))


# Processors that search the whole document, and what they cannot act without: fenced
# code a fence, the raw HTML extractor a tag or an entity ("<", "&"; it passes all else
# through as it was), attribute lists a "{" in some text or tail of the tree, the
# unescaping of escaped characters a backslash.
class _FencedOnly(FencedBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "```" not in text and "~~~" not in text:
            return lines  # what `run` makes of a document without a fence: its lines
        return super().run(lines)


class _HtmlOnly(HtmlBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "<" not in text and "&" not in text:
            return lines
        return super().run(lines)


class _BracedOnly(AttrListTreeprocessor):
    def run(self, doc) -> None:
        for element in doc.iter():
            text, tail = element.text, element.tail
            if (text and "{" in text) or (tail and "{" in tail):
                super().run(doc)
                return


class _EscapedOnly(UnescapeTreeprocessor):
    """What it restores ("\x02", digits, "\x03") only the escape pattern makes, of a
    backslash and the character after it (the source's own "\x02" and "\x03" are
    taken out first, by NormalizeWhitespace): the document as the block parser read it
    (`md.lines`) holds a backslash wherever the tree holds one."""

    def run(self, root) -> None:
        if any("\\" in line for line in self.md.lines):
            super().run(root)


class _NormalizeOnly(NormalizeWhitespace):
    """NormalizeWhitespace only on a document that holds what it changes (STX or ETX, a
    carriage return, a tab, a space before a line end): it searches the whole document
    for lines of spaces with a look-behind expression, a tenth of converting a body,
    where prose has none. Any other document only gets its two closing line ends."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        if STX in source or ETX in source or "\r" in source or "\t" in source or " \n" in source:
            return super().run(lines)
        return (source + "\n\n").split("\n")


DOCUMENT_PRECHECKS = {
    NormalizeWhitespace: _NormalizeOnly,
    FencedBlockPreprocessor: _FencedOnly,
    HtmlBlockPreprocessor: _HtmlOnly,
    AttrListTreeprocessor: _BracedOnly,
    UnescapeTreeprocessor: _EscapedOnly,
}


def precheck_documents(md: markdown.Markdown) -> None:
    """Each registered processor of a class `DOCUMENT_PRECHECKS` knows becomes its
    prechecked subclass, in place, as `precheck_blocks` does."""
    for processor in (*md.preprocessors, *md.treeprocessors):
        if type(processor) in DOCUMENT_PRECHECKS:
            processor.__class__ = DOCUMENT_PRECHECKS[type(processor)]


class _ListedRegistry(Registry):
    """A Registry that lists its items in order once, until one is registered or
    deregistered. Python-Markdown's makes a new list at every iteration, and the block
    parser iterates its processors once for every block of every document."""

    _listed: list[Any] | None = None

    def __iter__(self):
        listed = self._listed
        if listed is None or not self._is_sorted:
            listed = self._listed = list(super().__iter__())
        return iter(listed)

    def register(self, item: Any, name: str, priority: float) -> None:
        self._listed = None
        super().register(item, name, priority)

    def deregister(self, name: str, strict: bool = True) -> None:
        self._listed = None
        super().deregister(name, strict)


def list_registries(md: markdown.Markdown) -> None:
    """The registries a conversion iterates become `_ListedRegistry`, in place, when they
    are Python-Markdown's own class and it keeps their order as this version does."""
    for registry in (
        md.preprocessors,
        md.parser.blockprocessors,
        md.treeprocessors,
        md.postprocessors,
    ):
        if type(registry) is Registry and all(
            hasattr(registry, a) for a in ("_is_sorted", "_priority", "_data")
        ):
            registry.__class__ = _ListedRegistry
