"""Reading a line-aware mapping field by field against a declared spec.

Every field is parsed on its own and each problem is reported at the line of
the value (or of the key, for unknown keys), so one run lists them all. A
record with any invalid field is returned as None: cross-file checks then skip
it rather than cascade (MkDocs #3437).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import times
from .errors import Diagnostics
from .yamlsrc import YList, YMap

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class Invalid(Exception):
    """A value that does not fit its field; reported at its line by the reader."""

    def __init__(
        self, message: str, *, hint: str | None = None, rule: str = "schema", line: int = 0
    ) -> None:
        super().__init__(message)
        self.message, self.hint, self.rule, self.line = message, hint, rule, line


class Reported(Exception):
    """A nested value whose problems were already reported."""


@dataclass(frozen=True)
class At:
    """Where a value sits: the file, its line, and its source text if it was plain."""

    path: str
    line: int
    diags: Diagnostics
    raw: str | None = None

    def report(self, exc: Invalid) -> None:
        self.diags.add(self.path, exc.line or self.line, exc.rule, exc.message, hint=exc.hint)


Parser = Callable[[Any, At], Any]


@dataclass(frozen=True)
class F:
    """A field: how to parse it, whether it is required, its default."""

    parse: Parser
    required: bool = False
    default: Any = None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean `{match[0]}`?" if match else None


def read_fields(ymap: YMap, spec: dict[str, F], at: At, what: str) -> dict[str, Any] | None:
    """Parse `ymap` against `spec`; None if any field is unknown, missing or invalid."""
    ok = True
    for key in ymap:
        if key not in spec:
            ok = False  # a misspelt field: what depends on it would only cascade
            at.diags.add(
                at.path,
                ymap.key_lines[key],
                "schema",
                f"unknown field `{key}` in {what}",
                hint=did_you_mean(key, spec)
                or f"the fields of {what} are: {', '.join(sorted(spec))}",
            )
    out: dict[str, Any] = {}
    for name, field in spec.items():
        value = ymap.get(name)
        if value is None:
            if field.required:
                line = ymap.key_lines.get(name, at.line)
                at.diags.add(at.path, line, "schema", f"{what} needs `{name}`")
                ok = False
            out[name] = field.default
            continue
        child = At(at.path, ymap.value_lines[name], at.diags, ymap.raw.get(name))
        try:
            out[name] = field.parse(value, child)
        except Invalid as exc:
            child.report(exc)
            ok = False
        except Reported:
            ok = False
    return out if ok else None


# --- parsers: each takes (value, At) and returns the typed value or raises Invalid ---


# What no page can show: HTML's forbidden code points, the control characters but white
# space, and the noncharacters. A YAML escape writes one (`"\a"`, `"\x1b"`, `"\0"`), text
# pasted from another program may carry one, and the W3C checker rejects the page.
_NONCHARACTERS = "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0x10000, 0x110000, 0x10000)
)
_UNSHOWABLE = re.compile(
    f"[\\x00-\\x08\\x0b\\x0e-\\x1f\\x7f-\\x9f\\ufdd0-\\ufdef\\ufffe\\uffff\\ud800-\\udfff{_NONCHARACTERS}]"
)
# The same, found sooner: that expression reads a text at 80 ns a character (three
# seconds for the bodies of 10,000 posts), so the text's UTF-8 is tested first. The
# ASCII ones are deleted by a byte table; each other is found behind the bytes it starts
# with, which `in` finds at memchr's speed and a text rarely holds.
_ASCII_UNSHOWABLE = bytes(range(0x09)) + b"\x0b" + bytes(range(0x0E, 0x20)) + b"\x7f"
_WIDE_UNSHOWABLE = (
    (b"\xc2", re.compile(rb"\xc2[\x80-\x9f]")),  # U+0080 to U+009F
    (b"\xef\xb7", re.compile(rb"\xef\xb7[\x90-\xaf]")),  # U+FDD0 to U+FDEF
    (b"\xef\xbf", re.compile(rb"\xef\xbf[\xbe\xbf]")),  # U+FFFE, U+FFFF
    (b"\xed", re.compile(rb"\xed[\xa0-\xbf]")),  # a lone surrogate ("surrogatepass")
    (b"\xbf\xbe", re.compile(rb"[\x8f\x9f\xaf\xbf]\xbf\xbe")),  # U+1FFFE to U+10FFFE
    (b"\xbf\xbf", re.compile(rb"[\x8f\x9f\xaf\xbf]\xbf\xbf")),  # U+1FFFF to U+10FFFF
)


def showable(text: str) -> str:
    """`text` without the characters no page can show: left out of every file, as the
    feeds and the CSV always left control characters out (feeds/icstext.clean)."""
    if text.isprintable():  # most values: one line of letters, digits and spaces
        return text
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, _ASCII_UNSHOWABLE)) == len(data) and (
        text.isascii()
        or not any(lead in data and found.search(data) for lead, found in _WIDE_UNSHOWABLE)
    ):
        return text
    return _UNSHOWABLE.sub("", text)


def text(value: Any, at: At) -> str:
    if isinstance(value, str):
        return showable(value)
    if isinstance(value, bool | int | float) and at.raw is not None:
        return at.raw  # `title: 2027` or `handle: no` mean the text as written
    raise Invalid(f"expected text, got {_kind(value)}")


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"`{value}`"


def items(value: Any, at: At) -> list[tuple[Any, At]]:
    """A list's items with their own positions; a single scalar counts as a list of one."""
    if isinstance(value, YList):
        return [
            (v, At(at.path, line, at.diags, raw))
            for v, line, raw in zip(value, value.item_lines, value.raw, strict=True)
        ]
    if isinstance(value, dict):
        raise Invalid("expected a list, got a mapping")
    return [(value, at)]


