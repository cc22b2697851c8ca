"""Work plan 五.7: a C-mark enterprise shows its net-content history (licensing -> supervision)."""

from tests.base import PersonaTestCase
from tests.licensing.helpers import D, act, draft


class CMarkNetContentTests(PersonaTestCase):
    def test_a_c_mark_filing_links_to_the_packers_net_content_history(self):
        from tests.licensing.helpers import attach_required

        app = draft(self.p.acme, type_code="c_mark_declaration", particulars={"products": "大米"})
        attach_required(app, self.p.acme)
        app = act(app, self.p.acme, "file", D(2025, 9, 22))
        page = self.client_as("gd_clerk").get(f"/licensing/licences/{app.licence.pk}/")
        assert page.status_code == 200
        url = f"/supervision/packers/{self.p.orgs['acme'].credit_code}/"
        assert url in page.content.decode()
        assert self.client_as("gd_clerk").get(url).status_code == 200

