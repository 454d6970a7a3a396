// meeting-run.mjs: the run page's running clock for the case being heard, its overrun in
// words and the projected finish of the list, updated every second. The server renders the
// same facts (start time, minutes so far, projection) so the page works without JavaScript.
// Times are counted from the page's own load (the server's figures plus elapsed time), so a
// wrong clock on the chair's laptop does not move them.

const panel = document.querySelector("[data-meeting-run]");

const minutes = (n) => (n === 1 ? "1 minute" : `${n} minutes`);

const clockText = (seconds) => {
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return `${m}:${s} so far (${minutes(m)})`;
};

const londonTime = (date) =>
  new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
    timeZone: "Europe/London",
  }).format(date);

if (panel) {
  const loaded = Date.now();
  const renderedAt = Date.parse(panel.getAttribute("data-rendered-at"));
  const remaining = Number(panel.getAttribute("data-remaining-seconds")) || 0;
  const waiting = Number(panel.getAttribute("data-waiting-seconds")) || 0;
  const plannedEnd = Date.parse(panel.getAttribute("data-planned-end"));
  const clock = panel.querySelector("[data-case-clock]");
  const clockLabel = clock ? clock.querySelector(".js-clock-text") : null;
  const over = panel.querySelector(".js-clock-over");
  const projected = panel.querySelector(".js-projected-time");
  const plan = panel.querySelector(".js-projected-plan");
  const announcer = document.getElementById("run-announcer");
  const spent = clock ? Number(clock.getAttribute("data-spent-seconds")) || 0 : 0;
  const target = clock ? Number(clock.getAttribute("data-target-seconds")) || 0 : 0;
  let announcedOver = clock ? spent > target : true;

  const tick = () => {
    const elapsed = Math.max(0, Math.floor((Date.now() - loaded) / 1000));
    if (clock && clockLabel) {
      const total = spent + elapsed;
      clockLabel.textContent = clockText(total);
      const overBy = total - target;
      if (over) {
        over.textContent =
          overBy > 0 ? ` (${minutes(Math.max(1, Math.floor(overBy / 60)))} over its ${Math.floor(target / 60)}-minute target)` : "";
      }
      if (overBy > 0 && !announcedOver && announcer) {
        announcedOver = true; // announced once, politely, not every second
        announcer.textContent = `The case being heard is now over its ${Math.floor(target / 60)}-minute target.`;
      }
    }
    if (projected && !Number.isNaN(renderedAt)) {
      // The current case's remaining target shrinks as it runs; once it is used up the list
      // can only finish later than planned: now plus the waiting cases.
      const left = clock ? Math.max(0, remaining - waiting - elapsed) + waiting : remaining;
      const finish = new Date(renderedAt + (elapsed + left) * 1000);
      projected.textContent = londonTime(finish);
      if (plan && !Number.isNaN(plannedEnd)) {
        const diff = Math.ceil((finish.getTime() - plannedEnd) / 60000);
        plan.textContent =
          diff > 0 ? `${minutes(diff)} after the planned end` : diff < 0 ? `${minutes(-diff)} before the planned end` : "at the planned end";
      }
    }
  };
  tick();
  window.setInterval(tick, 1000);
}