def list_of(parse: Parser) -> Parser:
    def parse_list(value: Any, at: At) -> tuple:
        out, ok = [], True
        for item, item_at in items(value, at):
            try:
                out.append(parse(item, item_at))
            except Invalid as exc:
                item_at.report(exc)
                ok = False
            except Reported:
                ok = False
        if not ok:
            raise Reported
        return tuple(out)

    return parse_list


def ident(value: Any, at: At) -> str:
    name = text(value, at).strip()
    if not ID_RE.match(name):
        raise Invalid(
            f"`{name}` is not a valid id",
            hint="ids are lowercase letters, digits and dashes, starting with a letter or digit",
        )
    return name


ids = list_of(ident)
texts = list_of(text)


# no count a network gives comes near it (Facebook has three billion users); past about
# 1e28, what formats numbers for the pages fails (Babel's decimal context)
MAX_NUMBER = 10**15
OUT_OF_RANGE = "out of range: numbers are at most 10^15 in size"


# a number as a CSV cell writes it: ASCII digits, a point, an exponent (never `1_000`,
# `inf`, `nan` or other scripts' digits, which Python's float() also takes)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def decimal(text: str) -> float | None:
    """The number `text` writes, or None when it writes none (`decimal` above)."""
    return float(text) if _DECIMAL.fullmatch(text) else None


def finite(value: float) -> bool:
    """A number a playbook can hold: not NaN nor infinite, and within MAX_NUMBER."""
    return -MAX_NUMBER <= value <= MAX_NUMBER  # NaN compares false


def number(value: Any, at: At) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"expected a number, got {_kind(value)}")
    if value != value or value in (float("inf"), float("-inf")):
        raise Invalid("expected a finite number")
    if not finite(value):
        raise Invalid(f"`{value:g}` is {OUT_OF_RANGE}")
    return float(value)


def integer(minimum: int = 0, maximum: int = 1_000_000) -> Parser:
    """A whole number from `minimum` to `maximum`: days, minutes and counts that a date's
    arithmetic can take (a campaign's `before_days` of a billion was an internal error)."""

    def parse_int(value: Any, at: At) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {_kind(value)}")
        if value < minimum:
            raise Invalid(f"expected a whole number of at least {minimum}, got {value}")
        if value > maximum:
            raise Invalid(f"expected a whole number of at most {maximum:,}, got {value:,}")
        return value

    return parse_int


def choice(options: Iterable[str]) -> Parser:
    options = tuple(options)

    def parse_choice(value: Any, at: At) -> str:
        word = text(value, at).strip()
        if word not in options:
            raise Invalid(
                f"`{word}` is not one of: {', '.join(options)}",
                hint=did_you_mean(word, options),
            )
        return word

    return parse_choice


def _timed(parse: Callable[[Any], Any]) -> Parser:
    def parse_time(value: Any, at: At) -> Any:
        try:
            return parse(value)
        except times.TimeError as exc:
            raise Invalid(str(exc), rule="time") from None

    return parse_time


