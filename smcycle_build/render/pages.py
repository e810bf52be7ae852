"""The pages of the playbook site (SPEC §4): each a path, a template and what it shows."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

from ..errors import Diagnostic
from ..model import Channel, Model, Post
from ..networks import NETWORKS
from ..plan import Occurrence, Plan, Span, post_audiences
from ..routes import Links, channel_month_url, entity_url, feed_url, month_url
from .calendar_pages import CalendarPages, around, posts_of
from .markup import MarkdownRenderer
from .measure_view import MeasureViews
from .page import Page, PageJob
from .post_pages import PostPages
from .views import Bar, PostRow, PostRows, Views, bar

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
# a channel's schedule longer than this is split by month: one page of a five-year
# schedule of thousands of posts, every text in full, is tens of megabytes of HTML
CHANNEL_PAGE_LIMIT = 400


class Pages(PostPages, CalendarPages):
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
        self.today = today
        self.links = links
        self.md = MarkdownRenderer(markdown_cache, markdown_store)
        self.measure = MeasureViews(model, plan, views.loc, today)
        self._channel_months: dict[str, dict[str, tuple[Occurrence, ...]]] = {}
        self._rows: dict[str, PostRow] = {}  # by post id, each made when it is listed
        self._ordered: list[Post] | None = None
        self.know_warnings(warnings)

    def know_warnings(self, warnings: tuple[Diagnostic, ...]) -> None:
        """The check's warnings, which the health page lists and each entity's page shows
        of its own file (`health_of`): given again when the strategy checks ended after
        the site was laid out (build.py)."""
        self.warnings = warnings
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

    def jobs(self, post_batch: int = POST_BATCH) -> list[PageJob]:
        """The site as units of work that can run anywhere (each returns its pages), the
        longest first (every campaign's page is one unit: the last to start would keep
        the other cores waiting), then a channel's schedule, a month, posts in batches."""
        model = self.model

        def entities(kind: str, make: Callable[[], Iterator[Page]]) -> PageJob:
            ids = getattr(model, kind)
            paths = (*(entity_url(kind, i) for i in ids), f"{kind}/index.html")
            return PageJob(paths, lambda: list(make()))

        jobs = [
            entities("campaigns", self.campaigns),
            PageJob(
                (
                    "index.html",
                    "situation/index.html",
                    "listening/index.html",
                    "measurement/index.html",
                ),
                lambda: [self.index(), self.situation(), self.listening(), self.measurement()],
            ),
            PageJob(
                (
                    "health/index.html",
                    "channels/index.html",
                    "posts/index.html",
                    "calendar/index.html",
                ),
                lambda: [
                    self.health(),
                    self.channels_index(),
                    self.posts_index(),
                    self.year_board(),
                ],
            ),
            entities("reviews", self.reviews),
            entities("goals", self.goals),
            entities("audiences", self.audiences),
            PageJob(("404.html",), lambda: [Page("404.html", "404.html")]),
        ]
        jobs += [
            PageJob((entity_url("channels", c.id),), partial(lambda c: [self.channel_page(c)], c))
            for c in model.channels.values()
        ]
        jobs += [
            PageJob(
                (channel_month_url(c.id, key),),
                partial(lambda c, k: [self.channel_month_page(c, k)], c, key),
            )
            for c in model.channels.values()
            for key in self.channel_months(c)
        ]
        keys = self.month_keys()
        jobs += [
            PageJob((month_url(key),), partial(lambda i: [self.month_page(keys, i)], i))
            for i, key in enumerate(keys)
        ]

        return jobs + self.post_jobs(list(model.posts.values()), post_batch)

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
                # the day of the build, here only: a page that showed it would change
                # every day, and a build made on a new day would make all ten thousand
                # post pages again (and a deploy upload them all) for one date
                "generated": self.loc.date(self.today),
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

    def _posts_serving(self, keep) -> PostRows:
        """The rows of the posts `keep` says, in the order of their first occurrence."""
        return PostRows(tuple(post for post in self._posts_in_order() if keep(post)), self._row)

    def _posts_in_order(self) -> list[Post]:
        """Every post, in the order of its first occurrence: sorted once for the six
        pages or more that list posts."""
        if self._ordered is None:
            by_post = self.plan.by_post

            def order(post: Post) -> tuple:
                occs = by_post[post.id]
                return (occs[0].sort_key if occs else (), post.id)

            self._ordered = sorted(self.model.posts.values(), key=order)
        return self._ordered

    def _row(self, post: Post) -> PostRow:
        """A post's row, made once (each date is written by the locale, which takes its
        time)."""
        row = self._rows.get(post.id)
        if row is None:
            occs = self.plan.by_post[post.id]
            first = occs[0] if occs else None
            row = self._rows[post.id] = PostRow(
                post=post,
                url=entity_url("posts", post.id),
                date=self.loc.date(first.day) if first else "",
                sort=first.sort_key if first else (),
                status_label=self.t(f"status.{post.status}"),
                channels=[self.model.channels[v.channel].name for v in post.variants],
            )
        return row

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

    def channel_months(self, c: Channel) -> dict[str, tuple[Occurrence, ...]]:
        """A long schedule by month (`channels/ID/YYYY-MM/`); {} when it fits one page."""
        done = self._channel_months.get(c.id)
        if done is not None:
            return done
        occs = self.plan.by_channel[c.id]
        months: dict[str, list[Occurrence]] = {}
        if len(occs) > CHANNEL_PAGE_LIMIT:
            names: dict[tuple[int, int], str] = {}
            for o in occs:  # in time order: the months come out in order
                ym = (o.start.year, o.start.month)
                key = names.get(ym) or names.setdefault(ym, o.start.strftime("%Y-%m"))
                months.setdefault(key, []).append(o)
        done = self._channel_months[c.id] = {key: tuple(v) for key, v in months.items()}
        return done

    def channel_page(self, c: Channel) -> Page:
        occs = self.plan.by_channel[c.id]
        months = self.channel_months(c)
        shown, current = occs, None
        if months:  # the month of today (or the nearest one) here, the others a link away
            current = self._nearest_month(list(months))
            shown = months[current]
        ctx = {
            "channel": c,
            "colour": self.v.colours[c.id],
            "network": NETWORKS[c.network].label,
            "body": self.md.render(c.body),
            "weeks": self.v.by_week(shown),
            "filters": self.v.filters(shown),
            "count": len(occs),
            "limit": c.text_limit,
            "subscribe": self.subscribe("channels", c.id, c.name),
            "charts": self.measure.channel_charts(c.id),
            "health": self.health_of(c.loc.path),
            "months": [
                {
                    "key": key,
                    "label": self._month_name(key),
                    "count": len(items),
                    "url": channel_month_url(c.id, key),
                    "current": key == current,
                }
                for key, items in months.items()
            ],
            "current": self._month_name(current) if current else None,
        }
        return Page(entity_url("channels", c.id), "channel.html", ctx, nav="channels")

    def channel_month_page(self, c: Channel, key: str) -> Page:
        months = self.channel_months(c)
        keys = list(months)
        i = keys.index(key)
        occs = months[key]
        ctx = {
            "channel": c,
            "colour": self.v.colours[c.id],
            "title": self._month_name(key),
            "weeks": self.v.by_week(occs),
            "filters": self.v.filters(occs),
            "count": len(occs),
            "prev": (channel_month_url(c.id, keys[i - 1]), self._month_name(keys[i - 1]))
            if i
            else None,
            "next": (channel_month_url(c.id, keys[i + 1]), self._month_name(keys[i + 1]))
            if i + 1 < len(keys)
            else None,
        }
        return Page(channel_month_url(c.id, key), "channel_month.html", ctx, nav="channels")

    def channel_month_inputs(self, post_keys: dict[str, str]) -> Iterator[Page]:
        """Each channel month page as what it is made from, as `month_inputs` gives the
        calendar's: the channel (its file is in the key), the month and its neighbours,
        the keys of its occurrences' posts."""
        for c in self.model.channels.values():
            months = self.channel_months(c)
            keys = list(months)
            for i, key in enumerate(keys):
                posts = posts_of(months[key], post_keys)
                if posts is None:
                    continue
                inputs = {
                    "inputs": "channel month",
                    "channel": c,
                    "months": around(keys, i),
                    "posts": posts,
                }
                yield Page(channel_month_url(c.id, key), "channel_month.html", inputs, "channels")

    def _nearest_month(self, keys: list[str]) -> str:
        """Today's month, else the next one with posts, else the last one."""
        today = self.today.strftime("%Y-%m")
        return next((k for k in keys if k >= today), keys[-1])

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
                        self.v.span_label(Span(p.start, p.end)),
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
            occs = self.plan.by_campaign[camp.id]
            ctx = {
                "campaign": camp,
                "body": self.md.render(camp.body),
                "strategy": self.t(f"strategy.{camp.strategy}"),
                "dates": self.v.span_label(Span(camp.start, camp.end)),
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
