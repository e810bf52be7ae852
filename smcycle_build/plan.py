"""The plan: occurrences (series expanded), campaign phases, quiet periods, grids.

One expansion of every variant into occurrences, used by every output: the
site, the schedules, the feeds and the checks, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import cached_property
from itertools import islice

from dateutil import rrule

from .frozen import frozen
from .memo import Memo
from .model import MAX_OCCURRENCES, Campaign, Model, Post, Variant
from .times import UTC

_FREQ = {"daily": rrule.DAILY, "weekly": rrule.WEEKLY, "monthly": rrule.MONTHLY}
_WEEKDAY = {code: getattr(rrule, code) for code in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")}
PHASES = ("before", "during", "after")


@frozen
class Occurrence:
    """One time a variant goes out."""

    post: Post
    variant: Variant
    start: datetime  # aware, in the playbook's zone
    index: int  # 0 for a single post; the n-th of a series
    # made once: every check sorts and counts tens of thousands of occurrences (and `serve`
    # keeps a post's from one check to the next); slots, as a dict each would be a tenth
    # of a checked playbook's memory
    day: date = field(init=False, repr=False, compare=False)
    sort_key: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", self.start.date())
        key = (self.start.astimezone(UTC), self.variant.channel, self.post.id, self.index)
        object.__setattr__(self, "sort_key", key)

    @property
    def channel(self) -> str:
        return self.variant.channel

    @property
    def utc(self) -> datetime:
        return self.sort_key[0]


def post_audiences(model: Model, post: Post) -> tuple[str, ...]:
    """Whom a post is for: its own audience, else its campaign's."""
    if post.audience:
        return (post.audience,)
    if post.campaign and post.campaign in model.campaigns:
        return model.campaigns[post.campaign].audiences
    return ()


@dataclass(frozen=True)
class Phase:
    """A campaign's before (teasers), during (the push) or after (follow-up)."""

    campaign: Campaign
    kind: str
    start: date
    end: date  # inclusive

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Span:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _rule(post: Post, start: datetime, horizon: date) -> rrule.rrule:
    """A series' rule, over local wall-clock times from `start` (on the playbook's clock)."""
    r = post.repeat
    assert r is not None
    # `until` is a local date and includes that whole day
    end = datetime.combine(r.until, datetime.max.time()) if r.until else None
    if end is None and r.count is None:
        end = datetime.combine(horizon, datetime.max.time())
    return rrule.rrule(
        _FREQ[r.freq],
        dtstart=start.replace(tzinfo=None),
        interval=r.interval,
        byweekday=[_WEEKDAY[d] for d in r.byday] or None,
        count=r.count,
        until=end,
    )


def expand_variant(post: Post, variant: Variant, horizon: date, tz: tzinfo) -> list[Occurrence]:
    """A single post is one occurrence; a series keeps its wall-clock time in `tz` across DST.

    A start written with an offset (`+02:00`, `Z`) is first seen on the playbook's clock:
    its local day is the day it falls on, and a series repeats that wall-clock time.
    """
    start = variant.start.astimezone(tz)
    if post.repeat is None:
        return [Occurrence(post, variant, start, 0)]
    r = post.repeat
    rule = _rule(post, start, horizon)
    skip = set(r.except_dates)
    out = []
    # a series that ends is checked to end in time (posts.py); one that does not stops at
    # the horizon, which a post dated years ahead can put far away
    for index, local in enumerate(islice(rule, MAX_OCCURRENCES)):
        if local.date() in skip:
            continue
        # a skipped wall time (DST gap) takes the offset before the gap, as RFC 5545 says
        out.append(Occurrence(post, variant, local.replace(tzinfo=tz), index))
    return out


def expand_occurrences(
    model: Model, horizon: date, memo: Memo | None = None
) -> tuple[Occurrence, ...]:
    """Every occurrence of every variant, in time order (open series stop at `horizon`);
    with a `memo`, a post unchanged since the last plan keeps its occurrences."""
    out: list[Occurrence] = []
    tz = model.playbook.timezone
    for post in model.posts.values():

        def expand(post: Post = post) -> list[Occurrence]:
            return [o for v in post.variants for o in expand_variant(post, v, horizon, tz)]

        if memo is None:
            out.extend(expand())
        else:
            out.extend(memo.value("occurrences", post.id, (post, horizon, tz), expand))
    if memo is not None:
        memo.keep("occurrences", model.posts)
    out.sort(key=lambda o: o.sort_key)
    return tuple(out)


def campaign_phases(campaign: Campaign) -> tuple[Phase, ...]:
    one = timedelta(days=1)
    phases = []
    if campaign.before_days:
        start = campaign.start - timedelta(days=campaign.before_days)
        phases.append(Phase(campaign, "before", start, campaign.start - one))
    phases.append(Phase(campaign, "during", campaign.start, campaign.end))
    if campaign.after_days:
        end = campaign.end + timedelta(days=campaign.after_days)
        phases.append(Phase(campaign, "after", campaign.end + one, end))
    return tuple(phases)


