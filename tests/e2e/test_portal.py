"""The public window in a real browser: an anonymous visitor reads a notice, checks an
instrument by the code printed on its label, files a complaint and follows it; axe-core finds
no serious accessibility violation on any public page, and none is wider than a 360 px phone."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from jiliang.portal import services
from tests.registry.helpers import days, file, verify

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "jiliang/static/vendor/axe-core/axe.min.js"


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page (WCAG 2.1 A and AA rules)."""
    # From the site's own static files: the Content Security Policy allows scripts from 'self'.
    assert AXE.exists()
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    return result


def notice(p):
    item = services.news_create(actor=p.gd_clerk, kind="notice",
                                title_zh="关于开展集贸市场计量专项检查的公告",
                                body_zh="定于六月对全省集贸市场在用计价秤开展专项检查。")
    services.news_act(actor=p.gd_clerk, item=item, action="submit")
    return services.news_act(actor=p.gd_head, item=item, action="approve",
                             publish_at=timezone.now())


def test_a_visitor_reads_a_notice_checks_an_instrument_and_files_and_follows_a_complaint(
        page, e2e_personas):
    p = e2e_personas
    notice(p)
    scale = file(p.acme, serial="E2E-PORTAL-1")
    verify(p.gd_verifier, scale, on=days(-10))

    # Reads a notice of the chosen province.
    page.goto("/")
    page.select_option("#home-province", "44")
    page.click("#news-province button")
    page.click("text=关于开展集贸市场计量专项检查的公告")
    assert "定于六月" in page.locator("#news-body").inner_text()
    assert not axe_violations(page)

    # Checks the instrument by the code on its label, typed in lower case and in groups.
    typed = " ".join(scale.public_code[i:i + 4] for i in range(0, 16, 4)).lower()
    page.goto("/")
    page.fill("#home-check", typed)
    page.click("form[role=search] button")
    page.wait_for_url(f"**/registry/i/{scale.public_code}/")
    assert "广州艾克米衡器有限公司" in page.locator("#owner").inner_text()

    # Files a complaint, anonymously, answering the question.
    page.goto("/complaints/new/")
    page.select_option("#id_category", "short_weight")
    page.fill("#id_description", "买了一斤苹果，只有八两。")
    page.select_option("#id_province", "44")
    page.wait_for_selector("#id_region_code option[value='440106']", state="attached")
    page.select_option("#id_region_code", "440106")
    page.fill("#id_address", "天河区某农贸市场")
    page.fill("#id_occurred_on", days(-1).isoformat())
    question = page.locator("label[for=id_answer]").inner_text()
    a, b = (int(n) for n in re.findall(r"\d+", question)[:2])
    page.fill("#id_answer", str(a + b))
    assert not axe_violations(page)
    page.click("#complaint-form button.btn-primary")
    number = page.locator("#tracking-number").inner_text().strip()
    code = page.locator("#access-code").inner_text().strip()
    assert number.startswith("TS") and len(code) == 6

    # Follows it by its tracking number.
    page.goto("/complaints/track/")
    page.fill("#id_tracking_number", number)
    page.fill("#id_code", code)
    page.click("#track-form button")
    assert "已受理" in page.locator("#state").inner_text()


def test_a_metrology_day_event_is_on_the_map(page, e2e_personas):
    from jiliang.portal import metrology_day

    day = metrology_day.day_set(actor=None, year=2026, theme_zh="计量让生活更美好")
    event = metrology_day.event_add(actor=e2e_personas.gz_clerk, day=day, region_code="440106",
                                    title="计量开放日",
                                    on=days(0).replace(year=2026, month=5, day=20),
                                    place="广州计量院")
    metrology_day.event_act(actor=e2e_personas.gd_head, event=event, action="approve")
    page.goto("/metrology-day/")
    page.wait_for_selector("#wmd-map[data-ready='1'] canvas")
    assert "计量开放日" in page.content()
    value = page.evaluate("echarts.getInstanceByDom(document.getElementById('wmd-map'))"
                          ".getOption().series[0].data.find(d => d.name === '广东').value")
    assert value == 1
    assert not axe_violations(page)


def test_the_statistics_page_draws_its_map_and_bars(page, e2e_personas, settings):
    settings.JILIANG_OPEN_DATA_MIN_CELL = 1
    p = e2e_personas
    for n, conclusion in enumerate(("pass", "pass", "fail")):
        verify(p.gd_verifier, file(p.acme, serial=f"E2E-STAT-{n}"), on=days(-5),
               conclusion=conclusion)
    month = days(-5).strftime("%Y-%m")
    page.goto(f"/statistics/?from={month}&to={month}")
    page.wait_for_selector("#stats-map[data-ready='1'] canvas")
    page.wait_for_selector("#stats-kinds[data-ready='1'] canvas")
    bars = page.evaluate("echarts.getInstanceByDom(document.getElementById('stats-kinds'))"
                         ".getOption()")
    assert bars["series"][1]["data"] == [66.7]  # pass rate: 2 of 3
    value = page.evaluate("echarts.getInstanceByDom(document.getElementById('stats-map'))"
                          ".getOption().series[0].data.find(d => d.name === '广东').pass")
    assert value == 66.7
    assert "66.7" in page.locator("#table-verification-rates").inner_text()
    assert not axe_violations(page)


def test_every_public_page_passes_axe_and_fits_a_phone(browser, live_server, e2e_personas):
    notice(e2e_personas)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15000)
    sitemap = page.request.get("/sitemap.xml").body()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    paths = [re.sub(r"^https?://[^/]+", "", loc.text)
             for loc in ElementTree.fromstring(sitemap).findall("s:url/s:loc", ns)]
    assert "/news/" in paths and "/complaints/new/" in paths
    failures = []
    for path in paths:
        response = page.goto(path)
        if "text/html" not in response.headers.get("content-type", ""):
            continue  # feeds and JSON documents (checkpoints, open data) have no page to check
        failures += [f"{path}: {v}" for v in axe_violations(page)]
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            failures.append(f"{path}: {width} px wide at 360 px")
    context.close()
    assert not failures, "\n".join(failures)
