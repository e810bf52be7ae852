"""`smcycle diff BASE [HEAD]`: what two revisions schedule differently, for a pull request.

Both revisions' `content/` are read from git (HEAD defaults to the working tree),
checked and planned like a build, and their variants compared per channel:
added, removed, moved, text changed, status changed, and for a series the
occurrences it gains or loses. Warnings that are new in HEAD are listed too.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .errors import SmcycleError
from .pipeline import CheckResult, Project, check_project
from .plan import Occurrence

KINDS = ("added", "removed", "moved", "text", "status", "series")
LABELS = {
    "added": "added",
    "removed": "removed",
    "moved": "moved",
    "text": "text changed",
    "status": "status changed",
    "series": "series changed",
}
COLLAPSE_AFTER = 10


@dataclass(frozen=True)
class Change:
    kind: str
    channel: str
    post: str
    title: str
    when: str  # the local time it goes out (in HEAD; in BASE when removed)
    detail: str = ""


@dataclass
class Report:
    base: str
    head: str
    changes: list[Change] = field(default_factory=list)
    new_warnings: list[str] = field(default_factory=list)
    channel_names: dict[str, str] = field(default_factory=dict)


def read_revision(root: Path, rev: str, content: str, into: Path) -> Project:
    """Extract `content` of git revision `rev` into `into` (no checkout, no index change)."""
    proc = subprocess.run(
        ["git", "-C", str(root), "archive", "--format=tar", rev, "--", content],
        capture_output=True,
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SmcycleError(f"cannot read `{content}` at {rev}: {message[-1] if message else ''}")
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        tar.extractall(into, filter="data")  # the data filter refuses links and paths out
    return Project.locate(content, cwd=into)


def load(root: Path, rev: str | None, content: str) -> tuple[CheckResult, Path | None]:
    if rev is None:
        return check_project(Project.locate(content, cwd=root)), None
    tmp = Path(tempfile.mkdtemp(prefix="smcycle-diff-"))
    try:
        return check_project(read_revision(root, rev, content, tmp)), tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def local(occ: Occurrence, result: CheckResult) -> str:
    assert result.model is not None
    return occ.start.astimezone(result.model.playbook.timezone).strftime("%Y-%m-%d %H:%M")


def compare(base: CheckResult, head: CheckResult, base_rev: str, head_rev: str) -> Report:
    if base.plan is None or head.plan is None:
        bad = base_rev if base.plan is None else head_rev
        raise SmcycleError(f"{bad} does not check clean: run `smcycle check` there first")
    report = Report(base_rev, head_rev)
    assert base.model is not None and head.model is not None
    report.channel_names = {
        **{c.id: c.name for c in base.model.channels.values()},
        **{c.id: c.name for c in head.model.channels.values()},
    }
    old, new = group(base), group(head)
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key, []), new.get(key, [])
        report.changes.extend(changes_of(key, before, after, base, head))
    old_warnings = {warning_key(d) for d in base.diagnostics}
    report.new_warnings = [  # warnings, not notes: what a reviewer must weigh
        d.headline()
        for d in head.diagnostics
        if d.severity != "info" and warning_key(d) not in old_warnings
    ]
    return report


def warning_key(d) -> tuple[str, str, str]:
    return (d.path, d.rule, d.message)  # lines move when files change; the message doesn't


def group(result: CheckResult) -> dict[tuple[str, str], list[Occurrence]]:
    out: dict[tuple[str, str], list[Occurrence]] = {}
    assert result.plan is not None
    for occ in result.plan.occurrences:
        out.setdefault((occ.channel, occ.post.id), []).append(occ)
    return out


def changes_of(key, before, after, base: CheckResult, head: CheckResult) -> list[Change]:
    channel, post_id = key
    if not before:
        first = after[0]
        detail = f"{len(after)} times" if len(after) > 1 else ""
        return [Change("added", channel, post_id, first.post.title, local(first, head), detail)]
    if not after:
        first = before[0]
        detail = f"{len(before)} times" if len(before) > 1 else ""
        return [Change("removed", channel, post_id, first.post.title, local(first, base), detail)]
    old, new = before[0], after[0]
    when = local(new, head)
    title = new.post.title
    out = []
    if len(before) == 1 and len(after) == 1:
        if old.start != new.start:
            out.append(Change("moved", channel, post_id, title, when, f"from {local(old, base)}"))
    else:
        gone = sorted({o.start for o in before} - {o.start for o in after})
        came = sorted({o.start for o in after} - {o.start for o in before})
        if gone or came:
            parts = []
            if came:
                parts.append(f"{len(came)} more ({span(came, head)})")
            if gone:
                parts.append(f"{len(gone)} fewer ({span(gone, base)})")
            out.append(Change("series", channel, post_id, title, when, "; ".join(parts)))
    if old.variant.text != new.variant.text:
        out.append(Change("text", channel, post_id, title, when, summarise(old, new)))
    if old.post.status != new.post.status:
        detail = f"{old.post.status} → {new.post.status}"
        out.append(Change("status", channel, post_id, title, when, detail))
    return out


def span(starts: list[datetime], result: CheckResult) -> str:
    assert result.model is not None
    tz = result.model.playbook.timezone
    first, last = (s.astimezone(tz).strftime("%Y-%m-%d") for s in (starts[0], starts[-1]))
    return first if first == last else f"{first} to {last}"


def summarise(old: Occurrence, new: Occurrence) -> str:
    a, b = old.variant.text, new.variant.text
    return f"{len(a)} → {len(b)} characters: “{clip(b)}”"


def clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    counts = {k: sum(1 for c in report.changes if c.kind == k) for k in KINDS}
    channels = sorted({c.channel for c in report.changes})
    parts = [f"{n} {LABELS[k]}" for k, n in counts.items() if n]
    head = f"**smcycle diff** `{report.base}` → `{report.head}`: "
    if not report.changes:
        head += "no change to the schedule"
    else:
        plural = "s" if len(channels) != 1 else ""
        head += ", ".join(parts) + f" on {len(channels)} channel{plural}"
    if report.new_warnings:
        n = len(report.new_warnings)
        head += f"; {n} new warning{'s' if n != 1 else ''}"
    lines = [head, ""]
    for channel in channels:
        rows = [c for c in report.changes if c.channel == channel]
        table = ["| change | post | when | details |", "|---|---|---|---|"]
        table += [
            f"| {LABELS[c.kind]} | {cell(c.title)} (`{c.post}`) | {c.when} | {cell(c.detail)} |"
            for c in rows
        ]
        name = report.channel_names.get(channel, channel)
        if len(rows) > COLLAPSE_AFTER:
            lines += [f"<details><summary><b>{name}</b>: {len(rows)} changes</summary>", ""]
            lines += [*table, "", "</details>", ""]
        else:
            lines += [f"### {name}", "", *table, ""]
    if report.new_warnings:
        lines += ["### New warnings", ""] + [f"- `{w}`" for w in report.new_warnings] + [""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(report: Report) -> str:
    doc = {
        "base": report.base,
        "head": report.head,
        "changes": [c.__dict__ for c in report.changes],
        "new_warnings": report.new_warnings,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def diff_revisions(root: Path, base: str, head: str | None, content: str = "content") -> Report:
    old, tmp_old = load(root, base, content)
    new, tmp_new = load(root, head, content)
    try:
        return compare(old, new, base, head or "working tree")
    finally:
        for tmp in (tmp_old, tmp_new):
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
