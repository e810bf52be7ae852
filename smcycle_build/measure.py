"""Metrics held against goals: a goal's current value and how far along it is."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from .model import Goal, MetricRow


@dataclass(frozen=True)
class Progress:
    goal: Goal
    points: tuple[tuple[date, float], ...]  # the metric over the goal's period, by date
    current: float | None  # by the goal's aggregate; None without data
    share: float | None  # 0 at baseline, 1 at target

    @property
    def met(self) -> bool:
        if self.current is None:
            return False
        rising = self.goal.target >= self.goal.baseline
        return self.current >= self.goal.target if rising else self.current <= self.goal.target


def metric_series(goal: Goal, rows: tuple[MetricRow, ...]) -> tuple[tuple[date, float], ...]:
    """The goal's metric by date: channel totals only (rows without a post); `all` sums channels."""
    start = goal.start or date.min
    by_day: dict[date, float] = defaultdict(float)
    for row in rows:
        if row.post is not None or row.metric != goal.metric.name:
            continue
        if goal.metric.channel not in ("all", row.channel):
            continue
        if start <= row.date <= goal.due:
            by_day[row.date] += row.value
    return tuple(sorted(by_day.items()))


def goal_progress(goal: Goal, rows: tuple[MetricRow, ...]) -> Progress:
    points = metric_series(goal, rows)
    values = [v for _, v in points]
    if not values:
        return Progress(goal, points, None, None)
    if goal.aggregate == "sum":
        current = sum(values)
    elif goal.aggregate == "mean":
        current = sum(values) / len(values)
    else:
        current = values[-1]
    span = goal.target - goal.baseline
    share = (current - goal.baseline) / span if span else 1.0
    return Progress(goal, points, current, share)
