"""Per-channel schedules (CSV, JSON) and `schedule.json`: one row per occurrence, in time order."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import partial
from itertools import groupby
from typing import Any, BinaryIO, NamedTuple

import orjson

from .. import pieces
from ..model import Model
from ..pieces import Runs
from ..plan import Occurrence
from ..routes import Links
from ..times import UTC
from .icstext import clean

COLUMNS = (
    "date",
    "time",
    "timezone",
    "datetime_utc",
    "channel",
    "network",
    "post",
    "title",
    "status",
    "text",
    "media",
    "link",
    "url",
)
MEDIA, LINK = COLUMNS.index("media"), COLUMNS.index("link")
# columns of what smcycle writes or checks (dates, ids, names of a fixed set): never a
# control character or a formula (ids start with a letter or digit)
PLAIN = frozenset(
    COLUMNS.index(c)
    for c in ("date", "time", "timezone", "datetime_utc", "channel", "network", "post", "status")
)
# a cell starting with one of these is a formula to a spreadsheet (OWASP's list)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# what a scheduling tool's import must still guard: a post may well start with an @mention,
# a "-" list or a "+1", and the tool would publish our apostrophe; it never starts with "="
TOOL_FORMULA_START = ("=", "\t", "\r")


class ScheduleDialect(csv.Dialect):
    """RFC 4180: comma, double quotes when needed, CRLF; the same on every machine."""

    delimiter = ","
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL


def inert(cell: str, starts: tuple[str, ...] = FORMULA_START) -> str:
    """A cell a spreadsheet will show, never run: a leading formula character is quoted away."""
    return "'" + cell if cell.startswith(starts) else cell


CHUNK = 500  # rows a piece: a schedule is written as it is made, never held whole


def write_csv(
    header: Iterable[str] | None,
    rows: Iterable[Iterable[str]],
    starts: tuple[str, ...] = FORMULA_START,
) -> str:
    return "".join(csv_pieces(header, rows, starts))


def csv_pieces(
    header: Iterable[str] | None,
    rows: Iterable[Iterable[Any]],
    starts: tuple[str, ...] = FORMULA_START,
    plain: frozenset[int] = frozenset(),
) -> Iterator[str]:
    stream = CsvStream(header, starts, plain)
    for row in rows:
        piece = stream.row(row)
        if piece:
            yield piece
    yield stream.end()


def _minimal(cell: str) -> str:
    """A cell quoted as the csv module quotes it (QUOTE_MINIMAL, RFC 4180): when it holds
    the delimiter, a quote or a line end. The csv module copies every character into a
    buffer of its own and tests each: with the whole of each post's text in a row, that
    was a fifth of writing the schedules; `in` and `replace` scan in C. The csv module
    stays the reference (tests/test_schedules.py compares both on every character that
    matters to it)."""
    if '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    if "," in cell or "\n" in cell or "\r" in cell:
        return '"' + cell + '"'
    return cell


class CsvStream:
    """A CSV made a row at a time and handed out in pieces of CHUNK rows. Columns in
    `plain` hold only what smcycle wrote or checked (dates, ids, names of a fixed set):
    they need no cleaning of control characters or formula starts."""

    def __init__(
        self,
        header: Iterable[str] | None,
        starts: tuple[str, ...] = FORMULA_START,
        plain: frozenset[int] = frozenset(),
    ) -> None:
        self._one = io.StringIO()  # one row at a time: `line` takes rows made earlier
        self.writer = csv.writer(self._one, dialect=ScheduleDialect)
        self.starts, self.plain, self.rows = starts, plain, 0
        self.lines: list[str] = []
        if header is not None:
            self.lines.append(self._format(list(header)))

    def _format(self, cells: list[Any]) -> str:
        if len(cells) > 1 and all(type(cell) is str for cell in cells):
            return ",".join(map(_minimal, cells)) + "\r\n"
        self.writer.writerow(cells)  # anything else (None, numbers, one cell) as csv writes it
        text = self._one.getvalue()
        self._one.seek(0)
        self._one.truncate()
        return text

    def format(self, cells: Iterable[Any]) -> str:
        """A row as its line of the file, cleaned and guarded."""
        plain, starts = self.plain, self.starts
        return self._format(
            [c if i in plain else inert(clean(str(c)), starts) for i, c in enumerate(cells)]
        )

    def row(self, cells: Iterable[Any]) -> str:
        """Add a row; a piece of the file every CHUNK rows, else ""."""
        return self.line(self.format(cells))

    def line(self, text: str) -> str:
        """Add a row `format` made; a piece of the file every CHUNK rows, else ""."""
        self.lines.append(text)
        self.rows += 1
        return self.end() if self.rows % CHUNK == 0 else ""

    def end(self) -> str:
        """What is left to hand out."""
        piece = "".join(self.lines)
        self.lines.clear()
        return piece


def encode(value: Any) -> bytes:
    """`value` as compact JSON in UTF-8, keys sorted: what `json.dumps(value,
    ensure_ascii=False, sort_keys=True, separators=(",", ":"))` gives (the tests hold
    both equal), five times sooner. 40,000 records at 10,000 posts, each in two files."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


