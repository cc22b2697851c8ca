import datetime

import pytest

from tests.core.test_documents import pdf_text
from tests.e2e.conftest import login
from tests.registry.helpers import signers
from tests.traceability import helpers as traceability

pytestmark = pytest.mark.e2e


def test_an_enterprise_files_a_verifier_records_and_the_public_page_shows_it(page, e2e_personas):
    today = datetime.date.today()
    login(page, "acme")
    page.wait_for_url("**/desk/")
    page.goto("/registry/instruments/new/")
    page.select_option("#id_kind_code", "taximeter")
    page.select_option("#id_use", "trade")
    page.fill("#id_serial_number", "E2E-TAXI-001")
    page.fill("#id_model", "JJ-2000")
    page.fill("#id_region_code", "440106")
    page.click("form button.btn-primary")
    page.wait_for_url("**/registry/instruments/*/")
    code = page.locator("dd.mono").first.inner_text().strip()
    assert len(code) == 16
    page.click("form[action='/logout/'] button")

    people = signers(e2e_personas.orgs["gd_institute"])
    standard = traceability.standard(
        e2e_personas.orgs["gd_institute"], "E2E-TAXI-STD", kinds=["taximeter"],
        cert="[2024]粤量标证字第088号", name="出租汽车计价器检定装置")
    login(page, "gd_verifier")
    page.wait_for_url("**/desk/")
    page.goto(f"/registry/verifications/new/?code={code}")
    assert "E2E-TAXI-001" in page.locator("#instrument").inner_text()
    page.fill("#id_verified_on", (today - datetime.timedelta(days=1)).isoformat())
    page.select_option("#id_verification_type", "first")
    page.select_option("#id_regulation_code", "JJG 517-2016")
    # The verifier picks one of the institution's registered standards (traceability).
    page.select_option("#id_standard_id", str(standard.pk))
    page.select_option("#id_conclusion", "pass")
    page.fill("#id_certificate_no", "GDJL-E2E-0001")
    for role, person in people.items():
        page.select_option(f"#id_{role}", str(person.pk))
    page.click("form button.btn-primary")
    page.wait_for_url("**/registry/verifications/*/")
    assert "GDJL-E2E-0001" in page.locator("h1").inner_text()
    assert "出租汽车计价器检定装置" in page.locator("#standard").inner_text()
    pdf = page.request.get(page.url + "pdf/")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert "出租汽车计价器检定装置" in text and "[2024]粤量标证字第088号" in text
    page.click("form[action='/logout/'] button")

    page.goto(f"/registry/i/{code}/")
    assert "检定合格" in page.locator("#plain-words").inner_text()
    assert page.locator("#conclusion").inner_text().strip() == "合格"
    assert "广东省计量科学研究院" in page.locator("#institution").inner_text()
    assert "广州艾克米衡器有限公司" in page.locator("#owner").inner_text()
    expected = today - datetime.timedelta(days=1)
    assert str(expected.year + 1) in page.locator("#valid-until").inner_text()
