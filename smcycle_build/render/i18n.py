"""UI strings per language, and dates, months and weeks as the playbook's locale writes them.

Strings live in the theme's `i18n/LANG.yaml` (adding a language is adding a
file); Babel knows month names, date formats, the first day of the week and
the direction of the script.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

import yaml
from babel import Locale as BabelLocale
from babel import UnknownLocaleError
from babel.core import get_global
from babel.dates import (
    format_date,
    format_datetime,
    format_skeleton,
    format_time,
    get_datetime_format,
    get_time_format,
    tokenize_pattern,
)
from markupsafe import Markup, escape

from ..errors import SmcycleError


def babel_locale(tag: str) -> BabelLocale:
    """`he` -> he_IL (for its first weekday), `en-NL` -> en_NL; unknown -> English."""
    try:
        loc = BabelLocale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        loc = BabelLocale.parse("en")
    if loc.territory is None:
        likely = get_global("likely_subtags").get(loc.language)
        if likely:
            full = BabelLocale.parse(likely)
            with contextlib.suppress(UnknownLocaleError):  # keep the bare language
                loc = BabelLocale(loc.language, territory=full.territory)
    return loc


@dataclass(frozen=True)
class Strings:
    """A language's UI strings, falling back to English for a key it lacks."""

    lang: str
    table: dict[str, str]
    fallback: dict[str, str]

    def __call__(self, key: str, **values: object) -> str:
        text = self.table.get(key, self.fallback.get(key))
        if text is None:
            raise KeyError(f"no UI string `{key}`")
        return text.format(**values) if values else text


