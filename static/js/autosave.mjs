// Autosave for long forms: saves the draft at most every 30 seconds while the user types, and
// soon after they leave a field. The server refuses a save from an out-of-date copy (409), and a
// signed-out or expired page (401/400) is told to use the normal Save button, which keeps
// everything through signing in again.
const SAVE_EVERY_MS = 30000;
const AFTER_LEAVING_FIELD_MS = 1000;

function startAutosave(form) {
  const url = form.dataset.autosaveUrl;
  const status = document.getElementById("autosave-status");
  const version = form.querySelector("input[name='version']");
  // Set after a conflict when the user chose to save over the newer copy; once saved, the page's
  // own version is the current one, and a stale "save over" version would refuse every later save.
  const overwrite = form.querySelector("input[name='overwrite']");
  let dirty = false;
  let saving = false;
  let stopped = false;
  let lastSave = Date.now();
  let timer;

  const say = (text) => {
    status.textContent = text;
  };

  const save = async () => {
    clearTimeout(timer);
    if (!dirty || saving || stopped) return;
    saving = true;
    dirty = false;
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
        lastSave = Date.now();
        say(
          result.problems.length
            ? `Saved at ${result.saved_at}, except answers that need correcting: ${result.problems.join("; ")}`
            : `Saved at ${result.saved_at}`,
        );
      } else if (response.status === 409) {
        stopped = true;
        const result = await response.json();
        say(`Not saved. ${result.message} Copy anything you need, then reload the page.`);
      } else if (response.status === 401 || response.status === 400) {
        stopped = true;
        say("Not saved: you have been signed out or this page has expired. Select ‘Save and come back later’ to sign in again and keep everything you typed.");
      } else {
        dirty = true;
        say("Not saved just now. We will try again.");
      }
    } catch {
      dirty = true;
      say("Not saved: check your connection. We will try again.");
    } finally {
      saving = false;
      if (dirty && !stopped) timer = setTimeout(save, SAVE_EVERY_MS);
    }
  };

  const changed = () => {
    dirty = true;
    const wait = Math.max(SAVE_EVERY_MS - (Date.now() - lastSave), 0);
    clearTimeout(timer);
    timer = setTimeout(save, wait);
  };

  form.addEventListener("input", changed);
  form.addEventListener("change", () => {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, AFTER_LEAVING_FIELD_MS);
  });
  form.addEventListener("focusout", () => {
    if (dirty) {
      clearTimeout(timer);
      timer = setTimeout(save, AFTER_LEAVING_FIELD_MS);
    }
  });
  form.addEventListener("submit", () => {
    stopped = true;
    dirty = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty && !stopped) event.preventDefault();
  });
}

// Any long form that names where its draft autosaves: audits, supervision records.
for (const form of document.querySelectorAll("form[data-autosave-url]")) startAutosave(form);
