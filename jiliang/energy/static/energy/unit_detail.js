// A unit's energy trend and flow (data from the page's json_script; words from data- attributes).
(function () {
  const data = JSON.parse(document.getElementById('energy-chart-data').textContent);
  const trendEl = document.getElementById('trend-chart');
  const empty = trendEl.dataset.empty;
  const trend = echarts.init(trendEl);
  trend.setOption({
    tooltip: {trigger: 'axis'}, legend: {top: 0, type: 'scroll'}, grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
    title: data.series.length ? undefined : {text: empty, left: 'center', top: 'middle', textStyle: {fontSize: 14, color: '#888'}},
    xAxis: {type: 'category', data: data.days}, yAxis: {type: 'value', name: 'tce'},
    series: data.series.map(s => ({name: s.carrier, type: 'line', stack: 'tce', areaStyle: {}, showSymbol: false, data: s.values}))
  });
  const sankey = echarts.init(document.getElementById('sankey-chart'));
  sankey.setOption(data.sankey.links.length ? {
    tooltip: {trigger: 'item'},
    series: [{type: 'sankey', emphasis: {focus: 'adjacency'}, nodeAlign: 'left', left: 8, right: 150, top: 8, bottom: 8, data: data.sankey.nodes, links: data.sankey.links, label: {fontSize: 11, width: 140, overflow: 'break'}}]
  } : {title: {text: empty, left: 'center', top: 'middle', textStyle: {fontSize: 14, color: '#888'}}});
  window.addEventListener('resize', () => { trend.resize(); sankey.resize(); });
})();
