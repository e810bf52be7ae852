"""The year board and the month pages: campaigns, quiet periods, topics, week by week.

A mixin of `Pages` (it reads the same model, plan and views).

A month's page shows the month's occurrences (their posts as shown: with the names of
their campaigns and audiences, shown.py), what every page is made from (the site's
key: the playbook's language and zone, the channels' fields), the
campaigns' phases on its days, its topics, its neighbours and the day if it shows it.
So a build keys it by those (`month_inputs`), without making its views: an edit to one
post, or to one campaign's dates, makes again only the pages of the months it is in.
Whatever else a month page comes to show must go into `month_inputs` too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from operator import attrgetter
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
                    # the board's first month also counts the week it begins in
                    "weeks": self._weekly_counts(first, last, lead=not months),
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

    def _weekly_counts(self, first: date, last: date, lead: bool = False) -> list[dict[str, Any]]:
        """Posts per channel for each week that starts in this month; `lead`: and the week
        `first` falls in, which starts in a month the board does not show (the week of 28
        December holds the posts of 1 January, which no month counted)."""
        weeks = []
        start = self.v.week_start(first)
        if start < first and not lead:
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

    def month_inputs(self, post_keys: dict[str, str]) -> Iterator[Page]:
        """Each month page as what it is made from (`page_keys.PageKeys` keys it like
        a context), its occurrences as the keys of their posts as shown (`post_keys`,
        by file: shown.py): a post's occurrences follow from its file, the files posts
        are checked against and the plan's span and horizon, all in the key. A month
        with a post without a key is left out: its page is keyed by what it shows, as
        other pages are."""
        keys = self.month_keys()
        for i, key in enumerate(keys):
            first = date(int(key[:4]), int(key[5:]), 1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            start, end = self.v.week_start(first), self.v.week_start(last) + SIX
            shown = start <= self.today <= end
            posts = posts_of(self.plan.by_month.get(key, ()), post_keys)
            if posts is None:
                continue
            inputs = {
                "inputs": "month",
                # each occurrence's view holds its channel, which a template may show (by
                # its fields, unless a render read a description: PageKeys.input_keys)
                "channels": tuple(self.model.channels.values()),
                "months": around(keys, i),
                "today": self.today if shown else None,
                "topics": [t for t in self.model.themes if t.month == key],
                # its days' phases (`Plan.phase_on`, the first that covers a day): what
                # the page shows of them, the kind and the campaign's name
                "phases": [
                    (p.campaign.id, p.campaign.name, p.kind, p.start, p.end)
                    for p in self.plan.phases
                    if p.start <= end and p.end >= start
                ],
                "posts": posts,
            }
            yield Page(month_url(key), "month.html", inputs, nav="calendar")

    def _month_name(self, key: str) -> str:
        return self.loc.month_year(date(int(key[:4]), int(key[5:]), 1))


SIX = timedelta(days=6)  # a week's last day from its first


def around(keys: list[str], i: int) -> tuple[str | None, str, str | None]:
    """The month at `i` of `keys`, with those before and after it (None at an end)."""
    return (keys[i - 1] if i else None, keys[i], keys[i + 1] if i + 1 < len(keys) else None)


_POST_PATH = attrgetter("post.loc.path")


def posts_of(occs: Iterable[Any], post_keys: dict[str, str]) -> str | None:
    """The keys of the posts of `occs`, sorted and joined (None: one has no key)."""
    keys = list(map(post_keys.get, set(map(_POST_PATH, occs))))  # at C speed: 80,000 a build
    if None in keys:
        return None
    return " ".join(sorted(keys))  # type: ignore[arg-type]  # no None, as just seen
