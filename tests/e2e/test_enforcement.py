import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

FAILING = ["480"] * 10  # 500 g nominal: every unit 20 g short, more than T (15 g)


def test_a_clerk_opens_a_case_from_a_failed_lot_and_the_public_finds_the_decision(
        page, browser, live_server, e2e_personas):
    from jiliang.enforcement.models import Case
    from tests.supervision.helpers import campaign, sample, task

    p = e2e_personas
    lot = sample(p, task(p, campaign(p, year=2026), "440100"), values=FAILING)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, "gd_clerk")
    page.wait_for_url("**/desk/")
    page.goto(f"/supervision/net-content/{lot.pk}/")
    page.click("#open-case")
    page.wait_for_selector("#case-finding")
    assert lot.notice_number in page.locator("#case-finding").inner_text()
    page.click("#case-open")
    page.wait_for_selector("#case-limits")
    case = Case.objects.get(finding_kind="net_content_fail", finding_id=lot.pk)
    assert case.number in page.locator("h1").inner_text()
    assert "本部署设定" in page.locator("#case-limits").inner_text()  # the limits are settings
    page.fill("#id_notify-proposed_fine", "5000")
    page.fill("#id_notify-proposed_measures", "责令改正")
    page.fill("#id_notify-facts", "净含量不足")
    page.click("#act-notify button")
    page.wait_for_selector("#case-notice")
    assert "未告知听证权利" in page.locator("#hearing").inner_text()  # below the threshold
    page.fill("#id_record_statement-statement", "当事人对检验结果无异议")
    page.click("#act-record_statement button")
    page.wait_for_selector("text=当事人对检验结果无异议")

    head = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    login(head, "gd_head")
    head.wait_for_url("**/desk/")
    head.goto(f"/enforcement/cases/{case.pk}/")
    head.fill("#id_decide-fine", "5000")
    head.fill("#id_decide-decision_text", "责令改正，并处罚款人民币5000元")
    head.click("#act-decide button")
    head.wait_for_selector("#case-decision")
    head.context.close()

    page.goto(f"/enforcement/cases/{case.pk}/")
    page.click("#act-publish button")
    page.wait_for_selector("#public-link")
    case.refresh_from_db()

    visitor = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    visitor.goto("/")
    visitor.click("a[href='/enforcement/decisions/']")
    visitor.wait_for_selector("#decision-list")
    visitor.click(f"text={case.decision_number}")
    visitor.wait_for_selector("#decision")
    assert "广州示例食品有限公司" in visitor.locator("#decision-party").inner_text()
    assert "5000" in visitor.locator("#decision").inner_text()
    visitor.context.close()
    assert not errors
