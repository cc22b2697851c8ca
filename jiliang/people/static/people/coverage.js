// Coverage of counties by kind (data from the page's json_script).
(function () {
  var data = JSON.parse(document.getElementById("coverage-data").textContent);
  var chart = echarts.init(document.getElementById("heatmap"));
  chart.setOption({
    tooltip: {formatter: function (p) { return data.counties[p.data[1]] + " · " + data.kinds[p.data[0]] + "<br>" + data.labels[p.data[2]]; }},
    grid: {left: 140, right: 20, top: 10, bottom: 110},
    xAxis: {type: "category", data: data.kinds, axisLabel: {rotate: 40, interval: 0}},
    yAxis: {type: "category", data: data.counties, axisLabel: {interval: 0}},
    visualMap: {type: "piecewise", orient: "horizontal", left: "center", bottom: 0,
      pieces: [{value: 0, label: data.labels[0], color: "#dc3545"}, {value: 1, label: data.labels[1], color: "#ffc107"}, {value: 2, label: data.labels[2], color: "#198754"}]},
    series: [{type: "heatmap", data: data.cells}]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
