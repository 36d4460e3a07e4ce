// Portal-wide behaviour: sortable tables, confirm buttons, auto-submitting filters.
(function () {
  "use strict";

  function cellValue(row, index) {
    const cell = row.cells[index];
    if (!cell) return "";
    const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
    const num = parseFloat(raw.replace(/\s/g, "").replace(",", "."));
    return raw !== "" && !isNaN(num) && /^[-+]?[\d\s.,]+%?$/.test(raw.trim()) ? num : raw.toLowerCase();
  }

  document.querySelectorAll("table.table-sortable").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th, _i) {
      th.tabIndex = 0;
      const index = Array.prototype.indexOf.call(th.parentNode.children, th);
      function sort() {
        const asc = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th[data-sort]").forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort(function (a, b) {
          const x = cellValue(a, index), y = cellValue(b, index);
          const empty = (v) => v === "" || v === "—";
          if (empty(x) && !empty(y)) return 1;
          if (empty(y) && !empty(x)) return -1;
          if (x < y) return asc ? -1 : 1;
          if (x > y) return asc ? 1 : -1;
          return 0;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
    });
  });

  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (e) {
      if (!window.confirm(el.dataset.confirm)) e.preventDefault();
    });
  });

  document.querySelectorAll("form[data-autosubmit] select").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
})();
