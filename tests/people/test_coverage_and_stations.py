"""Coverage of counties by kind (四.5), stations (四.2, 四.6) and JJF 1069 examinations."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from jiliang.catalog.models import InstrumentKind
from jiliang.core.demo import credit_code
from jiliang.core.models import Region
from jiliang.core.services import organisation_register
from jiliang.licensing.demo import GD_KINDS
from jiliang.licensing.services import licence_record
from jiliang.people import selectors, services
from jiliang.people.models import Review
from jiliang.rules import coverage as rules
from tests.base import PersonaTestCase

TODAY = datetime.date.today()


class Quiet:
    def write(self, text):
        pass


class CoverageTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from jiliang.licensing.demo import load

        load(Quiet())  # the demo's authorisations: 广东省计量科学研究院, GD_KINDS over 440000
        other = organisation_register(actor=None, kind="verification_institution",
                                      name="天河区计量检测所", region_code="440106",
                                      credit_code=credit_code("12440106MA5CHRG01"))
        for number, kinds, until in (("(穗)法计(2025)001", ["taximeter"], TODAY.replace(year=2099)),
                                     ("(穗)法计(2025)002", ["gas_meter"],
                                      TODAY + datetime.timedelta(days=100))):
            licence_record(actor=cls.p.gd_clerk, type_code="metrology_authorization",
                           holder=other, number=number, issued_on=TODAY - datetime.timedelta(
                               days=300), valid_until=until, regime="now",
                           particulars={"authority_level": "provincial",
                                        "form": "legal_institution", "kinds": kinds,
                                        "authorised_region": "440106"})

    def expected(self) -> dict[tuple[str, str], tuple[int, str]]:
        """Built by hand from what was filed above."""
        counties = Region.objects.filter(level=3, code__startswith="4401").values_list(
            "code", flat=True)
        out = {}
        for county in counties:
            for kind in InstrumentKind.objects.values_list("code", flat=True):
                n = int(kind in GD_KINDS)
                status = rules.COVERED if n else rules.NONE
                if county == "440106" and kind == "taximeter":
                    n, status = 2, rules.COVERED
                if county == "440106" and kind == "gas_meter":
                    n, status = 1, rules.ONE_ENDING
                out[(county, kind)] = (n, status)
        return out

    def test_the_cells_of_guangzhou_are_computed_exactly(self):
        _counties, _kinds, cells = selectors.coverage("4401", on=TODAY)
        assert len(cells) == Region.objects.filter(level=3, code__startswith="4401").count() \
            * InstrumentKind.objects.count() > 0
        assert {(c.county, c.kind): (c.institutions, c.status) for c in cells} == self.expected()
        ending = [c for c in cells if c.status == rules.ONE_ENDING]
        assert [(c.county, c.kind, c.ends_on) for c in ending] == [
            ("440106", "gas_meter", TODAY + datetime.timedelta(days=100))]

    def test_the_page_and_the_xlsx_show_the_cells_to_the_bureau_only(self):
        page = self.client_as("gz_clerk").get("/people/coverage/")
        assert page.status_code == 200 and "heatmap" in page.content.decode()
        response = self.client_as("gd_clerk").get("/people/coverage/?region=440100&format=xlsx")
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        body = {(r[0], r[3]) for r in rows[1:]}
        assert len(rows) - 1 == len(self.expected())
        assert ("440106", 2) in body
        assert self.client_as("gd_verifier").get("/people/coverage/").status_code == 403
        # A bureau cannot look outside its region: Beijing's clerk gets Beijing, not Guangzhou.
        page = self.client_as("bj_clerk").get("/people/coverage/?region=440100").content.decode()
        assert "440106" not in page


    def test_the_kept_page_shows_a_new_authorisation_at_once(self):
        import re

        def gaps(client) -> int:
            page = client.get("/people/coverage/?region=440100").content.decode()
            return int(re.search(r'id="coverage-summary">.*?(\d+)\D*</p>', page).group(1))

        client = self.client_as("gz_clerk", language="en")
        before = gaps(client)
        assert gaps(client) == before  # kept
        kind = InstrumentKind.objects.exclude(code__in=[*GD_KINDS, "taximeter", "gas_meter"]) \
            .order_by("code").values_list("code", flat=True).first()
        other = organisation_register(actor=None, kind="verification_institution",
                                      name="越秀区计量检测所", region_code="440104",
                                      credit_code=credit_code("12440104MA5CHRG02"))
        licence_record(actor=self.p.gd_clerk, type_code="metrology_authorization", holder=other,
                       number="(穗)法计(2025)003", issued_on=TODAY - datetime.timedelta(days=10),
                       valid_until=TODAY.replace(year=2099), regime="now",
                       particulars={"authority_level": "provincial", "form": "legal_institution",
                                    "kinds": [kind], "authorised_region": "440106"})
        assert gaps(client) == before - 1


class StationTests(PersonaTestCase):
    def test_a_station_is_listed_publicly_and_its_reviews_are_kept_by_the_bureau(self):
        station = services.station_register(
            actor=self.p.gd_clerk, kind="fair", name="测试公正计量站", region_code="440106",
            scope="散装货物公正计量", legal_basis="《中华人民共和国计量法实施细则》",
            approved_by="广东省市场监督管理局", approved_on=datetime.date(2020, 1, 1))
        with pytest.raises(PermissionDenied):
            services.station_register(
                actor=self.p.bj_clerk, kind="fair", name="x", region_code="440106", scope="x",
                legal_basis="x", approved_by="x", approved_on=datetime.date(2020, 1, 1))
        listing = self.client_as("anonymous").get("/people/stations/").content.decode()
        assert "测试公正计量站" in listing and "散装货物公正计量" in listing
        review = services.review_record(actor=self.p.gd_clerk, station=station,
                                        held_on=TODAY - datetime.timedelta(days=10),
                                        findings="称重记录缺失", rectification_due=TODAY)
        services.review_rectified(actor=self.p.gd_clerk, review=review, on=TODAY,
                                  rectification="已补记录")
        review.refresh_from_db()
        assert review.rectified_on == TODAY and review.kind == Review.Kind.REVIEW
        detail = f"/people/stations/{station.pk}/"
        assert "称重记录缺失" in self.client_as("gd_clerk").get(detail).content.decode()
        assert "称重记录缺失" not in self.client_as("anonymous").get(detail).content.decode()
        assert "称重记录缺失" not in self.client_as("bj_clerk").get(detail).content.decode()

    def test_an_examination_is_recorded_against_the_authorisation(self):
        licence = licence_record(
            actor=self.p.gd_clerk, type_code="metrology_authorization",
            holder=self.p.orgs["gd_institute"], number="(粤)法计(2024)05001",
            issued_on=TODAY - datetime.timedelta(days=100), regime="now",
            particulars={"authority_level": "provincial", "form": "legal_institution",
                         "kinds": ["taximeter"], "authorised_region": "440000"})
        services.review_record(actor=self.p.gd_clerk, licence=licence, held_on=TODAY,
                               findings="原始记录未注明环境条件",
                               rectification_due=TODAY + datetime.timedelta(days=30))
        with pytest.raises(PermissionDenied):
            services.review_record(actor=self.p.bj_clerk, licence=licence, held_on=TODAY)
        url = f"/people/authorisations/{licence.pk}/"
        assert "原始记录未注明环境条件" in self.client_as("gd_verifier").get(url).content.decode()
        assert self.client_as("bj_clerk").get(url).status_code == 404

    def test_the_public_look_up_of_an_institution_shows_its_scope_and_validity(self):
        licence_record(
            actor=self.p.gd_clerk, type_code="metrology_authorization",
            holder=self.p.orgs["gd_institute"], number="(粤)法计(2024)06001",
            issued_on=TODAY - datetime.timedelta(days=100),
            valid_until=TODAY + datetime.timedelta(days=900), regime="now",
            particulars={"authority_level": "provincial", "form": "legal_institution",
                         "kinds": ["taximeter"], "authorised_region": "440100"})
        page = self.client_as("anonymous").get("/people/public/institutions/",
                                               {"q": "广东省计量"}).content.decode()
        assert "(粤)法计(2024)06001" in page and "广州市" in page
        assert (TODAY + datetime.timedelta(days=900)).isoformat() in page
        assert InstrumentKind.objects.get(code="taximeter").name_zh in page
