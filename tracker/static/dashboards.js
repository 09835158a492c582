// Draws the dashboard's charts from its JSON endpoint (the same suppressed cells as the tables
// below each chart, which are what works without JavaScript and what screen readers read).
// A suppressed cell has no bar or point: its label says why ("fewer than 5").
//
// Right to left: Plotly lays its text out left to right whatever the page says (it measures
// labels in a hidden tester under <body>: plotly.js#6837), so dashboards.css keeps the charts
// and that tester ltr, and the chart is mirrored here instead: the category axis on the right,
// bars growing leftwards, months from the right, the legend on the right; a label that reads
// right to left is embedded as such, line by line.
(function () {
  "use strict";
  var COLOURS = ["#0b5e55", "#a34f00", "#3b5ba5", "#8c2d6e", "#4d6b00", "#5b5b5b"];
  var LINES = 3; // a label longer than this many lines is shortened on its last one
  var LINE_HEIGHT = 17; // pixels a line of a label takes at 13 px
  // The first letter with a direction is Hebrew or Arabic (as baraza.i18n.reads_right_to_left).
  var RTL_FIRST = /^[^A-Za-z\u00C0-\u02AF\u0370-\u03FF\u0400-\u04FF\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]*[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

  // Plotly reads a few HTML tags in its texts: what people typed is shown as typed.
  function escape(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function embedded(line) {
    // Right-to-left embedding ... pop: the line is laid out as Arabic is read.
    return RTL_FIRST.test(line) ? "\u202B" + line + "\u202C" : line;
  }

  // A label as drawn: wrapped onto lines of `chars` characters (the words kept whole where they
  // fit, as baraza/charts.py wraps the server's charts), at most LINES of them, the last one
  // shortened with "…" when the label is longer still. The table below and the hover text
  // keep it whole.
  function wrap(label, chars) {
    var lines = [];
    var line = "";
    String(label).split(/\s+/).filter(Boolean).forEach(function (word) {
      while (word.length > chars) {
        if (line) { lines.push(line); line = ""; }
        lines.push(word.slice(0, chars));
        word = word.slice(chars);
      }
      if (!line) { line = word; } else if ((line + " " + word).length <= chars) { line += " " + word; } else { lines.push(line); line = word; }
    });
    if (line) { lines.push(line); }
    if (lines.length > LINES) {
      var rest = lines.slice(LINES - 1).join(" ");
      lines = lines.slice(0, LINES - 1).concat([rest.slice(0, chars - 1).replace(/\s+$/, "") + "\u2026"]);
    }
    return lines.length ? lines : [""];
  }

  function traces(chart, narrow, rtl) {
    var seen = {};
    var lines = 1;
    var labels = chart.rows.map(function (row, i) {
      var wrapped = wrap(row.label, narrow ? 14 : 28);
      lines = Math.max(lines, wrapped.length);
      var label = wrapped.map(function (line) { return escape(rtl ? embedded(line) : line); }).join("<br>");
      // Two labels shortened alike would become one category (one bar): keep them apart.
      if (seen[label]) { label = label + " (" + (i + 1) + ")"; }
      seen[label] = true;
      return label;
    });
    var whole = chart.rows.map(function (row) { return escape(row.label); });
    function named(column) { return escape(rtl ? embedded(chart.columns[column]) : chart.columns[column]); }
    var drawn = chart.plotted.map(function (column, i) {
      var values = chart.rows.map(function (row) { return row.cells[column].value; });
      var text = chart.rows.map(function (row) { return escape(row.cells[column].text); });
      var colour = COLOURS[i % COLOURS.length];
      var hover = "%{customdata}<br>%{fullData.name}: %{text}<extra></extra>";
      if (chart.kind === "line") {
        return { type: "scatter", mode: "lines+markers", name: named(column), x: labels, y: values,
                 text: text, customdata: whole, hovertemplate: hover, line: { color: colour } };
      }
      // Values written level (never turned sideways in a thin bar): inside a bar they fit in,
      // beside it otherwise, and never cut at the plot's edge.
      return { type: "bar", orientation: "h", name: named(column), y: labels,
               x: values.map(function (v) { return v === null ? 0 : v; }), text: text,
               textposition: "auto", textangle: 0, insidetextanchor: "end", cliponaxis: false,
               customdata: whole, hovertemplate: hover, marker: { color: colour } };
    });
    return { data: drawn, lines: lines };
  }

  function draw(data) {
    var rtl = document.documentElement.dir === "rtl";
    data.charts.forEach(function (chart) {
      var el = document.getElementById("chart-" + chart.key);
      if (!el || !chart.rows.length || !chart.plotted.length) { return; }
      var line = chart.kind === "line";
      var narrow = el.clientWidth < 480;
      var drawn = traces(chart, narrow, rtl);
      // Small counts get whole-number ticks (no "0.2 commitments").
      var largest = 0;
      chart.rows.forEach(function (row) { chart.plotted.forEach(function (c) { largest = Math.max(largest, row.cells[c].value || 0); }); });
      var ticks = largest < 10 ? { dtick: 1, tick0: 0 } : {};
      var series = Math.max(1, chart.plotted.length);
      // Room for each category's bars, and for its label's lines.
      var perRow = Math.max(30 * series, LINE_HEIGHT * drawn.lines + 12);
      window.Plotly.newPlot(el, drawn.data, {
        barmode: "group",
        margin: { l: 10, r: 10, t: 10, b: 40 },
        // Categories always: "2027-01" or "16-17" must not become a number or date axis.
        yaxis: line ? Object.assign({ rangemode: "tozero", automargin: true, side: rtl ? "right" : "left" }, ticks) : { type: "category", automargin: true, autorange: "reversed", side: rtl ? "right" : "left", ticklabelstandoff: 6 },
        xaxis: line ? { type: "category", automargin: true, autorange: rtl ? "reversed" : true } : Object.assign({ rangemode: "tozero", autorange: rtl ? "reversed" : true }, ticks),
        legend: { orientation: "h", x: rtl ? 1 : 0, xanchor: rtl ? "right" : "left" },
        height: line ? 320 : 90 + perRow * chart.rows.length,
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
