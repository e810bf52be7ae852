"""What readers respond to: engagement per occurrence, ranked and grouped.

Metrics rows that name a `post` are joined to the occurrence they measure (the
post on that channel, the last time it went out on or before the row's date),
then grouped by topic, network, audience, weekday, hour, and with or without
media. Every group carries its count: one lucky post is not a rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from .model import Model
from .networks import NETWORKS
from .plan import Occurrence, Plan

METRIC = "engagements"
FEW = 3  # fewer occurrences than this in a group: shown, but marked as too few to tell


@dataclass(frozen=True)
class Scored:
    occurrence: Occurrence
    value: float


@dataclass(frozen=True)
class Group:
    label: str
    count: int
    mean: float
    total: float

    @property
    def few(self) -> bool:
        return self.count < FEW


def scored_occurrences(model: Model, plan: Plan, metric: str = METRIC) -> list[Scored]:
    """Each measured occurrence with the sum of its rows' values, the highest first. Only
    the occurrences of the posts a row names are grouped by channel: a plan holds tens of
    thousands, and grouping them all took longer than the rest of the measurement page."""
    measured: dict[str, dict[str, list[Occurrence]]] = {}  # post -> channel -> in time order
    totals: dict[Occurrence, float] = defaultdict(float)
    for row in model.metrics:
        if row.post is None or row.metric != metric:
            continue
        by_channel = measured.get(row.post)
        if by_channel is None:
            by_channel = measured[row.post] = defaultdict(list)
            for occ in plan.by_post.get(row.post, ()):
                by_channel[occ.channel].append(occ)
        occs = by_channel.get(row.channel)
        if not occs:
            continue
        before = [o for o in occs if o.day <= row.date]
        totals[before[-1] if before else occs[0]] += row.value
    scored = [Scored(occ, value) for occ, value in totals.items()]
    scored.sort(key=lambda s: (-s.value, s.occurrence.sort_key))
    return scored


def group_by(scored: list[Scored], key: Callable[[Occurrence], str]) -> list[Group]:
    buckets: dict[str, list[float]] = defaultdict(list)
    for s in scored:
        buckets[key(s.occurrence)].append(s.value)
    groups = [Group(k, len(v), sum(v) / len(v), sum(v)) for k, v in buckets.items()]
    groups.sort(key=lambda g: (g.few, -g.mean, g.label))
    return groups


def groupings(
    model: Model, scored: list[Scored], weekday: Callable[[Occurrence], str], labels: dict
) -> list[tuple[str, list[Group]]]:
    """(dimension label, groups) for each way of slicing the occurrences."""
    tz = model.playbook.timezone
    audiences = {a.id: a.name for a in model.audiences.values()}

    def network(o: Occurrence) -> str:
        return NETWORKS[model.channels[o.channel].network].label

    def hour(o: Occurrence) -> str:
        local = o.start.astimezone(tz)
        return f"{local.hour:02d}:00\u2013{local.hour:02d}:59"

    dims: list[tuple[str, Callable[[Occurrence], str]]] = [
        ("topic", lambda o: o.post.topic or labels["none"]),
        ("network", network),
        ("audience", lambda o: audiences.get(o.post.audience or "", labels["none"])),
        ("weekday", weekday),
        ("hour", hour),
        ("media", lambda o: labels["with_media"] if o.variant.media else labels["no_media"]),
    ]
    return [(name, group_by(scored, key)) for name, key in dims]
