"""Issue 13 on paper: the certificate and the result notice name the three people, the approver,
the authorisation certificate number, the place, conditions and original-record number; one
page for the common kinds."""

import io

from pypdf import PdfReader

from jiliang.registry import documents
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, verify

COMMON = [("scale_digital_indicating", "JJG 539-2016", {}),
          ("taximeter", "JJG 517-2016", {}),
          ("water_meter", "JJG 162-2019", {"nominal_size": "20"}),
          ("electricity_meter", "JJG 596-2012", {})]


class CertificateTests(PersonaTestCase):
    def test_certificates_and_notices_of_the_common_kinds_carry_everything_on_one_page(self):
        for n, (kind, regulation, extra) in enumerate(COMMON):
            inst = file(self.p.acme, kind=kind, serial=f"DOC-{n}", **extra)
            for conclusion in ("pass", "fail"):
                record = verify(
                    self.p.gd_verifier, inst, on=days(-20 if conclusion == "pass" else -5),
                    regulation=regulation, conclusion=conclusion, number=f"DOC-{n}-{conclusion}",
                    place="广州市天河区科韵路某加油站现场", conditions="温度 (20±2)℃，相对湿度 45%",
                    original_record_no=f"YS-{n}-{conclusion}")
                reader = PdfReader(io.BytesIO(documents.certificate_pdf(record)))
                assert len(reader.pages) == 1, (kind, conclusion)
                text = reader.pages[0].extract_text()
                for words in ("计量授权证书编号", record.authorisation_no, "检定员", "张伟",
                              "核验员", "李娜", "批准人", "王强", regulation, "检定地点",
                              "广州市天河区科韵路", "环境条件", f"YS-{n}-{conclusion}",
                              "广东省计量科学研究院"):
                    assert words and words in text, (kind, conclusion, words)
                assert ("检定证书" if conclusion == "pass" else "检定结果通知书") in text
