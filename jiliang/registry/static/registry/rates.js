// Rates by kind (bars) and, for the national view, by province (map); the map's outline comes
// from the address in the map element's data-geo.
(function () {
  var data = JSON.parse(document.getElementById("rates-data").textContent);
  var bars = echarts.init(document.getElementById("bars"));
  bars.setOption({
    tooltip: {trigger: "axis"}, legend: {}, grid: {left: 8, right: 10, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: data.kinds, axisLabel: {rotate: 40, interval: 0}},
    yAxis: {type: "value", max: 100},
    series: [{name: data.labels.inspection, type: "bar", data: data.inspection},
             {name: data.labels.pass, type: "bar", data: data.pass}]
  });
  window.addEventListener("resize", function () { bars.resize(); });
  var mapEl = document.getElementById("map");
  if (!mapEl) return;
  fetch(mapEl.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
    echarts.registerMap("china", geo);
    var map = echarts.init(mapEl);
    map.setOption({
      tooltip: {formatter: function (p) { var d = p.data || {}; return p.name + "<br>" + data.labels.inspection + ": " + (d.value == null ? "—" : d.value) + "<br>" + data.labels.pass + ": " + (d.pass == null ? "—" : d.pass); }},
      visualMap: {min: 0, max: 100, left: 10, bottom: 10, calculable: true, inRange: {color: ["#f8d7da", "#198754"]}},
      series: [{type: "map", map: "china", roam: true, data: data.map}]
    });
    window.addEventListener("resize", function () { map.resize(); });
  });
})();
