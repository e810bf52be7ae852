"""`smcycle diff BASE [HEAD]`: what two revisions schedule differently, for a pull request.

Both revisions' `content/` are read from git into memory (HEAD defaults to the
working tree, which is also checked in place when a revision holds just what it
holds), checked and planned like a build, and their variants compared per channel:
added, removed, moved, text changed, status changed, and for a series the
occurrences it gains or loses. Warnings that are new in HEAD are listed too.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .cache import DiskCache
from .errors import SmcycleError
from .pipeline import CheckResult, Project, check_project
from .plan import Occurrence
from .revision import commit_of, read_revision

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


def load(
    root: Path,
    rev: str | None,
    content: str,
    disk: DiskCache | None = None,
    name: str | None = None,
) -> CheckResult:
    """A revision checked (None: the working tree; `name`: what the user called it). With
    `disk`, the working tree's cache: a post checked before, byte for byte and against
    the same files, is not parsed again (a pull request leaves most of them as they
    were on its base)."""
    store = disk.post_store() if disk is not None else None
    if rev is None:
        result = check_project(Project.locate(content, cwd=root), store=store)
        if disk is not None and result.checks is not None:
            result.checks.save()  # as `check` does: for the next run, and the other revision
            disk.digests.save()
        return result
    project, files = read_revision(root, rev, content, name)
    if store is not None:
        store.digests = None  # the working tree's files' digests by stat: not these files
    return check_project(project, store=store, files=files)


def same_as_worktree(root: Path, rev: str, content: str) -> bool:
    """Whether `content` at `rev` is what the working tree holds: no tracked file differs
    and no other file is there, ignored or not. Then the working tree is checked, and the
    posts it shares with the cache are not even read. Git's plumbing compares by the
    index's stat and writes nothing: a file whose stat the index does not know (touched
    since git last looked) counts as changed, and the revision is then read from git, as
    any revision can be. Any doubt (an unknown revision, no repository) says no too."""
    git = ["git", "-C", str(root)]
    try:
        changed = subprocess.run(
            [*git, "diff-index", "--quiet", rev, "--", content], capture_output=True
        )
        if changed.returncode != 0:
            return False
        others = subprocess.run(
            [*git, "ls-files", "--others", "-z", "--", content], capture_output=True
        )
    except OSError:  # no git on the PATH: reading the revision says so
        return False
    return others.returncode == 0 and not others.stdout


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
    found: list[tuple[str, str]] = []  # (kind, detail)
    if len(before) == 1 and len(after) == 1:
        if old.start != new.start:
            found.append(("moved", f"from {local(old, base)}"))
    else:
        gone = sorted({o.start for o in before} - {o.start for o in after})
        came = sorted({o.start for o in after} - {o.start for o in before})
        if gone or came:
            parts = []
            if came:
                parts.append(f"{len(came)} more ({span(came, head)})")
            if gone:
                parts.append(f"{len(gone)} fewer ({span(gone, base)})")
            found.append(("series", "; ".join(parts)))
    if old.variant.text != new.variant.text:
        found.append(("text", summarise(old, new)))
    if old.post.status != new.post.status:
        found.append(("status", f"{old.post.status} → {new.post.status}"))
    if not found:
        return []
    # the local time only of what changed: every post on every channel is compared
    when = local(new, head)
    return [Change(kind, channel, post_id, new.post.title, when, d) for kind, d in found]


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


# what GitHub's Markdown reads as markup within a line: a title is shown as written
_MARKUP = re.compile(r"([\\`*_\[\]<>|~&])")


def cell(text: str) -> str:
    """Text of the playbook (a title, a detail), as text in a table cell of the summary
    a pull request shows: `<img src=x onerror=...>`, `**`, `[x](...)` and `|` in a
    title were markup there."""
    return _MARKUP.sub(r"\\\1", " ".join(text.split()))


def code(text: str) -> str:
    """`text` as a code span, fenced by more backticks than it holds in a row (a
    warning quotes names in backticks)."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def to_markdown(report: Report) -> str:
    counts = {k: sum(1 for c in report.changes if c.kind == k) for k in KINDS}
    channels = sorted({c.channel for c in report.changes})
    parts = [f"{n} {LABELS[k]}" for k, n in counts.items() if n]
    head = f"**smcycle diff** {code(report.base)} → {code(report.head)}: "
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
            summary = f"<b>{html.escape(name)}</b>: {len(rows)} changes"  # HTML: no Markdown
            lines += [f"<details><summary>{summary}</summary>", ""]
            lines += [*table, "", "</details>", ""]
        else:
            lines += [f"### {cell(name)}", "", *table, ""]
    if report.new_warnings:
        lines += ["### New warnings", ""] + [f"- {code(w)}" for w in report.new_warnings] + [""]
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
    """The report of what `head` (None: the working tree) schedules differently from
    `base`. A revision whose `content` is the working tree's is checked there, and first:
    its posts are saved in the cache, where the other one finds those it shares."""
    disk = _disk(root, content)
    # each revision as its commit: git is then asked about one commit twice
    commits = {rev: commit_of(root, rev) for rev in (base, head) if rev is not None}
    where = {  # where each is read: None for the working tree, else its commit
        rev: None if rev is None or same_as_worktree(root, commits[rev], content) else commits[rev]
        for rev in (base, head)
    }
    names = {commits[rev]: rev for rev in (head, base) if rev is not None}
    checked: dict[str | None, CheckResult] = {}
    for place in sorted(set(where.values()), key=lambda place: place is not None):
        checked[place] = load(root, place, content, disk, names.get(place) if place else None)
    return compare(checked[where[base]], checked[where[head]], base, head or "working tree")


def _disk(root: Path, content: str) -> DiskCache | None:
    """The cache of the working tree's playbook, if it has one."""
    try:
        return DiskCache(Project.locate(content, cwd=root).root)
    except SmcycleError:
        return None