RECORDS = b",\n    "  # between two records of a document's list, one a line


def json_pieces(doc: Any, records: str = "occurrences") -> Iterator[bytes]:
    """Sorted keys; the occurrences one per line (readable in a diff), yielded a line at a
    time. `doc[records]` may be an iterator."""
    stream = JsonStream(doc, records)
    yield stream.head
    for item in doc[records]:
        yield stream.item(item)
    yield stream.end()


class JsonStream:
    """`json_pieces`' document, its records given one at a time."""

    def __init__(self, doc: dict[str, Any], records: str = "occurrences") -> None:
        keys = sorted(doc)
        at = keys.index(records)
        before = [b"  %s: %s" % (encode(k), encode(doc[k])) for k in keys[:at]]
        self.head = b"{\n" + b"".join(line + b",\n" for line in before)
        self.head += b"  %s: [" % encode(records)
        after = [b"  %s: %s" % (encode(k), encode(doc[k])) for k in keys[at + 1 :]]
        self.tail = b"".join(b",\n" + line for line in after) + b"\n}\n"
        self.count = 0

    def item(self, record: Any) -> bytes:
        return self.joined(1, encode(record))

    def joined(self, count: int, records: bytes) -> bytes:
        """`count` records already encoded (a record in two files is encoded once) and
        joined by RECORDS."""
        if not count:
            return b""
        first = b"\n    " if self.count == 0 else b",\n    "
        self.count += count
        return first + records

    def end(self) -> bytes:
        return (b"\n  ]" if self.count else b"]") + self.tail


def _part(runs: Runs, occ: Occurrence) -> str | None:
    """What an occurrence's row is made from, for its month's key (None: unknown): its
    post's key, which also covers its instant (the post's dates, the playbook's zone and
    the rules of time zones), and which of the post's occurrences it is."""
    key = runs.key(occ.post.loc.path)
    if key is None:
        return None
    return f"{key} {occ.variant.channel} {occ.index}"  # a channel a variant


class MonthPart(NamedTuple):
    """A month's share of every schedule file, ready to write (`Schedules.month`). Kept
    as bytes, a month reused after an edit elsewhere is read at the speed of memory:
    kept as rows (a string and bytes an occurrence), reading them back and joining
    them again was a seventh of writing the schedules after an edit. A record is in two
    files, and kept once: a channel's JSON takes its records out of `every`."""

    count: int  # its occurrences
    every: bytes  # their records in time order, joined by RECORDS: its part of schedule.json
    channels: tuple[tuple[str, bytes, bytes], ...]  # each channel's id, CSV lines (UTF-8),
    # and where its records are in `every` (`spans`), in the order of first use

    def records(self, spans: bytes) -> list[memoryview]:
        """A channel's records, as views of `every` (no copy until they are joined)."""
        return pieces.views(self.every, spans)


