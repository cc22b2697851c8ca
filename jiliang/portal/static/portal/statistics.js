// Open statistics: the inspection rate by province on the map of China (its outline from the
// address in data-geo), rates by kind, net-content pass rates, licences and energy units as bars.
// Each chart's element gets data-ready="1" once drawn.
(function () {
  var data = JSON.parse(document.getElementById("stats-data").textContent);
  var L = data.labels;
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) return null;
    var chart = echarts.init(el);
    chart.setOption(option);
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  function bars(categories, series, max) {
    return {
      tooltip: {trigger: "axis"}, legend: {}, grid: {left: 8, right: 10, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: categories, axisLabel: {rotate: 30, interval: 0}},
      yAxis: {type: "value", max: max},
      series: series
    };
  }
  draw("stats-kinds", bars(data.kinds, [
    {name: L.inspection, type: "bar", data: data.kind_inspection},
    {name: L.pass, type: "bar", data: data.kind_pass}], 100));
  draw("stats-net", bars(data.net_products, [{name: L.pass, type: "bar", data: data.net_pass}], 100));
  draw("stats-licensing", {
    tooltip: {trigger: "axis"}, legend: {}, grid: {left: 8, right: 10, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: data.licence_types, axisLabel: {rotate: 30, interval: 0}},
    yAxis: [{type: "value"}, {type: "value", max: 100}],
    series: [{name: L.granted, type: "bar", data: data.licence_granted},
             {name: L.on_time, type: "line", yAxisIndex: 1, data: data.licence_on_time}]
  });
  draw("stats-energy", bars(data.unit_provinces, data.unit_series.map(function (s) {
    return {name: s.name, type: "bar", stack: "units", data: s.data};
  })));
  var mapEl = document.getElementById("stats-map");
  if (!mapEl) return;
  fetch(mapEl.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
    echarts.registerMap("china", geo);
    draw("stats-map", {
      tooltip: {formatter: function (p) { var d = p.data || {}; return p.name + "<br>" + L.inspection + ": " + (d.value == null ? "—" : d.value) + "<br>" + L.pass + ": " + (d.pass == null ? "—" : d.pass); }},
      visualMap: {min: 0, max: 100, left: 10, bottom: 10, calculable: true, inRange: {color: ["#f8d7da", "#198754"]}},
      series: [{type: "map", map: "china", roam: true, data: data.map}]
    });
  });
})();
