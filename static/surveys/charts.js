// Draws the results charts from the JSON block of the page (tests check that data, not the
// picture). Suppressed cells have no bar and say why in their label.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("chart-data");
    if (!holder || typeof window.Plotly === "undefined") { return; }
    var charts;
    try { charts = JSON.parse(holder.textContent); } catch (e) { return; }
    var rtl = document.documentElement.dir === "rtl";
    charts.forEach(function (chart) {
      var el = document.getElementById(chart.id);
      if (!el) { return; }
      // Counts are whole numbers: a tick per person while they are few; past ten Plotly
      // chooses (a tick per person would run 0 to 126 into one smear under the bars).
      var largest = Math.max.apply(null, chart.values.map(function (v) { return v || 0; }).concat([0]));
      var labels = chart.labels.map(function (label, i) {
        return chart.values[i] === null ? label + " (" + chart.text[i] + ")" : label;
      });
      window.Plotly.newPlot(el, [{
        type: "bar",
        orientation: "h",
        y: labels,
        x: chart.values.map(function (v) { return v === null ? 0 : v; }),
        text: chart.text,
        hoverinfo: "y+text",
        marker: { color: "#0b5e55" }
      }], {
        margin: { l: 10, r: 10, t: 10, b: 30 },
        // Categories, always: labels such as "2" or "16 to 18" must not become a number axis.
        yaxis: { type: "category", automargin: true, autorange: "reversed", side: rtl ? "right" : "left" },
        xaxis: largest < 10
          ? { rangemode: "tozero", dtick: 1, tick0: 0, autorange: rtl ? "reversed" : true }
          : { rangemode: "tozero", tickformat: "d", autorange: rtl ? "reversed" : true },
        height: 60 + 36 * chart.labels.length,
        font: { family: "system-ui, sans-serif", size: 13 }
      }, { displayModeBar: false, responsive: true, staticPlot: false });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", draw);
})();
