// Progressive enhancement for every page: GOV.UK Frontend components and the idle-timeout warning.
import { initAll } from "/static/dist/govuk-frontend.min.js";

initAll();

const WARN_BEFORE_SECONDS = 120;

// "2 minutes", "1 minute", "45 seconds": how long is left, in words.
function inWords(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

function startTimeoutWarning(dialog) {
  const statusUrl = dialog.dataset.statusUrl;
  const keepAliveUrl = dialog.dataset.keepAliveUrl;
  const signInUrl = dialog.dataset.signInUrl;
  const csrfToken = dialog.dataset.csrfToken;
  const countdown = dialog.querySelector("[data-timeout-countdown]");
  let timer;
  let ticker;

  const schedule = (remainingSeconds) => {
    clearTimeout(timer);
    if (remainingSeconds <= 0) {
      window.location.assign(`${signInUrl}?next=${encodeURIComponent(window.location.pathname)}`);
      return;
    }
    const wait = Math.max(remainingSeconds - WARN_BEFORE_SECONDS, 0);
    timer = setTimeout(check, wait * 1000);
  };

  // The countdown is updated quietly (it is not a live region): a screen reader hears the time
  // left when the dialog opens, without an announcement every second.
  const showCountdown = (remainingSeconds) => {
    clearInterval(ticker);
    if (!countdown) return;
    const deadline = Date.now() + remainingSeconds * 1000;
    const update = () => {
      countdown.textContent = inWords(Math.max(Math.round((deadline - Date.now()) / 1000), 0));
    };
    update();
    ticker = setInterval(update, 1000);
  };

  const closeDialog = () => {
    clearInterval(ticker);
    if (dialog.open) dialog.close();
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
        closeDialog();
        schedule(remaining);
      } else {
        if (!dialog.open) {
          showCountdown(remaining);
          dialog.showModal();
        }
        timer = setTimeout(() => check(), Math.max(remaining, 1) * 1000);
      }
    } catch {
      timer = setTimeout(check, 30000);
    }
  };

  const staySignedIn = async () => {
    try {
      const response = await fetch(keepAliveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
      });
      if (!response.ok) {
        schedule(0);
        return;
      }
      const { remaining_seconds: remaining } = await response.json();
      closeDialog();
      schedule(remaining);
    } catch {
      // The network dropped: ask again in a few seconds rather than sign the user out.
      clearTimeout(timer);
      timer = setTimeout(check, 5000);
    }
  };

  dialog.querySelector("#timeout-stay").addEventListener("click", staySignedIn);
  // Escape closes a modal dialog. The user is clearly here, so it also keeps them signed in;
  // otherwise the dialog would go away and the session end with no further warning.
  dialog.addEventListener("cancel", () => {
    staySignedIn();
  });

  schedule(Number(dialog.dataset.timeoutSeconds));
}

const dialog = document.getElementById("timeout-dialog");
if (dialog) startTimeoutWarning(dialog);

// "Scroll the table sideways to see more" shows above a table only while it is wider than its
// scrolling region (see .app-table-hint in application.scss); checked again whenever a region resizes.
function markWideTables(regions) {
  const update = (region) => {
    const hint = region.previousElementSibling;
    if (hint && hint.classList.contains("app-table-hint")) {
      hint.classList.toggle("app-table-hint--shown", region.scrollWidth > region.clientWidth + 1);
    }
  };
  if ("ResizeObserver" in window) {
    const observer = new ResizeObserver((entries) => entries.forEach((entry) => update(entry.target)));
    regions.forEach((region) => observer.observe(region));
  } else {
    regions.forEach(update);
  }
}

markWideTables(document.querySelectorAll(".app-table-wrapper"));

// A report built in the background: ask for its progress every two seconds and say it in the
// status region; once it is finished, load the page again to offer the download.
function followReportProgress(region) {
  const stage = region.querySelector("#report-stage");
  const bar = region.querySelector("progress");
  const check = async () => {
    try {
      const response = await fetch(region.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const job = await response.json();
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
          return;
        }
        const text = `${job.stage} (${job.progress}% done)`;
        if (stage.textContent !== text) stage.textContent = text;
        bar.value = job.progress;
        bar.textContent = `${job.progress}%`;
      }
    } catch {
      // Offline for a moment: try again at the next tick.
    }
    window.setTimeout(check, 2000);
  };
  window.setTimeout(check, 2000);
}

const reportProgress = document.getElementById("report-progress");
if (reportProgress) followReportProgress(reportProgress);
