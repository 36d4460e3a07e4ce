// Surveys: the curator's form warns before leaving with unsaved answers and brings the error summary into view.
(function () {
  "use strict";

  const form = document.getElementById("submission-form");
  if (form) {
    let dirty = false;
    const note = form.querySelector(".dirty-note");
    function markDirty() {
      if (dirty) return;
      dirty = true;
      if (note) note.classList.remove("d-none");
    }
    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) return;
      event.preventDefault();
      event.returnValue = form.dataset.dirtyWarning || "";
    });
  }

  const summary = document.getElementById("error-summary") || document.getElementById("conflict");
  if (summary) {
    summary.scrollIntoView({ block: "start" });
    summary.focus({ preventScroll: true });
  }

  // Review page: "select all awaiting" in the completeness table.
  const toggleAll = document.getElementById("remind-toggle-all");
  if (toggleAll) {
    toggleAll.addEventListener("change", function () {
      document.querySelectorAll("input.remind-school").forEach(function (box) { box.checked = toggleAll.checked; });
    });
  }
})();
