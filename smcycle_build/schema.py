"""The fields of every file kind of SPEC §3, declared once."""

from __future__ import annotations

import re
from typing import Any

from . import fields as f
from .errors import LOCKED_RULES
from .fields import At, F, Invalid
from .model import AGGREGATES, STATUSES, STRATEGIES, WEEKDAYS
from .networks import KINDS

# every rule of SPEC §6, and the thresholds `lint:` may set
RULES = (
    "schema",
    "ref",
    "duplicate-id",
    "time",
    "length",
    "media",
    "copy-paste",
    "cadence",
    "nagging",
    "silence",
    "unfocused",
    "unrealistic",
    "orphan",
    "wrong-place",
    "goal-met",
    "feed-size",
)
THRESHOLDS = {
    "max_silence_days": 14,
    "max_monthly_growth": 0.3,
    "copy_paste_similarity": 0.85,
}
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_HOURS_RE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def language(value: Any, at: At) -> str:
    tag = f.text(value, at).strip()
    if not _LANG_RE.match(tag):
        raise Invalid(f"`{tag}` is not a BCP 47 language tag", hint="for example `en` or `he`")
    return tag


def _locked(rule: str) -> f.Parser:
    def refuse(value: Any, at: At) -> str:
        if value == "error":
            return "error"  # already what it is
        raise Invalid(
            f"`{rule}` problems cannot be turned down: a file with one cannot be built",
            hint="fix the problem instead; only length, media and the warnings can be relaxed",
        )

    return refuse


def lint_settings(value: Any, at: At) -> dict[str, object]:
    """`{RULE: off|info|warning|error}` and numeric thresholds."""
    spec = {
        rule: F(
            _locked(rule) if rule in LOCKED_RULES else f.choice(("off", "info", "warning", "error"))
        )
        for rule in RULES
    }
    spec.update({name: F(f.number) for name in THRESHOLDS})
    out = f.mapping(spec, "lint")(value, at)
    return {k: v for k, v in out.items() if v is not None}


def hours(value: Any, at: At) -> tuple:
    span = f.text(value, at)
    m = _HOURS_RE.match(span)
    if not m:
        raise Invalid(f"`{span}` is not a span of hours: write HH:MM-HH:MM", rule="time")
    return (f.clock(m.group(1), at), f.clock(m.group(2), at))


def metric_ref(value: Any, at: At) -> tuple[str, str, int]:
    """`CHANNEL.METRIC` or `{channel, name}` -> (channel, name)."""
    if isinstance(value, dict):
        ref = f.mapping({"channel": F(f.ident, True), "name": F(f.text, True)}, "metric")(value, at)
        return ref["channel"], ref["name"].strip()
    written = f.text(value, at).strip()
    channel, dot, name = written.partition(".")
    if not dot or not channel or not name:
        raise Invalid(
            f"`{written}` is not a metric", hint="write CHANNEL.METRIC, e.g. `instagram.followers`"
        )
    return f.ident(channel, at), name


def weekday(value: Any, at: At) -> str:
    return f.choice(WEEKDAYS)(f.text(value, at).strip().upper(), at)


def cadence(what: str) -> f.Parser:
    read = f.mapping({"min_per_week": F(f.integer(0)), "max_per_week": F(f.integer(0))}, what)

    def parse_cadence(value: Any, at: At) -> dict:
        c = read(value, at)
        low, high = c["min_per_week"], c["max_per_week"]
        if low is not None and high is not None and low > high:
            raise Invalid(f"{what}: `min_per_week` ({low}) is above `max_per_week` ({high})")
        return c

    return parse_cadence


PLAYBOOK = {
    "title": F(f.text, True),
    "organization": F(f.text, True),
    "strategy": F(f.choice(STRATEGIES), True),
    "timezone": F(f.zone, True),
    "language": F(language, default="en"),
    "base_url": F(f.url),
    "cycle": F(
        f.mapping(
            {"name": F(f.text, default=""), "start": F(f.date, True), "end": F(f.date, True)},
            "cycle",
        )
    ),
    "default_time": F(f.clock),
    "event_minutes": F(f.integer(1, 24 * 60), default=15),
    "lint": F(lint_settings, default={}),
}

COMPETITOR = {
    "id": F(f.ident, True),
    "name": F(f.text, True),
    "networks": F(f.list_of(f.choice(KINDS)), default=()),
    "notes": F(f.text, default=""),
}

SITUATION = {
    "as_of": F(f.date),
    "competitors": F(f.list_of(f.mapping(COMPETITOR, "a competitor")), default=()),
    **{
        name: F(f.texts, default=())
        for name in ("perception", "strengths", "weaknesses", "opportunities", "threats")
    },
}

