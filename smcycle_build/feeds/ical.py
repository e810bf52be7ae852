"""iCal feeds (SPEC §4): everything, per channel, per campaign, per audience.

Written with the `icalendar` package. Every VEVENT is serialised once and written
to every feed that holds it, all feeds at once, so that no event is kept once it is
written (40,000 events are 50 MB). Decisions that make every client read the same
instants:

* a single post's time is UTC (`DTSTART:...Z`): nothing to interpret;
* a series keeps its wall-clock time, so it carries `TZID` and a VTIMEZONE. The
  VTIMEZONE comes from `icalendar` with each multi-value `RDATE` split into one
  value per line, because Thunderbird's ical.js reads only the first value;
* UIDs come from ids (`POST.CHANNEL@HOST`), never from `uuid4()`, so a moved post
  is the same event and two builds are byte-identical.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import BinaryIO, NamedTuple
from urllib.parse import urlparse

from .. import pieces
from ..cache import joined_digest
from ..model import Channel, Model, Post, Variant
from ..pieces import Runs
from ..plan import Phase, Plan, post_audiences
from ..routes import Links
from ..times import UTC
from . import icstext as ics
from .icstext import Component, clean

PRODID = "-//smcycle//smcycle playbook//EN"
REFRESH = timedelta(hours=4)  # how often clients should come back (Google ignores it)
GOOGLE_LIMIT = 1_000_000  # bytes: Google Calendar drops events from larger feeds
# posts whose events are made or reused together (pieces.py): RUN on average, cut where
# a post's path says (see `cut_runs`), at least RUN_MIN and at most RUN_MAX
RUN, RUN_MIN, RUN_MAX = 100, 8, 400
WRITE = 250  # events held before they are written (about 1 MB in all the feeds together)
ZONED = b";TZID="  # in an event whose times are a series' wall-clock times
STATUS = {
    "idea": "TENTATIVE",
    "draft": "TENTATIVE",
    "review": "TENTATIVE",
    "cancelled": "CANCELLED",
}


ENGLISH = {
    "phase.name.before": "Before",
    "phase.name.during": "During",
    "phase.name.after": "After",
    "feed.survey": "Survey: {title}",
    "feed.topic": "Topic: {topic}",
}


def slug(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "x"


@dataclass(frozen=True)
class Feed:
    path: str  # where it is written in the site
    name: str
    series: bool  # holds a series, whose wall-clock times need the VTIMEZONE


class FeedRun(NamedTuple):
    """A run of posts' events for every feed at once (`FeedWriter.post_runs`), ready to
    write: each event once, joined in order (which is the feed of everything's part),
    and where each other feed's events are in them. Kept as a tuple of events, a run
    reused after an edit elsewhere cost a few calls for each event and feed (its DTSTAMP
    put in, then the event added to each of its feeds' lists): writing the feeds of
    10,000 posts after an edit took 0.49 s of CPU, against 0.37 s so."""

    stamp: bytes  # the DTSTAMP line its events carry: the build's that made them
    count: int  # its events
    events: bytes
    feeds: tuple[tuple[int, bytes], ...]  # each other feed's index in `feeds()`, and where
    # its events are in `events` (`pieces.spans`; adjacent ones as one), in first use order

    def restamped(self, line: bytes) -> FeedRun:
        """With each event's DTSTAMP line `line`, as long as the one it has: the spans
        stay where they are. (A line that starts with DTSTAMP is the property: a
        continued line starts with a space, and a text's line ends are escaped.)"""
        if line == self.stamp:
            return self
        assert len(line) == len(self.stamp), "a DTSTAMP of another length: not reused"
        events = self.events.replace(b"\r\n" + self.stamp + b"\r\n", b"\r\n" + line + b"\r\n")
        return self._replace(stamp=line, events=events)


def _fits(value: object, count: int, stamp: bytes, feeds: int) -> bool:
    """Whether a stored run is what `FeedWriter.post_runs` makes: `count` events, a
    DTSTAMP line as long as `stamp`, and spans of `feeds` feeds within its events."""
    return (
        type(value) is FeedRun
        and type(value.stamp) is bytes
        and len(value.stamp) == len(stamp)
        and value.count == count
        and type(value.events) is bytes
        and type(value.feeds) is tuple
        and all(
            pieces.shaped(part, int, bytes)
            and 0 < part[0] < feeds
            and pieces.spans_fit(part[1], len(value.events))
            for part in value.feeds
        )
    )


class FeedWriter:
    """Makes the VEVENTs of one build and writes each feed from them."""

    def __init__(
        self,
        model: Model,
        plan: Plan,
        links: Links,
        now: datetime,
        t: Callable[..., str] | None = None,
    ) -> None:
        self.model, self.plan, self.links = model, plan, links
        # event titles in the playbook's language (English when no strings are given)
        self.t = t or (lambda key, **v: ENGLISH[key].format(**v))
        self.host = urlparse(model.playbook.base_url or "").hostname or "smcycle.invalid"
        self.stamp = now.astimezone(UTC).replace(microsecond=0)
        self._stamp = ics.utc_stamp(self.stamp)
        self._stamp_line = f"DTSTAMP:{self._stamp}".encode()
        self._categories: dict[tuple[str, str | None, str | None], str] = {}
        self._others: list[tuple[bytes, list[int]]] | None = None  # see _other_events
        self._feeds: list[Feed] | None = None  # see feeds
        self.tz = model.playbook.timezone
        self.minutes = timedelta(minutes=model.playbook.event_minutes)
        # a feed's index in `feeds()`, by kind and id
        kinds = (("channels", model.channels), ("campaigns", model.campaigns))
        kinds += (("audiences", model.audiences),)
        keys = [(kind, key) for kind, ids in kinds for key in ids]
        self._at = {key: 1 + i for i, key in enumerate(keys)}
        # the VTIMEZONE precedes the events: the years it spans are known before any is made
        self.series_years: set[int] = set()
        for post in model.posts.values():
            if post.repeat is not None:
                for variant in post.variants:
                    self.note_series(post, variant)

    # --- events -------------------------------------------------------------------------

    def base_event(self, uid: str, summary: str) -> Component:
        event = Component("VEVENT")
        event.add("UID", ics.text(uid))
        event.add("DTSTAMP", self._stamp)
        event.add("SUMMARY", ics.text(clean(summary)))
        return event

    def post_event(self, post: Post, variant: Variant) -> bytes:
        """A variant's event, its lines written in the order `Component.to_ical` puts
        them (EVENT_ORDER, then the others alphabetically), without a Component to
        collect and sort them: 40,000 of these are made in a cold build."""
        fold, text = ics.fold, ics.text
        channel = self.model.channels[variant.channel]
        lines = ["BEGIN:VEVENT", fold("SUMMARY:" + text(clean(f"[{channel.name}] {post.title}")))]
        if post.repeat is None:
            start = variant.start.astimezone(UTC)
            lines += (
                "DTSTART:" + ics.utc_stamp(start),
                "DTEND:" + ics.utc_stamp(start + self.minutes),
            )
            rule: list[str] = []
        else:
            times, rule = self.series_lines(post, variant)
            lines += times
        lines += (
            "DTSTAMP:" + self._stamp,
            fold("UID:" + text(f"{post.id}.{variant.channel}@{self.host}")),
        )
        lines += rule
        lines.append(fold("CATEGORIES:" + self.categories(channel, post.campaign, post.goal)))
        if variant.text:
            lines.append(fold("DESCRIPTION:" + text(clean(variant.text))))
        lines.append("STATUS:" + STATUS.get(post.status, "CONFIRMED"))
        url = self.links.absolute(self.links.post(post.id))
        if url:
            lines.append(fold("URL:" + url))
        lines.append("END:VEVENT\r\n")
        return "\r\n".join(lines).encode("utf-8")

    def categories(self, channel: Channel, campaign: str | None, goal: str | None) -> str:
        """The channel's, campaign's and goal's names: made once for each of the few
        combinations, not for each of 40,000 events."""
        key = (channel.id, campaign, goal)
        if key not in self._categories:
            names = [channel.name]
            if campaign:
                names.append(self.model.campaigns[campaign].name)
            if goal:
                names.append(self.model.goals[goal].title)
            # a comma inside a category would split it in some clients: a space instead
            joined = ",".join(ics.text(clean(n).replace(",", " ")) for n in names)
            self._categories[key] = joined
        return self._categories[key]

    def series_lines(self, post: Post, variant: Variant) -> tuple[list[str], list[str]]:
        """A series' DTSTART and DTEND (wall clock, with TZID), and its RRULE and one
        EXDATE a line: the lines `post_event` puts after SUMMARY and after UID."""
        r = post.repeat
        assert r is not None
        # the rule's first instance, which the variant's start need not be (series_start)
        local = self.plan.series_start(post, variant)
        tzid = f";TZID={self.tz.key}"
        times = [
            ics.fold(f"DTSTART{tzid}:{ics.local_stamp(local)}"),
            ics.fold(f"DTEND{tzid}:{ics.local_stamp(local + self.minutes)}"),
        ]
        rule = {"FREQ": r.freq.upper()}
        if r.interval != 1:
            rule["INTERVAL"] = str(r.interval)
        if r.byday:
            rule["BYDAY"] = ",".join(r.byday)
        if r.count:
            rule["COUNT"] = str(r.count)
        if r.until:
            # `until` is a local date that includes its whole day; with TZID, UNTIL is UTC
            end = datetime.combine(r.until, time(23, 59, 59), tzinfo=self.tz)
            rule["UNTIL"] = ics.utc_stamp(end)
        lines = [ics.fold("RRULE:" + ics.rrule(rule))]
        wall = local.time().replace(tzinfo=None)
        for day in r.except_dates:
            stamp = ics.local_stamp(datetime.combine(day, wall))
            lines.append(ics.fold(f"EXDATE{tzid}:{stamp}"))
        return times, lines

    def note_series(self, post: Post, variant: Variant) -> None:
        """The years a series spans: the VTIMEZONE must cover them."""
        r = post.repeat
        assert r is not None
        local = variant.start.astimezone(self.tz)
        # the VTIMEZONE must reach the last occurrence: past it, clients keep the last offset
        if r.until:
            last = r.until
        elif r.count:  # the plan holds every occurrence of a counted series
            last = max((o.day for o in self.plan.by_post[post.id]), default=local.date())
        else:  # an open series goes on after the plan: cover ten more years of transitions
            last = self.plan.span.end + timedelta(days=3653)
        self.series_years.update(range(local.year, last.year + 1))

    def all_day(
        self,
        uid: str,
        summary: str,
        first: date,
        last: date,
        *,
        url: str | None = None,
        categories: list[str] | None = None,
        description: str = "",
    ) -> bytes:
        event = self.base_event(uid, summary)
        event.add("DTSTART", ics.day_stamp(first), ";VALUE=DATE")
        # exclusive: the day after the last
        event.add("DTEND", ics.day_stamp(last + timedelta(days=1)), ";VALUE=DATE")
        event.add("TRANSP", "TRANSPARENT")  # a phase does not make anyone busy
        if url:
            event.add("URL", url)
        if categories:
            event.add("CATEGORIES", ",".join(ics.text(clean(c)) for c in categories))
        if description:
            event.add("DESCRIPTION", ics.text(clean(description)))
        return event.to_ical()

    def campaign_all_day(self, campaign_id: str) -> tuple[bytes, ...]:
        camp = self.model.campaigns[campaign_id]
        url = self.links.absolute(self.links.entity("campaigns", campaign_id))
        events = []
        phases: Iterable[Phase] = (p for p in self.plan.phases if p.campaign.id == campaign_id)
        for phase in phases:
            events.append(
                self.all_day(
                    f"campaign.{campaign_id}.{phase.kind}@{self.host}",
                    f"{camp.name}: {self.t(f'phase.name.{phase.kind}')}",
                    phase.start,
                    phase.end,
                    url=url,
                    categories=[camp.name],
                )
            )
        seen: set[str] = set()
        for m in camp.milestones:
            key = unique(slug(m.title), seen)
            events.append(
                self.all_day(
                    f"milestone.{campaign_id}.{key}@{self.host}",
                    f"◆ {camp.name}: {m.title}",
                    m.date,
                    m.date,
                    url=url,
                    categories=[camp.name],
                )
            )
        return tuple(events)

    def survey_events(self) -> tuple[bytes, ...]:
        seen: set[str] = set()
        url = self.links.absolute(self.links.page("listening/index.html"))
        return tuple(
            self.all_day(
                f"survey.{unique(slug(s.title), seen)}@{self.host}",
                self.t("feed.survey", title=s.title),
                s.date,
                s.date,
                url=url,
            )
            for s in self.model.listening.surveys
        )

    def topic_events(self) -> tuple[bytes, ...]:
        seen: set[str] = set()
        events = []
        for theme in self.model.themes:
            first = date(int(theme.month[:4]), int(theme.month[5:]), 1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            events.append(
                self.all_day(
                    f"topic.{theme.month}.{unique(slug(theme.topic), seen)}@{self.host}",
                    self.t("feed.topic", topic=theme.topic),
                    first,
                    last,
                    description=theme.notes,
                    url=self.links.absolute(self.links.month(theme.month)),
                )
            )
        return tuple(events)

    # --- feeds --------------------------------------------------------------------------

    def vtimezone(self) -> bytes:
        from icalendar import Timezone

        if not self.series_years:
            return b""
        first = date(min(self.series_years) - 1, 1, 1)
        last = date(max(self.series_years) + 1, 12, 31)
        tz = Timezone.from_tzinfo(self.tz, first_date=first, last_date=last)
        for sub in tz.subcomponents:  # one RDATE value per line: ical.js reads only the first
            rdate = sub.get("RDATE")
            if rdate is None:
                continue
            lists = rdate if isinstance(rdate, list) else [rdate]
            values = [d.dt for group in lists for d in group.dts]
            del sub["RDATE"]
            for value in values:
                sub.add("rdate", value)
        return tz.to_ical()

    def head(self, feed: Feed, runs: Runs | None = None) -> bytes:
        """The feed up to its first event: the calendar's properties, and the VTIMEZONE
        where a series needs its TZID. Made by `icalendar`, whose import was the largest
        of a build after an edit: kept in `runs` by all it is made from."""
        if runs is None:
            return self._head(feed)
        from ..post_checks import checker_id, library

        years = (min(self.series_years), max(self.series_years)) if feed.series else ()
        parts = ["feed head", checker_id(), f"icalendar {library('icalendar')}", feed.name]
        parts += [repr(feed.series), self.tz.key, repr(years)]
        return runs.run(parts, lambda: self._head(feed), lambda value: type(value) is bytes)

    def _head(self, feed: Feed) -> bytes:
        from icalendar import Calendar, vDuration

        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("name", clean(feed.name))
        cal.add("x-wr-calname", clean(feed.name))
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(REFRESH))  # an unknown property: say its type
        head = cal.to_ical()
        assert head.endswith(END)
        return head[: -len(END)] + (self.vtimezone() if feed.series else b"")

    def feeds(self) -> list[Feed]:
        """Every feed, in `feed_paths` order."""
        if self._feeds is None:
            self._feeds = self._make_feeds()
        return self._feeds

    def _make_feeds(self) -> list[Feed]:
        model, title = self.model, self.model.playbook.title
        series = {
            i for p in model.posts.values() if p.repeat for _, ts in self._targets(p) for i in ts
        }
        names = [title]
        names += (f"{title} · {channel.name}" for channel in model.channels.values())
        names += (f"{title} · {camp.name}" for camp in model.campaigns.values())
        names += (f"{title} · {audience.name}" for audience in model.audiences.values())
        paths = feed_paths(model)
        return [
            Feed(path, name, i in series)
            for i, (path, name) in enumerate(zip(paths, names, strict=True))
        ]

    def _targets(self, post: Post) -> Iterator[tuple[Variant, list[int]]]:
        """Each variant of a post, with the feeds that hold its event (indexes into
        `feeds()`): everything, its channel's, its campaign's, its audiences'."""
        at, shared = self._at, self._shared(post)
        for variant in post.variants:
            yield variant, [0, at["channels", variant.channel], *shared]

    def _shared(self, post: Post) -> list[int]:
        """The feeds that hold every variant of a post, but everything's: its campaign's,
        its audiences' (indexes into `feeds()`). Made of its campaign and audience alone
        (`members` reuses it so)."""
        at = self._at
        shared = [at["campaigns", post.campaign]] if post.campaign else []
        shared += dict.fromkeys(at["audiences", a] for a in post_audiences(self.model, post))
        return shared

    def events(self, only: int | None = None) -> Iterator[tuple[bytes, list[int]]]:
        """Each event once, with the feeds that hold it, in an order in which every feed's
        own events come in its order: the posts' events, then the campaigns' phases and
        milestones, then surveys and topics. With `only`, just that feed's events are
        made."""
        for post in self.model.posts.values():
            for variant, targets in self._targets(post):
                if only is None or only in targets:
                    yield self.post_event(post, variant), targets
        yield from self.other_events(only)

    def other_events(self, only: int | None = None) -> Iterator[tuple[bytes, list[int]]]:
        """`events` after the posts': the campaigns' phases and milestones, then surveys
        and topics."""
        for cid in self.model.campaigns:
            targets = [0, self._at["campaigns", cid]]
            if only is None or only in targets:
                for event in self.campaign_all_day(cid):
                    yield event, targets
        if only is None or only == 0:
            for event in self.survey_events() + self.topic_events():
                yield event, [0]

    def post_run(self, run: list[Post]) -> FeedRun:
        """The events of `run`'s posts (`FeedRun`)."""
        events: list[bytes] = []
        shares: dict[int, list[int]] = {}
        at = 0
        for post in run:
            for variant, targets in self._targets(post):
                event = self.post_event(post, variant)
                end = at + len(event)
                for i in targets[1:]:  # the first is the feed of everything
                    bounds = shares.setdefault(i, [])
                    if bounds and bounds[-1] == at:  # the event after its last: one span
                        bounds[-1] = end
                    else:
                        bounds += (at, end)
                events.append(event)
                at = end
        spans = tuple((i, pieces.spans(bounds)) for i, bounds in shares.items())
        return FeedRun(self._stamp_line, len(events), b"".join(events), spans)

    def post_runs(self, runs: Runs | None = None) -> Iterator[FeedRun]:
        """The posts' events, a run of posts (`cut_runs`) at a time, each made or reused
        as a whole (with `runs`). An event's bytes depend on its post, the files posts
        are checked against (the post's key says both: the feeds there are, in their
        order) and the base URL (in `runs`' salt); its DTSTAMP, on the build."""
        feeds = len(self._at) + 1
        for run in cut_runs(list(self.model.posts.values())):
            if runs is None:
                yield self.post_run(run)
                continue
            count = sum(len(post.variants) for post in run)
            made = runs.run(
                [runs.key(post.loc.path) for post in run],
                partial(self.post_run, run),
                partial(_fits, count=count, stamp=self._stamp_line, feeds=feeds),
            )
            yield made.restamped(self._stamp_line)

    def members(
        self, whole: dict[str, str], heads: dict[str, str], body: Collection[str]
    ) -> dict[str, str | None]:
        """What the posts' events of each feed are made of, by its path, as a digest: the
        key of each post it holds (`whole`, by post file), in order, or the key of its
        file without the body (`heads`) where none of its events shows the body (their
        channels are not in `body`, see Layout._members). None where a post has no key.

        A post, not a variant, at a time (each of its events is made of the same file),
        and a channel's feed one key a post: 40,000 calls of `_targets` took 0.16 s."""
        feeds = self.feeds()
        lists: list[list[str | None]] = [[] for _ in feeds]
        every, at = lists[0], self._at
        channels = {cid: lists[at["channels", cid]] for cid in self.model.channels}
        shared: dict[tuple[str | None, str | None], list[int]] = {}  # `_shared`'s, by its inputs
        for post in self.model.posts.values():
            path = post.loc.path
            own, head = whole.get(path), heads.get(path)
            shows_body = False
            for variant in post.variants:
                if variant.channel in body:
                    channels[variant.channel].append(own)
                    shows_body = True
                else:
                    channels[variant.channel].append(head)
            mine = own if shows_body else head
            every.append(mine)
            inputs = (post.campaign, post.audience)
            if inputs not in shared:
                shared[inputs] = self._shared(post)
            for i in shared[inputs]:
                lists[i].append(mine)
        return {
            feed.path: None if None in keys else joined_digest(keys)  # type: ignore[arg-type]
            for feed, keys in zip(feeds, lists, strict=True)
        }

    def keys(self, salt: str, members: dict[str, str | None], runs: Runs | None) -> dict[str, str]:
        """Each feed's key, by path: what its bytes are made of but the DTSTAMP, which a
        feed kept from the last build keeps (`salt` holds the moment when it is pinned,
        see Layout.long_jobs): its head, its posts' events (`members`), and its other
        events (campaigns' phases, surveys, topics) as made. A feed whose `members` are
        None has none (it is never kept)."""
        feeds = self.feeds()
        others: list[list[bytes]] = [[] for _ in feeds]
        for event, targets in self._other_events():
            unstamped = event.replace(b"\r\n" + self._stamp_line + b"\r\n", b"\r\n")
            for i in targets:
                others[i].append(unstamped)
        keys = {}
        for feed, other in zip(feeds, others, strict=True):
            posts = members[feed.path]
            if posts is None:
                continue
            digest = hashlib.sha256(f"feed\0{salt}\0{posts}\0".encode())
            digest.update(self.head(feed, runs))
            digest.update(b"\0".join(other))
            keys[feed.path] = digest.hexdigest()
        return keys

    def _other_events(self) -> list[tuple[bytes, list[int]]]:
        """`other_events()`, made once for `keys` and `write_all`."""
        if self._others is None:
            self._others = list(self.other_events())
        return self._others

    def write_all(
        self,
        open_file: Callable[[str], BinaryIO],
        runs: Runs | None = None,
        kept: Collection[str] = (),
    ) -> list[Feed]:
        """Every feed at once: the posts' events a run at a time (made, or reused from the
        last build with `runs`), each run's share of a feed in one write; then the other
        events, WRITE at a time (one write per event and feed was a third of a build that
        reuses every event). A feed at a `kept` path (the last build's file, as it is) is
        neither joined nor written."""
        feeds = self.feeds()
        files: list[BinaryIO | None] = [None for _ in feeds]
        pending: list[list[bytes]] = [[] for _ in feeds]

        def flush() -> None:
            for handle, events in zip(files, pending, strict=True):
                if events:
                    handle.write(b"".join(events))  # type: ignore[union-attr]
                    events.clear()

        try:
            for i, feed in enumerate(feeds):
                if feed.path not in kept:
                    files[i] = open_file(feed.path)
                    files[i].write(self.head(feed, runs))  # type: ignore[union-attr]
            made = [i for i, handle in enumerate(files) if handle is not None]
            for run in self.post_runs(runs):
                zoned = ZONED in run.events  # a series' event: only where its VTIMEZONE is
                shares = [(0, run.events)] if files[0] is not None else []
                shares += (
                    (i, b"".join(pieces.views(run.events, at)))
                    for i, at in run.feeds
                    if files[i] is not None
                )
                for i, share in shares:
                    if zoned:
                        _check_zone(feeds[i], share)
                    files[i].write(share)  # type: ignore[union-attr]
            for count, (event, targets) in enumerate(self._other_events(), 1):
                targets = [i for i in targets if files[i] is not None]
                if ZONED in event:
                    for i in targets:
                        _check_zone(feeds[i], event)
                for i in targets:
                    pending[i].append(event)
                if count % WRITE == 0:
                    flush()
            flush()
            for i in made:
                files[i].write(END)  # type: ignore[union-attr]
        finally:
            for handle in files:
                if handle is not None:
                    handle.close()
        return feeds

    def pieces(self, path: str) -> Iterator[bytes]:
        """One feed alone (`serve`, when it is asked for), as the same bytes."""
        feeds = self.feeds()
        index = next(i for i, feed in enumerate(feeds) if feed.path == path)
        yield self.head(feeds[index])
        for event, _targets in self.events(only=index):
            _check_zone(feeds[index], event)
            yield event
        yield END


END = b"END:VCALENDAR\r\n"


def cut_runs(posts: list[Post]) -> Iterator[list[Post]]:
    """`posts` in runs, each ended by a post whose path's CRC-32 is a multiple of RUN (a
    run has RUN_MIN to RUN_MAX posts): where a run ends depends on its own posts, not on
    how many came before. A post added or removed makes its run again (and the next,
    when the cut before it moves); cut every RUN posts, it made every run after it
    again, and adding a post early in the plan cost as much as a first build's feeds."""
    run: list[Post] = []
    for post in posts:
        run.append(post)
        if len(run) >= RUN_MAX or (
            len(run) >= RUN_MIN and zlib.crc32(post.loc.path.encode()) % RUN == 0
        ):
            yield run
            run = []
    if run:
        yield run


def _check_zone(feed: Feed, event: bytes) -> None:
    """A series' event names the VTIMEZONE, which `feeds()` foresaw from the model."""
    if not feed.series and ZONED in event:
        raise AssertionError(f"{feed.path}: an event with a TZID, but no VTIMEZONE")


def feed_paths(model: Model) -> list[str]:
    """Where `FeedWriter.feeds()` puts its feeds, known without making one."""
    return (
        ["calendar.ics"]
        + [f"channels/{c}.ics" for c in model.channels]
        + [f"campaigns/{c}.ics" for c in model.campaigns]
        + [f"audiences/{a}.ics" for a in model.audiences]
    )


def unique(key: str, seen: set[str]) -> str:
    """`key`, or `key-2`, `key-3`... so that two milestones of one title keep distinct UIDs."""
    candidate, n = key, 1
    while candidate in seen:
        n += 1
        candidate = f"{key}-{n}"
    seen.add(candidate)
    return candidate
