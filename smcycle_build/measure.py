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


@dataclass(frozen=True)
class Trend:
    """A least-squares line through a goal's running value, projected to its due date."""

    slope_per_day: float
    projected: float  # the running value the line reaches on `due`


def running_values(goal: Goal, points: tuple[tuple[date, float], ...]) -> list[float]:
    """The goal's value as it stood after each point, by its aggregate."""
    out, total = [], 0.0
    for i, (_, value) in enumerate(points, start=1):
        total += value
        if goal.aggregate == "sum":
            out.append(total)
        elif goal.aggregate == "mean":
            out.append(total / i)
        else:
            out.append(value)
    return out


def least_squares(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """(slope, intercept) of the line that fits best; a flat line through one point."""
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    var = sum((x - mean_x) ** 2 for x in xs)
    if var == 0:
        return 0.0, mean_y
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var
    return slope, mean_y - slope * mean_x


def goal_trend(goal: Goal, points: tuple[tuple[date, float], ...]) -> Trend | None:
    """None with fewer than three points: two numbers are not a trend."""
    if len(points) < 3:
        return None
    origin = points[0][0]
    xs = [float((d - origin).days) for d, _ in points]
    slope, intercept = least_squares(xs, running_values(goal, points))
    return Trend(slope, intercept + slope * (goal.due - origin).days)


def monthly_growth_needed(goal: Goal, start: date) -> float | None:
    """Compound growth a month from baseline to target; None where it means nothing."""
    months = (goal.due - start).days / 30.4375
    if goal.baseline <= 0 or goal.target <= goal.baseline or months <= 0:
        return None
    return (goal.target / goal.baseline) ** (1 / months) - 1


STATES = ("met", "on-track", "at-risk", "missed", "no-data")


@dataclass(frozen=True)
class GoalStatus:
    """Where a goal stands: its numbers, its trend and one word for the team."""

    progress: Progress
    trend: Trend | None
    state: str  # one of STATES


def reaches(goal: Goal, value: float) -> bool:
    rising = goal.target >= goal.baseline
    return value >= goal.target if rising else value <= goal.target


def goal_status(goal: Goal, rows: tuple[MetricRow, ...], today: date, start: date) -> GoalStatus:
    """met / on-track / at-risk / missed / no-data.

    With three points or more the least-squares trend decides; with fewer, the share
    of the way done is held against the share of the time gone.
    """
    progress = goal_progress(goal, rows)
    trend = goal_trend(goal, progress.points)
    if progress.current is None:
        state = "no-data"
    elif progress.met:
        state = "met"
    elif today > goal.due:
        state = "missed"
    elif trend is not None:
        state = "on-track" if reaches(goal, trend.projected) else "at-risk"
    else:
        first = goal.start or start
        total = max((goal.due - first).days, 1)
        elapsed = min(max((today - first).days, 0), total) / total
        state = "on-track" if (progress.share or 0) >= elapsed else "at-risk"
    return GoalStatus(progress, trend, state)
