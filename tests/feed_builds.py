"""Playbooks the feed, schedule and calendar-client tests share, and what they should give.

Two playbooks: the example (`content/`, Europe/Amsterdam) and a small Jerusalem one
written here, with posts on the daylight-saving days of 2027 (26 March, clocks jump
02:00 -> 03:00; 31 October, back 02:00 -> 01:00) and series across both changes.

What a feed should hold is worked out from the model and the plan, never from the
feed writer, so a client that reads a feed is compared with the plan, not with
the code under test.
"""

from __future__ import annotations

import functools
import importlib
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import BASE, write_files
from smcycle_build.build import build_site
from smcycle_build.errors import Diagnostic
from smcycle_build.model import Model
from smcycle_build.output import MemoryOutput
from smcycle_build.pipeline import Project, check_project
from smcycle_build.plan import Plan, make_plan

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
# series are expanded by every client up to here: past the end of every series,
# so a client that runs a series too long (a wrong COUNT or UNTIL) shows it
HORIZON_START = datetime(2026, 1, 1, tzinfo=UTC)
HORIZON_END = datetime(2032, 1, 1, tzinfo=UTC)

JERUSALEM_HOST = "feeds.example.org"
JERUSALEM: dict[str, str | bytes] = {
    "content/playbook.yaml": """
        title: "Jerusalem test"
        organization: Test Org
        strategy: loyalty
        timezone: Asia/Jerusalem
        base_url: "https://feeds.example.org/pb/"
        cycle: {name: "2027", start: 2027-01-01, end: 2027-12-31}
        """,
    "content/campaigns/spring.yaml": """
        name: Spring
        start: 2027-03-01
        end: 2027-03-31
        milestones:
          - {date: 2027-03-26, title: "Clocks jump"}
          - {date: 2027-03-28, title: "Clocks jump"}
        """,
    "content/themes.yaml": """
        - {month: "2027-10", topic: "Autumn", notes: "Dark evenings"}
        """,
    "content/listening.yaml": """
        surveys:
          - {title: "Rider survey", date: 2027-10-31, channel: x}
        """,
    # single posts on the days the clocks change
    "content/posts/spring-day.yaml": """
        title: Clocks jumped
        date: "2027-03-26 10:00"
        status: approved
        campaign: spring
        audience: riders
        variants:
          x: {text: "The clocks jumped at two"}
          website: {text: "Summer time since 02:00 today."}
        """,
    "content/posts/spring-night.yaml": """
        title: Before the jump
        date: "2027-03-26 01:30"
        status: scheduled
        campaign: spring
        variants:
          x: {text: "Half past one, still winter time"}
        """,
    "content/posts/autumn-day.yaml": """
        title: Clocks went back
        date: "2027-10-31 10:00"
        status: published
        audience: riders
        variants:
          x: {text: "An hour more sleep"}
        """,
    "content/posts/autumn-ambiguous.yaml": """
        title: Half past one, the first time
        date: "2027-10-31 01:30"
        status: review
        variants:
          x: {text: "01:30 happens twice tonight; this is the first"}
        """,
    # series across both changes
    "content/posts/fridays.yaml": """
        title: Friday ride
        date: "2027-03-05 10:00"
        status: approved
        campaign: spring
        audience: riders
        repeat: {freq: weekly, byday: [FR], until: 2027-11-26, except: [2027-04-16]}
        variants:
          x: {text: "Friday ride at ten"}
          website: {text: "Every Friday at ten, from the shop."}
        """,
    "content/posts/late-nights.yaml": """
        title: Late night
        date: "2027-06-01 01:30"
        status: approved
        repeat: {freq: daily, until: 2027-06-05}
        variants:
          x: {text: "Night owls"}
        """,
    "content/posts/counted.yaml": """
        title: Counted
        date: "2027-03-22 18:00"
        status: draft
        audience: riders
        repeat: {freq: weekly, byday: [MO, WE], count: 10}
        variants:
          x: {text: "Ten of these"}
        """,
    # a start on a day its rule does not take (a Monday, for Saturdays): the feed's
    # DTSTART is the first Saturday, which is excepted, or RFC 5545 clients add the Monday
    "content/posts/off-day-start.yaml": """
        title: Saturday club
        date: "2027-03-22 18:00"
        status: approved
        repeat: {freq: weekly, byday: [SA], count: 4, except: [2027-03-27]}
        variants:
          x: {text: "Saturday club, from the shop"}
        """,
    "content/posts/month-ends.yaml": """
        title: Month end
        date: "2027-01-31 10:00"
        status: approved
        repeat: {freq: monthly, count: 6}
        variants:
          website: {text: "The last day of the month (when it has a 31st)."}
        """,
    "content/posts/fortnightly.yaml": """
        title: Fortnightly
        date: "2027-09-07 18:00"
        status: idea
        repeat: {freq: weekly, interval: 2, byday: [TU, TH], until: 2027-12-01}
        variants:
          x: {text: "Every other week"}
        """,
    # into 2030: the VTIMEZONE's later daylight-saving dates are read too
    "content/posts/quarterly.yaml": """
        title: Quarterly
        date: "2027-04-15 10:00"
        status: approved
        repeat: {freq: monthly, interval: 3, count: 13}
        variants:
          website: {text: "Every three months, for three years and more."}
        """,
    # written with an offset: the first instant as written, then the playbook's wall clock
    "content/posts/offset-series.yaml": """
        title: Offset series
        date: "2027-03-19T10:00:00+02:00"
        status: approved
        repeat: {freq: weekly, count: 3}
        variants:
          website: {text: "Written with an offset."}
        """,
    # 22:30Z is 01:30 the next day in Jerusalem: the post belongs to that local day and month
    "content/posts/offset-single.yaml": """
        title: Offset single
        date: "2027-05-31T22:30:00Z"
        status: approved
        variants:
          x: {text: "Written in UTC"}
        """,
    # cells a spreadsheet would run as formulas; two media files; links of both kinds
    "content/media/second.png": (BASE / "content" / "media" / "photo.png").read_bytes(),
    "content/posts/gallery.yaml": """
        title: "=SUM(1,2) gallery"
        date: "2027-06-10 09:00"
        status: approved
        audience: riders
        variants:
          instagram: {text: "+1 if you ride in the rain", media: [photo.png, second.png]}
          x: {text: "@riders see you Friday, 10:00", link: website}
          website: {text: "-5 degrees and still riding", link: "https://example.org/a,b?c=1"}
        """,
    "content/posts/hebrew.yaml": """
        title: "שלום רוכבים"
        date: "2027-05-02 09:00"
        status: idea
        audience: riders
        variants:
          x: {text: "שבוע טוב לכל הרוכבים"}
          website: {text: "HEBREW_LONG"}
        """,
    "content/posts/called-off.yaml": """
        title: Called off
        date: "2027-05-03 09:00"
        status: cancelled
        variants:
          x: {text: "Not this time"}
        """,
    # \\a (bell) and \\e (escape) are YAML escapes: control characters in the text
    "content/posts/noisy.yaml": """
        title: "Noisy\\a title"
        date: "2027-05-04 09:00"
        status: approved
        variants:
          x: {text: "Ring\\a the \\e[1mbell"}
          website: {text: "=HYPERLINK(\\"http://evil.example\\")"}
        """,
}
# long enough to fold several times, two octets a letter: folding must fall between letters
HEBREW_LONG = "רכיבה נעימה בגשם ובשמש, " * 12
JERUSALEM["content/posts/hebrew.yaml"] = JERUSALEM["content/posts/hebrew.yaml"].replace(
    "HEBREW_LONG", HEBREW_LONG
)


