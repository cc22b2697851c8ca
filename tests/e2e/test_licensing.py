"""In a real browser: acme applies for a type approval, gd_clerk accepts it, gd_head
approves it, and an anonymous visitor finds the certificate by its number on the portal."""

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n% e2e\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def logout(page):
    page.click("form[action='/logout/'] button")
    page.wait_for_url("**/")


def act(page, action):
    page.click(f"details[data-action='{action}'] summary")
    with page.expect_navigation():
        page.click(f"details[data-action='{action}'] button[name=go]")
    page.wait_for_selector(".alert-success")


def test_type_approval_from_application_to_public_certificate(page, e2e_personas):
    from jiliang.rules.licensing import licence_type

    # acme applies.
    login(page, "acme")
    page.wait_for_url("**/desk/")
    page.goto("/licensing/apply/")
    page.click("a[data-type='type_approval']")
    page.select_option("#id_origin", "domestic")
    page.fill("#id_instrument_name", "电子计价秤")
    page.fill("#id_model", "E2E-15")
    page.select_option("#id_category_letter", "F")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_selector("#state[data-state='draft']")
    for material in licence_type("type_approval").materials:
        if not material["required"]:
            continue
        page.select_option("#id_material", material["code"])
        page.set_input_files("#id_file", {"name": f"{material['code']}.pdf",
                                          "mimeType": "application/pdf", "buffer": PDF})
        with page.expect_navigation():
            page.click("#upload-form button[type=submit]")
        page.wait_for_selector(".alert-success")
    act(page, "submit")
    assert page.get_attribute("#state", "data-state") == "submitted"
    detail_url = page.url
    logout(page)

    # gd_clerk finds it in the queue to accept and accepts it.
    login(page, "gd_clerk")
    page.wait_for_url("**/desk/")
    page.goto("/licensing/?queue=to_accept")
    page.click("#applications tbody a")
    act(page, "accept")
    assert page.get_attribute("#state", "data-state") == "under_review"
    assert "工作日" in page.inner_text("#clock")
    logout(page)

    # gd_head approves it.
    login(page, "gd_head")
    page.wait_for_url("**/desk/")
    page.goto(detail_url)
    act(page, "approve")
    assert page.get_attribute("#state", "data-state") == "approved"
    number = page.inner_text("#certificate-number").strip()
    assert number.startswith("CPA ")
    logout(page)

    # A visitor finds the certificate by its number, from the portal home.
    page.goto("/")
    page.click("a[href='/licensing/public/query/']")
    page.fill("input[name=number]", number)
    page.click("#query-form button[type=submit]")
    page.wait_for_selector("#public-record")
    assert page.inner_text("#number").strip() == number
    assert "有效" in page.inner_text("#status-words")
    assert "广州艾克米衡器有限公司" in page.inner_text("#public-record")
