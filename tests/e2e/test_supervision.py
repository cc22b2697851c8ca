import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

VALUES = "498 499 497 498 499 498 497 498 499 497"


def test_an_inspector_records_a_net_content_sample_on_a_phone_and_sees_the_verdict(
        page, e2e_personas):
    from tests.supervision.helpers import campaign, task

    p = e2e_personas
    c = campaign(p, year=2024)
    t = task(p, c, "440100", institution=p.orgs["gd_institute"])
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "gd_verifier")
    page.wait_for_url("**/desk/")
    page.goto(f"/supervision/tasks/{t.pk}/")
    page.click(f"a[href='/supervision/tasks/{t.pk}/net-content/new/']")
    page.fill("#id_packer_credit_code", "91440101MA5ABCDE1M")
    page.fill("#id_packer_name", "广州示例食品有限公司")
    page.select_option("#id_product", "大米")
    page.fill("#id_nominal", "500")
    page.select_option("#id_unit", "g")
    page.fill("#id_lot_size", "30")
    page.fill("#id_values", VALUES)
    assert "10" in page.locator("#sample-hint").inner_text()  # the plan's n for a lot of 30
    page.fill("#id_place", "天河区某超市")
    page.fill("#id_sampled_on", "2024-05-20")
    page.click("#netcontent-form button[type=submit]")
    page.wait_for_selector("#verdict")
    assert page.locator("#verdict").get_attribute("data-verdict") == "fail"
    assert page.locator("[data-figure=n]").inner_text() == "10"
    assert page.locator("[data-figure=T]").inner_text() == "15 g"
    assert page.locator("[data-figure=mean]").inner_text() == "498.000 g"
    assert page.locator("[data-figure=mean_limit]").inner_text() == "499.161 g"
    assert page.locator("[data-figure=lambda]").inner_text() == "1.028"
    assert page.locator("#failed-on").is_visible()
    # the page fits the phone's width
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_report_and_the_tracking_draw_their_charts(page, e2e_personas):
    from tests.supervision.helpers import campaign, sample, task

    p = e2e_personas
    first = campaign(p, year=2023, title="2023")
    second = campaign(p, year=2024, continues=first, title="2024")
    for c in (first, second):
        sample(p, task(p, c, "440100"))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, "gd_clerk")
    page.wait_for_url("**/desk/")
    page.goto(f"/supervision/campaigns/{second.pk}/report/")
    page.wait_for_selector("#chart-completion canvas")
    page.wait_for_selector("#chart-rates canvas")
    page.goto(f"/supervision/campaigns/{second.pk}/tracking/")
    page.wait_for_selector("#chart-tracking canvas")
    assert errors == []
