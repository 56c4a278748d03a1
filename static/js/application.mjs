// Progressive enhancement for every page: GOV.UK Frontend components and the idle-timeout warning.
import { initAll } from "/static/dist/govuk-frontend.min.js";

initAll();

const WARN_BEFORE_SECONDS = 120;

function startTimeoutWarning(dialog) {
  const statusUrl = dialog.dataset.statusUrl;
  const keepAliveUrl = dialog.dataset.keepAliveUrl;
  const signInUrl = dialog.dataset.signInUrl;
  const csrfToken = dialog.dataset.csrfToken;
  let timer;

  const schedule = (remainingSeconds) => {
    clearTimeout(timer);
    if (remainingSeconds <= 0) {
      window.location.assign(`${signInUrl}?next=${encodeURIComponent(window.location.pathname)}`);
      return;
    }
    const wait = Math.max(remainingSeconds - WARN_BEFORE_SECONDS, 0);
    timer = setTimeout(check, wait * 1000);
  };

  // Another tab may have kept the session alive: ask the server before warning.
  const check = async () => {
    try {
      const response = await fetch(statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) {
        schedule(0);
        return;
      }
      const { remaining_seconds: remaining } = await response.json();
      if (remaining > WARN_BEFORE_SECONDS) {
        if (dialog.open) dialog.close();
        schedule(remaining);
      } else {
        if (!dialog.open) dialog.showModal();
        timer = setTimeout(() => check(), Math.max(remaining, 1) * 1000);
      }
    } catch {
      timer = setTimeout(check, 30000);
    }
  };

  dialog.querySelector("#timeout-stay").addEventListener("click", async () => {
    const response = await fetch(keepAliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
    });
    if (!response.ok) {
      schedule(0);
      return;
    }
    const { remaining_seconds: remaining } = await response.json();
    dialog.close();
    schedule(remaining);
  });

  schedule(Number(dialog.dataset.timeoutSeconds));
}

const dialog = document.getElementById("timeout-dialog");
if (dialog) startTimeoutWarning(dialog);