def quiet_spans(phases: Iterable[Phase], span: Span) -> tuple[Span, ...]:
    """The days of `span` that no campaign phase covers, as runs of days."""
    covered = sorted((p.start, p.end) for p in phases)
    out = []
    cursor = span.start
    for start, end in covered:
        if end < cursor:
            continue
        if start > cursor:
            out.append(Span(cursor, min(start - timedelta(days=1), span.end)))
        cursor = max(cursor, end + timedelta(days=1))
        if cursor > span.end:
            break
    if cursor <= span.end:
        out.append(Span(cursor, span.end))
    return tuple(s for s in out if s.start <= s.end and s.start <= span.end)


@dataclass(frozen=True)
class Plan:
    """The model laid out in time."""

    model: Model
    span: Span  # the cycle, or the days the content covers
    occurrences: tuple[Occurrence, ...]
    phases: tuple[Phase, ...]

    @cached_property
    def quiet(self) -> tuple[Span, ...]:
        return quiet_spans(self.phases, self.span)

    def series_start(self, post: Post, variant: Variant) -> datetime:
        """The first instance of a series' rule (excepted or not), on the playbook's
        clock: where a feed's DTSTART must be. A start on a day the rule does not take (a
        Monday for `byday: [SA]`) is no instance of it: dateutil, and so the schedules,
        start on the Saturday after, while RFC 5545 counts DTSTART as the first instance
        whatever the rule says, and clients disagree (python-recurring-ical-events and
        Radicale show the Monday; ical.js and libical do not). The variant's own start
        when the rule has no instance at all."""
        start = variant.start.astimezone(self.model.playbook.timezone)
        rule = _rule(post, start, plan_horizon(self.model, self.span))
        first = next(iter(rule), None)
        return start if first is None else first.replace(tzinfo=start.tzinfo)

    def phase_on(self, day: date) -> Phase | None:
        for phase in self.phases:
            if phase.covers(day):
                return phase
        return None

    @cached_property
    def by_channel(self) -> dict[str, tuple[Occurrence, ...]]:
        groups: dict[str, list[Occurrence]] = {c: [] for c in self.model.channels}
        for occ in self.occurrences:
            groups[occ.channel].append(occ)
        return {c: tuple(v) for c, v in groups.items()}

    @cached_property
    def by_post(self) -> dict[str, tuple[Occurrence, ...]]:
        groups: dict[str, list[Occurrence]] = {p: [] for p in self.model.posts}
        for occ in self.occurrences:
            groups[occ.post.id].append(occ)
        return {p: tuple(v) for p, v in groups.items()}

    @cached_property
    def by_campaign(self) -> dict[str, tuple[Occurrence, ...]]:
        """Each campaign's occurrences, in time order (one pass, not one per campaign: a
        five-year plan has fifteen campaigns, and each page scanned every occurrence)."""
        groups: dict[str, list[Occurrence]] = {c: [] for c in self.model.campaigns}
        for occ in self.occurrences:
            if occ.post.campaign in groups:
                groups[occ.post.campaign].append(occ)
        return {c: tuple(v) for c, v in groups.items()}

    @cached_property
    def by_month(self) -> dict[str, tuple[Occurrence, ...]]:
        groups: dict[str, list[Occurrence]] = {}
        names: dict[tuple[int, int], str] = {}  # a few dozen months, tens of thousands of posts
        for occ in self.occurrences:
            month = (occ.start.year, occ.start.month)
            key = names.get(month) or names.setdefault(month, occ.start.strftime("%Y-%m"))
            groups.setdefault(key, []).append(occ)
        return {m: tuple(v) for m, v in sorted(groups.items())}


def plan_span(model: Model) -> Span:
    cycle = model.playbook.cycle
    if cycle is not None:
        return Span(cycle.start, cycle.end)
    days = [v.start.date() for p in model.posts.values() for v in p.variants]
    days += [c.start for c in model.campaigns.values()] + [c.end for c in model.campaigns.values()]
    if not days:
        today = date(2000, 1, 1)
        return Span(today, today)
    return Span(min(days), max(days))


def make_plan(model: Model, memo: Memo | None = None) -> Plan:
    span = plan_span(model)
    phases = tuple(
        sorted(
            (p for c in model.campaigns.values() for p in campaign_phases(c)),
            key=lambda p: (p.start, p.campaign.id, PHASES.index(p.kind)),
        )
    )
    return Plan(model, span, expand_occurrences(model, plan_horizon(model, span), memo), phases)


def plan_horizon(model: Model, span: Span) -> date:
    """Where a series without an end stops: the span's end, or a campaign's if later."""
    ends = [c.end for c in model.campaigns.values()]
    return max(span.end, *ends) if ends else span.end
