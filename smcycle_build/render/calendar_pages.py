"""The year board and the month pages: campaigns, quiet periods, topics, week by week.

A mixin of `Pages` (it reads the same model, plan and views).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from ..plan import Span
from ..routes import entity_url, month_url
from .page import Page
from .views import Bar, bar


class CalendarPages:
    def month_keys(self) -> list[str]:
        span = self.plan.span
        keys = []
        cursor = date(span.start.year, span.start.month, 1)
        while cursor <= span.end:
            keys.append(cursor.strftime("%Y-%m"))
            cursor = (cursor + timedelta(days=32)).replace(day=1)
        keys += [m for m in self.plan.by_month if m not in keys]
        return sorted(keys)

    def year_board(self) -> Page:
        span = self.plan.span
        days = span.days
        months = []
        for key in self.month_keys():
            first = date(int(key[:4]), int(key[5:]), 1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            pos = bar(span.start, days, first, last)
            if pos is None:
                continue
            months.append(
                {
                    "key": key,
                    "label": self.loc.month(first.month, "abbreviated"),
                    "full": self.loc.month_year(first),
                    "left": pos[0],
                    "width": pos[1],
                    "url": month_url(key),
                    "topics": [t for t in self.model.themes if t.month == key],
                    "weeks": self._weekly_counts(first, last),
                }
            )
        campaigns = []
        for camp in sorted(self.model.campaigns.values(), key=lambda c: (c.start, c.id)):
            bars = []
            for p in self.plan.phases:
                if p.campaign.id != camp.id:
                    continue
                pos = bar(span.start, days, p.start, p.end)
                if pos:
                    bars.append(
                        Bar(
                            p.kind,
                            pos[0],
                            pos[1],
                            self.t(f"phase.name.{p.kind}"),
                            self.v.span_label(Span(p.start, p.end)),
                        )
                    )
            marks = [
                {"left": pos[0], "title": m.title, "date": self.loc.date(m.date)}
                for m in camp.milestones
                if (pos := bar(span.start, days, m.date, m.date))
            ]
            campaigns.append(
                {
                    "campaign": camp,
                    "url": entity_url("campaigns", camp.id),
                    "bars": bars,
                    "milestones": marks,
                }
            )
        quiet = [
            Bar("quiet", pos[0], pos[1], self.t("phase.quiet"), self.v.span_label(q))
            for q in self.plan.quiet
            if (pos := bar(span.start, days, q.start, q.end))
        ]
        channels = [
            {"channel": c, "colour": self.v.colours[c.id], "url": entity_url("channels", c.id)}
            for c in self.model.channels.values()
        ]
        return Page(
            "calendar/index.html",
            "calendar.html",
            {
                "span": self.v.span_label(span),
                "months": months,
                "campaigns": campaigns,
                "quiet": quiet,
                "channels": channels,
                "today": (bar(span.start, days, self.today, self.today) or (None,))[0],
                "subscribe": self.subscribe(None, None, self.model.playbook.title),
            },
            nav="calendar",
        )

    def _weekly_counts(self, first: date, last: date) -> list[dict[str, Any]]:
        """Posts per channel for each week that starts in this month."""
        weeks = []
        start = self.v.week_start(first)
        if start < first:
            start += timedelta(days=7)
        while start <= last:
            end = start + timedelta(days=6)
            counts = Counter(o.channel for o in self._occurrences_between(start, end))
            weeks.append(
                {
                    "label": self.loc.day_month(start),
                    "counts": [counts.get(c, 0) for c in self.model.channels],
                }
            )
            start += timedelta(days=7)
        return weeks

    def _occurrences_between(self, start: date, end: date):
        month_keys = {start.strftime("%Y-%m"), end.strftime("%Y-%m")}
        for key in sorted(month_keys):
            for occ in self.plan.by_month.get(key, ()):
                if start <= occ.day <= end:
                    yield occ

    def months(self) -> Iterator[Page]:
        keys = self.month_keys()
        for i in range(len(keys)):
            yield self.month_page(keys, i)

    def month_page(self, keys: list[str], i: int) -> Page:
        key = keys[i]
        first = date(int(key[:4]), int(key[5:]), 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        occs = self.plan.by_month.get(key, ())
        by_day: dict[date, list] = {}
        for occ in occs:
            by_day.setdefault(occ.day, []).append(occ)
        weeks = []
        cursor = self.v.week_start(first)
        while cursor <= last:
            days = []
            for d in range(7):
                day = cursor + timedelta(days=d)
                phase = self.plan.phase_on(day)
                days.append(
                    {
                        "date": day,
                        "iso": day.isoformat(),
                        "number": day.day,
                        "label": self.loc.date(day, "full"),
                        "in_month": day.month == first.month,
                        "today": day == self.today,
                        "phase": phase.kind if phase else "quiet",
                        "phase_label": self.v.phase_label(phase),
                        "occs": self.v.occurrences(by_day.get(day, ())),
                    }
                )
            weeks.append(days)
            cursor += timedelta(days=7)
        return Page(
            month_url(key),
            "month.html",
            {
                "key": key,
                "title": self.loc.month_year(first),
                "weekdays": self.loc.weekday_names(),
                "weeks": weeks,
                "topics": [t for t in self.model.themes if t.month == key],
                "prev": (month_url(keys[i - 1]), self._month_name(keys[i - 1])) if i else None,
                "next": (month_url(keys[i + 1]), self._month_name(keys[i + 1]))
                if i + 1 < len(keys)
                else None,
                "filters": self.v.filters(occs),
                "count": len(occs),
            },
            nav="calendar",
        )

    def _month_name(self, key: str) -> str:
        return self.loc.month_year(date(int(key[:4]), int(key[5:]), 1))
