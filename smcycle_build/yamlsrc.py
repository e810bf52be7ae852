"""YAML with source lines, safely, and without YAML 1.1's traps.

PyYAML composes the node tree (libyaml's C parser when present, same marks);
we then build plain values ourselves so that:

* every mapping remembers the file line of each key and value (errors point there),
* a key written twice is an error at the second one's line, not a silent overwrite,
* plain scalars follow YAML 1.2's core schema: `12:30` stays the text "12:30"
  (YAML 1.1 reads it as the number 750), `yes`/`no`/`on`/`off` stay text, dates
  stay text for our own time parser,
* no tag can construct a Python object: only the standard scalar tags are read.
"""

from __future__ import annotations

import math
import re
import sys
from typing import Any

import yaml

from .errors import Diagnostics

try:  # libyaml is six times faster; marks and nodes are the same
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader  # type: ignore[misc]


PLAIN = "tag:smcycle,2026:plain"  # an untagged plain scalar, typed by resolve_plain()
# values this long or shorter (ids, statuses, topics, owners, dates) recur in every post:
# one string for each, as for keys (4 MB at 10,000 posts); titles and texts are not
SHORT = 32


class _NodesOnly:
    """Composes nodes only; every untagged plain scalar gets our PLAIN tag, nothing else."""

    # PyYAML's resolver is Python even under libyaml: the composer calls it for every
    # node (40 a post: 7% of a cold check), to try regular expressions in turn and
    # to walk path resolvers. We register neither, so every tag is known from the
    # node's kind: an untagged plain scalar is PLAIN, a quoted one text.
    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return PLAIN if implicit[0] else STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


class _NodeLoader(_NodesOnly, _BaseLoader):  # type: ignore[misc,valid-type]
    pass


class _DeepNodeLoader(_NodesOnly, yaml.SafeLoader):  # type: ignore[misc]
    """The pure-Python composer, for a text that may nest deep (`_may_nest_deep`)."""


# libyaml composes a node inside another by recursing in C: a text nesting 100,000 deep
# (`[[[[...` or `- - - ...`, 200 KB) overflows the stack and kills the process. A text
# with more than this many places it could nest at is composed in Python, whose
# recursion ends in an exception; our own conversion recurses too (`_Converter`)
NESTING = 1000


def _may_nest_deep(text: str) -> bool:
    """Whether `text` holds more openings of a nested value than NESTING: flow brackets
    and compact entries (`- - x`, `? ? x`, two characters each). Block nesting indents
    each level further, so it cannot go deep in a text of sensible size. Lengths first:
    a post's front matter is a kilobyte, and counting costs a check of 10,000 posts
    35 ms, this 5."""
    if len(text) <= NESTING:
        return False
    flow = text.count("[") + text.count("{")
    if len(text) <= 2 * NESTING:
        return flow > NESTING
    return flow + text.count("- ") + text.count("? ") > NESTING


FAILED = object()  # what load_yaml returns for a document that did not parse


