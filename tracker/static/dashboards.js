// Draws the dashboard's charts from its JSON endpoint (the same suppressed cells as the tables
// below each chart, which are what works without JavaScript and what screen readers read).
// A suppressed cell has no bar or point: its label says why ("fewer than 5").
(function () {
  "use strict";
  var COLOURS = ["#0b5e55", "#a34f00", "#3b5ba5", "#8c2d6e", "#4d6b00", "#5b5b5b"];

  // On a phone the bars need the width: long labels are shortened in the picture only (the
  // table below and the hover text keep them whole).
  function shorten(label, narrow) {
    var limit = narrow ? 16 : 40;
    return label.length > limit ? label.slice(0, limit - 1) + "\u2026" : label;
  }

  function traces(chart, narrow) {
    var seen = {};
    var labels = chart.rows.map(function (row, i) {
      var label = shorten(row.label, narrow);
      // Two labels shortened alike would become one category (one bar): keep them apart.
      if (seen[label]) { label = label + " (" + (i + 1) + ")"; }
      seen[label] = true;
      return label;
    });
    return chart.plotted.map(function (column, i) {
      var values = chart.rows.map(function (row) { return row.cells[column].value; });
      var text = chart.rows.map(function (row) { return row.cells[column].text; });
      var colour = COLOURS[i % COLOURS.length];
      if (chart.kind === "line") {
        return { type: "scatter", mode: "lines+markers", name: chart.columns[column], x: labels, y: values,
                 text: text, hoverinfo: "x+name+text", line: { color: colour } };
      }
      return { type: "bar", orientation: "h", name: chart.columns[column], y: labels,
               x: values.map(function (v) { return v === null ? 0 : v; }), text: text,
               textposition: "auto", hoverinfo: "y+name+text", marker: { color: colour } };
    });
  }

  function draw(data) {
    var rtl = document.documentElement.dir === "rtl";
    data.charts.forEach(function (chart) {
      var el = document.getElementById("chart-" + chart.key);
      if (!el || !chart.rows.length || !chart.plotted.length) { return; }
      var line = chart.kind === "line";
      var narrow = el.clientWidth < 480;
      // Small counts get whole-number ticks (no "0.2 commitments").
      var largest = 0;
      chart.rows.forEach(function (row) { chart.plotted.forEach(function (c) { largest = Math.max(largest, row.cells[c].value || 0); }); });
      var ticks = largest < 10 ? { dtick: 1, tick0: 0 } : {};
      window.Plotly.newPlot(el, traces(chart, narrow), {
        barmode: "group",
        margin: { l: 10, r: 10, t: 10, b: 40 },
        // Categories always: "2027-01" or "16-17" must not become a number or date axis.
        yaxis: line ? Object.assign({ rangemode: "tozero", automargin: true, side: rtl ? "right" : "left" }, ticks) : { type: "category", automargin: true, autorange: "reversed", side: rtl ? "right" : "left" },
        xaxis: line ? { type: "category", autorange: rtl ? "reversed" : true } : Object.assign({ rangemode: "tozero", autorange: rtl ? "reversed" : true }, ticks),
        legend: { orientation: "h" },
        height: line ? 320 : 90 + 30 * chart.rows.length * Math.max(1, chart.plotted.length),
        font: { family: "system-ui, sans-serif", size: 13 }
      }, { displayModeBar: false, responsive: true });
    });
  }

  function load() {
    var holder = document.getElementById("dashboard");
    if (!holder || typeof window.Plotly === "undefined" || !window.fetch) { return; }
    window.fetch(holder.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { draw(data); } })
      .catch(function () { /* the tables stay: they hold the same numbers */ });
  }
  document.addEventListener("DOMContentLoaded", load);
})();
