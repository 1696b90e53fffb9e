// Charts of the complaint report. The figures come from json_script elements (no inline scripts under the CSP);
// every chart repeats a table on the same page, so the chart is a picture of figures that are also text.
(function () {
  "use strict";

  // Distinct hues that also differ in lightness, so neighbouring slices stay apart without colour vision.
  var PALETTE = ["#0b3d91", "#e07b00", "#2a9d8f", "#b5179e", "#6c757d", "#8ab17d", "#5e548e", "#d62828"];

  function readFigures(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function draw(canvas) {
    var figures = readFigures(canvas);
    if (!figures) {
      return;
    }
    var kind = canvas.getAttribute("data-chart");
    var doughnut = kind === "doughnut";
    var labels = doughnut
      ? figures.labels.map(function (label, index) { return label + " (" + figures.values[index] + ")"; })
      : figures.labels;
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: kind,
      data: {
        labels: labels,
        datasets: [{
          label: canvas.getAttribute("data-chart-series") || "",
          data: figures.values,
          backgroundColor: doughnut ? PALETTE.slice(0, figures.values.length) : PALETTE[0],
          borderColor: "#ffffff",
          borderWidth: doughnut ? 2 : 0
        }]
      },
      options: {
        // Category names are long: horizontal bars keep them readable.
        indexAxis: doughnut ? undefined : "y",
        animation: reduceMotion ? false : undefined,
        plugins: { legend: { display: doughnut, position: "bottom" } },
        scales: doughnut ? {} : { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) {
      return;
    }
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
