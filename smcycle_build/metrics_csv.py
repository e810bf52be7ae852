"""`metrics/*.csv`: the platforms' numbers in the canonical `date,channel,metric,value[,post]`."""

from __future__ import annotations

from .errors import Diagnostics
from .fields import OUT_OF_RANGE, decimal, did_you_mean, finite
from .load import CsvFile
from .model import Loc, MetricRow
from .times import TimeError, parse_date

COLUMNS = ("date", "channel", "metric", "value")
OPTIONAL = ("post",)


def read_metrics(
    tables: list[CsvFile], known: dict[str, set[str]], diags: Diagnostics
) -> tuple[MetricRow, ...]:
    """Every valid row of every file; a conflicting repeat of a row is an error at its line."""
    rows: list[MetricRow] = []
    seen: dict[tuple, MetricRow] = {}
    for table in tables:
        header = table.header
        if header[:4] != COLUMNS or any(c not in OPTIONAL for c in header[4:]):
            diags.add(
                table.path,
                table.header_line,
                "schema",
                f"the header is `{','.join(header)}`",
                hint="metrics files start with `date,channel,metric,value` and may add `post`",
            )
            continue
        for line, cells in table.rows:
            row = read_row(table.path, line, header, cells, known, diags)
            if row is None:
                continue
            key = (row.date, row.channel, row.metric, row.post)
            earlier = seen.get(key)
            if earlier is None:
                seen[key] = row
                rows.append(row)
            elif earlier.value != row.value:
                diags.add(
                    table.path,
                    line,
                    "schema",
                    f"{row.channel} {row.metric} on {row.date} is {row.value:g} here but "
                    f"{earlier.value:g} at {earlier.loc.path}:{earlier.loc.line}",
                    hint="keep one value per date, channel, metric and post",
                )
    return tuple(sorted(rows, key=lambda r: (r.date, r.channel, r.metric, r.post or "")))


def read_row(path, line, header, cells, known, diags) -> MetricRow | None:
    if len(cells) != len(header):
        diags.add(path, line, "schema", f"{len(cells)} cells, the header has {len(header)}")
        return None
    cell = dict(zip(header, (c.strip() for c in cells), strict=True))
    ok = True
    try:
        day = parse_date(cell["date"])
    except TimeError as exc:
        diags.add(path, line, "time", str(exc))
        ok = False
    value = decimal(cell["value"])
    if value is None:
        diags.add(path, line, "schema", f"`{cell['value']}` is not a number")
        ok = False
    else:
        if not finite(value):
            diags.add(path, line, "schema", f"`{cell['value']}` is {OUT_OF_RANGE}")
            ok = False
    if not cell["metric"]:
        diags.add(path, line, "schema", "the metric name is empty")
        ok = False
    for column, kind in (("channel", "channels"), ("post", "posts")):
        name = cell.get(column) or ""
        if (name or column == "channel") and name not in known[kind]:
            diags.add(
                path,
                line,
                "ref",
                f"`{name}` names no {kind[:-1]}",
                hint=did_you_mean(name, known[kind]),
            )
            ok = False
    if not ok:
        return None
    return MetricRow(
        day, cell["channel"], cell["metric"], value, cell.get("post") or None, Loc(path, line)
    )
