// Reads an iCalendar file on stdin with ical.js (Mozilla's parser, used by Thunderbird and
// many web calendars) and prints each VEVENT's UID, start and end as UTC instants (JSON).
// The VTIMEZONE blocks in the file are what ical.js uses to place TZID times: it has no
// time-zone database of its own, so a wrong block shows here as a wrong instant.
import ICAL from "ical.js";

let text = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) text += chunk;
const calendar = new ICAL.Component(ICAL.parse(text));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
  };
});
process.stdout.write(JSON.stringify(events));
