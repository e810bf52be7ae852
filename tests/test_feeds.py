"""iCal feeds (SPEC §4): the planned instants, and the wire rules every client relies on.

The occurrences are checked against values computed by hand (Jerusalem's clocks jump
on Friday 26 March 2027 at 02:00 and go back on Sunday 31 October at 02:00;
Amsterdam's on 28 March and 31 October), then every `.ics` of a build byte by byte:
line ends, folding, time forms, VTIMEZONEs, the calendar's own properties, STATUS,
SUMMARY, all-day events, UIDs and control characters.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from feed_builds import (
    HEBREW_LONG,
    JERUSALEM,
    REPO,
    Built,
    build,
    build_example,
    build_jerusalem,
    make_repo,
)

from smcycle_build.feeds.ical import GOOGLE_LIMIT


@pytest.fixture(scope="module")
def example() -> Built:
    return build_example()


@pytest.fixture(scope="module")
def jerusalem(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_jerusalem(tmp_path_factory.mktemp("jerusalem") / "repo")


def z(text: str) -> datetime:
    """`2027-03-26 07:00` as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def instants(built: Built, post: str, channel: str) -> list[datetime]:
    return [o.utc for o in built.plan.by_post[post] if o.channel == channel]


def weekly(first: date, last: date, skip: tuple[date, ...] = ()) -> list[date]:
    days, day = [], first
    while day <= last:
        if day not in skip:
            days.append(day)
        day += timedelta(days=7)
    return days


# --- 1. occurrences, computed by hand ---------------------------------------------------------


def test_single_posts_on_the_daylight_saving_days(jerusalem: Built) -> None:
    assert instants(jerusalem, "spring-day", "x") == [z("2027-03-26 07:00")]  # 10:00 IDT
    assert instants(jerusalem, "spring-day", "website") == [z("2027-03-26 07:00")]
    assert instants(jerusalem, "spring-night", "x") == [z("2027-03-25 23:30")]  # 01:30 IST
    assert instants(jerusalem, "autumn-day", "x") == [z("2027-10-31 08:00")]  # 10:00 IST
    # 01:30 happens twice on 31 October: the first, still on summer time (+03:00)
    assert instants(jerusalem, "autumn-ambiguous", "x") == [z("2027-10-30 22:30")]


def test_weekly_series_keeps_its_wall_clock_across_both_changes(jerusalem: Built) -> None:
    """Fridays 10:00: 08:00Z in winter, 07:00Z from 26 March to 29 October; 16 April left out."""
    summer = (date(2027, 3, 26), date(2027, 10, 29))
    expected = [
        datetime(d.year, d.month, d.day, 7 if summer[0] <= d <= summer[1] else 8, tzinfo=UTC)
        for d in weekly(date(2027, 3, 5), date(2027, 11, 26), skip=(date(2027, 4, 16),))
    ]
    for channel in ("x", "website"):
        assert instants(jerusalem, "fridays", channel) == expected
    assert len(expected) == 38
    assert z("2027-04-16 07:00") not in expected  # the `except` date
    assert expected[-1] == z("2027-11-26 08:00")  # `until` includes its day


def test_until_includes_its_whole_local_day(jerusalem: Built) -> None:
    """Daily 01:30 until 5 June: five nights, the last at 22:30Z on 4 June (not 6 June's)."""
    assert instants(jerusalem, "late-nights", "x") == [
        z(f"2027-{d} 22:30") for d in ("05-31", "06-01", "06-02", "06-03", "06-04")
    ]


def test_series_with_count_across_the_spring_change(jerusalem: Built) -> None:
    days = ["03-22", "03-24", "03-29", "03-31", "04-05", "04-07", "04-12", "04-14"]
    days += ["04-19", "04-21"]
    hours = [16, 16] + [15] * 8  # 18:00 IST, then 18:00 IDT
    assert instants(jerusalem, "counted", "x") == [
        z(f"2027-{d} {h}:00") for d, h in zip(days, hours, strict=True)
    ]


def test_monthly_series_skips_months_without_the_day(jerusalem: Built) -> None:
    """The 31st, six times: February, April, June and September have none (RFC 5545)."""
    assert instants(jerusalem, "month-ends", "website") == [
        z("2027-01-31 08:00"),
        z("2027-03-31 07:00"),
        z("2027-05-31 07:00"),
        z("2027-07-31 07:00"),
        z("2027-08-31 07:00"),
        z("2027-10-31 08:00"),  # the day the clocks go back: 10:00 is winter time again
    ]


