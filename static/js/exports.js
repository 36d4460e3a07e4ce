// Export job page: polls the job's status and shows the download link when the file is ready.
(function () {
  "use strict";

  const box = document.getElementById("export-job");
  if (!box) return;
  const bar = document.getElementById("export-bar");
  const progress = document.getElementById("export-progress");
  const stateText = document.getElementById("export-state");
  const ready = document.getElementById("export-ready");
  const failed = document.getElementById("export-failed");
  let delay = 800;

  function show(status) {
    bar.className = bar.className.replace(/\bw-pct-\d+\b/, "w-pct-" + status.percent);
    progress.setAttribute("aria-valuenow", String(status.percent));
    stateText.textContent = status.state_label.charAt(0).toUpperCase() + status.state_label.slice(1) + ": " + status.done + " из " + status.total + " строк.";
    if (status.state === "done") {
      bar.classList.remove("progress-bar-animated", "progress-bar-striped");
      bar.classList.add("bg-success");
      ready.classList.remove("d-none");
      document.getElementById("export-download").href = status.download;
    }
    if (status.state === "failed") {
      bar.classList.add("bg-danger");
      failed.textContent = status.error;
      failed.classList.remove("d-none");
    }
    return status.state === "done" || status.state === "failed";
  }

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (status) {
        if (!show(status)) setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000); // the server is busy or restarting: ask less often
        setTimeout(poll, delay);
      });
  }

  poll();
})();
