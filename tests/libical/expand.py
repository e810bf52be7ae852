"""Reads iCal feeds with libical (GNOME/Evolution's parser) and prints every occurrence.

Run with the system Python, which has the GObject bindings of Debian's
`gir1.2-ical-3.0` and `python3-gi` (not the project's virtual environment):

    /usr/bin/python3 tests/libical/expand.py HORIZON_END FILE.ics...

Prints JSON `{"FILE": {"rows": [[uid, start, end], ...], "errors": [...]}}`: times in
UTC (`2027-03-26T07:00:00Z`), all-day events as their dates. A TZID is resolved
with the feed's own VTIMEZONE, as libical does for a calendar it reads.
"""

import json
import sys
from datetime import UTC, datetime

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

KIND = ICalGLib.ComponentKind


def spell_day(t) -> str:
    return f"{t.get_year():04d}-{t.get_month():02d}-{t.get_day():02d}"


def spell_timet(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def errors_of(comp) -> list[str]:
    """libical does not stop at a bad line: it adds X-LIC-ERROR properties."""
    found = []
    prop = comp.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        found.append(prop.as_ical_string().strip())
        prop = comp.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    child = comp.get_first_component(KIND.ANY_COMPONENT)
    while child is not None:
        found += errors_of(child)
        child = comp.get_next_component(KIND.ANY_COMPONENT)
    return found


def expand(text: str, horizon) -> dict:
    cal = ICalGLib.Component.new_from_string(text)
    if cal is None:
        return {"rows": [], "errors": ["not parsed"]}
    rows, errors = [], errors_of(cal)
    events = []
    event = cal.get_first_component(KIND.VEVENT_COMPONENT)
    while event is not None:
        events.append(event)
        event = cal.get_next_component(KIND.VEVENT_COMPONENT)
    start = ICalGLib.Time.new_from_string("19700101T000000Z")
    for event in events:
        uid, dtstart = event.get_uid(), event.get_dtstart()
        if dtstart.is_date():
            rows.append([uid, spell_day(dtstart), spell_day(event.get_dtend())])
            continue
        tzid = dtstart.get_tzid()
        if not dtstart.is_utc() and (tzid is None or cal.get_timezone(tzid) is None):
            errors.append(f"{uid}: DTSTART is floating or its VTIMEZONE is missing")

        def seen(comp, span, _data, uid=uid):
            rows.append([uid, spell_timet(span.get_start()), spell_timet(span.get_end())])

        event.foreach_recurrence(start, horizon, seen, None)
    return {"rows": rows, "errors": errors}


def main() -> None:
    horizon = ICalGLib.Time.new_from_string(sys.argv[1])
    out = {}
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8", newline="") as f:
            out[path] = expand(f.read(), horizon)
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
