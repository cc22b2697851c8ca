// The chain of a measurement standard as a graph (data from the page's json_script "chain-data").
(function () {
  const source = document.getElementById('chain-data');
  const target = document.getElementById('chain-graph');
  if (!source || !target || typeof echarts === 'undefined') return;
  const data = JSON.parse(source.textContent);
  const chart = echarts.init(target);
  chart.setOption({
    tooltip: {formatter: p => p.dataType === 'node' ? p.data.title + '<br>' + p.data.category : ''},
    series: [{type: 'graph', layout: 'force', roam: true, force: {repulsion: 220, edgeLength: 90},
      edgeSymbol: ['none', 'arrow'], label: {show: true, formatter: p => p.data.name},
      data: data.nodes.map(x => ({name: x.name, title: x.title, category: x.category,
        symbolSize: x.national ? 36 : 24, itemStyle: {color: x.national ? '#b02a37' : '#0d6efd'}})),
      links: data.links}]
  });
})();
