"""The feeds read by real calendar clients give exactly the planned instants (SPEC §4).

Each client in its own tests, so a failure names it: Python's `icalendar` with
`recurring-ical-events` (what most Python tools use), the strict `ical` package
(Home Assistant's), `vobject` (Radicale's and many others'), Mozilla's ical.js
(Thunderbird), libical (GNOME/Evolution) and a Radicale CalDAV server that imports a
whole feed. Each expands every series up to `HORIZON_END`, well past the last
occurrence, and must find the plan's (UID, start, end) of every post occurrence and
the days of every all-day event, no more, no fewer.
"""

from __future__ import annotations

import base64
import http.client
import json
import shutil
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from feed_builds import (
    HORIZON_END,
    HORIZON_START,
    REPO,
    Built,
    as_events,
    build_example,
    build_jerusalem,
    instant,
    need,
    need_module,
)

SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with the libical GObject bindings
NODE_SCRIPT = REPO / "tests" / "js" / "expand.mjs"
LIBICAL_SCRIPT = REPO / "tests" / "libical" / "expand.py"

# the four kinds of feed of both playbooks
FEEDS = [
    ("example", "calendar.ics"),
    ("example", "channels/instagram.ics"),
    ("example", "campaigns/spring-tune-up.ics"),
    ("example", "audiences/club-riders.ics"),
    ("jerusalem", "calendar.ics"),
    ("jerusalem", "channels/x.ics"),
    ("jerusalem", "campaigns/spring.ics"),
    ("jerusalem", "audiences/riders.ics"),
]
IDS = [f"{name}:{feed}" for name, feed in FEEDS]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    return {
        "example": build_example(),
        "jerusalem": build_jerusalem(tmp_path_factory.mktemp("jerusalem") / "repo"),
    }


@pytest.fixture(scope="module")
def feed_files(builds: dict[str, Built], tmp_path_factory: pytest.TempPathFactory):
    """Every feed of FEEDS written to disk, for the clients that run as programs."""
    root = tmp_path_factory.mktemp("feeds")
    paths = {}
    for name, feed in FEEDS:
        path = root / name / feed
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(builds[name].out.files[feed])
        paths[(name, feed)] = path
    return paths


def check(built: Built, feed: str, rows) -> None:
    expected, found = built.expected(feed), as_events(rows)
    missing, extra = sorted(expected - found), sorted(found - expected)
    assert not missing and not extra, f"missing {missing[:10]}\nunplanned {extra[:10]}"


# --- Python clients, in process ----------------------------------------------------------


def read_recurring_ical_events(text: bytes) -> list:
    icalendar = need_module("icalendar")
    recurring = need_module("recurring_ical_events")
    cal = icalendar.Calendar.from_ical(text)
    return [
        [str(e["UID"]), instant(e["DTSTART"].dt), instant(e["DTEND"].dt)]
        for e in recurring.of(cal).between(HORIZON_START, HORIZON_END)
    ]


def read_ical(text: bytes) -> list:
    stream = need_module("ical.calendar_stream")
    cal = stream.IcsCalendarStream.calendar_from_ics(text.decode("utf-8"))
    timeline = cal.timeline_tz(UTC).overlapping(HORIZON_START, HORIZON_END)
    return [[e.uid, instant(e.start), instant(e.end)] for e in timeline]


def read_vobject(text: bytes) -> list:
    vobject = need_module("vobject")
    rows = []
    for event in vobject.readOne(text.decode("utf-8")).vevent_list:
        start = event.dtstart.value
        length = event.dtend.value - start
        rules = event.getrruleset(addRDate=True)
        for when in [start] if rules is None else rules:
            if not isinstance(start, datetime) and isinstance(when, datetime):
                when = when.date()  # an all-day series comes back as midnights
            end = HORIZON_END if isinstance(when, datetime) else HORIZON_END.date()
            if when >= end:
                break
            rows.append([event.uid.value, instant(when), instant(when + length)])
    return rows


@pytest.mark.parametrize(("name", "feed"), FEEDS, ids=IDS)
def test_icalendar_recurring_ical_events(builds, name: str, feed: str) -> None:
    built = builds[name]
    check(built, feed, read_recurring_ical_events(built.out.files[feed]))


@pytest.mark.parametrize(("name", "feed"), FEEDS, ids=IDS)
def test_strict_ical_package(builds, name: str, feed: str) -> None:
    built = builds[name]
    check(built, feed, read_ical(built.out.files[feed]))


@pytest.mark.parametrize(("name", "feed"), FEEDS, ids=IDS)
def test_vobject(builds, name: str, feed: str) -> None:
    built = builds[name]
    check(built, feed, read_vobject(built.out.files[feed]))


# --- Thunderbird's ical.js and GNOME's libical, as programs ----------------------------------


