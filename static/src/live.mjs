// live.mjs: the live case page (templates/minutes/case.html).
//
// - Saves in place: the entry, edit, risk summary and action forms (form[data-live-form]) are
//   posted to their own routes with "X-Requested-With: fetch"; the server answers a fragment
//   (templates/minutes/_live_fragment.html) whose regions replace the page's elements with the
//   same id. Errors come back the same way (the GOV.UK error summary, the user's text kept).
// - Two people at the table: polls the case's live state about once a second while the tab is
//   visible, with If-None-Match (304 when nothing changed); changed regions are replaced, but
//   never one holding the focus or a form being typed in (that waits until focus leaves it).
// - Keyboard: Alt+Shift+N / A / R / L go to the entry form, the action form, the risk summary,
//   the list of entries; Ctrl+Enter in a text box saves its form.
// - Events for drafts.mjs (contract 3): "marac:saved" on the form after an in-place save,
//   "marac:offline" on document when a save cannot reach the server.
// - A save arriving too late (draft_views.py keeps its text as a draft and answers JSON):
//   401 {signed_in: false, kept: true, sign_in} when the session timed out: the page's other
//   drafts are saved, then the person goes to sign in (and comes back to their text);
//   400 {kept: true} when the form's token expired: the same, then the page is reloaded and
//   the server shows the text again with "Your form expired, check and save again".
// Without JavaScript none of this runs and the forms post and redirect as before.

import { flushAll } from "./drafts.mjs";

const HEADERS = { "X-Requested-With": "fetch" };
// Requests never follow a redirect: one to the sign-in page would use up its "you were signed
// out because…" notice in the background, before the person is sent there.
const MANUAL = "manual";
const POLL_MS = 1000;

const root = document.getElementById("live-case");
if (root) start(root);

