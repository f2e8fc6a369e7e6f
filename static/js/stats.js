// stats.js draws the classes by province as stacked bars with ECharts from the numbers of the page's
// #stats-data block; the table under it carries the same numbers without scripts.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("stats-chart");
  var data = document.getElementById("stats-data");
  if (!el || !data || typeof echarts === "undefined") return;
  var d = JSON.parse(data.textContent);
  var provinces = d.stats.provinces || [];
  if (provinces.length === 0) return;
  el.classList.add("ready");
  var colours = {case_filed: "#8b0000", malicious_exit: "#c0392b", voluntary_exit: "#e67e22", zombie: "#7f8c8d",
    small: "#16a085", high_risk: "#d35400", normal: "#27ae60", unclassified: "#bdc3c7"};
  var chart = echarts.init(el);
  chart.setOption({
    title: {text: d.title, left: "center", textStyle: {fontSize: 14}},
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    legend: {bottom: 0, type: "scroll"},
    grid: {left: 48, right: 16, top: 40, bottom: 64},
    xAxis: {type: "category", data: provinces.map(function (p) { return p.name; }), axisLabel: {interval: 0, rotate: 45}},
    yAxis: {type: "value", minInterval: 1},
    series: d.stats.classes.map(function (c) {
      return {name: d.labels[c], type: "bar", stack: "classes", itemStyle: {color: colours[c]},
        data: provinces.map(function (p) { return p.classes[c] || 0; })};
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
