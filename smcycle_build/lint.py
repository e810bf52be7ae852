"""The strategy checks (SPEC §6 warnings): where the plan breaks the cycle's own rules.

One small function per rule id, each reporting at the file and line a person
must change. All of them are linear in the number of occurrences: nothing
compares every post with every other post.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from itertools import pairwise

from .errors import Diagnostic, Diagnostics
from .measure import goal_progress, goal_trend, monthly_growth_needed
from .memo import Memo
from .model import Channel, Model, Post
from .networks import NETWORKS
from .plan import Plan, Span, post_audiences
from .schema import THRESHOLDS
from .times import UTC

# links and tags match first and are dropped; the words are what is left
_WORDS = re.compile(r"https?://\S+|www\.\S+|[#@][\w-]+|(\w+)")
# the same, in two steps, for ASCII text (`normalise`)
_CUT_STARTS = ("http", "www.", "#", "@")
_LINK = re.compile(r"(?:https?://|www\.)\S+")
_TAG = re.compile(r"[#@][\w-]+")
_ASCII_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")  # \w, lowercased
_ASCII_WORDS = bytes(c if chr(c) in _ASCII_WORD_CHARS else 32 for c in range(256))
_SPACES = re.compile(rb"  +")


@dataclass(frozen=True)
class Lint:
    """What every rule reads: the model, its plan, thresholds, and how weeks are counted."""

    model: Model
    plan: Plan
    diags: Diagnostics
    first_weekday: int  # 0 = Monday, as the playbook's locale counts weeks
    memo: Memo | None = None  # what the last check found per post, in `serve`
    # copy-paste findings by post id from the post store (post_checks.py); a post with
    # none yet is checked here, and its findings filled in for the store
    copy_paste: dict[str, tuple[Diagnostic, ...] | None] | None = None
    days: dict[str, Counter[date]] = field(default_factory=dict)  # by posting_days()

    def threshold(self, name: str) -> float:
        return float(self.model.playbook.lint.get(name, THRESHOLDS[name]))

    def warn(
        self,
        path: str,
        line: int,
        rule: str,
        message: str,
        hint: str | None = None,
        severity: str = "warning",
    ) -> None:
        self.diags.add(path, line, rule, message, severity=severity, hint=hint)

    def week_start(self, day: date) -> date:
        return day - timedelta(days=(day.weekday() - self.first_weekday) % 7)

    def fmt(self, day: date) -> str:
        return f"{day.day} {day.strftime('%b %Y')}"


def num(value: float) -> str:
    """1,234 or 12.5: numbers as a person writes them, as precise as their size needs."""
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def normalise(text: str) -> str:
    """What a reader sees as the message: no links, tags, case, punctuation or spacing.

    The words `_WORDS` leaves, found faster in ASCII text (most of it): a regular
    expression tried at every character of every body was a fifth of a cold check. The
    few places a link or a tag can start are found with `str.find` and cut out as the
    expression would (a link only where no word runs into it), and the words are the
    runs a byte table keeps. tests/test_lint.py holds both ways equal."""
    low = text.lower()
    if not low.isascii():
        return _normalise_any(low)
    starts = [i for needle in _CUT_STARTS for i in _find_all(low, needle)]
    if starts:
        pieces, cursor = [], 0
        for i in sorted(starts):
            if i < cursor:  # inside a link or tag cut already
                continue
            if low[i] in "#@":
                cut = _TAG.match(low, i)
            elif i == 0 or low[i - 1] not in _ASCII_WORD_CHARS:
                cut = _LINK.match(low, i)
            else:  # inside a word, which `(\w+)` takes whole
                cut = None
            if cut is not None:
                pieces += (low[cursor:i], " ")
                cursor = cut.end()
        pieces.append(low[cursor:])
        low = "".join(pieces)
    # the runs of spaces the table leaves between words made one (no object per word)
    return _SPACES.sub(b" ", low.encode("ascii").translate(_ASCII_WORDS)).strip().decode("ascii")


def _normalise_any(low: str) -> str:
    return " ".join(filter(None, _WORDS.findall(low)))


def _find_all(text: str, needle: str) -> Iterator[int]:
    i = text.find(needle)
    while i >= 0:
        yield i
        i = text.find(needle, i + 1)


def check_copy_paste(lint: Lint) -> None:
    """Two variants of one post with the same or nearly the same text."""
    limit = lint.threshold("copy_paste_similarity")
    stored = lint.copy_paste
    for post in lint.model.posts.values():
        if stored is not None:
            found = stored.get(post.id)
            if found is None:
                own = lint.diags.fork()
                copy_paste_in(dataclasses.replace(lint, diags=own), post, limit)
                found = stored[post.id] = own.items
            lint.diags.absorb(found)
        elif lint.memo is None:
            copy_paste_in(lint, post, limit)
        else:  # a post unchanged since the last check (the same object, which means
            # the same channels too): the same findings
            token = (post, limit)

            def check(diags: Diagnostics, post: Post = post) -> None:
                copy_paste_in(dataclasses.replace(lint, diags=diags), post, limit)

            lint.memo.reuse("copy-paste", post.id, token, lint.diags, check)
    if lint.memo is not None:
        lint.memo.keep("copy-paste", lint.model.posts)


@cache
def _similarity() -> Callable[..., float]:
    """rapidfuzz's Indel similarity, imported when a post is first compared: a check
    that finds every post in its store compares none, and starts without it (14 ms)."""
    from rapidfuzz.distance import Indel

    return Indel.normalized_similarity


def copy_paste_in(lint: Lint, post: Post, limit: float) -> None:
    seen: list[tuple[str, str]] = []
    similarity = _similarity()
    for variant in post.variants:
        text = normalise(variant.text)
        if not text:
            continue
        for other_channel, other in seen:
            # 1 - the share of characters to delete or insert to turn one into the
            # other (2 x longest common subsequence / both lengths); 0 below the limit
            ratio = similarity(other, text, score_cutoff=limit)
            if ratio >= limit:
                lint.warn(
                    variant.loc.path,
                    variant.loc.line,
                    "copy-paste",
                    f"the {variant.channel} variant is {ratio:.0%} the same text as the "
                    f"{other_channel} variant",
                    hint=f"tailor it to {network_label(lint, variant.channel)}: "
                    "content is never copied across networks",
                )
                break
        seen.append((variant.channel, text))


def weeks_in(span: Span, first_weekday: int) -> Iterator[tuple[date, bool]]:
    """(week start, whole week inside the span) for every week touching the span."""
    start = span.start - timedelta(days=(span.start.weekday() - first_weekday) % 7)
    while start <= span.end:
        yield start, start >= span.start and start + timedelta(days=6) <= span.end
        start += timedelta(days=7)


def check_cadence(lint: Lint) -> None:
    """Posts per channel and week against its cadence; quiet weeks against quiet_cadence."""
    plan = lint.plan
    span = plan.span
    covered = {
        p.start + timedelta(days=i) for p in plan.phases for i in range((p.end - p.start).days + 1)
    }
    for channel in lint.model.channels.values():
        days = posting_days(lint, channel.id)
        counts: Counter[date] = Counter()
        for day, n in days.items():  # a few thousand days, not tens of thousands of posts
            counts[lint.week_start(day)] += n
        for week, whole in weeks_in(span, lint.first_weekday):
            quiet = not any(week + timedelta(days=i) in covered for i in range(7))
            check_week(lint, channel, week, whole, quiet, counts.get(week, 0))


def posting_days(lint: Lint, channel_id: str) -> Counter[date]:
    """Posts a day on a channel inside the cycle, cancelled ones not counted (shared by
    the cadence and silence checks: one pass over tens of thousands of occurrences)."""
    days = lint.days.get(channel_id)
    if days is None:
        span = lint.plan.span
        days = lint.days[channel_id] = Counter(
            o.day
            for o in lint.plan.by_channel[channel_id]
            if o.post.status != "cancelled" and span.start <= o.day <= span.end
        )
    return days


def check_week(lint: Lint, channel: Channel, week: date, whole: bool, quiet: bool, n: int) -> None:
    cadence = channel.cadence
    if quiet and channel.quiet_cadence is not None:
        cadence = channel.quiet_cadence
        high = cadence.max_per_week
        if high is not None and n > high:
            lint.warn(
                channel.loc.path,
                channel.loc.of("quiet_cadence"),
                "nagging",
                f"{n} posts on {channel.id} in the quiet week of {lint.fmt(week)}, over its "
                f"quiet cadence of at most {high}",
                hint="in a quiet period, keep in touch without nagging",
            )
            return
    if cadence is None:
        return
    key = "quiet_cadence" if cadence is channel.quiet_cadence else "cadence"
    low, high = cadence.min_per_week, cadence.max_per_week
    label = key.replace("_", " ")
    where = f"{n} post{'' if n == 1 else 's'} on {channel.id} in the week of {lint.fmt(week)}"
    if high is not None and n > high:
        message = f"{where}, over its {label} of at most {high}"
    elif low is not None and n < low and whole:  # a week cut by the cycle's edge may be short
        message = f"{where}, under its {label} of at least {low}"
    else:
        return
    lint.warn(channel.loc.path, channel.loc.of(key), "cadence", message)


def network_label(lint: Lint, channel_id: str) -> str:
    return NETWORKS[lint.model.channels[channel_id].network].label


def check_silence(lint: Lint) -> None:
    """A channel with nothing for longer than `max_silence_days` inside the cycle."""
    span = lint.plan.span
    limit = int(lint.threshold("max_silence_days"))
    for channel in lint.model.channels.values():
        days = sorted(posting_days(lint, channel.id))
        # the edges count: from the cycle's start to the first post, the last to its end
        marks = [span.start - timedelta(days=1), *days, span.end + timedelta(days=1)]
        for before, after in pairwise(marks):
            gap = (after - before).days - 1
            if gap > limit:
                first, last = before + timedelta(days=1), after - timedelta(days=1)
                lint.warn(
                    channel.loc.path,
                    channel.loc.line,
                    "silence",
                    f"nothing on {channel.id} from {lint.fmt(first)} to {lint.fmt(last)} "
                    f"({gap} days; at most {limit})",
                    hint="the in-between periods are when the audience must still hear from us",
                )


def check_unfocused(lint: Lint) -> None:
    """A goal or campaign whose strategy isn't the playbook's focus."""
    focus = lint.model.playbook.strategy
    things = [*lint.model.goals.values(), *lint.model.campaigns.values()]
    for thing in things:
        if thing.strategy != focus:
            kind = "goal" if hasattr(thing, "metric") else "campaign"
            lint.warn(
                thing.loc.path,
                thing.loc.of("strategy"),
                "unfocused",
                f"this {kind} serves {thing.strategy}, but the cycle's one focus is {focus}",
                hint="stay focused: one strategy per cycle",
            )


def check_unrealistic(lint: Lint) -> None:
    """More growth a month than is realistic, or a trend that cannot reach the target."""
    limit = lint.threshold("max_monthly_growth")
    for goal in lint.model.goals.values():
        start = goal.start or lint.plan.span.start
        needed = monthly_growth_needed(goal, start)
        if needed is not None and needed > limit:
            lint.warn(
                goal.loc.path,
                goal.loc.of("target"),
                "unrealistic",
                f"reaching {num(goal.target)} from {num(goal.baseline)} by "
                f"{lint.fmt(goal.due)} needs {needed:.0%} growth a month (at most {limit:.0%})",
                hint="a realistic target, or a later due date",
            )
            continue
        progress = goal_progress(goal, lint.model.metrics)
        trend = goal_trend(goal, progress.points)
        if trend is None or progress.met:
            continue
        rising = goal.target >= goal.baseline
        short = trend.projected < goal.target if rising else trend.projected > goal.target
        if short:
            lint.warn(
                goal.loc.path,
                goal.loc.of("target"),
                "unrealistic",
                f"its metrics trend reaches {num(trend.projected)} by {lint.fmt(goal.due)}, "
                f"not the target of {num(goal.target)} (needs {needed_rate(goal, progress)})",
                hint="change what we do for this goal, or set a target the trend can reach",
            )


def needed_rate(goal, progress) -> str:
    last_day, _ = progress.points[-1]
    days = max((goal.due - last_day).days, 1)
    gap = goal.target - (progress.current or goal.baseline)
    return f"{'+' if gap >= 0 else '-'}{num(abs(gap) / days * 7)} a week from now"


def check_orphan(lint: Lint) -> None:
    """A post that serves no goal and no campaign, or no audience."""
    for post in lint.model.posts.values():
        missing = []
        if not post.goal and not post.campaign:
            missing.append("no goal and no campaign")
        if not post_audiences(lint.model, post):
            missing.append("no audience")
        if missing:
            lint.warn(
                post.loc.path,
                post.loc.of("title"),
                "orphan",
                f"this post serves {' and '.join(missing)}",
                hint="every post serves a goal or a campaign, for an audience",
            )


def check_wrong_place(lint: Lint) -> None:
    """A variant on a network where none of the post's audiences is."""
    model = lint.model
    for post in model.posts.values():
        audiences = post_audiences(model, post)
        if not audiences:
            continue  # an orphan: said by check_orphan
        where = {n for a in audiences for n in model.audiences[a].networks}
        for variant in post.variants:
            network = model.channels[variant.channel].network
            if network not in where:
                names = ", ".join(model.audiences[a].name for a in audiences)
                lint.warn(
                    variant.loc.path,
                    variant.loc.line,
                    "wrong-place",
                    f"{NETWORKS[network].label} is not where {names} are",
                    hint="post where the audience is, or add the network to the audience",
                )


