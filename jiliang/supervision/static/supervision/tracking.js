// Year-on-year pass rates by product (data from the page's json_script; title from data-title).
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const el = document.getElementById("chart-tracking");
  const chart = echarts.init(el);
  chart.setOption({title: {text: el.dataset.title, textStyle: {fontSize: 13}},
    tooltip: {trigger: "axis"}, legend: {top: 24, type: "scroll"}, grid: {top: 64, bottom: 8, left: 8, right: 16, containLabel: true},
    xAxis: {type: "category", data: data.years}, yAxis: {type: "value", min: 0, max: 100},
    series: data.series.map(function (s) { return {name: s.name, type: "line", data: s.data, connectNulls: false}; })});
  window.addEventListener("resize", function () { chart.resize(); });
})();
