"""Bulk-upload CSVs for scheduling tools: Buffer, Hootsuite and Sprout Social.

Each tool wants its own columns and formats; all of them get only what is meant
to go out (no idea, no cancelled post), in time order, in the playbook's zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI lists TOOLS at every start: the model loads with an export
    from ..model import Model
    from ..plan import Occurrence
    from ..routes import Links

LEFT_OUT = ("idea", "cancelled")


class ExportError(Exception):
    """The export cannot be made as asked (too many rows for the tool, say)."""


@dataclass(frozen=True)
class Tool:
    name: str
    header: tuple[str, ...] | None
    max_rows: int | None
    row: Callable[[Occurrence, Links], list[str]]
    pictures: bool = False  # its file takes a picture, by its web address (base_url)


def _url(occ: Occurrence, links: Links) -> str:
    """The variant's link: a URL as written, a channel id as that variant's published page."""
    link = occ.variant.link or ""
    if not link or link.startswith(("http://", "https://")):
        return link
    page = links.absolute(links.post(occ.post.id))
    return f"{page}#variant-{link}" if page else ""


def _buffer(occ: Occurrence, links: Links) -> list[str]:
    image = links.absolute(f"media/{occ.variant.media[0]}") if occ.variant.media else None
    return [
        occ.variant.text,
        image or "",
        occ.post.campaign or occ.post.topic or "",
        occ.start.strftime("%Y-%m-%d %H:%M"),
    ]


def _hootsuite(occ: Occurrence, links: Links) -> list[str]:
    return [occ.start.strftime("%m/%d/%Y %H:%M"), occ.variant.text, _url(occ, links)]


def _sprout(occ: Occurrence, links: Links) -> list[str]:
    return [occ.start.strftime("%m/%d/%Y"), occ.start.strftime("%H:%M"), occ.variant.text]


TOOLS = {
    # Buffer's bulk upload: these four columns, times in the channel's zone
    "buffer": Tool(
        "Buffer", ("Text", "Image URL", "Tags", "Posting Time"), None, _buffer, pictures=True
    ),
    # Hootsuite's bulk composer: no header; date-time, message, optional URL; 350 at most
    "hootsuite": Tool("Hootsuite", None, 350, _hootsuite),
    # Sprout Social's bulk scheduling template; 350 at most
    "sprout": Tool("Sprout Social", ("date", "time_24hr", "message_text"), 350, _sprout),
}


def export_channel(
    model: Model,
    occurrences: Iterable[Occurrence],
    tool_name: str,
    links: Links,
    first: date | None = None,
    last: date | None = None,
) -> tuple[str, list[str]]:
    """The tool's CSV of the occurrences meant to go out between `first` and `last`, and
    what the upload will lack (`_left_behind`)."""
    from ..plan import Occurrence
    from .schedule import TOOL_FORMULA_START, write_csv

    tool = TOOLS[tool_name]
    tz = model.playbook.timezone
    picked = []
    for occ in occurrences:
        local = occ.start.astimezone(tz)
        if occ.post.status in LEFT_OUT:
            continue
        if (first and local.date() < first) or (last and local.date() > last):
            continue
        picked.append(Occurrence(occ.post, occ.variant, local, occ.index))
    if tool.max_rows is not None and len(picked) > tool.max_rows:
        raise ExportError(
            f"{len(picked)} posts, but {tool.name} takes at most {tool.max_rows} in one upload: "
            "export a shorter period with --from and --to-date"
        )
    rows = (tool.row(occ, links) for occ in picked)
    return write_csv(tool.header, rows, TOOL_FORMULA_START), _left_behind(tool, picked, links)


def _left_behind(tool: Tool, picked: list[Occurrence], links: Links) -> list[str]:
    """What the upload will lack: the pictures of posts that have them, when the CSV
    cannot carry them (a tool that takes pictures takes them by their web address, which
    needs the playbook's `base_url`; the others' files take none). An Instagram post
    uploaded without its picture fails in the tool, long after the export said nothing."""
    pictured = sum(1 for occ in picked if occ.variant.media)
    if not pictured:
        return []
    posts = f"{pictured} of these posts have pictures"
    if tool.pictures:
        if links.absolute("media/") is not None:
            return []
        return [
            f"{posts}, and {tool.name} takes a picture by its web address: set `base_url` "
            f"in playbook.yaml to fill the Image URL column, or add them in {tool.name}"
        ]
    return [f"{posts}, which this {tool.name} file cannot carry: add them in {tool.name}"]
