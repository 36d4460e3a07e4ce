// Surveys: the curator's form saves itself, keeps what was typed in the browser until the server has it,
// offers it back after a lost session, checks answers live with the server's rules, and confirms a submit
// only when the form is valid. The server still decides: every check here is repeated by the submit.
(function () {
  "use strict";

  const AUTOSAVE_DELAY = 2500; // ms after the last keystroke
  const RETRY_DELAYS = [5000, 15000, 30000, 60000];
  const CONFLICT_UNSEEN_STATUS = "Не сохранено: анкету изменили в другом окне или другой человек. Сверьте изменения вверху страницы — ваши ответы остались в форме.";
  const CONFLICT_STATUS = "Не сохранено: анкету изменили в другом окне или другой человек — сверьте изменения вверху страницы и нажмите «Сохранить».";

  // Numbers as people type them: the same pattern as roadmap_portal/parsing.py.
  const NUMBER = /^([-\u2212\u2013+])?(\d+|\d{1,3}(?:[\u0020\u00a0\u202f\u2009]\d{3})+)(?:[.,](\d+))?$/;
  const INTEGER_HINT = "Введите целое число цифрами, например «1 530» — без букв и единиц измерения.";
  const DECIMAL_HINT = "Введите число цифрами, например «1 530» или «12,5» — без букв и единиц измерения.";

  function parseNumber(text, integer) {
    text = (text || "").trim();
    if (!text) return { value: null };
    const match = NUMBER.exec(text);
    if (!match) return { error: integer ? INTEGER_HINT : DECIMAL_HINT };
    const sign = match[1] && match[1] !== "+" ? "-" : "";
    const whole = match[2].replace(/[\u0020\u00a0\u202f\u2009]/g, "");
    const fraction = (match[3] || "").replace(/0+$/, "");
    if (integer && fraction) return { error: "Введите целое число, без дробной части: например «1 530»." };
    if (integer && whole.replace(/^0+/, "").length > 10) return { error: "Слишком большое число: не больше 10 цифр." };
    if (!integer && fraction.length > 4) return { error: "Не больше 4 знаков после запятой." };
    if (!integer && whole.replace(/^0+/, "").length > 10) return { error: "Слишком большое число: не больше 10 цифр до запятой." };
    return { value: parseFloat(sign + whole + "." + (fraction || "0")) };
  }

  const form = document.getElementById("submission-form");
  if (form) setUpForm(form);

  function setUpForm(form) {
    const checksNode = document.getElementById("form-checks");
    const checks = checksNode ? JSON.parse(checksNode.textContent) : { questions: {}, rules: [] };
    const statusNode = document.getElementById("save-status");
    const versionInput = form.querySelector("input[name=version]");
    const storagePrefix = form.dataset.storageKey + ":v";
    const touched = new Set(); // questions whose errors are shown (changed and left, or marked by the server)
    const edited = new Set();
    let serverErrors = {};
    let submitTried = false;
    let dirty = false;
    let timer = null;
    let inFlight = null;
    let again = false;
    let retries = 0;
    let stopped = ""; // "signed_out", "conflict", "refused": autosave waits for the person
    // The server's version after a background save met a conflict, not yet taken by the form: a press of a save
    // button in the instant the box appears must not count as having read it. The form takes it once the person
    // edits an answer after the box appeared; until then a save goes to the server with the old version, which
    // refuses it and shows the box on a page of its own (what was typed stays in that form).
    let conflictVersion = null;

    // ---- values of the form ------------------------------------------------------------------------------

    function questionCodes() {
      return Object.keys(checks.questions);
    }

    function inputsOf(code) {
      return form.querySelectorAll("[name='q_" + code + "']");
    }

    function valueOf(code) {
      const inputs = inputsOf(code);
      if (!inputs.length) return null;
      const first = inputs[0];
      if (first.type === "file") return null;
      if (first.type === "radio") {
        const on = Array.from(inputs).find((i) => i.checked);
        return on ? on.value : "";
      }
      if (first.type === "checkbox") return Array.from(inputs).filter((i) => i.checked).map((i) => i.value);
      return first.value;
    }

    function setValue(code, value) {
      inputsOf(code).forEach(function (input) {
        if (input.type === "radio") input.checked = input.value === value;
        else if (input.type === "checkbox") input.checked = Array.isArray(value) && value.indexOf(input.value) >= 0;
        else if (input.type !== "file") input.value = value;
      });
    }

    function snapshot() {
      const values = {};
      questionCodes().forEach(function (code) {
        const value = valueOf(code);
        if (value !== null) values[code] = value;
      });
      return values;
    }

    function isEmpty(value) {
      return value === null || value === "" || (Array.isArray(value) && !value.length);
    }

    function same(a, b) {
      return JSON.stringify(isEmpty(a) ? "" : a) === JSON.stringify(isEmpty(b) ? "" : b);
    }

    function shown(code, value) {
      // What a person reads for a value: the option labels of choices, the text otherwise.
      if (isEmpty(value)) return "— пусто —";
      const values = Array.isArray(value) ? value : [value];
      const inputs = Array.from(inputsOf(code));
      if (inputs.length && (inputs[0].type === "radio" || inputs[0].type === "checkbox")) {
        return values.map(function (v) {
          const input = inputs.find((i) => i.value === v);
          const label = input && form.querySelector("label[for='" + input.id + "']");
          return label ? label.textContent.trim() : v;
        }).join(", ");
      }
      return values.join(", ");
    }

    function questionTitle(code) {
      const card = document.getElementById("question-" + code);
      const title = card && card.querySelector("legend, label.form-label");
      return title ? title.textContent.replace("*", "").trim() : code;
    }

    // ---- the browser's copy (localStorage), kept until the server acknowledges ------------------------

    function storageKeys() {
      const keys = [];
      try {
        for (let i = 0; i < window.localStorage.length; i++) {
          const key = window.localStorage.key(i);
          if (key && key.indexOf(storagePrefix) === 0) keys.push(key);
        }
      } catch (e) { /* storage disabled: autosave still works */ }
      return keys;
    }

    function keep(values) {
      try {
        storageKeys().forEach((key) => window.localStorage.removeItem(key));
        window.localStorage.setItem(storagePrefix + versionInput.value, JSON.stringify({ version: Number(versionInput.value), at: Date.now(), values: values }));
      } catch (e) { /* full or disabled */ }
    }

    function forget() {
      try { storageKeys().forEach((key) => window.localStorage.removeItem(key)); } catch (e) { /* disabled */ }
    }

    function kept() {
      let newest = null;
      storageKeys().forEach(function (key) {
        try {
          const entry = JSON.parse(window.localStorage.getItem(key));
          if (entry && entry.values && (!newest || entry.at > newest.at)) newest = entry;
        } catch (e) { window.localStorage.removeItem(key); }
      });
      return newest;
    }

    // ---- status line ------------------------------------------------------------------------------------

    function setStatus(text, tone, link) {
      statusNode.className = "save-status small order-lg-last ms-lg-2" + (tone ? " text-" + tone : "");
      statusNode.textContent = text;
      if (link) {
        statusNode.append(" ");
        const a = document.createElement("a");
        a.href = link.href;
        a.textContent = link.text;
        a.className = "fw-semibold";
        statusNode.append(a);
      }
      keepInView(document.activeElement); // a longer status makes the bar taller
    }

    // ---- live checks --------------------------------------------------------------------------------------

    function numberOf(code) {
      const check = checks.questions[code];
      if (!check || ["integer", "decimal", "percent"].indexOf(check.type) < 0) return null;
      const parsed = parseNumber(valueOf(code), check.type === "integer");
      return parsed.error ? null : parsed.value;
    }

    function unparsable(code, value) {
      const check = checks.questions[code];
      if (!check || ["integer", "decimal", "percent"].indexOf(check.type) < 0 || isEmpty(value)) return false;
      return Boolean(parseNumber(value, check.type === "integer").error);
    }

    function clientErrors() {
      const errors = {};
      function add(code, message) {
        errors[code] = errors[code] || [];
        if (errors[code].indexOf(message) < 0) errors[code].push(message);
      }
      questionCodes().forEach(function (code) {
        const check = checks.questions[code];
        const value = valueOf(code);
        if (value === null) return; // a file: checked by the server
        if (isEmpty(value)) {
          if (check.required) add(code, checks.required_message);
          return;
        }
        if (["integer", "decimal", "percent"].indexOf(check.type) >= 0) {
          const parsed = parseNumber(value, check.type === "integer");
          if (parsed.error) return add(code, parsed.error);
          if (check.min !== null && parsed.value < parseFloat(check.min)) add(code, check.min_message);
          else if (check.max !== null && parsed.value > parseFloat(check.max)) add(code, check.max_message);
        }
      });
      checks.rules.forEach(function (rule) {
        let broken = false;
        if (rule.kind === "lte") {
          const left = numberOf(rule.left), right = numberOf(rule.right);
          broken = left !== null && right !== null && left > right;
        } else if (rule.kind === "requires_positive") {
          const value = valueOf(rule.left);
          const chosen = Array.isArray(value) ? value : (isEmpty(value) ? [] : [value]);
          const right = numberOf(rule.right);
          broken = chosen.some((v) => rule.left_values.indexOf(v) >= 0) && !(right !== null && right > 0);
        }
        if (broken) { add(rule.left, rule.message); add(rule.right, rule.message); }
      });
      return errors;
    }

    function hasFile(code) {
      const card = document.getElementById("question-" + code);
      const input = card && card.querySelector("input[type=file]");
      return Boolean((input && input.files.length) || (card && card.querySelector(".attached-file")));
    }

    function currentErrors() {
      // The browser's own checks first; what the server said about fields the browser cannot judge (files)
      // or judged the same way stays until the next save answers.
      const errors = clientErrors();
      Object.keys(serverErrors).forEach(function (code) {
        const check = checks.questions[code];
        if (check && check.type === "file" && !errors[code] && !hasFile(code)) errors[code] = serverErrors[code];
      });
      questionCodes().forEach(function (code) {
        const check = checks.questions[code];
        if (check.type === "file" && check.required && !hasFile(code) && !errors[code]) errors[code] = [checks.required_message];
      });
      return errors;
    }

    function render(errors) {
      let answered = 0;
      const sectionsWithErrors = new Set();
      questionCodes().forEach(function (code) {
        const card = document.getElementById("question-" + code);
        if (!card) return;
        const list = errors[code] || [];
        const visible = (touched.has(code) || submitTried) ? list : [];
        const box = card.querySelector("[data-errors-for]");
        if (box) {
          box.replaceChildren();
          visible.forEach(function (message) {
            const div = document.createElement("div");
            div.className = "invalid-feedback d-block";
            const icon = document.createElement("i");
            icon.className = "bi bi-exclamation-circle";
            icon.setAttribute("aria-hidden", "true");
            div.append(icon, " " + message);
            box.append(div);
          });
        }
        card.classList.toggle("has-error", visible.length > 0);
        card.querySelectorAll("input, textarea, select").forEach(function (input) {
          if (input.name !== "q_" + code) return;
          input.classList.toggle("is-invalid", visible.length > 0);
          if (visible.length) {
            input.setAttribute("aria-invalid", "true");
            if (box) input.setAttribute("aria-errormessage", box.id);
          } else {
            input.removeAttribute("aria-invalid");
          }
        });
        if (visible.length) sectionsWithErrors.add(card.dataset.section);
        const value = valueOf(code);
        const filled = value === null ? hasFile(code) : !isEmpty(value);
        if (filled && !list.length) answered += 1;
      });
      const total = questionCodes().length;
      document.querySelectorAll("[data-progress-count]").forEach((n) => { n.textContent = String(answered); });
      document.querySelectorAll("[data-progress-bar]").forEach(function (bar) {
        bar.setAttribute("aria-valuenow", String(answered));
        const inner = bar.querySelector(".progress-bar");
        const pct = total ? Math.round((answered / total) * 100) : 0;
        inner.className = inner.className.replace(/\bw-pct-\d+\b/, "").trim() + " w-pct-" + pct;
      });
      document.querySelectorAll("[data-toc-section]").forEach(function (link) {
        const bad = sectionsWithErrors.has(link.dataset.tocSection);
        link.classList.toggle("text-danger", bad);
        const icon = link.querySelector(".bi-exclamation-circle-fill");
        if (icon) icon.classList.toggle("d-none", !bad);
      });
      return answered;
    }

    function refresh() {
      const answered = render(currentErrors());
      keepInView(document.activeElement); // messages shown above may have pushed the focused field down
      return answered;
    }

    // ---- autosave -----------------------------------------------------------------------------------------

    function schedule(delay) {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, delay);
    }

    function csrfToken() {
      const input = form.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }

    function save() {
      window.clearTimeout(timer);
      if (stopped) return Promise.resolve(null);
      if (inFlight) { again = true; return inFlight; }
      const sent = snapshot();
      const data = new FormData(form);
      data.delete("draft");
      data.delete("submit");
      const filesSent = Array.from(form.querySelectorAll("input[type=file]")).filter((i) => i.files.length);
      setStatus("Сохраняется…", "body-secondary");
      inFlight = fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      }).then(function (response) {
        const type = response.headers.get("content-type") || "";
        if (type.indexOf("application/json") < 0) return { http: response.status, body: { status: response.status === 403 ? "signed_out" : "error" } };
        return response.json().then((body) => ({ http: response.status, body: body }));
      }).then(function (reply) {
        return handle(reply, sent, filesSent);
      }, function () {
        offline();
        return null;
      }).finally(function () {
        inFlight = null;
        if (again && !stopped) { again = false; schedule(300); }
      });
      return inFlight;
    }

    function handle(reply, sent, filesSent) {
      const body = reply.body;
      if (body.status === "saved") {
        retries = 0;
        versionInput.value = String(body.version);
        serverErrors = body.errors || {};
        Object.keys(body.files || {}).forEach(function (code) {
          const slot = form.querySelector("[data-attached='" + code + "']");
          if (slot) slot.innerHTML = body.files[code]; // rendered by the server's own template
        });
        filesSent.forEach(function (input) { input.value = ""; });
        const now = snapshot();
        // A number that does not parse stays as it was on the server: the browser keeps it until it is fixed.
        const unsaved = questionCodes().some((code) => unparsable(code, sent[code]));
        // Typed after this save was sent: not on the server yet, whatever this save carried (its own save is scheduled).
        const newer = !questionCodes().every((code) => same(now[code], sent[code]));
        if (!newer && !unsaved) {
          forget();
          dirty = false;
          setStatus("Сохранено в " + body.saved_at, "success");
        } else {
          keep(now);
          setStatus(newer ? "Есть несохранённые изменения" : "Сохранено в " + body.saved_at + ", кроме полей с ошибками", "warning-emphasis");
        }
        refresh();
        return body;
      }
      if (body.status === "signed_out") {
        stopped = "signed_out";
        setStatus("Не сохранено: сеанс входа закончился. Ответы сохранены в этом браузере —", "danger", { href: form.dataset.loginUrl, text: "войдите снова" });
        return null;
      }
      if (body.status === "conflict") {
        stopped = "conflict";
        again = false;
        conflictVersion = String(body.version);
        const slot = document.getElementById("conflict-slot");
        slot.innerHTML = body.html; // the server's template: what changed, by whom
        setStatus(CONFLICT_UNSEEN_STATUS, "danger");
        const conflict = document.getElementById("conflict");
        if (conflict) { conflict.scrollIntoView({ block: "start" }); conflict.focus({ preventScroll: true }); }
        return null;
      }
      if (body.status === "refused") {
        stopped = "refused";
        setStatus("Не сохранено: " + body.message, "danger");
        return null;
      }
      offline("Не сохранено: ошибка на сервере.");
      return null;
    }

    function offline(text) {
      const delay = RETRY_DELAYS[Math.min(retries, RETRY_DELAYS.length - 1)];
      retries += 1;
      setStatus((text || "Не сохранено: нет связи.") + " Ответы сохранены в этом браузере, повторим через " + Math.round(delay / 1000) + " с.", "danger");
      schedule(delay);
    }

    function changed(event) {
      const name = event.target.name || "";
      if (name.indexOf("q_") !== 0) return;
      const code = name.replace(/^q_/, "").replace(/__remove$/, "");
      dirty = true;
      edited.add(code);
      if (conflictVersion !== null && event.type === "input") {
        // An answer changed after the box appeared (focus went to the box, so this is the person's own move):
        // the next «Сохранить» saves over the change they have seen.
        versionInput.value = conflictVersion;
        conflictVersion = null;
      }
      if (event.type === "change" || event.target.type === "radio" || event.target.type === "checkbox") touched.add(code);
      keep(snapshot());
      refresh();
      if (stopped === "conflict") {
        // No background save over the other window's answers: the person compares and presses «Сохранить».
        setStatus(conflictVersion === null ? CONFLICT_STATUS : CONFLICT_UNSEEN_STATUS, "danger");
      } else if (!stopped) {
        setStatus("Есть несохранённые изменения", "warning-emphasis");
        schedule(event.target.type === "file" ? 0 : AUTOSAVE_DELAY);
      }
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("focusout", function (event) {
      const name = event.target.name || "";
      if (name.indexOf("q_") !== 0) return;
      const code = name.replace(/^q_/, "").replace(/__remove$/, "");
      if (edited.has(code)) touched.add(code); // tabbing past an empty question is not an error yet
      refresh();
      if (dirty && !stopped) schedule(0);
    });
    window.addEventListener("online", function () { if (dirty && !stopped) schedule(0); });

    // ---- submit: confirm only a valid form, after the server has the latest answers --------------------

    let confirmed = false;
    form.addEventListener("submit", function (event) {
      const button = event.submitter;
      window.clearTimeout(timer);
      if (inFlight) {
        // Let the background save finish first: its new version goes with this form.
        // A background save refused as a conflict stops here: the person sees what changed before saving over it.
        event.preventDefault();
        inFlight.then(function () { if (stopped !== "conflict") form.requestSubmit(button); });
        return;
      }
      if (!button || button.name !== "submit" || confirmed || conflictVersion !== null) {
        // A save right after a background conflict goes with the old version: the server refuses it and shows the box.
        keep(snapshot());
        dirty = false;
        stopped = stopped || "leaving";
        return;
      }
      event.preventDefault();
      submitTried = true;
      const errors = currentErrors();
      render(errors);
      if (Object.keys(errors).length) return showProblems(errors);
      stopped = stopped === "conflict" ? "" : stopped;
      save().then(function (body) {
        if (!body) return; // not saved: the status line says why
        const after = currentErrors();
        Object.keys(body.errors || {}).forEach(function (code) { after[code] = body.errors[code]; });
        render(after);
        if (Object.keys(after).length) return showProblems(after);
        if (!window.confirm(button.dataset.submitConfirm)) return;
        confirmed = true;
        dirty = false;
        form.requestSubmit(button);
      });
    });

    function showProblems(errors) {
      const codes = questionCodes().filter((code) => errors[code]);
      setStatus("Анкета не отправлена: исправьте ошибки (" + codes.length + "). Первая отмечена ниже.", "danger");
      const card = document.getElementById("question-" + codes[0]);
      const input = card && card.querySelector("input:not([type=hidden]), textarea, select");
      if (card) card.scrollIntoView({ block: "center" });
      if (input) input.focus({ preventScroll: true });
    }

    window.addEventListener("beforeunload", function (event) {
      if (!dirty || confirmed) return;
      keep(snapshot()); // what the server has not acknowledged stays in the browser
      if (stopped === "signed_out") return; // signed out: the browser keeps the answers, no need to warn
      event.preventDefault();
      event.returnValue = form.dataset.dirtyWarning || "";
    });

    // ---- restore what the browser kept, field by field against what the server holds -----------------

    function offerRestore() {
      const entry = kept();
      if (!entry) return;
      const differing = Object.keys(entry.values).filter((code) => checks.questions[code] && !same(entry.values[code], valueOf(code)));
      if (!differing.length) { forget(); return; }
      const slot = document.getElementById("restore-slot");
      const panel = document.createElement("section");
      panel.className = "alert alert-info restore-panel";
      panel.id = "restore";
      panel.tabIndex = -1;
      panel.setAttribute("aria-labelledby", "restore-title");
      const title = document.createElement("h2");
      title.className = "h6 alert-heading";
      title.id = "restore-title";
      title.textContent = "В этом браузере остались ответы, которые не дошли до сервера (" + new Date(entry.at).toLocaleString("ru-RU") + "). Вернуть их в форму?";
      panel.append(title);
      const list = document.createElement("ul");
      list.className = "list-unstyled mb-2";
      differing.forEach(function (code) {
        const item = document.createElement("li");
        item.className = "form-check form-check-tap";
        const box = document.createElement("input");
        box.type = "checkbox";
        box.className = "form-check-input";
        box.checked = true;
        box.id = "restore-" + code;
        box.dataset.code = code;
        const label = document.createElement("label");
        label.className = "form-check-label";
        label.htmlFor = box.id;
        const strong = document.createElement("strong");
        strong.textContent = questionTitle(code);
        label.append(strong, document.createElement("br"), "в браузере: " + shown(code, entry.values[code]) + " · на сервере: " + shown(code, valueOf(code)));
        item.append(box, label);
        list.append(item);
      });
      panel.append(list);
      const restore = document.createElement("button");
      restore.type = "button";
      restore.className = "btn btn-primary btn-tap me-2";
      restore.textContent = "Вернуть отмеченные ответы";
      const drop = document.createElement("button");
      drop.type = "button";
      drop.className = "btn btn-outline-secondary btn-tap";
      drop.textContent = "Оставить как на сервере";
      panel.append(restore, drop);
      slot.append(panel);
      panel.focus();
      restore.addEventListener("click", function () {
        list.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
          setValue(box.dataset.code, entry.values[box.dataset.code]);
          touched.add(box.dataset.code);
        });
        panel.remove();
        dirty = true;
        keep(snapshot());
        refresh();
        save();
      });
      drop.addEventListener("click", function () {
        panel.remove();
        forget();
      });
    }

    // ---- focus never hidden under the sticky save bar or the compact header ---------------------------

    const bar = form.querySelector(".form-actions");
    function keepInView(element) {
      if (!bar || !element || !form.contains(element) || element.closest(".form-actions")) return;
      const rect = element.getBoundingClientRect();
      const barTop = bar.getBoundingClientRect().top;
      if (rect.bottom > barTop - 8) window.scrollBy({ top: rect.bottom - barTop + 24, behavior: "instant" });
      const header = document.querySelector("[data-compact-header]");
      const headerBottom = header && header.offsetParent ? header.getBoundingClientRect().bottom : 0;
      if (rect.top < headerBottom + 8) window.scrollBy({ top: rect.top - headerBottom - 24, behavior: "instant" });
    }
    form.addEventListener("focusin", function (event) { keepInView(event.target); });

    // Errors rendered by the server count as seen.
    form.querySelectorAll(".question-card.has-error").forEach((card) => touched.add(card.dataset.question));
    refresh();
    if (document.getElementById("conflict")) {
      stopped = "conflict"; // the person compares and saves again
      setStatus(CONFLICT_STATUS, "danger");
      keep(snapshot());
    } else if (document.getElementById("error-summary") || touched.size) {
      // A refused save rendered what was typed: the browser keeps it and saves what parses.
      dirty = true;
      keep(snapshot());
      schedule(AUTOSAVE_DELAY);
    } else {
      offerRestore();
    }
  }

  const summary = document.getElementById("error-summary") || document.getElementById("conflict");
  if (summary) {
    summary.scrollIntoView({ block: "start" });
    summary.focus({ preventScroll: true });
  }

  // Completeness page: "select all awaiting".
  const toggleAll = document.getElementById("remind-toggle-all");
  if (toggleAll) {
    toggleAll.addEventListener("change", function () {
      document.querySelectorAll("input.remind-school").forEach(function (box) { box.checked = toggleAll.checked; });
    });
  }
})();
