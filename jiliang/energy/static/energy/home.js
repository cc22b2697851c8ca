// The bureau's energy overview charts (data from the page's json_script).
(function () {
  const data = JSON.parse(document.getElementById('region-chart-data').textContent);
  const trend = echarts.init(document.getElementById('region-trend'));
  trend.setOption({tooltip: {trigger: 'axis'}, grid: {left: 8, right: 20, containLabel: true},
    xAxis: {type: 'category', data: data.months}, yAxis: {type: 'value', name: 'tce'},
    series: [{type: 'bar', data: data.values}]});
  const pie = echarts.init(document.getElementById('region-carriers'));
  pie.setOption({tooltip: {trigger: 'item'}, series: [{type: 'pie', radius: '55%', label: {formatter: '{b}\n{d}%'}, data: data.carriers}]});
  window.addEventListener('resize', () => { trend.resize(); pie.resize(); });
})();