def test_interval_two_across_the_autumn_change(jerusalem: Built) -> None:
    summer = ["09-07", "09-09", "09-21", "09-23", "10-05", "10-07", "10-19", "10-21"]
    winter = ["11-02", "11-04", "11-16", "11-18", "11-30"]  # 2 December is after `until`
    assert instants(jerusalem, "fortnightly", "x") == [z(f"2027-{d} 15:00") for d in summer] + [
        z(f"2027-{d} 16:00") for d in winter
    ]


def test_series_over_three_years(jerusalem: Built) -> None:
    """Every third month from 15 April 2027, 13 times: summer time in April, July, October."""
    hours = {1: 8, 4: 7, 7: 7, 10: 7}  # 15 October is still summer time in Israel
    expected = [
        datetime(2027 + (3 + 3 * n) // 12, (3 + 3 * n) % 12 + 1, 15, tzinfo=UTC) for n in range(13)
    ]
    expected = [d.replace(hour=hours[d.month]) for d in expected]
    assert instants(jerusalem, "quarterly", "website") == expected
    assert expected[-1] == z("2030-04-15 07:00")  # past where the VTIMEZONE used to end


def test_series_written_with_an_offset_keeps_the_playbooks_wall_clock(jerusalem: Built) -> None:
    """Regression: the plan repeated the fixed +02:00 (08:00Z) where every client read 07:00Z."""
    assert instants(jerusalem, "offset-series", "website") == [
        z("2027-03-19 08:00"),
        z("2027-03-26 07:00"),
        z("2027-04-02 07:00"),
    ]


def test_post_written_in_utc_falls_on_its_local_day(jerusalem: Built) -> None:
    """Regression: 22:30Z on 31 May is 1 June in Jerusalem, for the day and month views too."""
    (occ,) = jerusalem.plan.by_post["offset-single"]
    assert occ.utc == z("2027-05-31 22:30")
    assert occ.day == date(2027, 6, 1)
    assert occ in jerusalem.plan.by_month["2027-06"]


def test_example_series_in_amsterdam(example: Built) -> None:
    rides = instants(example, "saturday-coffee-ride", "facebook")
    assert len(rides) == 51  # every Saturday of 2027 but Christmas
    assert rides[0] == z("2027-01-02 06:30")  # 07:30 CET
    assert z("2027-03-27 06:30") in rides  # the day before the change
    assert z("2027-04-03 05:30") in rides  # 07:30 CEST
    assert z("2027-10-30 05:30") in rides
    assert z("2027-11-06 06:30") in rides
    assert z("2027-12-25 06:30") not in rides
    assert rides[-1] == z("2027-12-18 06:30")
    assert instants(example, "saturday-coffee-ride", "x")[1] == z("2027-01-09 06:00")  # at 07:00
    abc = instants(example, "abc-check", "instagram")
    assert abc[0] == z("2027-01-01 11:30") and abc[3] == z("2027-04-01 10:30")
    assert abc[-1] == z("2027-12-01 11:30") and len(abc) == 12


# --- 5. the wire rules, on every feed ---------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def content_lines(data: bytes) -> list[str]:
    """Unfolded lines: a line starting with a space continues the one before (RFC 5545 3.1)."""
    out: list[str] = []
    for line in physical_lines(data):
        text = line.decode("utf-8")
        if text.startswith((" ", "\t")):
            out[-1] += text[1:]
        else:
            out.append(text)
    return out


def split(line: str) -> tuple[str, dict[str, str], str]:
    """`NAME;P=V:value` -> (NAME, {P: V}, value); no quoted parameters in these feeds."""
    head, _, value = line.partition(":")
    name, *params = head.split(";")
    return name.upper(), dict(p.split("=", 1) for p in params), value


def components(data: bytes) -> list[tuple[str, list[tuple[str, dict[str, str], str]]]]:
    """Every component with its own properties (not its children's), outermost first."""
    stack: list[tuple[str, list]] = []
    done = []
    for line in content_lines(data):
        name, params, value = split(line)
        if name == "BEGIN":
            stack.append((value, []))
            done.append(stack[-1])
        elif name == "END":
            assert stack and stack[-1][0] == value, f"END:{value} does not close its BEGIN"
            stack.pop()
        else:
            stack[-1][1].append((name, params, value))
    assert not stack
    return done


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def every_feed(built: Built):
    for path in built.feeds():
        yield path, built.out.files[path]


@pytest.fixture(scope="module", params=["example", "jerusalem"])
def feeds(request, example: Built, jerusalem: Built):
    built = example if request.param == "example" else jerusalem
    return built, list(every_feed(built))


def test_every_feed_of_spec_section_4(example: Built) -> None:
    m = example.model
    assert set(example.feeds()) == {"calendar.ics"} | {
        f"{kind}/{i}.ics"
        for kind, ids in (("channels", m.channels), ("campaigns", m.campaigns))
        for i in ids
    } | {f"audiences/{i}.ics" for i in m.audiences}


def test_crlf_line_ends_and_no_bare_lf_or_cr(feeds) -> None:
    for path, data in feeds[1]:
        assert data.endswith(b"\r\n"), path
        for line in physical_lines(data):
            assert b"\n" not in line and b"\r" not in line, (path, line[:80])


def test_lines_folded_at_75_octets_without_splitting_a_character(feeds) -> None:
    for path, data in feeds[1]:
        for line in physical_lines(data):
            assert len(line) <= 75, (path, line)
            line.decode("utf-8")  # a character split by folding would not decode


def test_folding_of_long_non_ascii_text(example: Built, jerusalem: Built) -> None:
    """Hebrew (two octets a letter) and the example's emoji and dashes fold between characters."""
    data = jerusalem.out.files["channels/website.ics"]
    assert f"DESCRIPTION:{HEBREW_LONG.replace(',', chr(92) + ',')}" in content_lines(data)
    folded = [line for line in physical_lines(data) if line.startswith(b" ") and not line.isascii()]
    assert len(folded) >= 5 and all(len(line) in (74, 75) for line in folded[:-1])
    lines = physical_lines(example.out.files["calendar.ics"])
    assert any(len(line) >= 74 and not line.isascii() for line in lines)


def test_times_are_utc_dates_or_carry_a_tzid(feeds) -> None:
    for path, data in feeds[1]:
        tzids = vtimezones(data)
        for comp, props in components(data):
            if comp in ("STANDARD", "DAYLIGHT", "VTIMEZONE"):  # local times by definition
                continue
            for name, params, value in props:
                if name == "DTSTAMP":
                    assert re.fullmatch(r"\d{8}T\d{6}Z", value), (path, value)
                if name in ("DTSTART", "DTEND", "EXDATE", "RDATE", "RECURRENCE-ID"):
                    if params.get("VALUE") == "DATE":
                        assert re.fullmatch(r"\d{8}", value), (path, name, value)
                    elif "TZID" in params:
                        assert re.fullmatch(r"\d{8}T\d{6}", value), (path, name, value)
                        assert params["TZID"] in tzids, (path, params)
                    else:  # never floating
                        assert re.fullmatch(r"\d{8}T\d{6}Z", value), (path, name, value)


def vtimezones(data: bytes) -> set[str]:
    return {
        v
        for comp, props in components(data)
        if comp == "VTIMEZONE"
        for n, _, v in props
        if n == "TZID"
    }


def test_every_tzid_has_its_vtimezone_and_one_rdate_a_line(feeds) -> None:
    for path, data in feeds[1]:
        used = {p["TZID"] for _, props in components(data) for _, p, _ in props if "TZID" in p}
        defined = vtimezones(data)
        assert used == defined, path  # none missing, none unused
        for comp, props in components(data):
            if comp in ("STANDARD", "DAYLIGHT"):
                for name, _, value in props:
                    # ical.js reads only the first value of a multi-value RDATE
                    assert not (name == "RDATE" and "," in value), (path, value)


def test_a_vtimezone_only_where_a_series_needs_it(example: Built) -> None:
    with_tz = {p for p, data in every_feed(example) if b"BEGIN:VTIMEZONE" in data}
    assert "channels/facebook.ics" in with_tz  # the Saturday Coffee Ride
    assert "campaigns/spring-tune-up.ics" not in with_tz  # single posts only: all UTC


def test_vtimezone_covers_every_occurrence_of_a_counted_series(tmp_path: Path) -> None:
    """Regression: a counted series that ran past the next year fell off the VTIMEZONE, where
    ical.js and libical keep the last offset (summer 2030 came out an hour late)."""
    root = make_repo(
        tmp_path / "repo",
        {
            "content/posts/long.yaml": """
                title: Long
                date: "2027-06-15 10:00"
                repeat: {freq: monthly, count: 40}
                variants:
                  x: {text: "Forty months"}
                """,
        },
    )
    built = build(root)
    assert built.plan.by_post["long"][-1].day == date(2030, 9, 15)
    data = built.out.files["channels/x.ics"].decode()
    years = {
        int(y)
        for y in re.findall(r"\n(?:DTSTART|RDATE):(\d{4})\d{4}T", data.split("END:VTIMEZONE")[0])
    }
    assert max(years) >= 2030


def test_calendar_properties(feeds) -> None:
    built, files = feeds
    for path, data in files:
        comp, props = components(data)[0]
        assert comp == "VCALENDAR"
        names = [n for n, _, _ in props]
        for name in ("VERSION", "PRODID", "METHOD", "NAME", "X-WR-CALNAME"):
            assert names.count(name) == 1, (path, name)
        got = {n: (p, v) for n, p, v in props}
        assert got["VERSION"][1] == "2.0" and got["METHOD"][1] == "PUBLISH"
        assert got["NAME"][1] == got["X-WR-CALNAME"][1]
        assert got["NAME"][1].startswith(built.model.playbook.title)
        assert got["REFRESH-INTERVAL"] == ({"VALUE": "DURATION"}, "PT4H")
        assert got["X-PUBLISHED-TTL"][1] == "PT4H"
    names = {p: components(d)[0][1] for p, d in files}
    if built.model.playbook.title == "Jerusalem test":
        assert ("X-WR-CALNAME", {}, "Jerusalem test · X") in names["channels/x.ics"]


def post_events(built: Built, data: bytes):
    """(post, channel id, properties) of each post's VEVENT in a feed."""
    suffix = f"@{built.host}"
    for comp, props in components(data):
        if comp != "VEVENT":
            continue
        uid = next(v for n, _, v in props if n == "UID")
        post_id, _, channel = uid.removesuffix(suffix).partition(".")
        if post_id in built.model.posts:
            yield built.model.posts[post_id], channel, {n: (p, v) for n, p, v in props}


def test_status_and_summary_of_every_post(feeds) -> None:
    built, files = feeds
    status = {"idea": "TENTATIVE", "draft": "TENTATIVE", "review": "TENTATIVE"}
    status |= {"cancelled": "CANCELLED"}
    seen_status = set()
    count = 0
    for path, data in files:
        for post, channel, props in post_events(built, data):
            count += 1
            want = status.get(post.status, "CONFIRMED")
            assert props["STATUS"][1] == want, (path, post.id, post.status)
            seen_status.add(post.status)
            name = built.model.channels[channel].name
            title = _CONTROL.sub("", post.title)
            assert unescape(props["SUMMARY"][1]) == f"[{name}] {title}", (path, post.id)
            assert props["UID"][1] == f"{post.id}.{channel}@{built.host}"
    assert count
    if built.model.playbook.title == "Jerusalem test":  # every status appears there
        assert {"idea", "draft", "review", "approved", "scheduled", "published"} <= seen_status
        assert "cancelled" in seen_status


def test_series_carry_rrule_exdate_and_a_utc_until(jerusalem: Built) -> None:
    events = {
        p.id + "." + c: props
        for p, c, props in post_events(jerusalem, jerusalem.out.files["calendar.ics"])
    }
    fridays = events["fridays.x"]
    assert fridays["DTSTART"] == ({"TZID": "Asia/Jerusalem"}, "20270305T100000")
    # until 26 November, whole local day: 23:59:59 IST is 21:59:59Z
    assert fridays["RRULE"][1] == "FREQ=WEEKLY;UNTIL=20271126T215959Z;BYDAY=FR"
    assert fridays["EXDATE"] == ({"TZID": "Asia/Jerusalem"}, "20270416T100000")
    assert events["counted.x"]["RRULE"][1] == "FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE"
    assert events["fortnightly.x"]["RRULE"][1] == (
        "FREQ=WEEKLY;UNTIL=20271201T215959Z;INTERVAL=2;BYDAY=TU,TH"
    )
    # a single post is written in UTC: nothing for a client to interpret
    assert events["autumn-ambiguous.x"]["DTSTART"] == ({}, "20271030T223000Z")


def test_all_day_events(feeds) -> None:
    built, files = feeds
    data = dict(files)["calendar.ics"]
    all_day = []
    for comp, props in components(data):
        got = {n: (p, v) for n, p, v in props}
        if comp != "VEVENT" or got["DTSTART"][0].get("VALUE") != "DATE":
            continue
        assert got["DTEND"][0] == {"VALUE": "DATE"}, got["UID"]
        first, end = (date.fromisoformat(got[k][1]) for k in ("DTSTART", "DTEND"))
        assert end > first
        assert got["TRANSP"][1] == "TRANSPARENT"
        all_day.append((got["UID"][1], first, end))
    host = built.host
    by_uid = {uid: (first, end) for uid, first, end in all_day}
    assert len(by_uid) == len(all_day)
    for camp in built.model.campaigns.values():
        # the "during" phase: DTEND is the day after the campaign's last day
        assert by_uid[f"campaign.{camp.id}.during@{host}"] == (camp.start, camp.end + timedelta(1))
    phases = len(built.plan.phases)
    milestones = sum(len(c.milestones) for c in built.model.campaigns.values())
    surveys, topics = len(built.model.listening.surveys), len(built.model.themes)
    assert len(all_day) == phases + milestones + surveys + topics
    if built.model.playbook.title == "Jerusalem test":
        # two milestones of one title keep two UIDs; a topic covers its whole month
        assert {
            "milestone.spring.clocks-jump@" + host,
            "milestone.spring.clocks-jump-2@" + host,
        } <= set(by_uid)
        assert by_uid["topic.2027-10.autumn@" + host] == (date(2027, 10, 1), date(2027, 11, 1))
        assert by_uid["survey.rider-survey@" + host] == (date(2027, 10, 31), date(2027, 11, 1))


def test_uids_unique_within_each_feed(feeds) -> None:
    for path, data in feeds[1]:
        uids = [
            v
            for comp, props in components(data)
            if comp == "VEVENT"
            for n, _, v in props
            if n == "UID"
        ]
        assert uids and len(uids) == len(set(uids)), path


def test_no_control_characters(feeds) -> None:
    for path, data in feeds[1]:
        for line in content_lines(data):
            assert not _CONTROL.search(line), (path, line)


def test_control_characters_are_stripped_from_text(jerusalem: Built) -> None:
    """\\x07 (bell) and \\x1b (escape) in a title and a text are gone, the rest is kept."""
    data = jerusalem.out.files["channels/x.ics"]
    assert b"\x07" not in data and b"\x1b" not in data
    lines = content_lines(data)
    assert "SUMMARY:[X] Noisy title" in lines
    assert "DESCRIPTION:Ring the [1mbell" in lines


def test_dtstamp_is_the_build_time_in_utc(jerusalem: Built) -> None:
    lines = content_lines(jerusalem.out.files["calendar.ics"])
    assert {line for line in lines if line.startswith("DTSTAMP")} == {"DTSTAMP:20270115T090000Z"}


# --- 6. stable UIDs, reproducible builds ------------------------------------------------------


def uid_starts(data: bytes) -> dict[str, str]:
    out = {}
    for comp, props in components(data):
        if comp == "VEVENT":
            got = {n: v for n, _, v in props}
            out[got["UID"]] = got["DTSTART"]
    return out


def test_moving_a_post_keeps_its_uid(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", JERUSALEM)
    before = uid_starts(build(root).out.files["calendar.ics"])
    moved = {
        "content/posts/spring-day.yaml": JERUSALEM["content/posts/spring-day.yaml"].replace(
            "2027-03-26 10:00", "2027-04-02 11:00"
        ),
        "content/posts/fridays.yaml": JERUSALEM["content/posts/fridays.yaml"].replace(
            "2027-03-05 10:00", "2027-03-12 09:00"
        ),
    }
    after = uid_starts(build(make_repo(root, moved)).out.files["calendar.ics"])
    assert set(after) == set(before)
    host = "feeds.example.org"
    assert before[f"spring-day.x@{host}"] == "20270326T070000Z"
    assert after[f"spring-day.x@{host}"] == "20270402T080000Z"
    assert after[f"fridays.website@{host}"] == "20270312T090000"
    changed = {uid for uid in before if before[uid] != after[uid]}
    assert changed == {
        f"{p}.{c}@{host}"
        for p, c in [
            ("spring-day", "x"),
            ("spring-day", "website"),
            ("fridays", "x"),
            ("fridays", "website"),
        ]
    }


def test_two_builds_with_one_source_date_epoch_are_byte_identical(tmp_path: Path) -> None:
    """`smcycle build` twice in fresh processes, with other hash seeds and machine time zones."""
    outs = []
    for n, (seed, tz) in enumerate((("1", "UTC"), ("2", "Asia/Tokyo"))):
        out = tmp_path / f"out{n}"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1800000000", "PYTHONHASHSEED": seed, "TZ": tz}
        run = subprocess.run(
            [sys.executable, "-m", "smcycle_build", "build", "--out", str(out)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        outs.append(out)
    files = [sorted(p.relative_to(o).as_posix() for p in o.rglob("*") if p.is_file()) for o in outs]
    assert files[0] == files[1]
    assert "calendar.ics" in files[0] and "channels/x.csv" in files[0]
    different = [f for f in files[0] if (outs[0] / f).read_bytes() != (outs[1] / f).read_bytes()]
    assert different == []
    assert b"DTSTAMP:20270115T080000Z" in (outs[0] / "calendar.ics").read_bytes()


# --- 7. a feed Google Calendar would drop -------------------------------------------------------


def test_feed_over_one_megabyte_is_a_warning(tmp_path: Path) -> None:
    text = "A long website article, written out in full for the feed. " * 300  # ~18 KB
    posts = {
        f"content/posts/long-{n:02d}.yaml": f"""
            title: Long {n}
            date: "2027-05-{n % 28 + 1:02d} 09:00"
            audience: riders
            variants:
              website: {{text: "{n} {text}"}}
            """
        for n in range(60)
    }
    built = build(make_repo(tmp_path / "repo", posts))
    sizes = {p: len(built.out.files[p]) for p in built.feeds()}
    warned = {d.message.split(" ")[0]: d for d in built.diagnostics if d.rule == "feed-size"}
    assert sizes["calendar.ics"] > GOOGLE_LIMIT
    assert set(warned) == {p for p, size in sizes.items() if size > GOOGLE_LIMIT}
    assert {"calendar.ics", "channels/website.ics", "audiences/riders.ics"} <= set(warned)
    note = warned["calendar.ics"]
    assert note.severity == "warning" and note.path == "content/playbook.yaml"
    assert "Google Calendar drops events from feeds over about 1 MB" in note.message
    assert "channels/x.ics" not in warned


def test_small_feeds_give_no_size_warning(example: Built) -> None:
    assert not [d for d in example.diagnostics if d.rule == "feed-size"]


def test_a_series_event_in_a_feed_without_its_vtimezone_is_refused(monkeypatch) -> None:
    """`feeds()` foresees from the model which feeds hold a series, whose TZID names the
    VTIMEZONE at their head; the writer refuses a feed it did not foresee so, in the feed
    of everything or in another, rather than write times no client can read."""
    import dataclasses
    import io

    from smcycle_build.feeds.ical import FeedWriter
    from smcycle_build.routes import Links

    built = build_example()
    model = built.model
    now = datetime(2027, 1, 5, tzinfo=UTC)
    writer = FeedWriter(model, built.plan, Links(model.playbook.base_url), now)
    real = writer.feeds()
    assert real[0].series and sum(feed.series for feed in real) > 1
    for keep in (0, 1):  # none foreseen; only the feed of everything
        wrong = real[:keep] + [dataclasses.replace(feed, series=False) for feed in real[keep:]]
        monkeypatch.setattr(writer, "feeds", lambda wrong=wrong: wrong)
        with pytest.raises(AssertionError, match="but no VTIMEZONE"):
            writer.write_all(lambda path: io.BytesIO())
