// Reads an iCalendar file on stdin with ical.js (Mozilla's parser) and prints every instance
// of each recurring event, as a calendar program shows it: the RRULE expanded in the file's
// VTIMEZONE, EXDATEs left out, RECURRENCE-ID instances in place of their slots (JSON: uid,
// recurrenceId, start and end as UTC instants). Events without an RRULE print as they are.
import ICAL from "ical.js";

let text = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) text += chunk;
const calendar = new ICAL.Component(ICAL.parse(text));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const vevents = calendar.getAllSubcomponents("vevent");
const masters = vevents.filter((v) => !v.hasProperty("recurrence-id"));
const exceptions = vevents.filter((v) => v.hasProperty("recurrence-id"));
const out = [];
for (const vevent of masters) {
  const event = new ICAL.Event(vevent);
  for (const other of exceptions) {
    if (other.getFirstPropertyValue("uid") === event.uid) event.relateException(other);
  }
  if (!event.isRecurring()) {
    out.push({
      uid: event.uid,
      recurrenceId: null,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    });
    continue;
  }
  const iterator = event.iterator();
  for (let next = iterator.next(), n = 0; next && n < 500; next = iterator.next(), n++) {
    const details = event.getOccurrenceDetails(next);
    out.push({
      uid: event.uid,
      recurrenceId: details.recurrenceId.toJSDate().toISOString(),
      start: details.startDate.toJSDate().toISOString(),
      end: details.endDate.toJSDate().toISOString(),
    });
  }
}
if (masters.length === 0) {
  for (const vevent of exceptions) {
    const event = new ICAL.Event(vevent);
    out.push({
      uid: event.uid,
      recurrenceId: event.recurrenceId.toJSDate().toISOString(),
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    });
  }
}
process.stdout.write(JSON.stringify(out));
