"""Diagnostics: the one type every problem is reported as, the collector, and its formats.

A problem is always `PATH:LINE: SEVERITY RULE: message`, PATH relative to the
repository and LINE the line in that file, so an editor or a pull-request
annotation lands on the line a person has to change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SEVERITIES = ("error", "warning", "info")
# what cannot be built cannot be waved through: `lint:` may not lower these
LOCKED_RULES = ("schema", "ref", "duplicate-id", "time")


class SmcycleError(Exception):
    """A failure of the program's surroundings (a missing folder), not of content."""


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place in one file."""

    path: str
    line: int
    severity: str
    rule: str
    message: str
    hint: str | None = None
    column: int | None = field(default=None, compare=False)

    def headline(self) -> str:
        return f"{self.path}:{self.line}: {self.severity} {self.rule}: {self.message}"


class Diagnostics:
    """Collects problems across every file of a run; nothing stops at the first one."""

    def __init__(self, overrides: dict[str, str] | None = None) -> None:
        self._items: list[Diagnostic] = []
        # per-rule severities from playbook.yaml's `lint:` ("off" drops the rule)
        self.overrides: dict[str, str] = dict(overrides or {})

    def add(
        self,
        path: str,
        line: int,
        rule: str,
        message: str,
        *,
        severity: str = "error",
        hint: str | None = None,
        locked: bool = False,
    ) -> bool:
        """Record a problem; True if it is an error once `lint:` settings are applied."""
        if not locked:
            severity = self.severity(rule, severity)
        if severity == "off":
            return False
        self._items.append(Diagnostic(path, max(int(line), 1), severity, rule, message, hint))
        return severity == "error"

    def severity(self, rule: str, default: str = "error") -> str:
        """The severity `lint:` gives `rule` (locked rules keep theirs)."""
        return default if rule in LOCKED_RULES else self.overrides.get(rule, default)

    def fork(self) -> Diagnostics:
        """An empty collector with the same `lint:` settings: one file's problems, kept
        apart so that a re-check can replay them when it reuses that file's result."""
        return Diagnostics(self.overrides)

    @property
    def items(self) -> tuple[Diagnostic, ...]:
        return tuple(self._items)

    def absorb(self, items: Iterable[Diagnostic]) -> None:
        """Problems recorded by a fork, as they were (severities already settled)."""
        self._items.extend(items)

    def extend(self, items: Iterable[Diagnostic]) -> None:
        for d in items:
            self.add(d.path, d.line, d.rule, d.message, severity=d.severity, hint=d.hint)

    def sorted(self) -> list[Diagnostic]:
        """File order, then line order: the order a person fixes them in."""
        return sorted(set(self._items), key=lambda d: (d.path, d.line, d.rule, d.message))

    def count(self, severity: str) -> int:
        return sum(1 for d in self._items if d.severity == severity)

    @property
    def has_errors(self) -> bool:
        return self.count("error") > 0

    def __len__(self) -> int:
        return len(self._items)


class SourceLines:
    """Reads a file's lines once, on demand, to show the offending line under a problem."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str | None:
        if path not in self._cache:
            self._cache[path] = self._text(path).splitlines()
        lines = self._cache[path]
        return lines[number - 1] if 0 < number <= len(lines) else None

    def _text(self, path: str) -> str:
        """The text of a file to show lines of: a regular file (readfile.py) that, named
        inside the repository, stays inside when its links are followed. A link in
        `content/` to `/proc/self/environ` is an error, and its lines would otherwise be
        shown under it, in a CI log for anyone to read."""
        from .readfile import leads_inside, read_regular

        named = str(self.root / path)
        within = not Path(path).is_absolute() and ".." not in Path(path).parts
        if within and not leads_inside(named, str(self.root)):
            return ""
        try:
            return read_regular(named).decode("utf-8", errors="replace")
        except OSError:
            return ""


def summary(diags: list[Diagnostic]) -> str:
    """'3 errors, 1 warning in 2 files' — or 'no problems'."""
    if not diags:
        return "no problems found"
    parts = []
    for sev, word in (("error", "error"), ("warning", "warning"), ("info", "note")):
        n = sum(1 for d in diags if d.severity == sev)
        if n:
            parts.append(f"{n} {word}{'' if n == 1 else 's'}")
    files = len({d.path for d in diags})
    return f"{', '.join(parts)} in {files} file{'' if files == 1 else 's'}"


SHOWN = 1000  # characters of a source line shown under its problem (a post on X is 280)
# control characters as they are written in YAML, not as the terminal acts on them: a
# key holding a line break would start a line of its own (`::error file=...::` is a
# command to GitHub Actions), an ESC would reach the terminal (the tab is left as it is)
_CONTROLS = {i: f"\\x{i:02x}" for i in [*range(32), *range(127, 160)] if i != 9}
_CONTROLS |= {10: "\\n", 13: "\\r"}


def visible_controls(text: str) -> str:
    """`text` with every control character but the tab shown escaped (`\\n`, `\\x1b`)."""
    return text.translate(_CONTROLS)


def format_text(diags: list[Diagnostic], source: SourceLines | None = None) -> str:
    """Human format: the headline, the source line, then the hint."""
    out: list[str] = []
    for d in diags:
        out.append(visible_controls(d.headline()))
        src = source.line(d.path, d.line) if source else None
        if src is not None:
            src = src.rstrip()
            if len(src) > SHOWN:  # a line of a minified file, or of forty thousand `[`
                src = src[: SHOWN - 1] + "…"
            out.append(f"  {d.line:>4} | {visible_controls(src)}")
        if d.hint:
            out.append(f"  hint: {visible_controls(d.hint)}")
    out.append(summary(diags))
    return "\n".join(out) + "\n"


def _gh_escape(text: str, prop: bool = False) -> str:
    # GitHub workflow commands: % CR LF always, and , : in properties
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(diags: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands, so problems show on the lines of a pull request."""
    kind = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for d in diags:
        msg = d.message + (f" (hint: {d.hint})" if d.hint else "")
        out.append(
            f"::{kind[d.severity]} file={_gh_escape(d.path, True)},line={d.line},"
            f"title={_gh_escape(d.rule, True)}::{_gh_escape(msg)}"
        )
    out.append(summary(diags))
    return "\n".join(out) + "\n"


def format_json(diags: list[Diagnostic]) -> str:
    items = [
        {
            "path": d.path,
            "line": d.line,
            "severity": d.severity,
            "rule": d.rule,
            "message": d.message,
            "hint": d.hint,
        }
        for d in diags
    ]
    doc = {
        "problems": items,
        "summary": {sev: sum(1 for d in diags if d.severity == sev) for sev in SEVERITIES},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
