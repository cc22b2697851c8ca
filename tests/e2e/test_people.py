"""Issue 13 in a real browser: gd_verifier picks the checker and the approver from the lists of
the institution's people; the certificate PDF names all three and the authorisation."""

import datetime
import io

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_a_verifier_picks_the_checker_and_approver_and_the_pdf_names_them(page, e2e_personas):
    from jiliang.licensing.demo import load as load_licences
    from jiliang.people.demo import load_signers, signers
    from jiliang.registry import services

    class Quiet:
        def write(self, text):
            pass

    load_licences(Quiet())  # the demo's authorisations of gd_institute, through the services
    load_signers()
    people = signers("gd_institute")
    from tests.traceability import helpers as traceability

    standard = traceability.standard(e2e_personas.orgs["gd_institute"], "E2E-PEOPLE-STD",
                                     kinds=["taximeter"], cert="[2024]粤量标证字第089号")
    today = datetime.date.today()
    inst = services.instrument_file(actor=e2e_personas.acme, kind_code="taximeter", use="trade",
                                    serial_number="E2E-PEOPLE-1", region_code="440106")
    login(page, "gd_verifier")
    page.wait_for_url("**/desk/")
    page.goto(f"/registry/verifications/new/?code={inst.public_code}")
    page.fill("#id_verified_on", (today - datetime.timedelta(days=2)).isoformat())
    page.select_option("#id_verification_type", "first")
    page.select_option("#id_regulation_code", "JJG 517-2016")
    page.select_option("#id_standard_id", str(standard.pk))
    page.select_option("#id_conclusion", "pass")
    page.fill("#id_certificate_no", "GDJL-E2E-PEOPLE-1")
    page.fill("#id_place", "本院出租车计价器检定站")
    page.fill("#id_original_record_no", "YS-2026-0001")
    # The pick lists hold the institution's people: choose by the names shown.
    page.select_option("#id_verifier", label="张伟")
    page.select_option("#id_checker", label="李娜")
    page.select_option("#id_approver", label="王强")
    page.click("form button.btn-primary")
    page.wait_for_url("**/registry/verifications/*/")
    signed = page.locator("#signers").inner_text()
    assert "张伟" in signed and "李娜" in signed and "王强" in signed
    pdf_url = page.locator("a[href$='/pdf/']").first.get_attribute("href")
    response = page.request.get(pdf_url)
    assert response.status == 200
    reader = PdfReader(io.BytesIO(response.body()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for words in ("张伟", "李娜", "王强", "批准人", "核验员", "本院出租车计价器检定站",
                  "YS-2026-0001"):
        assert words in text, words
    from jiliang.registry.models import VerificationRecord

    record = VerificationRecord.objects.get(certificate_no="GDJL-E2E-PEOPLE-1")
    assert record.authorisation_no and record.authorisation_no in text
    assert record.approver_person == people["approver"]
