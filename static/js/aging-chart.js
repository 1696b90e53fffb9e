// The aging report's bar chart. Its figures come from a json_script element (no inline scripts under the CSP),
// and the table "Totals by age" on the same page holds the same figures as text.
(function () {
  "use strict";

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source) {
      return;
    }
    var figures = JSON.parse(source.textContent);
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: figures.labels,
        datasets: [{
          label: canvas.getAttribute("data-chart-series") || "",
          // Amounts arrive as decimal strings ("1234.50"): exact in the page, numbers only for drawing.
          data: figures.values.map(Number),
          backgroundColor: "#0b3d91"
        }]
      },
      options: {
        animation: reduceMotion ? false : undefined,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var canvas = document.getElementById("aging-chart");
    if (canvas && window.Chart) {
      draw(canvas);
    }
  });
})();