@dataclass(frozen=True)
class Built:
    """A playbook built into memory, with the model and plan it was built from."""

    root: Path
    model: Model
    plan: Plan
    out: MemoryOutput
    diagnostics: tuple[Diagnostic, ...]

    @property
    def host(self) -> str:
        base = self.model.playbook.base_url or ""
        return base.split("/")[2] if "://" in base else "smcycle.invalid"

    def feeds(self) -> list[str]:
        return sorted(p for p in self.out.files if p.endswith(".ics"))

    def expected(self, feed: str) -> Counter:
        return expected_events(self, feed)


def make_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    """The small base playbook of tests/invalid/_base with `files` laid over it."""
    if not root.exists():
        shutil.copytree(BASE, root)
    return write_files(root, files)


def build(root: Path, content: str = "content", now: datetime = NOW, **kw) -> Built:
    project = Project.locate(content, cwd=root)
    checked = check_project(project)
    assert checked.ok, [d.headline() for d in checked.diagnostics]
    out = MemoryOutput()
    result = build_site(project, out, now=now, **kw)
    assert result.ok, [d.headline() for d in result.diagnostics]
    assert checked.model is not None
    return Built(root, checked.model, make_plan(checked.model), out, result.diagnostics)


@functools.cache
def build_example() -> Built:
    """The example, built once per test session (its outputs are only read)."""
    return build(REPO)


