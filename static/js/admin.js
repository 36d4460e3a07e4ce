// Accessible names for the Django admin's own widgets: the date and time boxes of a date-time field, the
// autocomplete selects (select2), the list's search box and the filter icons of the two-list selector. Run once the admin's own
// scripts have built them.
(function () {
  "use strict";

  function fieldLabel(element) {
    const row = element.closest(".form-row, .fieldBox, td");
    const label = row && row.querySelector("label");
    return label ? label.textContent.replace(/[:*]\s*$/, "").trim() : "";
  }

  function nameWidgets() {
    document.querySelectorAll("p.datetime input").forEach(function (input) {
      if (input.getAttribute("aria-label")) return;
      const part = /_1$/.test(input.id) ? "время" : "дата";
      input.setAttribute("aria-label", (fieldLabel(input) || "Срок") + " — " + part);
    });
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const label = document.querySelector("label[for='" + select.id + "']");
      const box = select.parentElement.querySelector(".select2-selection[role=combobox]");
      if (!label || !box || box.dataset.named) return;
      label.id = label.id || select.id + "-label";
      box.setAttribute("aria-labelledby", (label.id + " " + (box.getAttribute("aria-labelledby") || "")).trim());
      const shown = box.querySelector(".select2-selection__rendered[role=textbox]");
      if (shown && !shown.getAttribute("aria-label")) shown.setAttribute("aria-label", label.textContent.replace(/[:*]\s*$/, "").trim());
      box.dataset.named = "1";
    });
    const search = document.getElementById("searchbar");
    if (search && !search.getAttribute("aria-label")) search.setAttribute("aria-label", "Поиск по списку");
    // Inline tables leave the header of the row's title («original») and of a hidden delete box empty.
    document.querySelectorAll("fieldset table thead th, .inline-group table thead th").forEach(function (th) {
      if (th.textContent.trim() || th.dataset.named) return;
      const hidden = document.createElement("span");
      hidden.className = "portal-visually-hidden";
      hidden.textContent = th.classList.contains("original") ? "Запись" : "Действия";
      th.appendChild(hidden);
      th.dataset.named = "1";
    });
    document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  window.addEventListener("load", function () {
    nameWidgets();
    new MutationObserver(nameWidgets).observe(document.body, { childList: true, subtree: true });
  });
})();
