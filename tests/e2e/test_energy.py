import datetime

import pytest
from django.utils import timezone

from tests.e2e.conftest import login
from tests.energy.factories import make_meter, make_unit, send, series

pytestmark = pytest.mark.e2e


def _unit_with_data(personas):
    unit = make_unit(personas)
    main = make_meter(unit, "E-01")
    make_meter(unit, "E-11", level="L2", sub_unit="装配车间", parent=main)
    start = datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=3),
                                      datetime.time(), timezone.get_current_timezone())
    send(unit, "e2e-1", series("E-01", start, 96 * 2, step="25")
         + series("E-11", start, 96 * 2, step="20"))
    return unit


def test_a_unit_dashboard_shows_its_trend_and_flow_charts(page, e2e_personas):
    unit = _unit_with_data(e2e_personas)
    login(page, "acme")
    page.wait_for_url("**/desk/")
    page.goto(f"/energy/units/{unit.pk}/")
    page.wait_for_selector("#trend-chart canvas")
    page.wait_for_selector("#sankey-chart canvas")
    box = page.locator("#trend-chart canvas").first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 150
    # ECharts drew the series: the instance holds them.
    series = page.evaluate("echarts.getInstanceByDom(document.getElementById('trend-chart'))"
                           ".getOption().series.length")
    assert series == 1
    links = page.evaluate("echarts.getInstanceByDom(document.getElementById('sankey-chart'))"
                          ".getOption().series[0].links.length")
    assert links == 3  # electricity -> the unit -> the workshop, and the unmetered rest
    assert "tce" in page.locator("#month-tce").inner_text()


def test_the_dashboard_fits_a_phone_screen(browser, live_server, e2e_personas):
    unit = _unit_with_data(e2e_personas)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        login(page, "gd_clerk")
        page.wait_for_url("**/desk/")
        page.goto(f"/energy/units/{unit.pk}/")
        page.wait_for_selector("#trend-chart canvas")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400
    finally:
        context.close()
