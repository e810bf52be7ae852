"""What templates show, computed in Python: grouped, sorted, with URLs and labels ready.

Templates only lay these out (STYLE: logic stays out of templates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar, overload

from ..frozen import frozen
from ..model import STATUSES, Channel, Model, Post
from ..networks import NETWORKS
from ..plan import Occurrence, Phase, Plan, Span
from ..routes import post_url
from .i18n import Locale

Item = TypeVar("Item")
View = TypeVar("View")

# colour per channel, in channel id order: distinct hues that stay readable as borders and dots
PALETTE = (
    "#1f6feb",
    "#c2185b",
    "#2e7d32",
    "#b35900",
    "#6a1b9a",
    "#00796b",
    "#ad1457",
    "#455a64",
    "#8d6e00",
    "#3949ab",
)


def channel_colours(model: Model) -> dict[str, str]:
    return {cid: PALETTE[i % len(PALETTE)] for i, cid in enumerate(model.channels)}


@frozen
class OccurrenceView:
    """One occurrence as a line of a schedule or a calendar day. Made from nothing but
    its occurrence, the channels and the site's language (`Views.occurrence`): a page's
    key stands for it by its occurrence (render/page_keys.py)."""

    occ: Occurrence
    channel: Channel
    colour: str
    date: str
    time: str
    weekday: str
    status: str
    status_label: str
    post_url: str
    campaign: str  # ids for the filters ("" if none)
    audience: str

    @property
    def title(self) -> str:
        return self.occ.post.title

    @property
    def text(self) -> str:
        return self.occ.variant.text

    @property
    def media(self) -> tuple[str, ...]:
        return self.occ.variant.media

    @property
    def iso(self) -> str:
        return self.occ.start.isoformat()

    @property
    def text_id(self) -> str:
        """The id of its text on a page, which the copy button names."""
        return f"text-{self.occ.post.id}-{self.channel.id}-{self.occ.index}"


@frozen
class PostRow:
    """A post as a line of a table of posts. Made from nothing but its post, the plan's
    occurrences of it, the channels and the site's language: a page's key stands for it
    by its post (render/page_keys.py), as for an OccurrenceView."""

    post: Post
    url: str
    date: str  # of its first occurrence, "" if it has none
    sort: tuple
    status_label: str
    channels: list[str]


class Made(Sequence[View], Generic[Item, View]):
    """Items as a template lists them, each one's view made when the template reaches it
    (`make`). A page the last build still has is keyed by its items alone
    (render/page_keys.py) and never needs their views."""

    __slots__ = ("_make", "items")

    def __init__(self, items: tuple[Item, ...], make: Callable[[Item], View]) -> None:
        self.items, self._make = items, make

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> View: ...
    @overload
    def __getitem__(self, index: slice) -> Made[Item, View]: ...
    def __getitem__(self, index: int | slice) -> View | Made[Item, View]:
        if isinstance(index, slice):
            return type(self)(self.items[index], self._make)
        return self._make(self.items[index])

    def __iter__(self) -> Iterator[View]:
        return map(self._make, self.items)


class OccurrenceViews(Made[Occurrence, OccurrenceView]):
    """Occurrences as a template lists them (`Views.occurrence`): after an edit, the
    hundred thousand views of the calendar pages that did not change are never made."""

    __slots__ = ()


class PostRows(Made[Post, PostRow]):
    """Posts as a table lists them, in order (`Pages._row`, once a process: the same post
    is a row of several pages): after an edit of a body, the ten thousand rows of the
    pages that list every post are never made."""

    __slots__ = ()


class Views:
    """Shared view builders for one build: locale, colours and labels in one place."""

    def __init__(self, model: Model, plan: Plan, locale: Locale) -> None:
        self.model = model
        self.plan = plan
        self.loc = locale
        self.t = locale.t
        self.colours = channel_colours(model)

    def occurrence(self, occ: Occurrence) -> OccurrenceView:
        post = occ.post
        return OccurrenceView(
            occ=occ,
            channel=self.model.channels[occ.channel],
            colour=self.colours[occ.channel],
            date=self.loc.date(occ.day),
            time=self.loc.time(occ.start),
            weekday=self.loc.weekday(occ.day),
            status=post.status,
            status_label=self.t(f"status.{post.status}"),
            post_url=post_url(post.id),
            campaign=post.campaign or "",
            audience=post.audience or "",
        )

    def occurrences(self, occs: Iterable[Occurrence]) -> OccurrenceViews:
        return OccurrenceViews(tuple(occs), self.occurrence)

    def network_label(self, channel: Channel) -> str:
        return NETWORKS[channel.network].label

    def week_start(self, day: date) -> date:
        """The first day of `day`'s week, as the playbook's locale counts weeks."""
        return day - timedelta(days=(day.weekday() - self.loc.first_weekday) % 7)

    def by_week(self, occs: Iterable[Occurrence]) -> list[tuple[str, OccurrenceViews]]:
        """(label, occurrences) per week, in order; the label says the week's first day."""
        groups: dict[date, list[Occurrence]] = {}
        for occ in occs:
            groups.setdefault(self.week_start(occ.day), []).append(occ)
        return [
            (self.t("week_of", date=self.loc.date(start)), self.occurrences(items))
            for start, items in sorted(groups.items())
        ]

    def filters(self, occs: Iterable[Occurrence]) -> dict[str, list[tuple[str, str]]]:
        """The choices of the filter controls: only values that occur in the list."""
        occs = list(occs)
        model = self.model
        channels = sorted({o.channel for o in occs})
        campaigns = sorted({o.post.campaign for o in occs if o.post.campaign})
        statuses = [s for s in STATUSES if any(o.post.status == s for o in occs)]
        audiences = sorted({o.post.audience for o in occs if o.post.audience})
        return {
            "channel": [(c, model.channels[c].name) for c in channels],
            "campaign": [(c, model.campaigns[c].name) for c in campaigns],
            "status": [(s, self.t(f"status.{s}")) for s in statuses],
            "audience": [(a, model.audiences[a].name) for a in audiences],
        }

    def phase_label(self, phase: Phase | None) -> str:
        if phase is None:
            return self.t("phase.quiet")
        return self.t(f"phase.{phase.kind}", campaign=phase.campaign.name)

    def span_label(self, span: Span) -> str:
        if span.start == span.end:
            return self.loc.date(span.start)
        return self.t("from_to", start=self.loc.date(span.start), end=self.loc.date(span.end))


@dataclass(frozen=True)
class Bar:
    """A stretch of the year board, in percent of the board's width."""

    kind: str
    left: float
    width: float
    label: str
    title: str


def bar(span_start: date, span_days: int, start: date, end: date) -> tuple[float, float] | None:
    """Left and width (percent) of [start, end] on a board of `span_days` from `span_start`."""
    first = max((start - span_start).days, 0)
    last = min((end - span_start).days, span_days - 1)
    if last < first:
        return None
    return round(first / span_days * 100, 3), round((last - first + 1) / span_days * 100, 3)