GOAL = {
    "id": F(f.ident),
    "title": F(f.text, True),
    "strategy": F(f.choice(STRATEGIES)),
    "metric": F(metric_ref, True),
    "aggregate": F(f.choice(AGGREGATES), default="last"),
    "baseline": F(f.number, True),
    "target": F(f.number, True),
    "start": F(f.date),
    "due": F(f.date, True),
    "audiences": F(f.ids, default=()),
    "channels": F(f.ids, default=()),
    "owner": F(f.text, default=""),
}

AUDIENCE = {
    "id": F(f.ident),
    "name": F(f.text, True),
    "description": F(f.text, default=""),
    "networks": F(f.list_of(f.choice(KINDS)), default=()),
    "active_hours": F(f.list_of(hours), default=()),
    "needs": F(f.texts, default=()),
}

CHANNEL = {
    "id": F(f.ident),
    "name": F(f.text, True),
    "network": F(f.choice(KINDS)),
    "handle": F(f.text, default=""),
    "url": F(f.url),
    "role": F(f.text, default=""),
    "default_time": F(f.clock),
    "cadence": F(cadence("cadence")),
    "quiet_cadence": F(cadence("quiet_cadence")),
    "limits": F(f.mapping({"text": F(f.integer(1)), "title": F(f.integer(1))}, "limits")),
}

MILESTONE = {"date": F(f.date, True), "title": F(f.text, True)}

CAMPAIGN = {
    "id": F(f.ident),
    "name": F(f.text, True),
    "strategy": F(f.choice(STRATEGIES)),
    "goals": F(f.ids, default=()),
    "audiences": F(f.ids, default=()),
    "channels": F(f.ids, default=()),
    "start": F(f.date, True),
    "end": F(f.date, True),
    "before_days": F(f.integer(0, 366), default=7),
    "after_days": F(f.integer(0, 366), default=3),
    "milestones": F(f.list_of(f.mapping(MILESTONE, "a milestone")), default=()),
}

THEME = {"month": F(f.month, True), "topic": F(f.text, True), "notes": F(f.text, default="")}

REPEAT = {
    "freq": F(f.choice(("daily", "weekly", "monthly")), True),
    "interval": F(f.integer(1), default=1),
    "byday": F(f.list_of(weekday), default=()),
    "count": F(f.integer(1, 10**18)),  # more than 5,000 is said as a series' problem
    "until": F(f.date),
    "except": F(f.list_of(f.date), default=()),
}

VARIANT = {
    "text": F(f.text),
    "title": F(f.text),
    "media": F(f.texts, default=()),
    "link": F(f.text),
    "at": F(f.at_time),
}

POST = {
    "id": F(f.ident),
    "title": F(f.text, True),
    "date": F(f.moment, True),
    "status": F(f.choice(STATUSES), default="draft"),
    "campaign": F(f.ident),
    "goal": F(f.ident),
    "audience": F(f.ident),
    "topic": F(f.text, default=""),
    "owner": F(f.text, default=""),
    "variants": F(lambda v, at: v, True),  # a mapping of channel id -> VARIANT, read by posts.py
    "repeat": F(f.mapping(REPEAT, "repeat")),
}

LISTENING = {
    "queries": F(
        f.list_of(
            f.mapping(
                {
                    "terms": F(f.texts, True),
                    "networks": F(f.list_of(f.choice(KINDS)), default=()),
                    "why": F(f.text, default=""),
                },
                "a query",
            )
        ),
        default=(),
    ),
    "routine": F(
        f.mapping(
            {"every": F(f.choice(("day", "week"))), "owner": F(f.text, default="")}, "routine"
        )
    ),
    "responses": F(
        f.list_of(
            f.mapping(
                {
                    "trigger": F(f.text, True),
                    "within": F(f.text, default=""),
                    "owner": F(f.text, default=""),
                    "steps": F(f.texts, default=()),
                },
                "a response",
            )
        ),
        default=(),
    ),
    "surveys": F(
        f.list_of(
            f.mapping(
                {"title": F(f.text, True), "date": F(f.date, True), "channel": F(f.ident)},
                "a survey",
            )
        ),
        default=(),
    ),
}

REVIEW = {
    "id": F(f.ident),
    "date": F(f.date, True),
    "period": F(f.mapping({"start": F(f.date, True), "end": F(f.date, True)}, "period")),
    "goals_met": F(f.ids, default=()),
}

ENTITY_SPECS = {
    "goals": (GOAL, "a goal"),
    "audiences": (AUDIENCE, "an audience"),
    "channels": (CHANNEL, "a channel"),
    "campaigns": (CAMPAIGN, "a campaign"),
    "posts": (POST, "a post"),
    "reviews": (REVIEW, "a review"),
}