date = _timed(times.parse_date)
clock = _timed(times.parse_clock)
moment = _timed(times.parse_moment)
month = _timed(times.parse_month)


def zone(value: Any, at: At) -> Any:
    try:
        return times.parse_zone(value)
    except times.TimeError as exc:
        near = times.suggest_zone(value) if isinstance(value, str) else None
        raise Invalid(str(exc), rule="time", hint=near and f"did you mean `{near}`?") from None


at_time = _timed(times.parse_at)


# What a URL cannot hold as written (the URL Standard's validation errors; the W3C
# checker rejects a page that links to it, and a scheduling tool may cut the link
# there): white space and control characters, these, and a `%` that starts no escape.
# A `[` or `]` belongs only around an IPv6 host, a `#` only before the fragment.
_NOT_IN_URL = re.compile(r'[\x00-\x20\x7f"<>\\^`{|}\[\]]|%(?![0-9A-Fa-f]{2})')
# scheme://user@host:port, then the rest (path, query, fragment)
_PARTS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<user>[^/?#@]*@)?"
    r"(?P<host>\[[^\]/?#]*\]|[^:/?#]*)(?::(?P<port>[0-9]*))?(?P<rest>[/?#].*)?",
    re.DOTALL,
)
_NAMES = {" ": "a space", "\t": "a tab", "\n": "a line break", "%": "a `%` that starts no escape"}


@dataclass(frozen=True)
class UrlProblem:
    """Why a text is not an absolute http(s) URL as a page can link to it."""

    message: str
    hint: str | None = None  # the same URL, written as it must be, where there is one


def url_problem(link: str) -> UrlProblem | None:
    """None when `link` is an absolute http(s) URL with a host, written as a URL must be:
    what a post's link, a channel's `url` and `base_url` are."""
    parts = _PARTS.fullmatch(link)
    if parts is None or parts["scheme"].lower() not in ("http", "https") or not parts["host"]:
        return UrlProblem(f"`{link}` is not an http(s) URL")
    host, rest = parts["host"], parts["rest"] or ""
    bad = _NOT_IN_URL.search(host[1:-1] if host[0] + host[-1] == "[]" else host)
    if bad is not None:
        return UrlProblem(f"`{link}` is not a URL: its host cannot hold {_name(bad[0])}")
    if parts["user"] is not None:  # a password in a link is published with it
        bare = link.replace(parts["user"], "", 1)
        return UrlProblem(
            f"`{link}` is no link to publish: it holds credentials (`{parts['user']}`)",
            hint=f"write `{bare}`",
        )
    if parts["port"] and int(parts["port"]) > 65535:
        return UrlProblem(f"`{link}` is not a URL: its port is no number from 0 to 65535")
    fixed = escaped(link)
    if fixed == link:
        return None
    bad = _NOT_IN_URL.search(rest)
    what = _name(bad[0]) if bad is not None else "a second `#`"
    return UrlProblem(
        f"`{link}` is not a URL as written: it holds {what}", hint=f"write it escaped: `{fixed}`"
    )


def escaped(link: str) -> str:
    """`link` with what a URL cannot hold as written escaped, as CommonMark's renderers
    write a link's destination (a `#` after the first is %23); the host of an absolute
    URL is left as it is (a space there cannot be escaped)."""
    parts = _PARTS.fullmatch(link)
    start = len(link) - len(parts["rest"] or "") if parts is not None else 0
    head, hash_, fragment = _NOT_IN_URL.sub(_escape, link[start:]).partition("#")
    return link[:start] + head + hash_ + fragment.replace("#", "%23")


def _name(char: str) -> str:
    return _NAMES.get(char) or (f"`{char}`" if char.isprintable() else f"U+{ord(char):04X}")


def _escape(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match[0].encode("utf-8"))


def url(value: Any, at: At) -> str:
    link = text(value, at).strip()
    problem = url_problem(link)
    if problem is not None:
        raise Invalid(problem.message, hint=problem.hint)
    return link


def mapping(spec: dict[str, F], what: str) -> Parser:
    def parse_mapping(value: Any, at: At) -> dict[str, Any]:
        if not isinstance(value, YMap):
            raise Invalid(f"{what} should be a mapping of `field: value`, got {_kind(value)}")
        out = read_fields(value, spec, At(at.path, at.line, at.diags), what)
        if out is None:
            raise Reported
        return out

    return parse_mapping
