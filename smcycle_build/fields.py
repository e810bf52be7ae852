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
from .frozen import frozen
from .webtext import showable, url_problem
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


@frozen
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


def read_fields(
    ymap: YMap, spec: dict[str, F], at: At, what: str, failed: set[str] | None = None
) -> dict[str, Any] | None:
    """Parse `ymap` against `spec`; None if any field is unknown, missing or invalid.
    `failed`: given, every field is read and the values returned all the same, a field
    that is missing or invalid as its default, and its name added to `failed`."""
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
                if failed is not None:
                    failed.add(name)
            out[name] = field.default
            continue
        child = At(at.path, ymap.value_lines[name], at.diags, ymap.raw.get(name))
        try:
            out[name] = field.parse(value, child)
            continue
        except Invalid as exc:
            child.report(exc)
        except Reported:
            pass
        ok = False
        if failed is not None:
            failed.add(name)
            out[name] = field.default
    return out if ok or failed is not None else None


# --- parsers: each takes (value, At) and returns the typed value or raises Invalid ---


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
