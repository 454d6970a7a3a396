// Starts GOV.UK Frontend's JavaScript (served as a module: no inline script is needed).
import { initAll } from "./govuk-frontend.min.js";
// One module per behaviour; each finds its own elements by data attribute and does nothing
// on a page without them (progressive enhancement: every page works without JavaScript).
import "./timeout.mjs"; // the session-timeout warning dialog
import "./drafts.mjs"; // server-side drafts of typed text, offline notice and retry
import "./live.mjs"; // the live case page: saves in place, polling for the other person's entries
import "./meeting-run.mjs"; // the run page: case clocks and projected finish
import "./tables.mjs"; // wide tables scroll in their own region on narrow screens

initAll();

// Background-job status: poll the JSON status and update the aria-live region in place, so a
// screen reader hears "Done" without a full-page refresh.
for (const panel of document.querySelectorAll("[data-job-status-url]")) {
  const url = panel.getAttribute("data-job-status-url");
  const label = panel.querySelector(".js-job-label");
  const message = panel.querySelector(".js-job-message");
  const result = panel.querySelector(".js-job-result");
  const link = panel.querySelector(".js-job-link");
  const refresh = document.querySelector(".js-job-refresh");
  if (refresh) refresh.hidden = true;
  const poll = async () => {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const job = await response.json();
      if (label.textContent !== job.label) label.textContent = job.label;
      const text = job.message ? `: ${job.message}` : "";
      if (message.textContent !== text) message.textContent = text;
      if (job.finished) {
        if (job.result_url) {
          link.href = job.result_url;
          result.hidden = false;
        }
        return;
      }
    } catch {
      // Network hiccup: try again on the next tick.
    }
    window.setTimeout(poll, 1500);
  };
  poll();
}