def check_goal_met(lint: Lint) -> None:
    """A goal already met and not yet reviewed: time to set the next one."""
    reviewed = {g for r in lint.model.reviews.values() for g in r.goals_met}
    for goal in lint.model.goals.values():
        progress = goal_progress(goal, lint.model.metrics)
        if progress.met and goal.id not in reviewed:
            lint.warn(
                goal.loc.path,
                goal.loc.of("target"),
                "goal-met",
                f"met: {goal.metric.channel}.{goal.metric.name} is {num(progress.current)}, "
                f"the target was {num(goal.target)}",
                hint="set a new goal for the next turn of the cycle",
                severity="info",
            )


def lint_plan(
    model: Model,
    plan: Plan,
    diags: Diagnostics,
    first_weekday: int,
    memo: Memo | None = None,
    copy_paste: dict[str, tuple[Diagnostic, ...] | None] | None = None,
) -> None:
    """Run every strategy check; problems go to `diags` with their severity from `lint:`."""
    lint = Lint(model, plan, diags, first_weekday, memo, copy_paste)
    for rule in RULES:
        rule(lint)


def lint_series(model: Model, plan: Plan, diags: Diagnostics) -> None:
    """What a check with errors still finds in the plan: a series' own occurrences in a
    daylight-saving gap (an error) or a doubled hour. The other strategy checks span
    files, and wait until every file reads: on a half-read playbook they would count
    weeks without the posts that did not read, and warn of what is not so."""
    check_series_times(Lint(model, plan, diags, first_weekday=0))


