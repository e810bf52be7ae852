"""Per-channel schedules (CSV, JSON) and `schedule.json`: one row per occurrence, in time order."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
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


def write_csv(
    header: Iterable[str] | None,
    rows: Iterable[Iterable[str]],
    starts: tuple[str, ...] = FORMULA_START,
) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, dialect=ScheduleDialect)
    if header is not None:
        writer.writerow(list(header))
    for row in rows:
        writer.writerow([inert(clean(str(cell)), starts) for cell in row])
    return buf.getvalue()


def dumps(doc: Any, records: str = "occurrences") -> str:
    """Sorted keys; the occurrences one per line (readable in a diff, and the fast C encoder)."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    lines = []
    for key in sorted(doc):
        value = doc[key]
        if key == records and value:
            body = ",\n".join(f"    {one(item)}" for item in value)
            lines.append(f"  {one(key)}: [\n{body}\n  ]")
        else:
            lines.append(f"  {one(key)}: {one(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


class Schedules:
    """Rows of the schedules, one per occurrence."""

    def __init__(self, model: Model, links: Links) -> None:
        self.model, self.links = model, links
        self.tz = model.playbook.timezone
        self._json: dict[int, dict[str, Any]] = {}  # by occurrence (the plan keeps them alive)

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
        """The CSV's fields and more; made once per occurrence for all the JSON files."""
        done = self._json.get(id(occ))
        if done is not None:
            return done
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
        self._json[id(occ)] = rec
        return rec

    def csv(self, occs: Iterable[Occurrence]) -> str:
        rows = []
        for occ in occs:
            rec = self.record(occ)
            rec["media"] = ";".join(rec["media"])
            rec["link"] = rec["link"] or ""
            rows.append([rec[c] for c in COLUMNS])
        return write_csv(COLUMNS, rows)

    def channel_json(self, channel_id: str, occs: Iterable[Occurrence]) -> str:
        channel = self.model.channels[channel_id]
        return dumps(
            {
                "channel": {
                    "id": channel.id,
                    "name": channel.name,
                    "network": channel.network,
                    "handle": channel.handle or None,
                    "url": channel.url,
                },
                "timezone": self.tz.key,
                "occurrences": [self.json_record(o) for o in occs],
            }
        )

    def schedule_json(self, occs: Iterable[Occurrence]) -> str:
        pb = self.model.playbook
        return dumps(
            {
                "playbook": {"title": pb.title, "organization": pb.organization},
                "timezone": self.tz.key,
                "occurrences": [self.json_record(o) for o in occs],
            }
        )
