"""Per-channel schedules (CSV, JSON) and `schedule.json`: one row per occurrence, in time order."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..model import Model
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
    rows: Iterable[Iterable[str]],
    starts: tuple[str, ...] = FORMULA_START,
) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, dialect=ScheduleDialect)
    if header is not None:
        writer.writerow(list(header))
    for n, row in enumerate(rows, 1):
        writer.writerow([inert(clean(str(cell)), starts) for cell in row])
        if n % CHUNK == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def json_pieces(doc: Any, records: str = "occurrences") -> Iterator[str]:
    """Sorted keys; the occurrences one per line (readable in a diff, and the fast C
    encoder), yielded a line at a time. `doc[records]` may be an iterator."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    yield "{\n"
    for i, key in enumerate(sorted(doc)):
        value = doc[key]
        yield ",\n" if i else ""
        if key == records:
            items = iter(value)
            first = next(items, None)
            if first is None:
                yield f"  {one(key)}: []"
                continue
            yield f"  {one(key)}: [\n    {one(first)}"
            for item in items:
                yield f",\n    {one(item)}"
            yield "\n  ]"
        else:
            yield f"  {one(key)}: {one(value)}"
    yield "\n}\n"


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

    def json_record(self, occ: Occurrence) -> dict[str, Any]:
        """The CSV's fields and more (made again for each file: kept, they would hold the
        whole schedule in memory)."""
        rec = self.record(occ)
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

    def csv(self, occs: Iterable[Occurrence]) -> Iterator[str]:
        def rows() -> Iterator[list[Any]]:
            for occ in occs:
                rec = self.record(occ)
                rec["media"] = ";".join(rec["media"])
                rec["link"] = rec["link"] or ""
                yield [rec[c] for c in COLUMNS]

        return csv_pieces(COLUMNS, rows())

    def channel_json(self, channel_id: str, occs: Iterable[Occurrence]) -> Iterator[str]:
        channel = self.model.channels[channel_id]
        return json_pieces(
            {
                "channel": {
                    "id": channel.id,
                    "name": channel.name,
                    "network": channel.network,
                    "handle": channel.handle or None,
                    "url": channel.url,
                },
                "timezone": self.tz.key,
                "occurrences": (self.json_record(o) for o in occs),
            }
        )

    def schedule_json(self, occs: Iterable[Occurrence]) -> Iterator[str]:
        pb = self.model.playbook
        return json_pieces(
            {
                "playbook": {"title": pb.title, "organization": pb.organization},
                "timezone": self.tz.key,
                "occurrences": (self.json_record(o) for o in occs),
            }
        )
