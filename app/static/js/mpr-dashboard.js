/* The dashboard's charts (Apache ECharts, vendored in static/vendor/echarts) and their tables.
 *
 * Each chart reads its figures from its own data-series attribute (JSON written by the server,
 * the same as GET /api/v1/mpr/dashboard/<period> returns), so the page needs no inline script
 * (the Content-Security-Policy forbids it). Every chart has a real table beside it, read by
 * screen readers at all times and shown on screen by its "Show table" button.
 */
(function () {
  "use strict";

  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function trendOption(data, unit) {
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [data.this_year.label, data.last_year.label], top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", name: unit, nameGap: 8 },
      series: [
        { name: data.this_year.label, type: "line", data: data.this_year.values.map(number), connectNulls: false },
        {
          name: data.last_year.label,
          type: "line",
          data: data.last_year.values.map(number),
          lineStyle: { type: "dashed" },
        },
      ],
    };
  }

  function rankingOption(lines, unit) {
    var ranked = lines.slice().reverse(); // ECharts draws a category axis bottom-up: the first Zone on top
    return {
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 8, bottom: 28, containLabel: true },
      xAxis: { type: "value", name: unit, nameLocation: "middle", nameGap: 24 },
      yAxis: {
        type: "category",
        data: ranked.map(function (line) { return line.label; }),
        axisLabel: { width: 170, overflow: "truncate" },
      },
      series: [{ type: "bar", data: ranked.map(function (line) { return number(line.value); }) }],
    };
  }

  function draw(element) {
    var data = JSON.parse(element.getAttribute("data-series"));
    var unit = element.getAttribute("data-unit") || "";
    if (element.getAttribute("data-chart") === "ranking") { // a bar per Zone, however many Zones
      element.style.height = Math.max(200, 26 * data.length + 60) + "px";
    }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    var option = element.getAttribute("data-chart") === "trend" ? trendOption(data, unit) : rankingOption(data, unit);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function toggle(button) {
    var table = document.getElementById(button.getAttribute("aria-controls"));
    var shown = button.getAttribute("aria-expanded") === "true";
    table.classList.toggle("sr-only", shown); // hidden on screen only: screen readers always read it
    button.setAttribute("aria-expanded", shown ? "false" : "true");
    button.textContent = button.getAttribute(shown ? "data-show" : "data-hide");
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.echarts) {
      document.querySelectorAll(".mpr-chart[data-series]").forEach(draw);
    }
    document.querySelectorAll(".mpr-table-toggle").forEach(function (button) {
      button.addEventListener("click", function () { toggle(button); });
    });
  });
})();
