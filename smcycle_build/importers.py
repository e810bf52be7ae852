"""`smcycle import metrics FILE --channel ID`: a platform's own export, in the canonical form.

Meta (Facebook and Instagram, from Business Suite or the older Page Insights) and
LinkedIn (page analytics: followers and updates) export CSVs whose column names
say what each number is. We map those names to our metrics, read their dates,
and append rows as `date,channel,metric,value,post` to `content/metrics/CHANNEL.csv`,
refusing what we cannot place (with its line) and never rewriting a row already
there.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .errors import Diagnostic, SmcycleError
from .fields import decimal, finite
from .metrics_csv import COLUMNS as CANONICAL
from .model import Loc, MetricRow

# column name (lowercased, spaces collapsed) -> our metric; first match wins
COLUMNS: dict[str, str] = {
    # Meta Business Suite (Facebook and Instagram)
    "facebook reach": "reach",
    "instagram reach": "reach",
    "reach": "reach",
    "facebook visits": "visits",
    "instagram profile visits": "visits",
    "new facebook likes": "new_followers",
    "new facebook follows": "new_followers",
    "new instagram followers": "new_followers",
    "facebook follows": "followers",
    "instagram followers": "followers",
    "follows": "followers",
    "followers": "followers",
    "content interactions": "engagements",
    "interactions": "engagements",
    "link clicks": "clicks",
    "impressions": "impressions",
    "views": "impressions",
    "likes": "likes",
    "reactions": "reactions",
    "comments": "comments",
    "shares": "shares",
    "saves": "saves",
    # Meta Page Insights (the older export)
    "lifetime total likes": "followers",
    "lifetime total followers": "followers",
    "daily new likes": "new_followers",
    "daily total reach": "reach",
    "daily total impressions": "impressions",
    "daily page engaged users": "engagements",
    "daily post engagements": "engagements",
    # LinkedIn page analytics: followers (its "Total followers" is the day's new ones)
    "total followers": "new_followers",
    # LinkedIn page analytics: updates (the totals; organic/sponsored splits are left out)
    "impressions (total)": "impressions",
    "unique impressions (organic)": "reach",
    "clicks (total)": "clicks",
    "reactions (total)": "reactions",
    "comments (total)": "comments",
    "reposts (total)": "shares",
    "engagement rate (total)": "engagement_rate",
}
DATE_COLUMNS = ("date", "day", "date (utc)")
# our post id, as a column a team adds to an export (a platform's "Post ID" is its own id)
POST_COLUMNS = ("post", "smcycle post")
MAX_BYTES = 100_000_000  # an analytics export is kilobytes, a few megabytes at most
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d", "%b %d, %Y", "%d %b %Y")


@dataclass
class ImportResult:
    rows: list[MetricRow] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    skipped_existing: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # their column -> our metric


def normalise(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().strip('"').lower())


def read_export(path: Path, display: str, channel: str, post_ids: set[str]) -> ImportResult:
    """Rows of a platform export; what cannot be placed is a problem at its line."""
    result = ImportResult()
    size = path.stat().st_size
    if not path.is_file():  # a device or a pipe: /dev/zero would be read for ever
        raise SmcycleError(f"{display} is not a file")
    if size > MAX_BYTES:
        raise SmcycleError(
            f"{display} is {size / 1e6:,.1f} MB: an analytics export is at most "
            f"{MAX_BYTES / 1e6:,.0f} MB"
        )
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    lines = text.splitlines(keepends=True)
    header_at = find_header(lines)
    if header_at is None:
        result.problems.append(
            Diagnostic(display, 1, "error", "schema", "no header with a date column was found")
        )
        return result
    reader = csv.reader(io.StringIO("".join(lines[header_at:])))
    rows: list[tuple[int, list[str]]] = []  # each record with the line it starts on
    start = header_at + 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = header_at + reader.line_num + 1
    except csv.Error as exc:  # a cell over csv's limit, a NUL byte
        result.problems.append(
            Diagnostic(display, start, "error", "schema", f"CSV does not parse: {exc}")
        )
        return result
    header = [normalise(c) for c in rows.pop(0)[1]]
    date_col = next(i for i, name in enumerate(header) if name in DATE_COLUMNS)
    post_col = next((i for i, name in enumerate(header) if name in POST_COLUMNS), None)
    metric_cols: dict[int, str] = {}
    for i, name in enumerate(header):
        metric = COLUMNS.get(name)
        if metric and metric not in metric_cols.values():
            metric_cols[i] = metric
            result.columns[name] = metric
    if not metric_cols:
        result.problems.append(
            Diagnostic(
                display,
                header_at + 1,
                "error",
                "schema",
                "no column this importer knows",
                hint="known: " + ", ".join(sorted(set(COLUMNS))[:12]) + ", ...",
            )
        )
        return result
    dates = [c[date_col].strip() for _, c in rows if date_col < len(c) and c[date_col].strip()]
    formats = date_formats(dates)
    for number, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        line = display, number
        written = cells[date_col].strip() if date_col < len(cells) else ""
        if not written:
            continue  # Page Insights puts a row of descriptions under its header
        day = parse_day(written, formats)
        if day is None:
            result.problems.append(
                Diagnostic(*line, "error", "time", f"`{cells[date_col]}` is not a date")
            )
            continue
        post = cells[post_col].strip() if post_col is not None and post_col < len(cells) else ""
        if post and post not in post_ids:
            result.problems.append(Diagnostic(*line, "error", "ref", f"`{post}` names no post"))
            continue
        for col, metric in metric_cols.items():
            raw = cells[col].strip() if col < len(cells) else ""
            if raw in ("", "-", "--"):
                continue  # a platform leaves a cell empty for "no data that day"
            value = parse_number(raw)
            if value is None:
                result.problems.append(
                    Diagnostic(*line, "error", "schema", f"`{raw}` is not a number ({metric})")
                )
                continue
            result.rows.append(
                MetricRow(day, channel, metric, value, post or None, Loc(display, number))
            )
    return result


def find_header(lines: list[str]) -> int | None:
    """Exports start with a title line or two; the header is the first with a date column."""
    for i, line in enumerate(lines[:20]):
        try:
            cells = next(csv.reader([line]), [])
        except csv.Error:  # not a header: a cell over csv's limit, a NUL byte
            continue
        if any(normalise(c) in DATE_COLUMNS for c in cells):
            return i
    return None


def date_formats(dates: list[str]) -> tuple[str, ...]:
    """The date format of a whole file: 04/05/2027 is April in a file that also has
    12/31/2027, and May in one that has 31/12/2027 (month first when nothing tells)."""
    for fmt in DATE_FORMATS:
        if dates and all(parse_day(d, (fmt,)) for d in dates):
            return (fmt,)
    return DATE_FORMATS


def parse_day(text: str, formats: tuple[str, ...] = DATE_FORMATS) -> date | None:
    text = text.strip().strip('"')
    if "T" in text:
        text = text.split("T", 1)[0]
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_number(text: str) -> float | None:
    """1234, 1,234, 1 234, 12.5%, (a percentage stays a percentage number)."""
    cleaned = text.replace(",", "").replace("\u00a0", "").replace(" ", "").rstrip("%")
    value = decimal(cleaned)
    return value if value is not None and finite(value) else None  # 1e300: no one's count


def exact(value: float) -> str:
    """A number as it goes into metrics/: every digit it has, read back as the same number
    (a reach of 1,234,567 is `1234567`, not `1.23457e+06`: `:g` keeps six digits, and the
    same import run again would then conflict with its own rounded rows)."""
    return str(int(value)) if value.is_integer() else repr(value)


def append_rows(
    target: Path, display: str, result: ImportResult, existing: tuple[MetricRow, ...]
) -> int:
    """Append the new rows to `target`; a row already there is skipped, a conflict refused."""
    known = {(r.date, r.channel, r.metric, r.post): r for r in existing}
    fresh: list[MetricRow] = []
    for row in result.rows:
        key = (row.date, row.channel, row.metric, row.post)
        before = known.get(key)
        if before is None:
            known[key] = row
            fresh.append(row)
        elif before.value == row.value:
            result.skipped_existing += 1
        else:
            result.problems.append(
                Diagnostic(
                    row.loc.path,
                    row.loc.line,
                    "error",
                    "schema",
                    f"{row.metric} on {row.date} is {exact(row.value)} here but "
                    f"{exact(before.value)} in {before.loc.path}:{before.loc.line}",
                    hint="rows already in metrics/ are never rewritten: fix one of them by hand",
                )
            )
    if not fresh:
        return 0
    new_file = not target.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8", newline="") as handle:
        if new_file:
            handle.write(",".join((*CANONICAL, "post")) + "\n")
        elif not target.read_bytes().endswith(b"\n"):
            handle.write("\n")
        writer = csv.writer(handle, lineterminator="\n")
        for row in sorted(fresh, key=lambda r: (r.date, r.metric, r.post or "")):
            writer.writerow(
                [row.date.isoformat(), row.channel, row.metric, exact(row.value), row.post or ""]
            )
    return len(fresh)
