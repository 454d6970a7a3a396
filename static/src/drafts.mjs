// drafts.mjs: what is typed on a live minutes form is kept as a server-side draft (never in
// browser storage). Every <form data-draft-key data-draft-url> is saved a few seconds after
// the last keystroke and when a field loses focus; a discreet status line (aria-live polite)
// says "Draft saved 14:02". If the network drops, the text stays in the page, the status
// says so, and the save is retried when the connection returns (the "online" event, and
// with a backoff). The server restores the draft into the form when the page is shown again
// (so it also works after signing in again) and removes it when the record is saved.

const DELAY_MS = 2500;
const RETRY_MAX_MS = 60_000;
const OFFLINE =
  "You are offline. Your text is kept on this page and will be saved when the connection returns";
const SIGNED_OUT = "You have been signed out. Your text has been kept: sign in again to carry on.";
const EXPIRED = "Your form expired. Your text has been kept: reload the page to carry on.";
const TOKEN_EXPIRED =
  "Your form expired. Your text is still on this page: save the form and it will be shown again to check.";
const FAILED = "Your draft could not be saved. Your text is still on this page.";

const state = new Map(); // key -> { timer, dirty, sending (the save on its way, or null), sentBody, retryMs, retryTimer }

function draftForms() {
  return [...document.querySelectorAll("form[data-draft-key][data-draft-url]")];
}

function formOf(element) {
  const form = element && element.closest ? element.closest("form") : null;
  return form && form.hasAttribute("data-draft-key") && form.hasAttribute("data-draft-url")
    ? form
    : null;
}

function stateOf(form) {
  const key = form.getAttribute("data-draft-key");
  if (!state.has(key)) {
    state.set(key, { timer: 0, dirty: false, sending: null, sentBody: "", retryMs: 2000, retryTimer: 0 });
  }
  return state.get(key);
}

function statusOf(form) {
  let status = form.querySelector("[data-draft-status]");
  if (!status) {
    status = document.createElement("p");
    status.className = "govuk-body-s marac-draft-status";
    status.setAttribute("data-draft-status", "");
    status.setAttribute("aria-live", "polite");
    form.append(status);
  }
  return status;
}

function say(form, text, link) {
  const status = statusOf(form);
  status.textContent = text;
  if (link) {
    status.append(" ");
    const anchor = document.createElement("a");
    anchor.className = "govuk-link";
    anchor.href = link.href;
    anchor.textContent = link.text;
    status.append(anchor);
  }
}

function fieldsOf(form) {
  const fields = {};
  for (const [name, value] of new FormData(form)) {
    if (name === "csrf_token" || typeof value !== "string") continue;
    fields[name] = value;
  }
  return fields;
}

function tokenOf(form) {
  const input = form.querySelector('input[name="csrf_token"]');
  return input ? input.value : "";
}

function here() {
  return window.location.pathname + window.location.search;
}

function signInLink() {
  return { href: `/sign-in?next=${encodeURIComponent(here())}`, text: "Sign in again" };
}

function offline(form) {
  const entry = stateOf(form);
  say(form, OFFLINE);
  window.clearTimeout(entry.retryTimer);
  entry.retryTimer = window.setTimeout(() => save(form), entry.retryMs);
  entry.retryMs = Math.min(entry.retryMs * 2, RETRY_MAX_MS);
}

// Save the form's text now if it changed. Resolves once the server has answered: when a
// save is already on its way, after it (and then sends what was typed since, if anything),
// so flushAll() really means "everything typed is on the server".
async function save(form, { keepalive = false } = {}) {
  const entry = stateOf(form);
  window.clearTimeout(entry.timer);
  if (entry.sending) {
    await entry.sending;
    return entry.dirty && form.isConnected ? save(form, { keepalive }) : undefined;
  }
  if (!entry.dirty || !form.isConnected) return undefined;
  entry.sending = send(form, entry, keepalive).finally(() => {
    entry.sending = null;
  });
  return entry.sending;
}

