// Ratings pages: a rating row opens the school's card; a page of stale results reloads itself.
(function () {
  "use strict";

  document.querySelectorAll("tr[data-href]").forEach(function (row) {
    row.classList.add("row-link");
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, select, label")) return;
      if (window.getSelection && String(window.getSelection())) return;
      window.location.assign(row.dataset.href);
    });
  });

  const stale = document.querySelector("[data-stale-refresh]");
  if (stale) {
    const seconds = parseInt(stale.dataset.staleRefresh, 10) || 20;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
})();