@pytest.fixture(scope="module")
def icaljs(feed_files) -> dict:
    """Every feed expanded by ical.js under node, in one run."""
    node = shutil.which("node")
    need(node is not None, "node is not installed")
    need((REPO / "node_modules" / "ical.js").is_dir(), "ical.js is missing: run `npm ci`")
    run = subprocess.run(
        [node, str(NODE_SCRIPT), HORIZON_END.strftime("%Y-%m-%dT%H:%M:%S")]
        + [str(p) for p in feed_files.values()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, f"ical.js could not read a feed:\n{run.stderr}"
    return json.loads(run.stdout)


@pytest.mark.parametrize(("name", "feed"), FEEDS, ids=IDS)
def test_icaljs_thunderbird(builds, feed_files, icaljs, name: str, feed: str) -> None:
    check(builds[name], feed, icaljs[str(feed_files[(name, feed)])])


@pytest.fixture(scope="module")
def libical(feed_files) -> dict:
    """Every feed expanded by libical through its GObject bindings, in one run."""
    probe = Path(SYSTEM_PYTHON).exists() and (
        subprocess.run(
            [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0')"],
            capture_output=True,
        ).returncode
        == 0
    )
    need(probe, "libical's bindings are missing: apt-get install gir1.2-ical-3.0 python3-gi")
    run = subprocess.run(
        [SYSTEM_PYTHON, str(LIBICAL_SCRIPT), HORIZON_END.strftime("%Y%m%dT%H%M%SZ")]
        + [str(p) for p in feed_files.values()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, f"libical could not read a feed:\n{run.stderr}"
    return json.loads(run.stdout)


@pytest.mark.parametrize(("name", "feed"), FEEDS, ids=IDS)
def test_libical_evolution(builds, feed_files, libical, name: str, feed: str) -> None:
    result = libical[str(feed_files[(name, feed)])]
    assert result["errors"] == [], "libical found errors in the feed"
    check(builds[name], feed, result["rows"])


# --- a CalDAV server that imports a whole feed -------------------------------------------------


class Radicale:
    """A Radicale server on 127.0.0.1, storage in a temporary folder, any user and password."""

    USER = "smcycle"

    def __init__(self, folder: Path) -> None:
        storage, self.log_path = folder / "storage", folder / "radicale.log"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        args = [sys.executable, "-m", "radicale", "--config="]  # no config file of the machine
        args += [f"--server-hosts=127.0.0.1:{self.port}", "--auth-type=none"]
        # Radicale has no `rights none`: owner_only lets the user write under /USER/
        args += ["--rights-type=owner_only", f"--storage-filesystem-folder={storage}"]
        args += ["--logging-level=warning"]
        with self.log_path.open("wb") as log:  # a file, not a pipe: a full pipe would block it
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"Radicale did not start:\n{self.log()}") from None
                time.sleep(0.1)

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str]):
        login = base64.b64encode(f"{self.USER}:x".encode()).decode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body, {"Authorization": f"Basic {login}", **headers})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


REPORT = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data><C:expand start="{start}" end="{end}"/></C:calendar-data></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start}" end="{end}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>
"""


@pytest.mark.parametrize("name", ["example", "jerusalem"])
def test_radicale_caldav_imports_the_whole_feed(builds, tmp_path: Path, name: str) -> None:
    """calendar.ics PUT whole to a collection; a REPORT gives back every UID and instant."""
    need_module("radicale")
    icalendar = need_module("icalendar")
    built = builds[name]
    feed = built.out.files["calendar.ics"]
    server = Radicale(tmp_path)
    try:
        url = f"/{Radicale.USER}/{name}/"  # a new collection: the whole calendar becomes it
        status, body = server.request("PUT", url, feed, {"Content-Type": "text/calendar"})
        assert status == 201, (body, server.log())
        span = {
            k: v.strftime("%Y%m%dT%H%M%SZ")
            for k, v in (("start", HORIZON_START), ("end", HORIZON_END))
        }
        query = REPORT.format(**span).encode()
        status, body = server.request(
            "REPORT", url, query, {"Depth": "1", "Content-Type": "application/xml"}
        )
        assert status == 207, (body, server.log())
    finally:
        server.stop()
    datas = [
        e.text or ""
        for e in ET.fromstring(body).iter("{urn:ietf:params:xml:ns:caldav}calendar-data")
    ]
    uids, rows = set(), []
    for text in datas:
        for event in icalendar.Calendar.from_ical(text).walk("VEVENT"):
            uids.add(str(event["UID"]))
            rows.append(
                [str(event["UID"]), instant(event["DTSTART"].dt), instant(event["DTEND"].dt)]
            )
    sent = {str(e["UID"]) for e in icalendar.Calendar.from_ical(feed).walk("VEVENT")}
    assert uids == sent
    assert len(datas) == len(sent)  # one resource per UID, as CalDAV stores them
    check(built, "calendar.ics", rows)


def test_horizon_is_past_every_series(builds) -> None:
    """The expansion window is wide enough that a series running too long would show."""
    for built in builds.values():
        last = max(o.utc for o in built.plan.occurrences)
        assert last < HORIZON_END.replace(year=HORIZON_END.year - 1)
        assert min(o.utc for o in built.plan.occurrences).date() > date(2026, 1, 1)