async function send(form, entry, keepalive) {
  const key = form.getAttribute("data-draft-key");
  const body = JSON.stringify({ key, fields: fieldsOf(form) });
  entry.sentBody = body;
  try {
    const response = await fetch(form.getAttribute("data-draft-url"), {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      keepalive,
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": tokenOf(form),
        "X-Requested-With": "fetch",
      },
      body,
    });
    entry.retryMs = 2000;
    if (response.type === "opaqueredirect" || response.status === 401) {
      entry.dirty = false;
      say(form, SIGNED_OUT, signInLink());
      document.dispatchEvent(new CustomEvent("marac:signed-out"));
      return;
    }
    let data = {};
    try {
      data = await response.json();
    } catch {
      data = {};
    }
    if (response.ok) {
      // Typed again while this was on its way: that text goes with the next save.
      entry.dirty = JSON.stringify({ key, fields: fieldsOf(form) }) !== body;
      say(form, data.saved ? `Draft saved ${data.saved_at}` : "");
      document.dispatchEvent(new CustomEvent("marac:activity"));
      if (entry.dirty) schedule(form);
    } else if (data.kept) {
      // The page's form token expired, but the server kept the text: reloading restores it.
      entry.dirty = false;
      say(form, EXPIRED, { href: here(), text: "Reload the page" });
    } else if (data.expired) {
      say(form, TOKEN_EXPIRED);
    } else {
      say(form, data.error ? `${FAILED} ${data.error}.` : FAILED);
    }
  } catch {
    offline(form); // the network dropped: keep the text here and try again
  }
}

function schedule(form) {
  const entry = stateOf(form);
  entry.dirty = true;
  window.clearTimeout(entry.timer);
  entry.timer = window.setTimeout(() => save(form), DELAY_MS);
}

/** Save every form with unsaved changes now (the timeout warning calls this before the
 *  session ends). Resolves when every save has answered. */
export function flushAll(options = {}) {
  return Promise.all(draftForms().map((form) => save(form, options)));
}

/** Whether any form holds text not yet saved as a draft. */
export function hasUnsaved() {
  return draftForms().some((form) => stateOf(form).dirty);
}

if (draftForms().length) {
  document.addEventListener("input", (event) => {
    const form = formOf(event.target);
    if (form) schedule(form);
  });
  document.addEventListener("change", (event) => {
    const form = formOf(event.target);
    if (form) schedule(form);
  });
  document.addEventListener("focusout", (event) => {
    const form = formOf(event.target);
    if (form && stateOf(form).dirty) save(form);
  });
  // The real save is under way: no draft save may race it (the server removes the draft).
  document.addEventListener(
    "submit",
    (event) => {
      const form = formOf(event.target);
      if (!form) return;
      const entry = stateOf(form);
      window.clearTimeout(entry.timer);
      window.clearTimeout(entry.retryTimer);
      entry.dirty = false;
    },
    true,
  );
  // live.mjs saved the form in place: the record exists, the draft is gone.
  document.addEventListener("marac:saved", (event) => {
    const form = formOf(event.target) || (event.target instanceof HTMLFormElement ? event.target : null);
    if (!form) return;
    const entry = stateOf(form);
    window.clearTimeout(entry.timer);
    window.clearTimeout(entry.retryTimer);
    entry.dirty = false;
    say(form, "");
  });
  // live.mjs could not reach the server.
  document.addEventListener("marac:offline", (event) => {
    const form = formOf(event.target);
    for (const each of form ? [form] : draftForms()) {
      stateOf(each).dirty = true;
      offline(each);
    }
  });
  window.addEventListener("online", () => {
    for (const form of draftForms()) {
      const entry = stateOf(form);
      entry.retryMs = 2000;
      if (entry.dirty) save(form);
    }
  });
  window.addEventListener("pagehide", () => {
    flushAll({ keepalive: true });
  });
}
