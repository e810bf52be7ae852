"""The typed playbook: frozen dataclasses only, built by `validate`, read by everything else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from .frozen import frozen

STRATEGIES = ("awareness", "loyalty", "sales")
STATUSES = ("idea", "draft", "review", "approved", "scheduled", "published", "cancelled")
AGGREGATES = ("last", "sum", "mean")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@frozen
class Loc:
    """Where a thing was written: repository-relative path, file line, and its keys' lines."""

    path: str
    line: int
    # (key, line, key, line, ...): every post's variant has one, and a tuple is half the
    # memory of a dict (10 MB at 10,000 posts, held by every process of a build)
    keys: tuple[str | int, ...] = field(default=(), compare=False, hash=False)

    @classmethod
    def with_keys(cls, path: str, line: int, key_lines: Mapping[str, int]) -> Loc:
        return _loc(path, line, tuple(chain.from_iterable(key_lines.items())))

    def of(self, key: str) -> int:
        """The line of `key` (where a person changes it), else the thing's own line."""
        keys = self.keys
        for i in range(0, len(keys), 2):
            if keys[i] == key:
                return keys[i + 1]  # type: ignore[return-value]
        return self.line


@frozen
class Cycle:
    name: str
    start: date
    end: date


@frozen
class Playbook:
    title: str
    organization: str
    strategy: str
    timezone: ZoneInfo
    language: str
    base_url: str | None
    cycle: Cycle | None
    default_time: time
    event_minutes: int
    lint: Mapping[str, object]
    loc: Loc


@frozen
class Competitor:
    id: str
    name: str
    networks: tuple[str, ...]
    notes: str


@frozen
class Situation:
    as_of: date | None
    competitors: tuple[Competitor, ...]
    perception: tuple[str, ...]
    strengths: tuple[str, ...]
    weaknesses: tuple[str, ...]
    opportunities: tuple[str, ...]
    threats: tuple[str, ...]
    body: str
    loc: Loc


@frozen
class MetricRef:
    channel: str  # a channel id, or "all"
    name: str


@frozen
class Goal:
    id: str
    title: str
    strategy: str
    metric: MetricRef
    aggregate: str
    baseline: float
    target: float
    start: date | None
    due: date
    audiences: tuple[str, ...]
    channels: tuple[str, ...]
    owner: str
    body: str
    loc: Loc


@frozen
class Audience:
    id: str
    name: str
    description: str
    networks: tuple[str, ...]
    active_hours: tuple[tuple[time, time], ...]
    needs: tuple[str, ...]
    body: str
    loc: Loc


@frozen
class Cadence:
    min_per_week: int | None
    max_per_week: int | None


@frozen
class Channel:
    id: str
    name: str
    network: str
    handle: str
    url: str | None
    role: str
    default_time: time | None
    cadence: Cadence | None
    quiet_cadence: Cadence | None
    text_limit: int | None  # the network's, unless `limits.text` overrides it
    title_limit: int | None
    body: str
    loc: Loc


@frozen
class Milestone:
    date: date
    title: str
    loc: Loc


@frozen
class Campaign:
    id: str
    name: str
    strategy: str
    goals: tuple[str, ...]
    audiences: tuple[str, ...]
    channels: tuple[str, ...]
    start: date
    end: date
    before_days: int
    after_days: int
    milestones: tuple[Milestone, ...]
    body: str
    loc: Loc


@frozen
class Theme:
    month: str  # YYYY-MM
    topic: str
    notes: str
    loc: Loc


# a series longer than this is a mistake (daily for thirteen years), and the plan, the
# schedules and the calendars of a pull request would hold every one of its occurrences
MAX_OCCURRENCES = 5000


@frozen
class Repeat:
    """A series (SPEC §3: `repeat`). It goes out MAX_OCCURRENCES times at most."""

    freq: str  # daily | weekly | monthly
    interval: int
    byday: tuple[str, ...]
    count: int | None
    until: date | None  # a local date, the whole day included
    except_dates: tuple[date, ...]


@frozen
class Variant:
    channel: str
    text: str  # as posted; for website/newsletter without text, the post's body
    title: str
    media: tuple[str, ...]  # relative to content/media/
    link: str | None  # a URL, or a channel id whose variant page it points to
    start: datetime  # the (first) instant, aware
    loc: Loc


@frozen
class Post:
    id: str
    title: str
    status: str
    campaign: str | None
    goal: str | None
    audience: str | None
    topic: str
    owner: str
    variants: tuple[Variant, ...]
    repeat: Repeat | None
    body: str
    loc: Loc


def _by_fields(self: Any) -> tuple:
    """Pickled as the arguments of its constructor, which `frozen` makes fast: the post
    store (post_checks.py) loads ten thousand posts, and a frozen dataclass with slots
    otherwise restores each field through a state dict and `dataclasses.fields()`. The
    fields are read by one `attrgetter` a class, in C."""
    return (type(self), _FIELDS[type(self)](self))


_KEYS: dict[tuple[str | int, ...], tuple[str | int, ...]] = {}  # each path of keys once


def _loc(path: str, line: int, keys: tuple[str | int, ...]) -> Loc:
    """A Loc as pickled, its keys shared as YAML's are (see yamlsrc): one tuple per path
    of keys (`variants`, `x`, `text`), not one per post; found in a dict, which is twice
    as fast as interning each name."""
    return Loc(path, line, _KEYS.setdefault(keys, keys))


_FIELDS: dict[type, attrgetter] = {}


def pickled_by_fields(*kinds: type) -> None:
    """Classes made by `frozen` (no `init=False` field), pickled as their constructor's
    arguments (`_by_fields`)."""
    for kind in kinds:
        _FIELDS[kind] = attrgetter(*kind.__slots__)
        kind.__reduce__ = _by_fields  # type: ignore[method-assign]


pickled_by_fields(Repeat, Variant, Post)
Loc.__reduce__ = lambda self: (_loc, (self.path, self.line, self.keys))  # type: ignore[assignment]


@frozen
class Query:
    terms: tuple[str, ...]
    networks: tuple[str, ...]
    why: str


@frozen
class Response:
    trigger: str
    within: str
    owner: str
    steps: tuple[str, ...]


@frozen
class Survey:
    title: str
    date: date
    channel: str | None
    loc: Loc


@frozen
class Listening:
    queries: tuple[Query, ...] = ()
    routine_every: str | None = None
    routine_owner: str = ""
    responses: tuple[Response, ...] = ()
    surveys: tuple[Survey, ...] = ()


@frozen
class MetricRow:
    date: date
    channel: str
    metric: str
    value: float
    post: str | None
    loc: Loc


@frozen
class Review:
    id: str
    date: date
    period: tuple[date, date] | None
    goals_met: tuple[str, ...]
    body: str
    loc: Loc


@dataclass(frozen=True, slots=True)  # made once a build: dataclasses' own __init__ will do
class Model:
    """The whole playbook. Entity mappings are keyed by id, in id order."""

    playbook: Playbook
    situation: Situation | None = None
    goals: Mapping[str, Goal] = field(default_factory=dict)
    audiences: Mapping[str, Audience] = field(default_factory=dict)
    channels: Mapping[str, Channel] = field(default_factory=dict)
    campaigns: Mapping[str, Campaign] = field(default_factory=dict)
    themes: tuple[Theme, ...] = ()
    posts: Mapping[str, Post] = field(default_factory=dict)
    listening: Listening = field(default_factory=Listening)
    metrics: tuple[MetricRow, ...] = ()
    reviews: Mapping[str, Review] = field(default_factory=dict)
    media: frozenset[str] = frozenset()
