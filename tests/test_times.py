"""Time handling: local times in the playbook's zone, offsets, DST gaps and overlaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from smcycle_build.times import (
    Moment,
    TimeError,
    localize,
    parse_at,
    parse_clock,
    parse_date,
    parse_moment,
    parse_month,
    parse_zone,
)

AMS = ZoneInfo("Europe/Amsterdam")
JLM = ZoneInfo("Asia/Jerusalem")


@pytest.mark.parametrize("written", ["2027-03-10 09:00", "2027-03-10T09:00", "2027-03-10T09:00:00"])
def test_the_three_local_forms_are_one_instant(written: str) -> None:
    when = parse_moment(written).resolve(AMS, time(12, 0))
    assert when.astimezone(UTC) == datetime(2027, 3, 10, 8, 0, tzinfo=UTC)


def test_offset_is_that_instant_whatever_the_zone() -> None:
    assert parse_moment("2027-03-10T09:00+02:00").resolve(AMS, time(12)).astimezone(
        UTC
    ) == datetime(2027, 3, 10, 7, 0, tzinfo=UTC)
    assert parse_moment("2027-03-10T09:00Z").resolve(JLM, time(12)).astimezone(UTC) == datetime(
        2027, 3, 10, 9, 0, tzinfo=UTC
    )


def test_bare_date_takes_the_default_clock() -> None:
    m = parse_moment("2027-07-01")
    assert m == Moment(date(2027, 7, 1))
    assert m.resolve(JLM, time(18, 30)).astimezone(UTC) == datetime(2027, 7, 1, 15, 30, tzinfo=UTC)


def test_dst_gap_is_an_error() -> None:
    # Amsterdam jumps from 02:00 to 03:00 on 2027-03-28: an error each time it is asked
    # for (what is found is remembered; an error is not)
    for _ in range(2):
        with pytest.raises(TimeError, match="does not exist in Europe/Amsterdam"):
            localize(date(2027, 3, 28), time(2, 30), AMS)
    # Jerusalem jumps on Friday 2027-03-26
    with pytest.raises(TimeError, match="daylight saving"):
        localize(date(2027, 3, 26), time(2, 15), JLM)


def test_ambiguous_time_takes_the_first() -> None:
    # Amsterdam repeats 02:00-03:00 on 2027-10-31: the first is still summer time (UTC+2)
    first = localize(date(2027, 10, 31), time(2, 30), AMS)
    assert first.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert first.utcoffset() == timedelta(hours=2)


def test_clock_forms() -> None:
    assert parse_clock("09:05") == time(9, 5)
    assert parse_clock("9:05") == time(9, 5)
    for bad in ("25:00", "12:60", "noon", 750, True):
        with pytest.raises(TimeError):
            parse_clock(bad)


def test_invalid_dates() -> None:
    for bad in ("2027-02-30", "2027-13-01", "10/03/2027", 2027, None):
        with pytest.raises(TimeError):
            parse_date(bad)
    with pytest.raises(TimeError, match="not a date"):
        parse_moment("2027-02-29 10:00")


def test_month() -> None:
    assert parse_month("2027-04") == "2027-04"
    with pytest.raises(TimeError):
        parse_month("2027-13")


def test_zone() -> None:
    assert parse_zone("Asia/Jerusalem").key == "Asia/Jerusalem"
    for bad in ("Mars/Olympus", "../../etc/passwd", "", 5):
        with pytest.raises(TimeError):
            parse_zone(bad)


def test_at_is_a_clock_or_a_moment() -> None:
    assert parse_at("18:30") == time(18, 30)
    assert parse_at("2027-03-11 18:30") == Moment(date(2027, 3, 11), time(18, 30))
