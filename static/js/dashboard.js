// Dashboard charts. The numbers come from the page (json_script "dashboard-data"); the same numbers
// are in the tables under each chart.
(function () {
  "use strict";

  const source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const Chart = window.Chart;

  const STATE_COLOURS = { accepted: "#198754", submitted: "#0d6efd", returned: "#fd7e14", draft: "#6c757d", none: "#ced4da" };
  const LEVEL_COLOURS = { high: "#198754", medium: "#ffc107", low: "#dc3545", none: "#adb5bd" };
  const number = new Intl.NumberFormat("ru-RU", { maximumFractionDigits: 1 });

  Chart.defaults.locale = "ru-RU";
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false; // charts appear at once, and print as drawn

  function stacked(config, colours, horizontal) {
    return {
      type: "bar",
      data: {
        labels: config.labels,
        datasets: config.series.map(function (s) {
          return { label: s.label, data: s.data, backgroundColor: colours[s.key] || "#adb5bd", maxBarThickness: 36 };
        }),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    };
  }

  function histogram(config) {
    return {
      type: "bar",
      data: { labels: config.labels, datasets: [{ label: "Школ", data: config.data, backgroundColor: "#2a7de1" }] },
      options: {
        scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "школ" } }, x: { title: { display: true, text: "рейтинг" } } },
        plugins: { legend: { display: false } },
      },
    };
  }

  const DAY = 24 * 3600 * 1000;
  function timestamp(iso) {
    const p = iso.split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]);
  }
  function dateLabel(ms) {
    const d = new Date(ms);
    return String(d.getUTCDate()).padStart(2, "0") + "." + String(d.getUTCMonth() + 1).padStart(2, "0") + "." + d.getUTCFullYear();
  }
  function points(dates, values) {
    const out = [];
    dates.forEach(function (iso, i) {
      if (values[i] !== null && values[i] !== undefined) out.push({ x: timestamp(iso), y: values[i] });
    });
    return out;
  }

  // Actual per round and the target line over the deadlines, on a true time axis: a target holds
  // from its deadline until the next deadline, and the last one holds on to the latest round.
  function indicator(config) {
    const unit = config.unit ? " " + config.unit : "";
    const actual = points(config.dates, config.actual);
    const target = points(config.dates, config.target);
    const last = config.dates.length ? timestamp(config.dates[config.dates.length - 1]) : 0;
    if (target.length && target[target.length - 1].x < last) target.push({ x: last, y: target[target.length - 1].y });
    const first = config.dates.length ? timestamp(config.dates[0]) : 0;
    const pad = Math.max(30 * DAY, (last - first) * 0.04);
    return {
      type: "line",
      data: {
        datasets: [
          { label: "Факт", data: actual, borderColor: "#1f4e8c", backgroundColor: "#1f4e8c", tension: 0, pointRadius: 4 },
          { label: "Цель", data: target, borderColor: "#dc3545", backgroundColor: "#dc3545", borderDash: [6, 4], stepped: "after", pointRadius: 3, pointStyle: "rectRot" },
        ],
      },
      options: {
        parsing: false,
        scales: {
          x: {
            type: "linear",
            min: first - pad,
            max: last + pad,
            ticks: { maxRotation: 0, callback: function (value) { return new Date(value).getUTCFullYear(); } },
            // One tick on the 1st of January of every year on the axis.
            afterBuildTicks: function (axis) {
              const ticks = [];
              for (let y = new Date(axis.min).getUTCFullYear() + 1; y <= new Date(axis.max).getUTCFullYear(); y++) ticks.push({ value: Date.UTC(y, 0, 1) });
              axis.ticks = ticks;
            },
          },
          y: { beginAtZero: true, suggestedMax: config.unit === "%" ? 100 : undefined },
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? dateLabel(items[0].parsed.x) : ""; },
              label: function (ctx) { return ctx.dataset.label + ": " + number.format(ctx.parsed.y) + unit; },
            },
          },
        },
      },
    };
  }

  const builders = {
    completeness: function (c) { return stacked(c, STATE_COLOURS, true); },
    histogram: histogram,
    levels: function (c) { return stacked(c, LEVEL_COLOURS, false); },
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const key = canvas.dataset.chart;
    let config = null;
    if (builders[key] && data[key]) config = builders[key](data[key]);
    else if (data.indicators && data.indicators[key]) config = indicator(data.indicators[key]);
    if (config) canvas.chart = new Chart(canvas, config);
  });
})();
