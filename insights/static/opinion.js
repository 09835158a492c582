// Draws the opinion map from the page's JSON block (tests check that data, not the picture):
// one colour per group shown; groups too small to show are not in the data at all.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("opinion-data");
    var el = document.getElementById("opinion-map");
    if (!holder || !el || typeof window.Plotly === "undefined") { return; }
    var data;
    try { data = JSON.parse(holder.textContent); } catch (e) { return; }
    var palette = ["#0b5e55", "#a34f00", "#3b5ba5", "#8c2d6e", "#4d6b00"];
    var traces = data.traces.map(function (t, i) {
      return { type: "scatter", mode: "markers", name: t.name, x: t.x, y: t.y, hoverinfo: "name",
               marker: { size: 9, color: palette[i % palette.length] } };
    });
    window.Plotly.newPlot(el, traces, {
      margin: { l: 20, r: 20, t: 10, b: 20 },
      xaxis: { showticklabels: false, zeroline: true }, yaxis: { showticklabels: false, zeroline: true },
      height: 360, font: { family: "system-ui, sans-serif", size: 13 }, legend: { orientation: "h" }
    }, { displayModeBar: false, responsive: true });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
