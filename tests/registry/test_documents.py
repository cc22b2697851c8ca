"""The certificate PDF and the QR labels: Chinese text that extracts, QR codes that open pages."""

import re
from urllib.parse import urlparse

from django.conf import settings

from jiliang.registry import documents
from jiliang.registry.models import PublicLookup
from tests.base import PersonaTestCase
from tests.core.test_documents import pdf_qr_codes, pdf_text
from tests.registry.helpers import days, file, verify


class DocumentTests(PersonaTestCase):
    def test_the_certificate_holds_the_cover_fields_and_its_qr_opens_its_public_page(self):
        inst = file(self.p.acme, serial="PDF-1", manufacturer="广州衡器厂", model="ACS-30")
        record = verify(self.p.gd_verifier, inst, on=days(-3), number="粤计检2026-000123")
        response = self.client_as("acme").get(f"/registry/verifications/{record.pk}/pdf/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        for expected in ("检定证书", "证书编号", "粤计检2026-000123", "广州艾克米衡器有限公司",
                         "数字指示秤", "PDF-1", "ACS-30", "检定结论", "合格", "有效期至",
                         "广东省计量科学研究院", "检定员", "张伟", "核验员", "李娜", "计量标准",
                         "JJG 539-2016"):
            assert expected in text, expected
        codes = pdf_qr_codes(response.content)
        assert codes == [documents.certificate_url(record)]
        assert codes[0].startswith(settings.JILIANG_PUBLIC_URL)
        page = self.client_as("anonymous").get(urlparse(codes[0]).path)
        assert page.status_code == 200 and "粤计检2026-000123" in page.content.decode()
        assert PublicLookup.objects.filter(page="certificate", found=True).exists()

    def test_a_result_notice_lists_the_failed_items_and_the_certificate_it_cancels(self):
        inst = file(self.p.acme, serial="PDF-2")
        verify(self.p.gd_verifier, inst, on=days(-200), number="CERT-OLD")
        notice = verify(self.p.gd_verifier, inst, on=days(-2), conclusion="fail",
                        number="NOTICE-1", failed_items=["示值误差", "鉴别力"])
        text = pdf_text(documents.certificate_pdf(notice))
        assert "检定结果通知书" in text and "不合格" in text and "示值误差" in text
        assert "CERT-OLD" in text and "注销" in text

    def test_the_label_sheet_opens_each_instruments_public_page(self):
        a = file(self.p.acme, serial="LBL-1")
        b = file(self.p.acme, serial="LBL-2")
        response = self.client_as("acme").get("/registry/instruments/labels/")
        assert response.status_code == 200
        assert set(pdf_qr_codes(response.content)) == {documents.instrument_url(a),
                                                       documents.instrument_url(b)}
        assert "LBL-1" in pdf_text(response.content)


class LabelSheetTests(PersonaTestCase):
    def test_the_303_label_sheet_is_complete(self):
        from jiliang.registry.models import Instrument, new_public_codes

        first = file(self.p.acme, serial="FULL-0000")  # the rest copy it, in bulk
        rows = [Instrument(**{f.attname: getattr(first, f.attname)
                              for f in Instrument._meta.concrete_fields if not f.primary_key})
                for _ in range(302)]
        for i, (inst, code) in enumerate(zip(rows, new_public_codes(302), strict=True), start=1):
            inst.serial_number, inst.public_code = f"FULL-{i:04d}", code
        Instrument.objects.bulk_create(rows)
        client = self.client_as("acme", language="zh-hans")
        response = client.get("/registry/instruments/labels/")
        assert response.status_code == 302  # more than two pages: made in the background
        from jiliang.registry.models import LabelSheet
        from jiliang.registry.tasks import make_label_sheet

        job = LabelSheet.objects.get(owner=self.p.orgs["acme"])
        assert response["Location"] == f"/registry/instruments/labels/{job.pk}/"
        page = client.get(response["Location"]).content.decode()
        assert 'id="progress"' in page and "hx-get" in page
        make_label_sheet.call(job.pk)
        page = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
        assert "100%" in page and 'id="download"' in page and "hx-get" not in page
        response = client.get(f"/registry/instruments/labels/{job.pk}/pdf/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        serials = set(re.findall(r"FULL-\d{4}", text))
        assert len(serials) == 303 and "FULL-0302" in serials
        assert "26 / 26" in text  # 12 labels a page
