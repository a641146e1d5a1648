// ccqa dashboards: draws every chart of the page and makes tables sortable. Chart options come
// from <script type="application/json"> blocks written by the server (JSON only, never run as
// code); this file is the only script besides ECharts, both served by ccqa itself.
(function () {
  "use strict";
  var charts = [];

  function drawCharts() {
    var els = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var src = document.getElementById(el.getAttribute("data-chart"));
      if (!src) {
        throw new Error("chart " + el.id + ": option block missing");
      }
      var option = JSON.parse(src.textContent);
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      charts.push(chart);
    }
    document.documentElement.setAttribute("data-charts-drawn", String(charts.length));
  }

  function sortValue(td, numeric) {
    var v = td.getAttribute("data-v");
    if (v === null) {
      v = td.textContent;
    }
    if (!numeric) {
      return v;
    }
    return v === "" ? null : parseFloat(v);
  }

  function makeSortable(table) {
    var heads = table.querySelectorAll("thead th");
    for (var i = 0; i < heads.length; i++) {
      (function (th, col) {
        var kind = th.getAttribute("data-sort");
        if (!kind) {
          return;
        }
        th.classList.add("sort");
        th.setAttribute("title", "sort");
        th.addEventListener("click", function () {
          var numeric = kind === "num";
          var desc = th.getAttribute("aria-sort") !== "descending";
          for (var j = 0; j < heads.length; j++) {
            heads[j].removeAttribute("aria-sort");
          }
          th.setAttribute("aria-sort", desc ? "descending" : "ascending");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = sortValue(a.cells[col], numeric), y = sortValue(b.cells[col], numeric);
            // No data sorts last, whichever the direction.
            if (x === null || y === null) {
              return (x === null) - (y === null);
            }
            var c = numeric ? x - y : String(x).localeCompare(String(y));
            return desc ? -c : c;
          });
          for (var k = 0; k < rows.length; k++) {
            body.appendChild(rows[k]);
          }
        });
      })(heads[i], i);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    var tables = document.querySelectorAll("table.sortable");
    for (var i = 0; i < tables.length; i++) {
      makeSortable(tables[i]);
    }
    window.addEventListener("resize", function () {
      for (var i = 0; i < charts.length; i++) {
        charts[i].resize();
      }
    });
  });
})();
