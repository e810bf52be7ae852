"""Dates, times of day, instants and time zones, as SPEC §3 writes them.

`2027-03-10 09:00`, `2027-03-10T09:00` and `2027-03-10T09:00:00` are wall-clock
times in the playbook's zone; `+02:00` or `Z` make an instant; a bare date takes
a default time later (the channel's, else the playbook's). A wall-clock time that
a daylight-saving jump skips is an error; one that happens twice takes the first.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = UTC

_DATE = r"(\d{4})-(\d{2})-(\d{2})"
_CLOCK = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})"
_MOMENT_RE = re.compile(rf"^{_DATE}(?:[T ]{_CLOCK}\s*{_OFFSET}?)?$")
_DATE_RE = re.compile(rf"^{_DATE}$")
_CLOCK_RE = re.compile(rf"^{_CLOCK}$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# the years a plan may name: around year 1 or 9999, a time zone's offset or a week's
# arithmetic leaves what a date can hold (an internal error, found by a post of 0001)
FIRST_YEAR, LAST_YEAR = 1900, 2999


class TimeError(ValueError):
    """A value that is not a valid date, time or zone; the message says why."""


@dataclass(frozen=True)
class Moment:
    """A point as written: a date, maybe a time of day, maybe a fixed offset."""

    day: date
    clock: time | None = None
    offset: tzinfo | None = None

    def resolve(self, tz: ZoneInfo, default_clock: time) -> datetime:
        """The instant this names, in `tz` (or its own offset)."""
        clock = self.clock if self.clock is not None else default_clock
        if self.offset is not None:
            return datetime.combine(self.day, clock, tzinfo=self.offset)
        return localize(self.day, clock, tz)


def _text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | date):
        raise TimeError(f"expected a date as YYYY-MM-DD, got `{value}`")
    return value.isoformat() if isinstance(value, date) else value.strip()


def _make_date(y: str, m: str, d: str) -> date:
    try:
        day = date(int(y), int(m), int(d))
    except ValueError as exc:
        raise TimeError(f"`{y}-{m}-{d}` is not a date: {exc}") from None
    _check_year(day.year, f"{y}-{m}-{d}")
    return day


def _check_year(year: int, text: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise TimeError(f"`{text}` is out of range: a plan's dates are in {FIRST_YEAR}-{LAST_YEAR}")


def _make_clock(h: str, m: str, s: str | None) -> time:
    try:
        return time(int(h), int(m), int(s or 0))
    except ValueError:
        raise TimeError(f"`{h}:{m}` is not a time of day (00:00 to 23:59)") from None


def _make_offset(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 18 or minutes > 59:
        raise TimeError(f"`{text}` is not a UTC offset")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_date(value: object) -> date:
    text = _text(value)
    m = _DATE_RE.match(text)
    if not m:
        raise TimeError(f"`{text}` is not a date: write YYYY-MM-DD")
    return _make_date(*m.groups())


def parse_month(value: object) -> str:
    text = str(value).strip()
    m = _MONTH_RE.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise TimeError(f"`{text}` is not a month: write YYYY-MM in quotes")
    _check_year(int(m.group(1)), text)
    return text


def parse_clock(value: object) -> time:
    """`HH:MM` (an unquoted value is kept as written by our YAML loader)."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise TimeError(f"`{value}` is not a time of day: write HH:MM")
    m = _CLOCK_RE.match(value.strip())
    if not m:
        raise TimeError(f"`{value}` is not a time of day: write HH:MM")
    return _make_clock(*m.groups())


def parse_moment(value: object) -> Moment:
    """A date, or a date and time with an optional offset."""
    text = _text(value)
    m = _MOMENT_RE.match(text)
    if not m:
        raise TimeError(
            f"`{text}` is not a date or time: write YYYY-MM-DD, 'YYYY-MM-DD HH:MM' "
            "or an ISO 8601 time with an offset"
        )
    y, mo, d, hh, mm, ss, off = m.groups()
    day = _make_date(y, mo, d)
    if hh is None:
        return Moment(day)
    return Moment(day, _make_clock(hh, mm, ss), _make_offset(off) if off else None)


def parse_at(value: object) -> Moment | time:
    """A variant's `at`: a time of day on the post's date, or a whole date-time."""
    if isinstance(value, str) and _CLOCK_RE.match(value.strip()):
        return parse_clock(value)
    return parse_moment(value)


def parse_zone(value: object) -> ZoneInfo:
    if not isinstance(value, str) or not value.strip():
        raise TimeError("expected an IANA time zone name such as `Europe/Amsterdam`")
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeError(f"`{value}` is not a known IANA time zone") from None


def suggest_zone(value: str) -> str | None:
    """`Amsterdam` -> `Europe/Amsterdam`, `europe/amsterdam` -> `Europe/Amsterdam`."""
    wanted = value.strip().lower().replace(" ", "_")
    zones = sorted(available_timezones())
    for zone_name in zones:
        if zone_name.lower() == wanted or zone_name.lower().rsplit("/", 1)[-1] == wanted:
            return zone_name
    close = difflib.get_close_matches(value.strip(), zones, n=1, cutoff=0.8)
    return close[0] if close else None


# a post's variants mostly go out on its day, and posts are read a month at a time: the
# last few thousand wall clocks found are asked for again and again (a tenth of a
# second of a check of 10,000 posts), and held in less than a megabyte
@lru_cache(maxsize=4096)
def localize(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """Wall clock -> aware datetime; a skipped time is an error (raised again at each
    call: an exception is never cached), a doubled one takes the first."""
    local = datetime.combine(day, clock, tzinfo=tz)  # fold=0: the first of two
    back = local.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise TimeError(
            f"{day.isoformat()} {clock.strftime('%H:%M')} does not exist in {tz.key}: "
            "the clocks jump over it (daylight saving)"
        )
    return local


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def pinned_time() -> datetime | None:
    """`SOURCE_DATE_EPOCH` when set: the moment a reproducible build is made at."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else None


def build_time() -> datetime:
    """`SOURCE_DATE_EPOCH` when set (reproducible builds), else now."""
    return pinned_time() or datetime.now(UTC)
