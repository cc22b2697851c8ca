// A campaign's completion and rates (data from the page's json_script; words from data- attributes).
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const cEl = document.getElementById("chart-completion"), rEl = document.getElementById("chart-rates");
  const c = echarts.init(cEl);
  c.setOption({title: {text: cEl.dataset.title, textStyle: {fontSize: 13}},
    tooltip: {trigger: "axis"}, legend: {top: 24}, grid: {top: 60, bottom: 8, left: 8, right: 10, containLabel: true},
    xAxis: {type: "category", data: data.completion.regions, axisLabel: {rotate: 30}}, yAxis: {type: "value"},
    series: [{name: cEl.dataset.target, type: "bar", data: data.completion.target},
             {name: cEl.dataset.done, type: "bar", data: data.completion.done}]});
  const r = echarts.init(rEl);
  if (data.by_kind) {
    r.setOption({title: {text: rEl.dataset.kindTitle, textStyle: {fontSize: 13}},
      tooltip: {trigger: "axis"}, legend: {top: 24}, grid: {top: 60, bottom: 8, left: 8, right: 10, containLabel: true},
      xAxis: {type: "category", data: data.by_kind.names, axisLabel: {rotate: 30}}, yAxis: {type: "value", max: 100},
      series: [{name: rEl.dataset.inspection, type: "bar", data: data.by_kind.verified},
               {name: rEl.dataset.pass, type: "bar", data: data.by_kind.conforming}]});
  } else if (data.by_product) {
    r.setOption({title: {text: rEl.dataset.productTitle, textStyle: {fontSize: 13}},
      tooltip: {trigger: "axis"}, grid: {top: 40, bottom: 8, left: 8, right: 10, containLabel: true},
      xAxis: {type: "category", data: data.by_product.names, axisLabel: {rotate: 30}}, yAxis: {type: "value", max: 100},
      series: [{type: "bar", data: data.by_product.rates, label: {show: true, position: "top"}}]});
  }
  window.addEventListener("resize", function () { c.resize(); r.resize(); });
})();
