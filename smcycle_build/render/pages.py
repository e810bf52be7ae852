"""The pages of the playbook site (SPEC §4): each a path, a template and what it shows."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

from ..errors import Diagnostic
from ..model import Channel, Model, Post
from ..networks import NETWORKS
from ..plan import Plan, Span, post_audiences
from ..routes import Links, entity_url, feed_url, month_url
from .markup import MarkdownRenderer
from .measure_view import MeasureViews
from .views import Bar, Views, bar

# the stages of the cycle, in order, with the page each one links to
STAGES = (
    ("situation", "situation/index.html"),
    ("goals", "goals/index.html"),
    ("listening", "listening/index.html"),
    ("audiences", "audiences/index.html"),
    ("plan", "calendar/index.html"),
    ("measurement", "measurement/index.html"),
    ("continuity", "reviews/index.html"),
)
# which stage a check belongs to, for the health page
RULE_STAGES = {
    "unfocused": "goals",
    "unrealistic": "goals",
    "goal-met": "continuity",
    "wrong-place": "audiences",
    "orphan": "plan",
    "copy-paste": "plan",
    "cadence": "plan",
    "nagging": "plan",
    "silence": "plan",
}
UPCOMING_DAYS = 14
POST_BATCH = 100  # post pages per unit of work


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    nav: str = ""  # the navigation entry it belongs to


class Pages:
    """Builds every page's context from the plan; nothing here touches a template."""

    def __init__(
        self,
        model: Model,
        plan: Plan,
        views: Views,
        warnings: tuple[Diagnostic, ...],
        today: date,
        links: Links,
        markdown_cache: dict | None = None,
        markdown_store=None,
    ) -> None:
        self.model, self.plan, self.v, self.t = model, plan, views, views.t
        self.loc = views.loc
        self.warnings = warnings
        self.today = today
        self.links = links
        self.md = MarkdownRenderer(markdown_cache, markdown_store)
        self.measure = MeasureViews(model, plan, views.loc, today)
        # warnings by file: an entity's page shows those of its own file
        self.issues: dict[str, list[Diagnostic]] = {}
        for d in warnings:
            self.issues.setdefault(d.path, []).append(d)

    def health_of(self, path: str) -> list[Diagnostic]:
        return self.issues.get(path, [])

    def subscribe(self, kind: str | None, entity_id: str | None, name: str) -> dict[str, Any]:
        """The feed's links: the file, and when published, webcal, Google and Outlook."""
        feed = feed_url(kind, entity_id)
        https = self.links.absolute(feed)
        out: dict[str, Any] = {"feed": feed, "https": https, "name": name}
        if https:
            webcal = "webcal://" + https.split("://", 1)[1]
            out["webcal"] = webcal
            out["google"] = "https://calendar.google.com/calendar/render?cid=" + quote(
                webcal, safe=""
            )
            query = "addfromweb?url=" + quote(https, safe="") + "&name=" + quote(name, safe="")
            # outlook.live.com serves personal accounts, outlook.office.com work and school ones
            out["outlook"] = "https://outlook.live.com/calendar/0/" + query
            out["outlook_work"] = "https://outlook.office.com/calendar/0/" + query
        return out

    def all(self) -> Iterator[Page]:
        """Every page of the site, in a stable order."""
        for job in self.jobs():
            yield from job()

    def jobs(self) -> list[Callable[[], list[Page]]]:
        """The site as units of work that can run anywhere (each returns its pages):
        the big ones (a channel's whole schedule, a month) first, posts in batches."""
        jobs: list[Callable[[], list[Page]]] = [
            partial(lambda c: [self.channel_page(c)], c) for c in self.model.channels.values()
        ]
        keys = self.month_keys()
        jobs += [partial(lambda i: [self.month_page(keys, i)], i) for i in range(len(keys))]
        jobs += [
            lambda: [self.index(), self.situation(), self.listening(), self.measurement()],
            lambda: [self.health(), self.channels_index(), self.posts_index(), self.year_board()],
            lambda: [*self.reviews(), *self.goals(), *self.audiences(), *self.campaigns()],
            lambda: [Page("404.html", "404.html")],
        ]
        posts = list(self.model.posts.values())
        for start in range(0, len(posts), POST_BATCH):
            batch = posts[start : start + POST_BATCH]
            jobs.append(partial(lambda b: [self.post_page(p) for p in b], batch))
        return jobs

    # --- the cycle -------------------------------------------------------------------

    def cycle_nodes(self, current: str | None) -> list[dict[str, Any]]:
        """The stages placed on a circle (SVG user units), clockwise from the top."""
        n = len(STAGES)
        nodes = []
        for i, (key, url) in enumerate(STAGES):
            angle = -math.pi / 2 + 2 * math.pi * i / n
            x, y = 200 + 150 * math.cos(angle), 200 + 150 * math.sin(angle)
            if self.loc.rtl:  # a right-to-left reader follows the loop the other way
                x = 400 - x
            nodes.append(
                {
                    "key": key,
                    "url": url,
                    "label": self.t(f"cycle.{key}"),
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "current": key == current,
                }
            )
        return nodes

    def where_we_are(self) -> str:
        cycle = self.model.playbook.cycle
        if cycle and self.today < cycle.start:
            return self.t("now.before_cycle", date=self.loc.date(cycle.start))
        if cycle and self.today > cycle.end:
            return self.t("now.after_cycle", date=self.loc.date(cycle.end))
        return self.v.phase_label(self.plan.phase_on(self.today))

    def goal_cards(self) -> list[dict[str, Any]]:
        return self.measure.cards()

    def latest_review(self) -> dict[str, Any] | None:
        if not self.model.reviews:
            return None
        review = max(self.model.reviews.values(), key=lambda r: (r.date, r.id))
        return {
            "review": review,
            "url": entity_url("reviews", review.id),
            "date": self.loc.date(review.date),
            "goals_met": [
                (self.model.goals[g].title, entity_url("goals", g)) for g in review.goals_met
            ],
        }

    def index(self) -> Page:
        end = self.today + timedelta(days=UPCOMING_DAYS)
        upcoming = [o for o in self.plan.occurrences if self.today <= o.day < end]
        later = next((o for o in self.plan.occurrences if o.day >= end), None)
        situation = self.model.situation
        return Page(
            "index.html",
            "index.html",
            {
                "nodes": self.cycle_nodes(self.measure.current_stage()),
                "stage": self.t(f"stage.{self.measure.current_stage()}"),
                "review": self.latest_review(),
                "prompts": self.measure.prompts(),
                "where": self.where_we_are(),
                "strategy": self.t(f"strategy.{self.model.playbook.strategy}"),
                "strategy_help": self.t(f"strategy.{self.model.playbook.strategy}.help"),
                "situation": situation,
                "goals": self.goal_cards(),
                "upcoming": self.v.occurrences(upcoming),
                "next_later": self.v.occurrence(later) if later else None,
                "warning_count": sum(1 for d in self.warnings if d.severity == "warning"),
                "counts": {
                    "posts": len(self.model.posts),
                    "occurrences": len(self.plan.occurrences),
                    "channels": len(self.model.channels),
                    "campaigns": len(self.model.campaigns),
                },
            },
            nav="index",
        )

    def situation(self) -> Page:
        s = self.model.situation
        return Page(
            "situation/index.html",
            "situation.html",
            {
                "situation": s,
                "body": self.md.render(s.body) if s else "",
                "as_of": self.loc.date(s.as_of) if s and s.as_of else None,
                "swot": [
                    (key, self.t(f"swot.{key}"), getattr(s, key) if s else ())
                    for key in ("strengths", "weaknesses", "opportunities", "threats")
                ],
                "competitors": [(c, [NETWORKS[n].label for n in c.networks]) for c in s.competitors]
                if s
                else [],
            },
            nav="situation",
        )

    def listening(self) -> Page:
        lis = self.model.listening
        surveys = [
            {
                "survey": s,
                "date": self.loc.date(s.date),
                "channel": self.model.channels[s.channel].name if s.channel else "",
            }
            for s in lis.surveys
        ]
        return Page(
            "listening/index.html",
            "listening.html",
            {
                "listening": lis,
                "surveys": surveys,
                "routine": self.t(f"routine.{lis.routine_every}") if lis.routine_every else None,
                "queries": [(q, [NETWORKS[n].label for n in q.networks]) for q in lis.queries],
            },
            nav="listening",
        )

    def measurement(self) -> Page:
        tables = []
        by_key: dict[tuple[str, str], list] = {}
        for row in self.model.metrics:
            if row.post is None:
                by_key.setdefault((row.channel, row.metric), []).append(row)
        for (channel, metric), rows in sorted(by_key.items()):
            tables.append(
                {
                    "channel": self.model.channels[channel].name,
                    "metric": metric,
                    "rows": [(self.loc.date(r.date), self.loc.number(r.value)) for r in rows],
                }
            )
        charts = [
            {"channel": c, "charts": self.measure.channel_charts(c.id)}
            for c in self.model.channels.values()
        ]
        return Page(
            "measurement/index.html",
            "measurement.html",
            {
                "tables": tables,
                "goals": self.goal_cards(),
                "goal_charts": [
                    {"goal": g, "svg": self.measure.goal_chart(g), "url": entity_url("goals", g.id)}
                    for g in self.model.goals.values()
                ],
                "channel_charts": [c for c in charts if c["charts"]],
                "responds": self.measure.responds(),
            },
            nav="measurement",
        )

    def health(self) -> Page:
        groups: dict[str, list[Diagnostic]] = {key: [] for key, _ in STAGES}
        for d in self.warnings:
            groups[RULE_STAGES.get(d.rule, "plan")].append(d)
        return Page(
            "health/index.html",
            "health.html",
            {
                "groups": [
                    (self.t(f"stage.{key}"), items) for key, items in groups.items() if items
                ],
                "total": len(self.warnings),
            },
            nav="health",
        )

    def reviews(self) -> Iterator[Page]:
        items = sorted(self.model.reviews.values(), key=lambda r: (r.date, r.id), reverse=True)
        rows = []
        for review in items:
            ctx = {
                "review": review,
                "date": self.loc.date(review.date),
                "period": self._period(review.period),
                "goals_met": [
                    (self.model.goals[g].title, entity_url("goals", g)) for g in review.goals_met
                ],
                "body": self.md.render(review.body),
            }
            rows.append({**ctx, "url": entity_url("reviews", review.id)})
            yield Page(entity_url("reviews", review.id), "review.html", ctx, nav="reviews")
        yield Page("reviews/index.html", "reviews.html", {"reviews": rows}, nav="reviews")

    def _period(self, period: tuple[date, date] | None) -> str | None:
        if period is None:
            return None
        start, end = period
        return self.t("from_to", start=self.loc.date(start), end=self.loc.date(end))

    # --- goals, audiences, channels, campaigns -----------------------------------------

    def goals(self) -> Iterator[Page]:
        cards = {c["goal"].id: c for c in self.goal_cards()}
        for goal in self.model.goals.values():
            p = self.measure.status[goal.id].progress
            yield Page(
                entity_url("goals", goal.id),
                "goal.html",
                {
                    "card": cards[goal.id],
                    "goal": goal,
                    "body": self.md.render(goal.body),
                    "strategy": self.t(f"strategy.{goal.strategy}"),
                    "start": self.loc.date(goal.start) if goal.start else None,
                    "points": [(self.loc.date(d), self.loc.number(v)) for d, v in p.points],
                    "chart": self.measure.goal_chart(goal),
                    "health": self.health_of(goal.loc.path),
                    "audiences": self._links("audiences", goal.audiences),
                    "channels": self._links("channels", goal.channels),
                    "posts": self._posts_serving(lambda post, g=goal.id: post.goal == g),
                },
                nav="goals",
            )
        yield Page("goals/index.html", "goals.html", {"goals": list(cards.values())}, nav="goals")

    def _links(self, kind: str, ids: tuple[str, ...]) -> list[tuple[str, str]]:
        entities = getattr(self.model, kind)
        return [
            (getattr(entities[i], "name", None) or entities[i].title, entity_url(kind, i))
            for i in ids
        ]

    def _posts_serving(self, keep) -> list[dict[str, Any]]:
        out = []
        for post in self.model.posts.values():
            if not keep(post):
                continue
            first = self.plan.by_post[post.id][0] if self.plan.by_post[post.id] else None
            out.append(
                {
                    "post": post,
                    "url": entity_url("posts", post.id),
                    "date": self.loc.date(first.day) if first else "",
                    "sort": first.sort_key if first else (),
                    "status_label": self.t(f"status.{post.status}"),
                    "channels": [self.model.channels[v.channel].name for v in post.variants],
                }
            )
        out.sort(key=lambda r: (r["sort"], r["post"].id))
        return out

    def audiences(self) -> Iterator[Page]:
        rows = []
        for a in self.model.audiences.values():
            ctx = {
                "audience": a,
                "body": self.md.render(a.body),
                "networks": [NETWORKS[n].label for n in a.networks],
                "hours": [
                    f"{s.strftime('%H:%M')}\u2013{e.strftime('%H:%M')}" for s, e in a.active_hours
                ],
                "channels": [
                    (c.name, entity_url("channels", c.id))
                    for c in self.model.channels.values()
                    if c.network in a.networks
                ],
                "posts": self._posts_serving(
                    lambda post, aid=a.id: aid in post_audiences(self.model, post)
                ),
                "subscribe": self.subscribe("audiences", a.id, a.name),
                "health": self.health_of(a.loc.path),
            }
            rows.append({**ctx, "url": entity_url("audiences", a.id)})
            yield Page(entity_url("audiences", a.id), "audience.html", ctx, nav="audiences")
        yield Page("audiences/index.html", "audiences.html", {"audiences": rows}, nav="audiences")

    def channels_index(self) -> Page:
        rows = [
            {
                "channel": c,
                "url": entity_url("channels", c.id),
                "colour": self.v.colours[c.id],
                "network": NETWORKS[c.network].label,
                "count": len(self.plan.by_channel[c.id]),
            }
            for c in self.model.channels.values()
        ]
        return Page("channels/index.html", "channels.html", {"channels": rows}, nav="channels")

    def channel_page(self, c: Channel) -> Page:
        occs = self.plan.by_channel[c.id]
        ctx = {
            "channel": c,
            "colour": self.v.colours[c.id],
            "network": NETWORKS[c.network].label,
            "body": self.md.render(c.body),
            "weeks": self.v.by_week(occs),
            "filters": self.v.filters(occs),
            "count": len(occs),
            "limit": c.text_limit,
            "subscribe": self.subscribe("channels", c.id, c.name),
            "charts": self.measure.channel_charts(c.id),
            "health": self.health_of(c.loc.path),
        }
        return Page(entity_url("channels", c.id), "channel.html", ctx, nav="channels")

    def campaigns(self) -> Iterator[Page]:
        rows = []
        for camp in self.model.campaigns.values():
            phases = [p for p in self.plan.phases if p.campaign.id == camp.id]
            first, last = phases[0].start, phases[-1].end
            days = (last - first).days + 1
            timeline = []
            for p in phases:
                left, width = bar(first, days, p.start, p.end) or (0.0, 0.0)
                timeline.append(
                    Bar(
                        p.kind,
                        left,
                        width,
                        self.t(f"phase.name.{p.kind}"),
                        self.v.span_label(_span(p.start, p.end)),
                    )
                )
            milestones = [
                {
                    "title": m.title,
                    "date": self.loc.date(m.date),
                    "left": (bar(first, days, m.date, m.date) or (0.0, 0.0))[0],
                }
                for m in camp.milestones
            ]
            occs = [o for o in self.plan.occurrences if o.post.campaign == camp.id]
            ctx = {
                "campaign": camp,
                "body": self.md.render(camp.body),
                "strategy": self.t(f"strategy.{camp.strategy}"),
                "dates": self.v.span_label(_span(camp.start, camp.end)),
                "timeline": timeline,
                "milestones": milestones,
                "goals": self._links("goals", camp.goals),
                "audiences": self._links("audiences", camp.audiences),
                "channels": self._links("channels", camp.channels),
                "weeks": self.v.by_week(occs),
                "count": len(occs),
                "subscribe": self.subscribe("campaigns", camp.id, camp.name),
                "health": self.health_of(camp.loc.path),
            }
            rows.append({**ctx, "url": entity_url("campaigns", camp.id)})
            yield Page(entity_url("campaigns", camp.id), "campaign.html", ctx, nav="campaigns")
        yield Page("campaigns/index.html", "campaigns.html", {"campaigns": rows}, nav="campaigns")

    def posts_index(self) -> Page:
        rows = self._posts_serving(lambda post: True)
        return Page("posts/index.html", "posts.html", {"posts": rows}, nav="calendar")

    def post_page(self, post: Post) -> Page:
        """One content piece: every variant side by side, the way its network shows it."""
        occs = self.plan.by_post[post.id]
        cards = []
        for variant in post.variants:
            channel = self.model.channels[variant.channel]
            network = NETWORKS[channel.network]
            limit = channel.text_limit
            count = network.counter(variant.text) if variant.text else 0
            first = next((o for o in occs if o.channel == variant.channel), None)
            cards.append(
                {
                    "variant": variant,
                    "channel": channel,
                    "network": network.label,
                    "kind": channel.network,
                    "colour": self.v.colours[channel.id],
                    "count": count,
                    "limit": limit,
                    "over": bool(limit and count > limit),
                    "when": self.loc.datetime(first.start) if first else "",
                    "when_iso": first.start.isoformat() if first else "",
                    # a body-based variant renders the same text as the body: one render
                    "html": self.md.render(
                        post.body if variant.text == post.body.strip() else variant.text
                    )
                    if network.uses_body
                    else None,
                    "link": self._variant_link(post.id, variant.link),
                }
            )
        series = [self.v.occurrence(o) for o in occs] if post.repeat else []
        ctx = {
            "post": post,
            "status_label": self.t(f"status.{post.status}"),
            "cards": cards,
            "body": self.md.render(post.body),
            "campaign": self._one("campaigns", post.campaign),
            "goal": self._one("goals", post.goal),
            "audience": self._one("audiences", post.audience),
            "series": series[:24],
            "series_more": max(0, len(series) - 24),
            "repeat": self._repeat_label(post),
            "health": self.health_of(post.loc.path),
        }
        return Page(entity_url("posts", post.id), "post.html", ctx, nav="calendar")

    def _one(self, kind: str, entity_id: str | None) -> tuple[str, str] | None:
        return self._links(kind, (entity_id,))[0] if entity_id else None

    def _variant_link(self, post_id: str, link: str | None) -> tuple[str, bool] | None:
        """(href, internal): a channel id links to this post's page, at that variant's card."""
        if link is None:
            return None
        if link.startswith(("http://", "https://")):
            return link, False
        return f"{entity_url('posts', post_id)}#variant-{link}", True

    def _repeat_label(self, post) -> str | None:
        r = post.repeat
        if r is None:
            return None
        label = self.t(f"repeat.{r.freq}", n=r.interval)
        if r.byday:
            label += " · " + ", ".join(self.t(f"weekday.{d}") for d in r.byday)
        if r.count:
            label += " · " + self.t("repeat.count", n=r.count)
        if r.until:
            label += " · " + self.t("repeat.until", date=self.loc.date(r.until))
        return label

    # --- the calendar ------------------------------------------------------------------

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
                            self.v.span_label(_span(p.start, p.end)),
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


def _span(start: date, end: date) -> Span:
    return Span(start, end)