def read_strings(path: str) -> dict[str, str]:
    """A strings file: texts by key. StringsError, at its line, when it is none (it does
    not parse, it is not UTF-8, it is no mapping)."""
    from ..readfile import read_regular
    from .theme_errors import StringsError

    try:
        data = yaml.load(read_regular(path).decode("utf-8"), Loader=yaml.CSafeLoader)
    except UnicodeDecodeError:
        raise StringsError("the strings file is not UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        said = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise StringsError(f"YAML does not parse: {said}", line) from None
    except (OSError, RecursionError) as exc:
        raise StringsError(f"cannot read the file: {getattr(exc, 'strerror', exc)}") from None
    if not isinstance(data, dict):
        raise StringsError("the strings file must map keys to texts")
    return {str(k): str(v) for k, v in data.items()}


def load_strings(theme_dirs: list[Path], tag: str) -> Strings:
    """The strings for `tag` (`en-NL` falls back to `en`), the first file found in the themes.

    A repository's own strings file that cannot be read (theme_errors.ThemeFiles says
    why: the build then fails) is passed by; the built-in theme's is smcycle's bug."""
    from ..readfile import unsafe
    from .theme_errors import StringsError

    def read(lang: str) -> dict[str, str] | None:
        """The theme's strings with the site's own laid over them, key by key."""
        table: dict[str, str] | None = None
        for folder in reversed(theme_dirs):  # built-in first
            path = folder / "i18n" / f"{lang}.yaml"
            if not os.path.lexists(path):
                continue
            own = folder != theme_dirs[-1]
            if own and unsafe(str(path), str(folder)) is not None:
                continue
            try:
                strings = read_strings(str(path))
            except StringsError as exc:
                if own:
                    continue
                raise SmcycleError(f"{path}: {exc}") from None
            table = {**(table or {}), **strings}
        return table

    english = read("en")
    if english is None:
        raise SmcycleError("the theme has no i18n/en.yaml")
    primary = tag.split("-")[0].lower()
    table = read(tag) or read(primary) or english
    return Strings(tag if table is not english else "en", table, english)


# the pattern letters of a time of day: hours, minutes, seconds, fractions, day periods
_CLOCK_FIELDS = "HhKkmsSAaBb"


class Locale:
    """Formats dates the playbook's way; says which way the script runs."""

    def __init__(self, tag: str, strings: Strings) -> None:
        self.tag = tag
        self.t = strings
        self.babel = babel_locale(tag)
        self.rtl = self.babel.character_order == "right-to-left"
        self.direction = "rtl" if self.rtl else "ltr"
        self.first_weekday = self.babel.first_week_day  # 0 = Monday
        # a five-year plan has a few thousand days and tens of thousands of posts: each
        # day is formatted once (Babel's formatter costs a fifth of a cold build's Jinja)
        self._dates: dict[tuple[date, str], str] = {}
        # a moment by its wall clock and zone: forty thousand occurrences, a few
        # thousand distinct moments (Babel's pattern formatter, 0.5 CPU s a cold build)
        self._moments: dict[tuple[datetime, int, tzinfo | None], str] = {}
        # ... or, where the locale's medium time shows the clock alone (no zone), made
        # as Babel makes it of its date and its time of day, each formatted once: ten
        # thousand posts have thousands of moments but a few hundred days and times
        clock = get_time_format("medium", locale=self.babel).pattern
        fields = {value[0] for kind, value in tokenize_pattern(clock) if kind == "field"}
        self._clock_only = fields <= set(_CLOCK_FIELDS)
        self._joined = str(get_datetime_format("medium", locale=self.babel)).replace("'", "")
        self._clocks: dict[tuple[int, int, int, int], str] = {}
        self._weekdays: dict[str, tuple[str, ...]] = {}  # the names of Monday..Sunday

    def month(self, month: int, width: str = "wide") -> str:
        return self.babel.months["stand-alone"][width][month]

    def month_year(self, day: date) -> str:
        return format_skeleton("yMMMM", day, locale=self.babel)

    def date(self, day: date, fmt: str = "medium") -> str:
        key = (day, fmt)
        text = self._dates.get(key)
        if text is None:
            text = self._dates[key] = format_date(day, format=fmt, locale=self.babel)
        return text

    def day_month(self, day: date) -> str:
        return format_skeleton("MMMd", day, locale=self.babel)

    def weekday(self, day: date, width: str = "abbreviated") -> str:
        # each occurrence of a schedule or a calendar shows its weekday: Babel's locale
        # data resolves three lookups a name (0.1 CPU s a cold build), so seven are kept
        names = self._weekdays.get(width)
        if names is None:
            days = self.babel.days["format"][width]
            names = self._weekdays[width] = tuple(days[i] for i in range(7))
        return names[day.weekday()]

    def weekday_names(self, width: str = "abbreviated") -> list[str]:
        names = self.babel.days["stand-alone"][width]
        return [names[(self.first_weekday + i) % 7] for i in range(7)]

    def time(self, moment: datetime) -> str:
        # a schedule is read in 24-hour time everywhere; strftime("%H:%M"), five times faster
        return f"{moment.hour:02d}:{moment.minute:02d}"

    def when(self, moment: datetime) -> str:
        """A post's day and time of day as every schedule shows it: the medium date and the
        24-hour clock, joined as the locale joins a date and a time ("1 Mar 2027, 09:00").
        Babel's medium date-time adds the seconds, which no post is planned to."""
        return self._joined.replace("{0}", self.time(moment)).replace(
            "{1}", self.date(moment.date())
        )

    def datetime(self, moment: datetime) -> str:
        """Babel's `format_datetime(moment, "medium")`."""
        if self._clock_only:
            clock = (moment.hour, moment.minute, moment.second, moment.microsecond)
            time = self._clocks.get(clock)
            if time is None:
                time = self._clocks[clock] = format_time(moment, "medium", locale=self.babel)
            return self._joined.replace("{0}", time).replace("{1}", self.date(moment.date()))
        # wall clock, fold (an hour that happens twice; naive datetimes compare equal
        # across it) and zone: equal keys only for moments Babel writes alike
        key = (moment.replace(tzinfo=None), moment.fold, moment.tzinfo)
        text = self._moments.get(key)
        if text is None:
            text = self._moments[key] = format_datetime(moment, format="medium", locale=self.babel)
        return text

    def number(self, value: float) -> str:
        from babel.numbers import format_decimal

        return format_decimal(value, locale=self.babel)

    def markup(self, key: str, **values: object) -> Markup:
        """A UI string with escaped values in it."""
        return Markup(escape(self.t(key))).format(**values) if values else Markup(self.t(key))
