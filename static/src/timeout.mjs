// timeout.mjs: the warning before the session times out (WCAG 2.2.1 Timing Adjustable; the
// MoJ / DWP timeout-warning pattern). The passive status route says how many seconds are
// left before the idle and the absolute timeout; from SESSION_WARNING_SECONDS before either,
// a modal dialog (focus moved into it and kept there, Escape = stay) says "You will be
// signed out in N minutes" with "Stay signed in" (extends the idle timeout; the absolute one
// cannot be extended, and the dialog then says so) and "Sign out". Typing counts as activity.
// When the time is up, the page's drafts are saved and the person is sent to sign in, with a
// return to this page (where the server restores their text).

import { flushAll } from "./drafts.mjs";

// How long the drafts may take to reach the server before the page goes to sign in anyway
// (a hung connection must not leave the minutes on screen).
const FLUSH_WAIT_MS = 10_000;

const dialog = document.getElementById("timeout-dialog");

function minutesText(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  const rounded = Math.max(0, Math.ceil(seconds / 10) * 10);
  return `${rounded} seconds`;
}

if (dialog && typeof dialog.showModal === "function") {
  const statusUrl = dialog.getAttribute("data-timeout-status-url");
  const extendUrl = dialog.getAttribute("data-timeout-extend-url");
  const signInUrl = dialog.getAttribute("data-timeout-sign-in-url");
  const message = dialog.querySelector("[data-timeout-message]");
  const absolute = dialog.querySelector("[data-timeout-absolute]");
  const stay = dialog.querySelector("[data-timeout-stay]");
  const announcer = document.querySelector("[data-timeout-announce]");
  const token = dialog.querySelector('input[name="csrf_token"]');

  let deadline = 0; // ms since epoch when the session ends (client clock)
  let canExtend = true;
  let typed = false;
  let checkTimer = 0;
  let tickTimer = 0;
  let lastText = "";
  let returnFocus = null;
  let finishing = false;

  const here = () => window.location.pathname + window.location.search;

  const announce = (text) => {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  };

  async function fetchStatus() {
    try {
      const response = await fetch(statusUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (!response.ok) return null;
      return await response.json();
    } catch {
      return null; // offline: drafts.mjs says so; look again soon
    }
  }

  async function extend(reason) {
    try {
      const response = await fetch(extendUrl, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": token ? token.value : "",
          "X-Requested-With": "fetch",
        },
        body: JSON.stringify({ reason }),
      });
      if (!response.ok) return null;
      return await response.json();
    } catch {
      return null;
    }
  }

  function schedule(seconds) {
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(check, Math.max(1, seconds) * 1000);
  }

  function render() {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    const text = `You will be signed out in ${minutesText(left)}.`;
    if (text !== lastText) {
      message.textContent = text;
      // Announce the minutes as they change (not every second: that would drown the page).
      if (lastText && (left % 60 === 0 || left <= 30)) announce(text);
      lastText = text;
    }
    absolute.hidden = canExtend;
    stay.hidden = !canExtend;
  }

  function open() {
    if (!dialog.open) {
      returnFocus = document.activeElement;
      lastText = "";
      render();
      dialog.showModal();
      const heading = dialog.querySelector("h2");
      heading.focus();
      announce(message.textContent + (canExtend ? "" : ` ${absolute.textContent}`));
    }
    window.clearInterval(tickTimer);
    tickTimer = window.setInterval(tick, 1000);
  }

  function close() {
    window.clearInterval(tickTimer);
    if (dialog.open) {
      dialog.close();
      if (returnFocus && returnFocus.focus) returnFocus.focus();
    }
  }

  async function timeUp() {
    if (finishing) return;
    finishing = true;
    window.clearInterval(tickTimer);
    // Every draft is on the server before the page leaves (the sign-in returns to it).
    await Promise.race([flushAll(), new Promise((done) => window.setTimeout(done, FLUSH_WAIT_MS))]);
    const status = await fetchStatus();
    if (status && status.signed_in) {
      // Not over yet (under a second left), or a draft save or another tab kept the session
      // going: going to sign in now would land on the home page, signed in, without a way back.
      finishing = false;
      apply(status);
      return;
    }
    window.location.assign(`${signInUrl}?next=${encodeURIComponent(here())}`);
  }

  function tick() {
    const left = (deadline - Date.now()) / 1000;
    if (left <= 5 && !finishing) {
      timeUp();
      return;
    }
    render();
  }

  function apply(status) {
    if (!status.signed_in) {
      timeUp();
      return;
    }
    deadline = Date.now() + status.seconds_left * 1000;
    canExtend = status.can_extend;
    if (status.seconds_left <= status.warn_seconds) {
      open();
      schedule(15); // another tab may have kept the session going
    } else {
      close();
      schedule(Math.min(status.seconds_left - status.warn_seconds, 60));
    }
  }

  async function check() {
    let status = await fetchStatus();
    if (status === null) {
      schedule(15);
      return;
    }
    // Typing is activity: tell the server when the warning is getting close.
    if (typed && status.signed_in && status.can_extend && status.seconds_left <= status.warn_seconds + 90) {
      typed = false;
      status = (await extend("activity")) || status;
    }
    apply(status);
  }

  async function stayNow() {
    const status = await extend("stay");
    if (status === null) {
      announce("You could not be kept signed in. Check your connection.");
      return;
    }
    if (status.signed_in && status.can_extend && status.seconds_left > status.warn_seconds) {
      close();
      announce("You are still signed in.");
    }
    apply(status);
  }

  stay.addEventListener("click", stayNow);
  // Escape means "stay signed in" (the dialog would otherwise just close).
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (canExtend) stayNow();
  });
  // Keep Tab inside the dialog.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const focusable = [...dialog.querySelectorAll("button, a[href], input:not([type=hidden])")].filter(
      (element) => !element.hidden && element.offsetParent !== null,
    );
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
  document.addEventListener("input", () => {
    typed = true;
  });
  document.addEventListener("keydown", () => {
    typed = true;
  });
  check();
}
