// Autosave for long forms: saves the draft a couple of seconds after the user stops typing, and at
// least every ten seconds while they keep typing, so nothing waits long. The server refuses a save
// from an out-of-date copy (409), and a signed-out or expired page (401/400) is told to use the
// normal Save button, which keeps everything through signing in again.
//
// Where the user looks: each field they change gets a short status under it ("Saving…", "Saved at
// 14:02", "Not saved: <why>"); the line above the buttons says the same for the whole form. For
// screen readers there is one polite live region, told only what is worth interrupting for: the
// first save (so they know saving is automatic), a problem that is new, a problem put right, a
// conflict, a lock or being signed out, and losing the connection. Routine "Saved at" is not
// repeated every few seconds.
const QUIET_MS = 2000;
const AT_MOST_MS = 10000;
const AFTER_LEAVING_FIELD_MS = 500;
const RETRY_MS = 15000;

// The form group a control belongs to; a date's day, month and year share their outer group.
const groupOf = (control) => (control.closest(".govuk-date-input") ?? control).closest(".govuk-form-group");

const namesIn = (group) => new Set([...group.querySelectorAll("[name]")].map((control) => control.name));

function startAutosave(form) {
  const url = form.dataset.autosaveUrl;
  const status = document.getElementById("autosave-status");
  const announcer = document.getElementById("autosave-announcement");
  const version = form.querySelector("input[name='version']");
  // Set after a conflict when the user chose to save over the newer copy; once saved, the page's
  // own version is the current one, and a stale "save over" version would refuse every later save.
  const overwrite = form.querySelector("input[name='overwrite']");
  let dirty = false;
  let saving = false;
  let stopped = false;
  let stoppedBecause = ""; // shown next to any field changed after saving stopped
  let firstUnsaved = null; // when the oldest change not yet sent was made
  let timer;
  let changed = new Set(); // form groups changed since the last save was sent
  const shown = new Map(); // form group -> its status element
  let announced = ""; // what the live region last said, so it is not repeated
  let savedOnce = false;

  const say = (text) => {
    status.textContent = text;
  };

  const announce = (text) => {
    if (!announcer || text === announced) return;
    announced = text;
    announcer.textContent = text;
  };

  const show = (group, text, problem = false) => {
    let element = shown.get(group);
    if (!element) {
      element = document.createElement("p");
      group.append(element);
      shown.set(group, element);
    }
    // GOV.UK's error message style for "Not saved", the quieter secondary text for the rest.
    element.className = `${problem ? "govuk-error-message" : "govuk-body-s app-autosave-status"} govuk-!-margin-top-2 govuk-!-margin-bottom-0`;
    element.dataset.autosaveFieldStatus = problem ? "problem" : "ok";
    element.textContent = text;
  };

  const schedule = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  };

  const stop = (message, groups) => {
    stopped = true;
    stoppedBecause = message;
    say(message);
    for (const group of new Set([...groups, ...changed])) show(group, message, true);
    announce(message);
  };

  const save = async () => {
    clearTimeout(timer);
    if (!dirty || saving || stopped) return;
    saving = true;
    let failed = false;
    dirty = false;
    firstUnsaved = null;
    const sending = changed;
    changed = new Set();
    for (const group of sending) show(group, "Saving…");
    const body = new FormData(form);
    body.delete("action");
    try {
      const response = await fetch(url, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRFToken": form.dataset.csrfToken },
        credentials: "same-origin",
      });
      if (response.ok) {
        const result = await response.json();
        version.value = result.version;
        if (overwrite) overwrite.value = "";
        const byField = result.field_problems ?? {};
        for (const [group, element] of shown) {
          if (changed.has(group)) continue; // changed again since this save was sent
          const problems = [...namesIn(group)].filter((name) => byField[name]).map((name) => byField[name]);
          if (problems.length) show(group, `Not saved: ${problems.join("; ")}`, true);
          else if (sending.has(group) || element.dataset.autosaveFieldStatus === "problem") {
            show(group, `Saved at ${result.saved_at}`);
          }
        }
        say(
          result.problems.length
            ? `Saved at ${result.saved_at}, except answers that need correcting: ${result.problems.join("; ")}`
            : `Saved at ${result.saved_at}`,
        );
        if (result.problems.length) announce(`Not saved: ${result.problems.join("; ")}`);
        else if (!savedOnce) announce(`Saved at ${result.saved_at}. Your changes save automatically as you type.`);
        else if (announced.startsWith("Not saved")) announce(`Saved at ${result.saved_at}.`);
        savedOnce = true;
      } else if (response.status === 409) {
        const result = await response.json();
        const why = result.error === "locked" ? result.message : `${result.message} Copy anything you need, then reload the page.`;
        stop(`Not saved. ${why}`, sending);
      } else if (response.status === 400 && (await response.clone().json().catch(() => ({}))).error === "unreadable") {
        const result = await response.json();
        stop(`Not saved. ${result.message}`, sending);
      } else if (response.status === 401 || response.status === 400) {
        // The page's own save button (‘Save and continue’, ‘Save and come back later’) keeps
        // everything through signing in again.
        const button = form.querySelector(".govuk-button-group button:last-of-type")?.textContent?.trim() || "Save";
        stop(
          `Not saved: you have been signed out or this page has expired. Select ‘${button}’ to sign in again and keep everything you typed.`,
          sending,
        );
      } else {
        dirty = true;
        failed = true;
        for (const group of sending) changed.add(group);
        for (const group of sending) show(group, "Not saved just now. We will try again.", true);
        say("Not saved just now. We will try again.");
      }
    } catch {
      dirty = true;
      failed = true;
      for (const group of sending) changed.add(group);
      for (const group of sending) show(group, "Not saved: check your connection. We will try again.", true);
      say("Not saved: check your connection. We will try again.");
      announce("Not saved: check your connection. We will try again.");
    } finally {
      saving = false;
      // Typing during the save is sent once the user pauses; a failed save is tried again later.
      if (dirty && !stopped) {
        if (failed) firstUnsaved = null;
        schedule(failed ? RETRY_MS : Math.min(QUIET_MS, Math.max(firstUnsaved + AT_MOST_MS - Date.now(), 0)));
      }
    }
  };

  // A control whose changes the autosave does not keep (the cases discussed, saved by their own
  // button) says so where it is, and does not count as unsaved typing.
  const notAutosaved = (control) => control.closest("[data-autosave-not]");

  // Every change fires "input" (typing, radios, checkboxes, dates); leaving a field saves sooner.
  const edited = (event) => {
    const control = event.target;
    if (!control.name || !form.contains(control)) return;
    const manual = notAutosaved(control);
    const group = groupOf(control);
    if (manual) {
      if (group) show(group, manual.dataset.autosaveNot);
      return;
    }
    if (stopped) {
      if (group && stoppedBecause) show(group, stoppedBecause, true);
      return;
    }
    dirty = true;
    if (group) changed.add(group);
    const now = Date.now();
    if (firstUnsaved === null) firstUnsaved = now;
    // Debounced, but never held back more than AT_MOST_MS after the first unsaved change.
    schedule(Math.min(QUIET_MS, Math.max(firstUnsaved + AT_MOST_MS - now, 0)));
  };
  const soon = () => {
    if (dirty && !stopped) schedule(AFTER_LEAVING_FIELD_MS);
  };

  form.addEventListener("input", edited);
  form.addEventListener("change", soon);
  form.addEventListener("focusout", soon);
  form.addEventListener("submit", () => {
    stopped = true; // the full post saves everything
    dirty = false;
    clearTimeout(timer);
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty && !stopped) event.preventDefault();
  });
}

// Any long form that names where its draft autosaves: audits, supervision records.
for (const form of document.querySelectorAll("form[data-autosave-url]")) startAutosave(form);