class YMap(dict):
    """A mapping that knows the file line of each key and value."""

    __slots__ = ("key_lines", "line", "raw", "value_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.value_lines: dict[str, int] = {}
        # the source text of plain scalars, for fields that want text whatever it looks like
        self.raw: dict[str, str] = {}


class YList(list):
    """A sequence that knows the file line of each item."""

    __slots__ = ("item_lines", "line", "raw")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []
        self.raw: list[str | None] = []


STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_INT = re.compile(r"[-+]?[0-9]+$")
_OCT = re.compile(r"0o[0-7]+$")
_HEX = re.compile(r"0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INF = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}
_NAN = {".nan", ".NaN", ".NAN"}
# what every number, infinity and NaN of the core schema starts with
_NUMBER_STARTS = frozenset("0123456789+-.")


def resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema for an untagged plain scalar."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[0] not in _NUMBER_STARTS:  # most values are words: no expression to try
        return text
    if _INT.match(text):
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if text in _INF:
        return math.inf
    if text in {"-.inf", "-.Inf", "-.INF"}:
        return -math.inf
    if text in _NAN:
        return math.nan
    return text


def _plain(node: yaml.Node) -> bool:
    """An unquoted scalar (libyaml says '' where the pure-Python parser says None)."""
    return isinstance(node, yaml.ScalarNode) and not node.style


class _Converter:
    """Node tree -> YMap/YList/scalars, reporting problems instead of raising."""

    def __init__(self, path: str, offset: int, diags: Diagnostics) -> None:
        self.path = path
        self.offset = offset  # file lines before the YAML text (1 for front matter)
        self.diags = diags
        self.memo: dict[int, Any] = {}  # aliases share their value: no billion laughs

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.offset

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, key)
        return self.mapping(node, key)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        text = node.value
        if len(text) <= SHORT:
            text = sys.intern(text)
        if node.tag == PLAIN:
            return resolve_plain(text)
        if node.tag == STR:  # quoted, or tagged !!str
            return text
        tag = node.tag.rsplit(":", 1)[-1]
        if tag in ("int", "float", "bool", "null"):
            value = resolve_plain(text)
            kinds = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}
            if isinstance(value, kinds[tag]) and not (tag == "int" and isinstance(value, bool)):
                return float(value) if tag == "float" else value
            self.diags.add(self.path, self.line(node), "schema", f"`{text}` is not a valid !!{tag}")
            return None
        if tag == "timestamp":
            return text
        return self.unsupported(node)

    def unsupported(self, node: yaml.Node) -> None:
        """No tag may construct an object: report it and read nothing."""
        self.diags.add(
            self.path,
            self.line(node),
            "schema",
            f"unsupported YAML tag `{node.tag}`",
            hint="only plain values, lists and mappings are read",
        )

    def sequence(self, node: yaml.SequenceNode, key: int) -> YList | None:
        if node.tag.rsplit(":", 1)[-1] != "seq":
            return self.unsupported(node)
        out = YList(self.line(node))
        self.memo[key] = out
        for item in node.value:
            out.append(self.value(item))
            out.item_lines.append(self.line(item))
            out.raw.append(item.value if _plain(item) else None)
        return out

    def mapping(self, node: yaml.MappingNode, key: int) -> YMap | None:
        if node.tag.rsplit(":", 1)[-1] != "map":
            return self.unsupported(node)
        out = YMap(self.line(node))
        self.memo[key] = out
        base = 1 + self.offset  # `line`, inlined: ten thousand posts have 300,000 keys
        key_lines, value_lines, raw = out.key_lines, out.value_lines, out.raw
        for knode, vnode in node.value:
            kline = knode.start_mark.line + base
            if not isinstance(knode, yaml.ScalarNode):
                self.diags.add(self.path, kline, "schema", "a key must be a plain name")
                continue
            # keys are names: `2027:` is the text "2027"; one string for every `text:` of
            # every file, as the lines of the keys outlive the parse (model.Loc)
            name = sys.intern(knode.value)
            if name in key_lines:
                self.diags.add(
                    self.path,
                    kline,
                    "schema",
                    f"duplicate key `{name}` (first set on line {key_lines[name]})",
                    hint="YAML would silently keep only the last one; remove one of them",
                )
                continue
            if isinstance(vnode, yaml.ScalarNode):  # `value` and `_plain`, inlined
                out[name] = self.scalar(vnode)
                if not vnode.style:
                    raw[name] = vnode.value
            else:
                out[name] = self.value(vnode)
            key_lines[name] = kline
            value_lines[name] = vnode.start_mark.line + base
        return out


def load_yaml(text: str, path: str, diags: Diagnostics, offset: int = 0) -> Any:
    """Parse one YAML document; problems go to `diags` and the result may be partial.

    Returns None for an empty document, FAILED for one that does not parse
    (after reporting it).
    """
    loader = _DeepNodeLoader if _may_nest_deep(text) else _NodeLoader
    try:
        node = yaml.compose(text, Loader=loader)
    except RecursionError:
        return _too_deep(path, offset, diags)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        unclosed = exc.context and exc.context.startswith("while parsing a flow")
        if exc.context_mark and mark and (unclosed or mark.index >= len(text.rstrip())):
            mark = exc.context_mark  # an unclosed [ or {, or the end: blame where it opened
        line = (mark.line + 1 + offset) if mark else 1 + offset
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.context}: {exc.problem}"
        diags.add(path, line, "schema", f"YAML does not parse: {problem}")
        return FAILED
    except yaml.YAMLError as exc:  # reader errors (bad characters) carry no mark
        diags.add(path, 1 + offset, "schema", f"YAML does not parse: {exc}")
        return FAILED
    if node is None:
        return None
    try:
        return _Converter(path, offset, diags).value(node)
    except RecursionError:
        return _too_deep(path, offset, diags)


def _too_deep(path: str, offset: int, diags: Diagnostics) -> object:
    diags.add(path, 1 + offset, "schema", "YAML does not parse: it nests too deeply")
    return FAILED