def build_jerusalem(root: Path) -> Built:
    return build(make_repo(root, JERUSALEM))


Event = tuple[str | None, str, str]  # uid (None for all-day events), start, end


def instant(value: datetime | date) -> str:
    """One spelling for every client: `2027-03-26T07:00:00Z` for a time, ISO for a date."""
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"floating time {value}"
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def expected_events(built: Built, feed: str) -> Counter:
    """Every (uid, start, end) a client should find in `feed`, from the model and plan alone.

    Posts: one per occurrence, UID `POST.CHANNEL@HOST`, `event_minutes` long. All-day
    events (campaign phases, milestones, surveys, monthly topics): their days, end exclusive.
    """
    model, plan = built.model, built.plan
    minutes = timedelta(minutes=model.playbook.event_minutes)
    kind, _, rest = feed.partition("/")
    ident = rest.removesuffix(".ics")
    events: Counter = Counter()
    for occ in plan.occurrences:
        post = occ.post
        if (
            feed != "calendar.ics"
            and {
                "channels": occ.channel,
                "campaigns": post.campaign,
                "audiences": post.audience,
            }[kind]
            != ident
        ):
            continue
        uid = f"{post.id}.{occ.channel}@{built.host}"
        events[(uid, instant(occ.utc), instant(occ.utc + minutes))] += 1
    one = timedelta(days=1)
    days: list[tuple[date, date]] = []
    for phase in plan.phases:
        if feed == "calendar.ics" or (kind == "campaigns" and phase.campaign.id == ident):
            days.append((phase.start, phase.end + one))
    for cid, camp in model.campaigns.items():
        if feed == "calendar.ics" or (kind == "campaigns" and cid == ident):
            days += [(m.date, m.date + one) for m in camp.milestones]
    if feed == "calendar.ics":
        days += [(s.date, s.date + one) for s in model.listening.surveys]
        for theme in model.themes:
            first = date(int(theme.month[:4]), int(theme.month[5:]), 1)
            days.append((first, (first + timedelta(days=32)).replace(day=1)))
    for first, end in days:
        events[(None, instant(first), instant(end))] += 1
    return events


def as_events(rows) -> Counter:
    """[(uid, start, end), ...] from a client, all-day events without their UID."""
    out: Counter = Counter()
    for uid, start, end in rows:
        out[(None if "T" not in start else uid, start, end)] += 1
    return out


def need(available: bool, why: str) -> None:
    """A missing tool skips on a developer's machine and fails on CI (CI=true)."""
    if available:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{why} (CI=true: a missing tool is a failure, not a skip)")
    pytest.skip(why)


def need_module(name: str):
    """`import name`, or a skip (a failure on CI) that says how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        need(False, f"Python package `{name}` is missing: pip install -e '.[test]'")
