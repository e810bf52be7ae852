"""What the measurement and continuity parts of the site show: goal cards with their
state, charts with the same numbers as tables, what readers respond to, and where
in the cycle the team stands."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from markupsafe import Markup

from ..measure import GoalStatus, goal_status
from ..model import Goal, Model
from ..plan import Plan
from ..respond import groupings, scored_occurrences
from ..routes import entity_url
from .charts import Chart, Series, draw, sparkline
from .i18n import Locale

# metrics worth a chart on a channel's page, when its rows have them
CHANNEL_METRICS = ("followers", "engagements", "reach")


class MeasureViews:
    def __init__(self, model: Model, plan: Plan, loc: Locale, today: date) -> None:
        self.model, self.plan, self.loc, self.t = model, plan, loc, loc.t
        self.today = today
        start = plan.span.start
        self.status: dict[str, GoalStatus] = {
            g.id: goal_status(g, model.metrics, today, start) for g in model.goals.values()
        }

    def number(self, value: float) -> str:
        return self.loc.number(round(value, 1 if abs(value) < 100 else 0))

    def card(self, goal: Goal) -> dict[str, Any]:
        st = self.status[goal.id]
        p = st.progress
        return {
            "goal": goal,
            "url": entity_url("goals", goal.id),
            "current": None if p.current is None else self.number(p.current),
            "percent": None if p.share is None else max(0, min(100, round(p.share * 100))),
            "baseline": self.loc.number(goal.baseline),
            "target": self.loc.number(goal.target),
            "due": self.loc.date(goal.due),
            "met": p.met,
            "state": st.state,
            "state_label": self.t(f"state.{st.state}"),
            "metric": f"{goal.metric.channel}.{goal.metric.name}",
            "spark": sparkline(
                f"spark-{goal.id}",
                self.t("chart.spark", metric=f"{goal.metric.channel}.{goal.metric.name}"),
                p.points,
                self.loc.rtl,
            ),
        }

    def cards(self) -> list[dict[str, Any]]:
        return [self.card(g) for g in self.model.goals.values()]

    def goal_chart(self, goal: Goal) -> Markup:
        st = self.status[goal.id]
        points = st.progress.points
        if not points:
            return Markup("")
        series = [Series(self.t("chart.actual"), points)]
        if st.trend is not None:
            first = points[0][0]
            start_value = st.trend.projected - st.trend.slope_per_day * (goal.due - first).days
            line = [(first, start_value), (goal.due, st.trend.projected)]
            series.append(Series(self.t("chart.trend"), line, "trend"))
        metric = f"{goal.metric.channel}.{goal.metric.name}"
        desc = self.t(
            "chart.goal_desc",
            metric=metric,
            first=self.loc.date(points[0][0]),
            last=self.loc.date(points[-1][0]),
            baseline=self.loc.number(goal.baseline),
            target=self.loc.number(goal.target),
            due=self.loc.date(goal.due),
            state=self.t(f"state.{st.state}"),
        )
        return draw(
            Chart(
                f"chart-{goal.id}",
                goal.title,
                desc,
                series,
                levels=[
                    (self.t("goal.baseline"), goal.baseline),
                    (self.t("goal.target"), goal.target),
                ],
                marks=[(self.t("goal.due_label"), goal.due)],
                rtl=self.loc.rtl,
                fmt_date=self.loc.day_month,
                fmt_num=self.loc.number,
            )
        )

    def channel_charts(self, channel_id: str) -> list[dict[str, Any]]:
        """A chart and its table per metric the channel's rows carry (followers, engagement)."""
        out = []
        name = self.model.channels[channel_id].name
        for metric in CHANNEL_METRICS:
            points = sorted(
                (r.date, r.value)
                for r in self.model.metrics
                if r.channel == channel_id and r.metric == metric and r.post is None
            )
            if len(points) < 2:
                continue
            chart = Chart(
                f"chart-{channel_id}-{metric}",
                f"{name}: {metric}",
                self.t(
                    "chart.channel_desc",
                    metric=metric,
                    first=self.loc.date(points[0][0]),
                    last=self.loc.date(points[-1][0]),
                    low=self.loc.number(min(v for _, v in points)),
                    high=self.loc.number(max(v for _, v in points)),
                ),
                [Series(metric, points)],
                rtl=self.loc.rtl,
                fmt_date=self.loc.day_month,
                fmt_num=self.loc.number,
            )
            out.append(
                {
                    "metric": metric,
                    "svg": draw(chart),
                    "rows": [(self.loc.date(d), self.loc.number(v)) for d, v in points],
                }
            )
        return out

    def responds(self) -> dict[str, Any]:
        scored = scored_occurrences(self.model, self.plan)
        labels = {
            "none": self.t("respond.none"),
            "with_media": self.t("respond.with_media"),
            "no_media": self.t("respond.no_media"),
        }

        def weekday(o) -> str:
            return self.loc.weekday(o.start.astimezone(self.model.playbook.timezone).date(), "wide")

        dims = groupings(self.model, scored, weekday, labels)
        return {
            "top": [
                {
                    "title": s.occurrence.post.title,
                    "url": entity_url("posts", s.occurrence.post.id),
                    "channel": self.model.channels[s.occurrence.channel].name,
                    "date": self.loc.date(s.occurrence.day),
                    "value": self.loc.number(s.value),
                }
                for s in scored[:10]
            ],
            "dimensions": [
                {
                    "key": key,
                    "label": self.t(f"respond.by.{key}"),
                    "groups": [
                        {
                            "label": g.label,
                            "count": g.count,
                            "mean": self.number(g.mean),
                            "few": g.few,
                        }
                        for g in groups
                    ],
                }
                for key, groups in dims
            ],
            "count": len(scored),
        }

    def prompts(self) -> list[dict[str, Any]]:
        """Goals met or due (within two weeks, or past): time to set the next one."""
        soon = self.today + timedelta(days=14)
        reviewed = {m for r in self.model.reviews.values() for m in r.goals_met}
        out = []
        for goal in self.model.goals.values():
            st = self.status[goal.id]
            if goal.id in reviewed:
                continue  # met, reviewed and replaced: the cycle has moved on
            if st.state in ("met", "missed") or goal.due <= soon:
                out.append(
                    {
                        "goal": goal,
                        "url": entity_url("goals", goal.id),
                        "state_label": self.t(f"state.{st.state}"),
                        "due": self.loc.date(goal.due),
                    }
                )
        return out

    def current_stage(self) -> str:
        """Where the team is in the loop, from the dates and the goals' states.

        Before the cycle: setting goals. After it, or with goals met or missed since
        the last review: continuity (review, new goals). Otherwise: the plan runs.
        """
        cycle = self.model.playbook.cycle
        if self.model.situation is None:
            return "situation"
        if not self.model.goals or (cycle and self.today < cycle.start):
            return "goals"
        last_review = max((r.date for r in self.model.reviews.values()), default=None)
        ended = [
            g for g in self.model.goals.values() if self.status[g.id].state in ("met", "missed")
        ]
        reviewed = {m for r in self.model.reviews.values() for m in r.goals_met}
        pending = [g for g in ended if g.id not in reviewed]
        if (cycle and self.today > cycle.end) or (
            pending and (last_review is None or last_review < self.today)
        ):
            return "continuity"
        return "plan"
