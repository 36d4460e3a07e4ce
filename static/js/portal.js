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

  // A region that scrolls (a wide table on a phone, a long history) is reachable and scrollable by keyboard
  // and named for screen readers; it shows a hint that there is more to the side.
  function scrollRegions() {
    document.querySelectorAll(".table-responsive, [data-scroll-region]").forEach(function (region) {
      const scrolls = region.scrollWidth > region.clientWidth + 1 || region.scrollHeight > region.clientHeight + 1;
      region.classList.toggle("is-scrollable", scrolls);
      if (!scrolls) {
        if (region.dataset.madeFocusable) { region.removeAttribute("tabindex"); delete region.dataset.madeFocusable; }
        return;
      }
      if (!region.hasAttribute("tabindex")) { region.tabIndex = 0; region.dataset.madeFocusable = "1"; }
      if (!region.hasAttribute("role")) region.setAttribute("role", "region");
      if (!region.hasAttribute("aria-label") && !region.hasAttribute("aria-labelledby")) {
        const table = region.querySelector("table");
        const caption = table && table.caption;
        const card = region.closest(".card, section");
        const heading = card && card.querySelector(".card-header, h2, h3");
        const name = (caption && caption.textContent.trim()) || (heading && heading.textContent.trim()) || region.dataset.scrollRegion || "Таблица";
        region.setAttribute("aria-label", name + " (прокручивается)");
      }
    });
  }
  scrollRegions();
  window.addEventListener("resize", scrollRegions);

  document.querySelectorAll("form[data-autosubmit] select").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });

  // A list of districts (a round of chosen districts): without JavaScript the names are typed in the textarea, one a line
  // or separated by commas. With it: a search input with suggestions adds each district as an item with a remove button,
  // and the textarea, hidden, carries the names to the server.
  document.querySelectorAll("textarea[data-district-list]").forEach(function (area) {
    const label = document.querySelector('label[for="' + area.id + '"]');
    const box = document.createElement("div");
    const group = document.createElement("div");
    group.className = "input-group";
    const input = document.createElement("input");
    input.type = "search";
    input.id = area.id + "-search";
    input.className = "form-control";
    input.autocomplete = "off";
    input.placeholder = "Начните вводить название района";
    input.setAttribute("list", area.id + "-suggestions");
    input.dataset.districtSearch = area.dataset.districtSearch;
    if (area.dataset.municipalityFrom) input.dataset.municipalityFrom = area.dataset.municipalityFrom;
    const described = area.getAttribute("aria-describedby");
    if (described) input.setAttribute("aria-describedby", described);
    if (area.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", "true");
    const suggestions = document.createElement("datalist");
    suggestions.id = area.id + "-suggestions";
    const add = document.createElement("button");
    add.type = "button";
    add.className = "btn btn-outline-primary";
    add.textContent = "Добавить";
    group.append(input, add);
    const chosen = document.createElement("ul");
    chosen.className = "list-unstyled d-flex flex-wrap gap-2 mt-2 mb-0";
    chosen.setAttribute("aria-label", "Выбранные районы");
    const status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    box.append(group, suggestions, chosen, status);
    area.before(box);
    area.hidden = true;
    if (label) label.htmlFor = input.id;

    function names() {
      return area.value.split(/[\n,;]+/).map(function (n) { return n.trim(); }).filter(Boolean);
    }
    function save(list, message) {
      area.value = list.join("\n");
      status.textContent = message;
      render();
    }
    function render() {
      chosen.replaceChildren.apply(chosen, names().map(function (name) {
        const item = document.createElement("li");
        item.className = "badge rounded-pill text-bg-light border d-inline-flex align-items-center gap-1 fs-6 fw-normal";
        item.append(document.createTextNode(name));
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn-close";
        remove.setAttribute("aria-label", "Убрать район «" + name + "»");
        remove.addEventListener("click", function () {
          save(names().filter(function (n) { return n !== name; }), "Район «" + name + "» убран");
          input.focus();
        });
        item.append(remove);
        return item;
      }));
    }
    function addTyped() {
      let name = input.value.trim();
      if (!name) return;
      // The suggestion meant: the one of that name (any case), or the only one containing what was typed.
      const lower = name.toLowerCase();
      const offered = Array.from(suggestions.options).map(function (o) { return o.value; });
      const containing = offered.filter(function (o) { return o.toLowerCase().includes(lower); });
      name = offered.find(function (o) { return o.toLowerCase() === lower; }) || (containing.length === 1 ? containing[0] : name);
      const list = names();
      if (!list.some(function (n) { return n.toLowerCase() === name.toLowerCase(); })) list.push(name);
      input.value = "";
      save(list, "Район «" + name + "» добавлен");
      // Choosing a district means a round of chosen districts.
      const form = area.form;
      const districtsOnly = form && form.querySelector('input[name="participants"][value="districts"]');
      if (districtsOnly) districtsOnly.checked = true;
    }
    add.addEventListener("click", function () { addTyped(); input.focus(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();  // Enter adds the district; it does not send the form
        addTyped();
      }
    });
    // A suggestion picked from the list is added at once (browsers send it as an input without a typed character).
    input.addEventListener("input", function (event) {
      if (!event.inputType || event.inputType === "insertReplacementText") addTyped();
    });
    render();
  });

  // District filters: suggestions fetched as you type (a region has hundreds of districts; none is rendered as an option).
  // The list is a native <datalist>: arrows, Enter and Escape work as in any input with suggestions.
  document.querySelectorAll("input[data-district-search]").forEach(function (input) {
    const list = document.getElementById(input.getAttribute("list"));
    let timer = null;
    let asked = null;
    function load() {
      const text = input.value.trim();
      if (text === asked) return;
      asked = text;
      const url = new URL(input.dataset.districtSearch, window.location.origin);
      url.searchParams.set("q", text);
      // The municipality fixed by the page, or (data-municipality-from) chosen in a select of the same form.
      const from = input.dataset.municipalityFrom && document.getElementById(input.dataset.municipalityFrom);
      const municipality = from ? from.value : input.dataset.municipality;
      if (municipality) url.searchParams.set("municipality", municipality);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { districts: [] }; })
        .then(function (data) {
          if (asked !== text) return;  // an answer to an older question
          list.replaceChildren.apply(list, data.districts.map(function (d) {
            const option = document.createElement("option");
            option.value = d.name;
            option.label = d.municipality;
            return option;
          }));
        })
        .catch(function () { /* no suggestions: the exact name still works */ });
    }
    input.addEventListener("focus", function () {
      if (input.dataset.municipalityFrom) asked = null;  // the municipality may have changed since
      load();
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 200);
    });
    // A name picked from the suggestions (or a cleared field) filters at once, like the selects beside it.
    input.addEventListener("change", function () {
      if (input.form && input.form.hasAttribute("data-autosubmit")) input.form.submit();
    });
  });
})();
