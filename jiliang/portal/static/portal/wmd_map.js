// World Metrology Day: the number of events by province on the map of China; the outline comes
// from the address in the map element's data-geo.
(function () {
  var mapEl = document.getElementById("wmd-map");
  if (!mapEl) return;
  var data = JSON.parse(document.getElementById("wmd-data").textContent);
  fetch(mapEl.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
    echarts.registerMap("china", geo);
    var chart = echarts.init(mapEl);
    var max = Math.max.apply(null, data.map.map(function (d) { return d.value; }).concat([1]));
    chart.setOption({
      tooltip: {formatter: function (p) { return p.name + "<br>" + data.label + ": " + (p.value || 0); }},
      visualMap: {min: 0, max: max, left: 10, bottom: 10, calculable: true,
                  inRange: {color: ["#e7f1ff", "#0a58ca"]}},
      series: [{type: "map", map: "china", roam: true, data: data.map}]
    });
    mapEl.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
