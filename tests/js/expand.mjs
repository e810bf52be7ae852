// Reads iCal feeds with Mozilla's ical.js (Thunderbird's parser) and prints every
// occurrence up to a horizon as JSON: {"FILE": [[uid, start, end], ...], ...}.
// Times are UTC (`2027-03-26T07:00:00Z`), all-day events their dates (`2027-03-26`).
//
//   node tests/js/expand.mjs HORIZON_END FILE.ics...
//
// A feed's own VTIMEZONEs are registered first, as a client does for a TZID it
// does not know; ical.js has no time zone database of its own.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function spell(time) {
  if (time.isDate) {
    return time.toString(); // YYYY-MM-DD
  }
  if (time.zone === ICAL.Timezone.localTimezone || !time.zone) {
    throw new Error(`floating time ${time.toString()}`);
  }
  const utc = time.convertToZone(ICAL.Timezone.utcTimezone);
  return utc.toString().replace(/Z?$/, "Z");
}

function expand(text, horizon) {
  const root = new ICAL.Component(ICAL.parse(text));
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  }
  const rows = [];
  for (const vevent of root.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(vevent);
    if (!event.startDate.isDate && event.startDate.zone === ICAL.Timezone.localTimezone) {
      throw new Error(`${event.uid}: floating DTSTART`);
    }
    const it = event.iterator();
    for (let next = it.next(); next; next = it.next()) {
      const details = event.getOccurrenceDetails(next);
      if (details.startDate.compare(horizon) >= 0) {
        break;
      }
      rows.push([event.uid, spell(details.startDate), spell(details.endDate)]);
    }
  }
  return rows;
}

const [horizonText, ...files] = process.argv.slice(2);
const horizon = ICAL.Time.fromDateTimeString(horizonText);
horizon.zone = ICAL.Timezone.utcTimezone;
const out = {};
for (const file of files) {
  out[file] = expand(readFileSync(file, "utf8"), horizon);
}
process.stdout.write(JSON.stringify(out));