def _fits(month: list[Occurrence], value: object) -> bool:
    """Whether a stored month is what `Schedules.month` makes of these occurrences."""
    if not (
        type(value) is MonthPart
        and type(value.count) is int
        and type(value.every) is bytes
        and type(value.channels) is tuple
        and all(
            pieces.shaped(part, str, bytes, bytes) and pieces.spans_fit(part[2], len(value.every))
            for part in value.channels
        )
    ):
        return False
    counts = Counter(occ.variant.channel for occ in month)
    return (
        value.count == len(month)
        and counts == {cid: len(spans) // pieces.PAIR for cid, _, spans in value.channels}
        and len(counts) == len(value.channels)
    )


class Schedules:
    """Rows of the schedules, one per occurrence."""

    def __init__(self, model: Model, links: Links) -> None:
        self.model, self.links = model, links
        self.tz = model.playbook.timezone

    def link(self, occ: Occurrence) -> str:
        link = occ.variant.link
        if not link:
            return ""
        if link.startswith(("http://", "https://")):
            return link
        return self.links.public(self.links.post(occ.post.id)) + f"#variant-{link}"

    def record(self, occ: Occurrence) -> dict[str, Any]:
        local = occ.start.astimezone(self.tz).isoformat()  # 2027-04-05T09:00:00+02:00
        utc = occ.start.astimezone(UTC).isoformat()
        channel = self.model.channels[occ.channel]
        return {
            "date": local[:10],
            "time": local[11:16],
            "timezone": self.tz.key,
            "datetime_utc": utc[:19] + "Z",
            "channel": channel.id,
            "network": channel.network,
            "post": occ.post.id,
            "title": occ.post.title,
            "status": occ.post.status,
            "text": occ.variant.text,
            "media": list(occ.variant.media),
            "link": self.link(occ) or None,
            "url": self.links.public(self.links.post(occ.post.id)),
        }

    def json_record(self, occ: Occurrence, rec: dict[str, Any] | None = None) -> dict[str, Any]:
        """The CSV's fields and more (made again for each file: kept, they would hold the
        whole schedule in memory); `rec`, the occurrence's `record`, becomes it."""
        rec = rec if rec is not None else self.record(occ)
        rec["media"] = [self.links.public(f"media/{m}") for m in occ.variant.media]
        rec.update(
            campaign=occ.post.campaign,
            goal=occ.post.goal,
            audience=occ.post.audience,
            title_variant=occ.variant.title or None,
            occurrence=occ.index,
            series=occ.post.repeat is not None,
        )
        return rec

    @staticmethod
    def csv_row(rec: dict[str, Any]) -> list[Any]:
        """A `record` as a row of the CSV (it is left as it was)."""
        row = [rec[c] for c in COLUMNS]
        row[MEDIA] = ";".join(rec["media"])
        row[LINK] = rec["link"] or ""
        return row

    def csv(self, occs: Iterable[Occurrence]) -> Iterator[str]:
        rows = (self.csv_row(self.record(occ)) for occ in occs)
        return csv_pieces(COLUMNS, rows, plain=PLAIN)

    def channel_doc(self, channel_id: str) -> dict[str, Any]:
        channel = self.model.channels[channel_id]
        return {
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "network": channel.network,
                "handle": channel.handle or None,
                "url": channel.url,
            },
            "timezone": self.tz.key,
            "occurrences": (),
        }

    def schedule_doc(self) -> dict[str, Any]:
        pb = self.model.playbook
        return {
            "playbook": {"title": pb.title, "organization": pb.organization},
            "timezone": self.tz.key,
            "occurrences": (),
        }

    def channel_json(self, channel_id: str, occs: Iterable[Occurrence]) -> Iterator[bytes]:
        doc = self.channel_doc(channel_id)
        return json_pieces({**doc, "occurrences": (self.json_record(o) for o in occs)})

    def schedule_json(self, occs: Iterable[Occurrence]) -> Iterator[bytes]:
        doc = self.schedule_doc()
        return json_pieces({**doc, "occurrences": (self.json_record(o) for o in occs)})

    def month(self, occs: Iterable[Occurrence]) -> MonthPart:
        """A month's share of every schedule: each occurrence's record made once, for its
        three files."""
        table = CsvStream(None, plain=PLAIN)
        every: list[bytes] = []
        at = 0  # where the next record starts in `every` joined
        lines: dict[str, list[str]] = {}
        bounds: dict[str, list[int]] = {}
        for occ in occs:
            rec = self.record(occ)
            line = table.format(self.csv_row(rec))  # before `json_record` changes `rec`
            record = encode(self.json_record(occ, rec))
            if every:
                at += len(RECORDS)
            every.append(record)
            channel = occ.variant.channel
            if channel not in lines:
                lines[channel], bounds[channel] = [], []
            lines[channel].append(line)
            bounds[channel] += (at, at + len(record))
            at += len(record)
        return MonthPart(
            len(every),
            RECORDS.join(every),
            tuple(
                (cid, "".join(lines[cid]).encode("utf-8"), pieces.spans(bounds[cid]))
                for cid in lines
            ),
        )

    def _months(self, occs: Iterable[Occurrence], runs: Runs | None) -> Iterator[MonthPart]:
        """`month` by month (UTC, so that months follow time order), each made or reused
        as a whole (`pieces.py`). A row depends on its post, the files posts are checked
        against (the post's key says both), which occurrence it is (the channel and its
        index) and the base URL (in `runs`' salt)."""
        for _, month in groupby(occs, key=lambda occ: (occ.utc.year, occ.utc.month)):
            month = list(month)
            if runs is None:
                yield self.month(month)
            else:
                parts = map(partial(_part, runs), month)
                yield runs.run(parts, partial(self.month, month), partial(_fits, month))

    def write_all(
        self,
        occs: Iterable[Occurrence],
        open_file: Callable[[str], BinaryIO],
        runs: Runs | None = None,
        kept: Collection[str] = (),
    ) -> None:
        """`schedule.json` and every channel's CSV and JSON in one pass over `occs` (in
        time order), a month at a time: each occurrence's record is made once, for its
        three files, or reused from the last build (`runs`). The same bytes as `csv`,
        `channel_json` and `schedule_json` each make alone. A file at a `kept` path (the
        last build's, as it is) is neither made nor written."""
        every = JsonStream(self.schedule_doc())
        docs = {cid: JsonStream(self.channel_doc(cid)) for cid in self.model.channels}
        paths = ["schedule.json"]
        paths += (f"channels/{cid}.{ext}" for cid in docs for ext in ("csv", "json"))
        out: dict[str, BinaryIO | None] = dict.fromkeys(paths)

        def write(path: str, data: bytes) -> None:
            handle = out[path]
            if handle is not None:
                handle.write(data)

        try:
            for path in paths:
                out[path] = None if path in kept else open_file(path)
            write("schedule.json", every.head)
            for cid, doc in docs.items():
                write(f"channels/{cid}.csv", CsvStream(COLUMNS).end().encode("utf-8"))
                write(f"channels/{cid}.json", doc.head)
            whole = out["schedule.json"] is not None
            for month in self._months(occs, runs):
                if whole:
                    write("schedule.json", every.joined(month.count, month.every))
                for cid, csv_lines, spans in month.channels:
                    write(f"channels/{cid}.csv", csv_lines)
                    if out[f"channels/{cid}.json"] is not None:  # else no records to join
                        records = month.records(spans)
                        joined = docs[cid].joined(len(records), RECORDS.join(records))
                        write(f"channels/{cid}.json", joined)
            write("schedule.json", every.end())
            for cid, doc in docs.items():
                write(f"channels/{cid}.json", doc.end())
        finally:
            for handle in out.values():
                if handle is not None:
                    handle.close()
