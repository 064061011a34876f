// Oversight charts (Chart.js, vendored): a <canvas data-chart-src="…json"> is drawn from its JSON, and a
// plain table of the same numbers is written under it (read by screen readers, printed on paper).
// No inline scripts (CSP); loaded with `defer` by each chart partial, so it guards against running twice.
(function () {
  "use strict";
  if (window.oversightCharts) { return; }
  window.oversightCharts = true;

  // Colour-blind-safe and readable in greyscale print (each series also differs in lightness).
  var COLOURS = {
    on_time: "#1b7837", late: "#e08214", not_completed: "#a50f15", in_progress: "#2166ac",
    "1-7": "#fdb863", "8-30": "#e08214", "30+": "#a50f15",
    on_time_rate: "#1b7837", completion_rate: "#2166ac"
  };
  var FALLBACK = ["#2166ac", "#1b7837", "#e08214", "#a50f15", "#762a83"];

  function colour(dataset, index) {
    return COLOURS[dataset.key] || FALLBACK[index % FALLBACK.length];
  }

  function config(data) {
    var percent = !!data.percent;
    var datasets = data.datasets.map(function (ds, i) {
      var c = colour(ds, i);
      return { label: ds.label, data: ds.data, backgroundColor: c, borderColor: c, borderWidth: data.type === "line" ? 3 : 1,
               pointRadius: 4, spanGaps: true, tension: 0 };
    });
    // Counts are whole numbers: no 0.1…0.9 ticks (precision 0, step at least 1).
    var valueAxis = { beginAtZero: true, stacked: !!data.stacked,
                      ticks: { precision: percent ? undefined : 0,
                               callback: function (v) { return percent ? v + "%" : (Number.isInteger(v) ? v : null); } } };
    if (percent) { valueAxis.suggestedMax = 100; } else { valueAxis.suggestedMax = 1; }
    // Long agency names wrap and shrink on a phone instead of being clipped.
    var narrow = window.matchMedia && window.matchMedia("(max-width: 576px)").matches;
    var categoryAxis = { stacked: !!data.stacked,
                         ticks: { autoSkip: !data.horizontal && narrow, maxRotation: narrow ? 60 : 50,
                                  font: { size: narrow ? 10 : 12 },
                                  callback: function (value) { return wrapLabel(this.getLabelForValue(value), narrow ? 18 : 32); } } };
    return {
      type: data.type || "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        indexAxis: data.horizontal ? "y" : "x",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2),
        plugins: { legend: { position: "bottom" }, title: { display: !!data.title, text: data.title } },
        scales: data.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis }
      }
    };
  }

  // A long label as lines of at most `width` characters (Chart.js draws an array as lines).
  function wrapLabel(label, width) {
    var text = String(label || ""), lines = [], line = "";
    if (text.length <= width) { return text; }
    text.split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines.slice(0, 3);
  }

  function isEmpty(data) {
    if (!data.labels || !data.labels.length) { return true; }
    return !data.datasets.some(function (ds) {
      // A rate of 0 % is a measurement; a count of 0 everywhere is nothing to draw.
      return ds.data.some(function (v) { return v !== null && v !== undefined && (data.percent || Number(v) !== 0); });
    });
  }

  function formatValue(value, percent) {
    if (value === null || value === undefined) { return "—"; }
    var text = String(value).replace(".", ",");
    return percent ? text + "%" : text;
  }

  function table(canvas, data) {
    var figure = canvas.closest("figure") || canvas.parentNode;
    // A table ignores a 1px height, so the visually-hidden box is a wrapper around it.
    var wrap = document.createElement("div");
    wrap.className = "chart-data";
    var t = document.createElement("table");
    t.className = "table table-sm";
    var caption = document.createElement("caption");
    caption.textContent = data.title || "";
    t.appendChild(caption);
    var head = t.createTHead().insertRow();
    head.appendChild(document.createElement("th"));
    data.datasets.forEach(function (ds) {
      var th = document.createElement("th");
      th.textContent = ds.label;
      head.appendChild(th);
    });
    var body = t.createTBody();
    data.labels.forEach(function (label, row) {
      var tr = body.insertRow();
      var th = document.createElement("th");
      th.textContent = label;
      tr.appendChild(th);
      data.datasets.forEach(function (ds) {
        tr.insertCell().textContent = formatValue(ds.data[row], data.percent);
      });
    });
    wrap.appendChild(t);
    figure.appendChild(wrap);
  }

  function fail(canvas) {
    var note = document.createElement("p");
    note.className = "text-muted small";
    note.textContent = canvas.getAttribute("data-error-text") || "Không tải được biểu đồ.";
    canvas.parentNode.insertBefore(note, canvas.nextSibling);
  }

  function draw(canvas) {
    var src = canvas.getAttribute("data-chart-src");
    if (!src || canvas.getAttribute("data-chart-drawn")) { return; }
    canvas.setAttribute("data-chart-drawn", "1");
    fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        if (isEmpty(data)) {
          // An empty chart says so in words instead of drawing bare axes.
          var empty = document.createElement("p");
          empty.className = "chart-empty text-muted small";
          empty.setAttribute("data-chart-empty", "");
          empty.textContent = (data.title ? data.title + ": " : "") + (canvas.getAttribute("data-empty-text") || "chưa có dữ liệu.");
          var box = canvas.parentNode;
          box.parentNode.replaceChild(empty, box.classList.contains("chart-box") ? box : canvas);
          return;
        }
        if (data.horizontal) {
          var n = data.labels.length;
          canvas.parentNode.classList.add(n <= 6 ? "chart-size-s" : n <= 10 ? "chart-size-m" : n <= 20 ? "chart-size-l" : "chart-size-xl");
        }
        if (window.Chart) { new window.Chart(canvas, config(data)); }
        table(canvas, data);
      })
      .catch(function () { fail(canvas); });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart-src]").forEach(draw);
  }

  // Charts resize to the paper width before printing.
  window.addEventListener("beforeprint", function () {
    if (!window.Chart) { return; }
    Object.values(window.Chart.instances || {}).forEach(function (chart) { chart.resize(); });
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