def check_series_times(lint: Lint) -> None:
    """A series whose wall-clock time falls in a DST gap (error) or happens twice (warning).

    The first occurrence is checked when the post is read; later ones only here, once
    expanded. Clients disagree on both (ical.js and libical take the second of two),
    so the team must choose another time.
    """
    tz = lint.model.playbook.timezone
    seen: set[tuple[str, str]] = set()
    for occ in lint.plan.occurrences:
        if occ.post.repeat is None:
            continue
        key = (occ.post.id, occ.channel)
        if key in seen:
            continue
        wall = occ.start.replace(tzinfo=None)
        first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
        back = first.astimezone(tz).replace(tzinfo=None)
        when = wall.strftime("%Y-%m-%d %H:%M")
        line = occ.post.loc.of("repeat")
        if back != wall and occ.index > 0:  # the first occurrence was checked when read
            seen.add(key)
            lint.warn(
                occ.post.loc.path,
                line,
                "time",
                f"the {occ.channel} series falls on {when}, a time that does not exist "
                f"in {tz.key} (the clocks jump over it)",
                hint="choose a time outside the night the clocks change",
                severity="error",
            )
        elif first != second:
            seen.add(key)
            lint.warn(
                occ.post.loc.path,
                line,
                "time",
                f"the {occ.channel} series falls on {when}, which happens twice in "
                f"{tz.key}: calendar clients disagree on which one",
                hint="choose a time outside the night the clocks change",
            )


RULES: tuple[Callable[[Lint], None], ...] = (
    check_copy_paste,
    check_cadence,
    check_silence,
    check_unfocused,
    check_unrealistic,
    check_orphan,
    check_wrong_place,
    check_goal_met,
    check_series_times,
)
