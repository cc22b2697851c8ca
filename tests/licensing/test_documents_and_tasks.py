"""Certificates carry a QR code to the public record; the daily task is registered."""

import pypdfium2
import zxingcpp
from django.conf import settings

from jiliang.core.schedule import daily_task_paths
from jiliang.licensing import documents, tasks
from tests.base import PersonaTestCase
from tests.licensing.helpers import D, accepted, act


def qr_codes(data: bytes) -> list[str]:
    found = []
    for page in pypdfium2.PdfDocument(data):
        found += [r.text for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())]
    return found


class DocumentTests(PersonaTestCase):
    def test_the_certificate_qr_leads_to_the_public_record_of_the_licence(self):
        licence = act(accepted(self.p), self.p.gd_head, "approve", D(2025, 10, 9)).licence
        url = f"{settings.JILIANG_PUBLIC_URL}/licensing/public/l/{licence.public_code}/"
        assert qr_codes(documents.certificate(licence)) == [url]
        page = self.client_as("anonymous").get(url.removeprefix(settings.JILIANG_PUBLIC_URL))
        assert page.status_code == 200 and licence.number in page.content.decode()

    def test_the_voucher_qr_leads_to_the_public_progress_page(self):
        app = accepted(self.p)
        codes = qr_codes(documents.application_document(app, "voucher"))
        assert codes == [f"{settings.JILIANG_PUBLIC_URL}/licensing/public/track/"
                         f"{app.public_code}/"]


class TaskTests(PersonaTestCase):
    def test_the_daily_task_is_registered_and_runs(self):
        assert "jiliang.licensing.tasks.licensing_daily" in daily_task_paths()
        result = tasks.licensing_daily.call()
        assert set(result) >= {"deemed_accepted", "deemed_renewed", "expired", "reminded",
                               "late", "at_risk"}