function start(root) {
  const announcer = document.getElementById("live-announcer");
  const me = root.dataset.liveUser || "";
  const pollUrl = root.dataset.livePollUrl;
  let etag = root.dataset.liveEtag || "";
  let timer = null;
  let stopped = false;
  // Counts this page's saves, begun and answered: a poll that overlapped one is thrown away, as
  // it may hold the state from before the save (it would put the old text back, and announce
  // the person's own change as someone else's).
  let saves = 0;
  const pending = new Map(); // region id -> node waiting for focus to leave the region

  // --- Announcements and focus ---------------------------------------------------------

  const announce = (text) => {
    if (!announcer || !text) return;
    announcer.textContent = "";
    // A fresh text node after a tick, so the same words twice are announced twice.
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  };

  const firstField = (container) => {
    if (!container) return null;
    const group = container.querySelector("fieldset, .govuk-form-group");
    if (group) {
      const checked = group.querySelector("input[type=radio]:checked");
      if (checked) return checked;
    }
    return container.querySelector(
      "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])",
    );
  };

  const focusErrorSummary = (container) => {
    const summary = container && container.querySelector(".govuk-error-summary");
    if (!summary) return false;
    summary.setAttribute("tabindex", "-1");
    summary.focus();
    return true;
  };

  // --- Fragments -------------------------------------------------------------------------

  const parse = (html) => {
    const doc = new DOMParser().parseFromString(html, "text/html");
    return doc.querySelector("[data-live-fragment]");
  };

  const entryStates = () => {
    const states = new Map();
    for (const entry of document.querySelectorAll("#live-entries .marac-entry[id^='entry-']")) {
      states.set(entry.id, entry.dataset.version || "");
    }
    return states;
  };

  // Whether replacing ``element`` now would disturb the person using the page.
  const busy = (element) => {
    const active = document.activeElement;
    if (active && active !== document.body && element.contains(active)) return true;
    return Boolean(element.querySelector("form[data-live-dirty]"));
  };

  // What a region shows, to compare a poll's answer with the page: the form token (new on
  // every answer) and the marks GOV.UK Frontend adds when it starts a component are left out.
  // A save's own notice is left out too (it is not part of the state).
  const signature = (element) => {
    const copy = element.cloneNode(true);
    for (const notice of copy.querySelectorAll(".marac-live-notice")) notice.remove();
    return copy.innerHTML
      .replace(/name="csrf_token" value="[^"]*"/g, "")
      .replace(/ data-[a-z-]+-init=""/g, "")
      .replace(/ tabindex="-1"/g, "");
  };
  const shown = new Map(); // region id -> signature of what the server last sent for it

  const replace = (current, node) => {
    const fresh = document.importNode(node, true);
    current.replaceWith(fresh);
    pending.delete(fresh.id);
    shown.set(fresh.id, signature(node));
    return fresh;
  };

  // Put the fragment's regions in the page. ``force``: the answer to this person's own save.
  // Returns the regions placed; a region that did not change is left alone, one that is busy
  // waits in ``pending`` (its id is also returned in ``deferred``).
  const apply = (fragment, force, deferred = []) => {
    const placed = [];
    for (const node of fragment.querySelectorAll(":scope > [data-live-region]")) {
      const current = document.getElementById(node.id);
      if (!current) {
        if (node.id === "live-entry-edit") {
          const form = document.getElementById("live-entry-form");
          if (form) {
            const fresh = document.importNode(node, true);
            form.before(fresh);
            form.hidden = true;
            placed.push(fresh);
          }
        }
        continue;
      }
      if (!force && signature(node) === (shown.get(node.id) ?? signature(current))) continue;
      if (!force && busy(current)) {
        pending.set(node.id, node);
        deferred.push(node.id);
        continue;
      }
      placed.push(replace(current, node));
    }
    if (fragment.dataset.liveEtag) etag = fragment.dataset.liveEtag;
    return placed;
  };

  const flushPending = () => {
    for (const [id, node] of [...pending]) {
      const current = document.getElementById(id);
      if (!current) pending.delete(id);
      else if (!busy(current)) replace(current, node);
    }
  };
  document.addEventListener("focusout", () => window.setTimeout(flushPending, 0));

  const closeEdit = () => {
    const edit = document.getElementById("live-entry-edit");
    if (edit) edit.remove();
    const form = document.getElementById("live-entry-form");
    if (form) form.hidden = false;
    return form;
  };

  // --- Saving in place -------------------------------------------------------------------

  document.addEventListener("input", (event) => {
    const form = event.target.closest && event.target.closest("form[data-live-form]");
    if (form) form.dataset.liveDirty = "1";
  });

  // The answer to a late save (see the top): true when it was one and has been dealt with.
  const kept = async (form, response) => {
    const type = response.headers.get("Content-Type") || "";
    if (response.ok || !type.includes("application/json")) return false;
    let data = {};
    try {
      data = await response.clone().json(); // a clone: the body may still be read as HTML
    } catch {
      return false;
    }
    if (!data.kept || (response.status !== 401 && response.status !== 400)) return false;
    delete form.dataset.liveDirty; // this form's text is the server's draft now
    stopped = true; // no poll may replace what is on the page meanwhile
    await flushAll();
    if (response.status === 401) {
      window.location.assign(data.sign_in || "/sign-in");
    } else {
      window.location.reload();
    }
    return true;
  };

  const save = async (form) => {
    if (form.dataset.liveBusy) return; // one save at a time per form (a double press)
    form.dataset.liveBusy = "1";
    saves += 1;
    // The last save's "added" notice goes: the next one is about this save.
    for (const notice of document.querySelectorAll(".marac-live-notice")) notice.remove();
    let response;
    let fragment = null;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: MANUAL,
        headers: HEADERS,
      });
      if (await kept(form, response)) return;
      fragment = parse(await response.text());
    } catch {
      saves += 1;
      delete form.dataset.liveBusy;
      document.dispatchEvent(new CustomEvent("marac:offline", { bubbles: true }));
      return;
    }
    saves += 1;
    delete form.dataset.liveBusy;
    if (!fragment) {
      // Not a fragment (signed out, the form's token expired…): post it the ordinary way, so
      // the server's own answer to that applies (drafts, sign-in and return).
      HTMLFormElement.prototype.submit.call(form);
      return;
    }
    const kind = form.dataset.liveForm;
    if (response.ok) {
      delete form.dataset.liveDirty;
      form.dispatchEvent(new CustomEvent("marac:saved", { bubbles: true }));
    }
    if (response.ok && kind === "edit") closeEdit();
    const placed = apply(fragment, true);
    announce(fragment.dataset.liveAnnounce);
    if (!response.ok) {
      // The form shown again holds the person's unsaved text: a poll must not replace it.
      for (const shown of placed) {
        for (const again of shown.querySelectorAll("form[data-live-form]")) {
          again.dataset.liveDirty = "1";
        }
      }
      const region = placed[0];
      if (!focusErrorSummary(region)) firstField(region)?.focus();
      announce("There is a problem: check the form");
      return;
    }
    const target = {
      entry: "live-entry-form",
      edit: "live-entry-form",
      risk: "live-risk",
      action: "live-action-form",
    }[kind];
    firstField(document.getElementById(target))?.focus();
  };

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.liveForm) return;
    // A second button with its own action (e.g. "Discard the restored text") posts normally.
    const submitter = event.submitter;
    if (submitter && submitter.hasAttribute("formaction")) return;
    event.preventDefault();
    save(form);
  });

  // "Edit" on an entry: the edit form opens above the entry form, without leaving the page.
  document.addEventListener("click", async (event) => {
    const link = event.target.closest && event.target.closest("a");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    if (link.matches("[data-live-cancel]")) {
      event.preventDefault();
      firstField(closeEdit())?.focus();
      return;
    }
    if (!link.closest("#live-entries") || !/\/entries\/\d+\/edit$/.test(link.pathname)) return;
    event.preventDefault();
    try {
      const response = await fetch(link.href, {
        credentials: "same-origin",
        redirect: MANUAL,
        headers: HEADERS,
      });
      const fragment = parse(await response.text());
      if (!fragment) {
        window.location.assign(link.href);
        return;
      }
      closeEdit();
      const [edit] = apply(fragment, true);
      if (edit && !focusErrorSummary(edit)) firstField(edit)?.focus();
    } catch {
      window.location.assign(link.href);
    }
  });

  // --- Keyboard --------------------------------------------------------------------------

  const SHORTCUTS = {
    KeyN: () => firstField(document.getElementById("live-entry-edit") || document.getElementById("live-entry-form")),
    KeyA: () => firstField(document.getElementById("live-action-form")),
    KeyR: () => firstField(document.getElementById("live-risk")),
    KeyL: () => document.getElementById("entries"),
  };
  document.addEventListener("keydown", (event) => {
    if (event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey) {
      const find = SHORTCUTS[event.code];
      const target = find && find();
      if (target) {
        event.preventDefault();
        target.scrollIntoView({ block: "center" });
        target.focus();
      }
      return;
    }
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      const field = event.target;
      const form = field instanceof HTMLTextAreaElement ? field.form : null;
      if (form && form.dataset.liveForm) {
        event.preventDefault();
        form.requestSubmit();
      }
    }
  });

  // --- Polling for the other person's changes --------------------------------------------

  const describe = (before, after) => {
    const words = [];
    for (const entry of document.querySelectorAll("#live-entries .marac-entry[id^='entry-']")) {
      if (entry.dataset.byId === me) continue;
      const who = entry.dataset.by || "someone else";
      if (!before.has(entry.id)) words.push(`New entry from ${who}`);
      else if (before.get(entry.id) !== after.get(entry.id)) words.push(`Entry edited by ${who}`);
    }
    return words.join(". ");
  };

  const poll = async () => {
    timer = null;
    if (stopped || document.hidden) return;
    const began = saves;
    try {
      const response = await fetch(pollUrl, {
        credentials: "same-origin",
        cache: "no-store",
        redirect: MANUAL,
        headers: { ...HEADERS, "If-None-Match": `"${etag}"` },
      });
      if (response.type === "opaqueredirect") {
        stopped = true; // signed out: the timeout dialog (timeout.mjs) takes over
        return;
      }
      if (response.status === 200) {
        const fragment = parse(await response.text());
        if (!fragment) {
          stopped = true; // signed out: the timeout dialog (timeout.mjs) takes over
          return;
        }
        if (saves !== began) {
          schedule(); // a save began or ended meanwhile: this answer may be older than the page
          return;
        }
        const before = entryStates();
        const actions = document.querySelectorAll("#live-actions tbody tr").length;
        const deferred = [];
        const placed = apply(fragment, false, deferred).map((region) => region.id);
        const words = [describe(before, entryStates())];
        if (document.querySelectorAll("#live-actions tbody tr").length > actions) {
          words.push("New action added");
        }
        if (deferred.includes("live-risk")) {
          words.push("The risk summary was changed by someone else: saving will show both texts");
        } else if (placed.includes("live-risk")) {
          words.push("Risk summary updated");
        }
        announce(words.filter(Boolean).join(". "));
      } else if (response.status === 404 || response.status === 403) {
        stopped = true;
        return;
      }
    } catch {
      // Offline for a moment: try again on the next tick (drafts.mjs tells the person).
    }
    schedule();
  };

  const schedule = () => {
    if (!stopped && !timer && !document.hidden) timer = window.setTimeout(poll, POLL_MS);
  };

  if (pollUrl) {
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) {
        window.clearTimeout(timer);
        timer = null;
      } else {
        schedule();
      }
    });
    schedule();
  }
}
