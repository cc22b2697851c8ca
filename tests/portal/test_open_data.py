"""Open statistics and open data: each statistic equals a count made here from the rows, small
cells are withheld at the threshold, the CSV and JSON follow their schema, the DCAT catalogue
lists every dataset and every address in it answers."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections import Counter, defaultdict
from decimal import Decimal

from django.core.management import call_command
from django.test import Client, TestCase, override_settings

from jiliang.portal import opendata
from tests.base import PersonaTestCase

FROM, TO = "2017-01", "2026-12"
START, END = datetime.date(2017, 1, 1), datetime.date(2026, 12, 31)
PERIOD = f"from={FROM}&to={TO}"


def anonymous(language: str = "zh-hans") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def get_json(path: str) -> dict:
    response = anonymous().get(path)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return json.loads(response.content)


def items_by(body: dict, *keys: str) -> dict[tuple, dict]:
    out = {}
    for item in body["items"]:
        key = tuple(item[k] for k in keys)
        assert key not in out, key
        out[key] = item
    return out


def pct(part: int, whole: int) -> float | None:
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))) if whole \
        else None


@override_settings(JILIANG_OPEN_DATA_MIN_CELL=1)
class StatisticsEqualIndependentCountsTests(TestCase):
    """Every app's demo data (`make run`), each statistic counted again here from its rows."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_demo", stdout=io.StringIO())

    def test_inspection_and_pass_rates_equal_a_count_of_the_verification_records(self):
        from jiliang.registry.models import Status, VerificationRecord

        counts: dict[tuple, Counter] = defaultdict(Counter)
        by_instrument = defaultdict(list)
        for r in (VerificationRecord.objects.filter(corrections__isnull=True)
                  .select_related("instrument__kind")):
            by_instrument[r.instrument_id].append(r)
        for records in by_instrument.values():
            instrument = records[0].instrument
            key = (instrument.region_code[:2], instrument.kind.code)
            left = instrument.status_changed_on if instrument.status != Status.IN_USE else None
            records.sort(key=lambda r: r.verified_on)
            for i, r in enumerate(records):
                if START <= r.verified_on <= END:
                    counts[key]["verified"] += 1
                    counts[key]["passed"] += r.conclusion == "pass"
                due = r.periodic_due_on
                if due is None or not START <= due <= END:
                    continue
                following = records[i + 1] if i + 1 < len(records) else None
                if following is None and left is not None and left < due:
                    continue
                counts[key]["due"] += 1
                counts[key]["due_verified"] += bool(following and following.verified_on <= due)
        body = get_json(f"/open-data/verification-rates.json?{PERIOD}")
        items = items_by(body, "province_code", "kind_code")
        expected = {k: c for k, c in counts.items() if any(c.values())}
        assert set(items) == set(expected) and len(items) > 5
        for key, c in expected.items():
            item = items[key]
            assert (item["due"], item["due_verified"], item["verified"], item["passed"]) == \
                (c["due"], c["due_verified"], c["verified"], c["passed"]), key
            assert item["inspection_rate"] == pct(c["due_verified"], c["due"])
            assert item["pass_rate"] == pct(c["passed"], c["verified"])
            assert item["suppressed"] is False
        # The region picker narrows to one province.
        guangdong = get_json(f"/open-data/verification-rates.json?{PERIOD}&province=44")
        assert {i["province_code"] for i in guangdong["items"]} == {"44"}
        assert len(guangdong["items"]) == sum(1 for k in expected if k[0] == "44")

    def test_net_content_pass_rates_count_published_campaigns_only(self):
        from jiliang.supervision.models import NetContentRecord

        counts: dict[tuple, Counter] = defaultdict(Counter)
        unpublished = 0
        for r in NetContentRecord.objects.filter(reinspection_of__isnull=True,
                                                 sampled_on__gte=START, sampled_on__lte=END
                                                 ).select_related("campaign"):
            if r.campaign.published_at is None:
                unpublished += 1
                continue
            counts[(r.campaign.year, r.product)]["lots"] += 1
            counts[(r.campaign.year, r.product)]["passed"] += r.verdict == "pass"
        assert unpublished, "the demo has records of a campaign not published"
        items = items_by(get_json(f"/open-data/net-content-pass-rates.json?{PERIOD}"),
                         "year", "product")
        assert set(items) == set(counts)
        for key, c in counts.items():
            assert (items[key]["lots"], items[key]["passed"]) == (c["lots"], c["passed"])
            assert items[key]["pass_rate"] == pct(c["passed"], c["lots"])

    def test_licensing_counts_grants_decisions_on_time_and_working_days(self):
        from jiliang.licensing.models import Application, LicenceEvent
        from jiliang.rules.deadlines import working_days_between

        counts: dict[tuple, Counter] = defaultdict(Counter)
        for e in LicenceEvent.objects.filter(kind="granted", on__gte=START, on__lte=END):
            counts[(e.type_code, e.province_code)]["granted"] += 1
        for a in Application.objects.filter(accepted_on__isnull=False, decided_on__gte=START,
                                            decided_on__lte=END):
            c = counts[(a.type_code, a.province_code)]
            c["decided"] += 1
            c["on_time"] += bool(a.decision_due and a.decided_on <= a.decision_due)
            c["days"] += working_days_between(
                a.accepted_on, a.decided_on,
                stops=[(s.started_on, s.ended_on) for s in a.stops.all()])
        items = items_by(get_json(f"/open-data/licensing-decisions.json?{PERIOD}"),
                         "type_code", "province_code")
        assert set(items) == set(counts) and any(c["decided"] for c in counts.values())
        for key, c in counts.items():
            item = items[key]
            assert (item["granted"], item["decided"], item["on_time"]) == \
                (c["granted"], c["decided"], c["on_time"]), key
            assert item["on_time_rate"] == pct(c["on_time"], c["decided"])
            average = (Decimal(c["days"]) / c["decided"]).quantize(Decimal("0.1")) \
                if c["decided"] else None
            assert item["average_working_days"] == (float(average) if average is not None
                                                    else None)

    def test_energy_units_by_tier_and_audits_equal_the_register(self):
        from jiliang.energy.models import Audit, EnergyUnit

        units = Counter((u.province_code, u.tier) for u in EnergyUnit.objects.all())
        items = items_by(get_json(f"/open-data/energy-units.json?{PERIOD}"), "province_code",
                         "tier")
        assert units and {k: v["units"] for k, v in items.items()} == dict(units)
        audits: dict[str, Counter] = defaultdict(Counter)
        for a in Audit.objects.filter(completed_at__isnull=False).select_related("unit"):
            from django.utils import timezone

            if START <= timezone.localdate(a.completed_at) <= END:
                audits[a.unit.province_code]["audits"] += 1
                audits[a.unit.province_code]["compliant"] += a.verdict == "compliant"
        items = items_by(get_json(f"/open-data/energy-audits.json?{PERIOD}"), "province_code")
        assert {k[0]: (v["audits"], v["compliant"]) for k, v in items.items()} == \
            {k: (c["audits"], c["compliant"]) for k, c in audits.items()}

    def test_the_disclosure_lists_page_through_the_published_rows(self):
        from jiliang.licensing.models import LicenceEvent
        from jiliang.licensing.selectors import PUBLIC_KINDS

        total = LicenceEvent.objects.filter(kind__in=PUBLIC_KINDS, on__gte=START,
                                            on__lte=END).count()
        assert total > 5
        seen, url = [], f"/open-data/licences.json?{PERIOD}&page_size=5"
        while url:
            body = get_json(url)
            assert len(body["items"]) <= 5
            seen += [(i["number"], i["disclosed_on"], i["event"]) for i in body["items"]]
            url = body["next"] and body["next"].split("testserver", 1)[-1].split("://", 1)[-1]
            url = url and url[url.index("/"):]
        assert len(seen) == total
        results = get_json(f"/open-data/campaign-results.json?{PERIOD}")["items"]
        from jiliang.supervision.selectors import published_campaigns, published_failures

        assert len(results) == sum(len(published_failures(c)) for c in published_campaigns())

    def test_the_statistics_page_shows_every_statistic_with_its_chart_data_and_downloads(self):
        for language in ("zh-hans", "en"):
            response = anonymous(language).get(f"/statistics/?{PERIOD}&province=44")
            assert response.status_code == 200
            body = response.content.decode()
            for slug in ("verification-rates", "net-content-pass-rates", "licensing-decisions",
                         "energy-units", "energy-audits"):
                assert f"/open-data/{slug}.csv?from={FROM}&amp;to={TO}&amp;province=44" in body
            assert 'id="stats-data"' in body and "<script>" not in body  # no inline script
        assert "public" in response["Cache-Control"]
        national = anonymous().get(f"/statistics/?{PERIOD}").content.decode()
        assert 'id="stats-map"' in national


class SuppressionTests(PersonaTestCase):
    """A cell counting fewer records than the threshold is withheld with what derives from it."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from jiliang.supervision import services
        from tests.supervision.helpers import campaign, sample, task

        p = cls.p
        c = campaign(p, year=2025, products=("大米", "食用油"))
        t = task(p, c, target=10)
        for _ in range(2):
            sample(p, t, product="大米")
        for values in (["501"] * 10, ["501"] * 10, ["450"] * 10):
            sample(p, t, product="食用油", values=values,
                   packer_name='=HYPERLINK("http://x.example","点击")')
        services.campaign_transition(actor=p.gd_clerk, campaign=c, action="report")
        services.campaign_release(actor=p.gd_head, campaign=c)
        hidden = campaign(p, year=2025, title="未发布")  # not released: never counted
        sample(p, task(p, hidden, target=5), product="大米")

    def rows(self, threshold: int) -> dict[str, dict]:
        with self.settings(JILIANG_OPEN_DATA_MIN_CELL=threshold):
            body = get_json("/open-data/net-content-pass-rates.json?from=2025-01&to=2025-12")
        return {i["product"]: i for i in body["items"]}

    def test_a_signed_in_visitor_gets_the_figures_kept_until_they_change(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def chart(page: str) -> dict:
            start = page.index('id="stats-data" type="application/json">') + 40
            return json.loads(page[start:page.index("</script>", start)])

        url = "/statistics/?from=2025-01&to=2025-12"
        client = self.client_as("gd_clerk")
        with self.settings(JILIANG_OPEN_DATA_MIN_CELL=1):
            first = chart(client.get(url).content.decode())
            with CaptureQueriesContext(connection) as caught:
                again = client.get(url).content.decode()
            assert chart(again) == first and self.p.gd_clerk.username in again
            assert not any("supervision_netcontentrecord" in q["sql"]
                           for q in caught.captured_queries)
            # each dataset's date of update read once, though datasets share them and the
            # page is also a public one (whose version a signed-in visitor's request skips)
            dates = [q["sql"] for q in caught.captured_queries if "LIMIT 1" in q["sql"] and (
                "licensing_licenceevent" in q["sql"] or "supervision_campaign" in q["sql"])]
            assert len(dates) == 2, dates
        assert first["net_pass"] and all(v is not None for v in first["net_pass"])
        with self.settings(JILIANG_OPEN_DATA_MIN_CELL=100):  # the version changes with it
            withheld = chart(client.get(url).content.decode())
        assert withheld["net_products"] == first["net_products"]
        assert all(v is None for v in withheld["net_pass"])

    def test_a_cell_at_the_threshold_is_shown_and_one_below_is_withheld(self):
        at = self.rows(2)
        assert at["大米"] == {"year": 2025, "product": "大米", "lots": 2, "passed": 2,
                             "pass_rate": 100.0, "suppressed": False}
        above = self.rows(3)
        assert above["大米"] == {"year": 2025, "product": "大米", "lots": None, "passed": None,
                                "pass_rate": None, "suppressed": True}
        assert above["食用油"]["lots"] == 3 and above["食用油"]["passed"] == 2
        assert above["食用油"]["suppressed"] is False
        assert self.rows(4)["食用油"]["suppressed"] is True

    def test_the_csv_leaves_withheld_cells_empty_and_the_page_says_why_in_words(self):
        with self.settings(JILIANG_OPEN_DATA_MIN_CELL=3):
            response = anonymous().get("/open-data/net-content-pass-rates.csv"
                                       "?from=2025-01&to=2025-12")
            page = anonymous().get("/statistics/?from=2025-01&to=2025-12").content.decode()
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["year", "product", "lots", "passed", "pass_rate", "suppressed"]
        assert ["2025", "大米", "", "", "", "True"] in rows
        assert "少于 3 条记录" in page and "JILIANG_" not in page

    def test_suppress_withholds_only_counts_above_zero_and_below_the_threshold(self):
        cut = opendata.Cut("n", ("n", "rate"))
        rows = opendata.suppress([{"n": 0, "rate": None}, {"n": 2, "rate": 50},
                                  {"n": 3, "rate": 60}], [cut], threshold=3)
        assert [(r["n"], r["rate"], r["suppressed"]) for r in rows] == \
            [(0, None, False), (None, None, True), (3, 60, False)]

    def test_no_formula_comes_from_the_data_into_the_csv(self):
        response = anonymous().get("/open-data/campaign-results.csv?from=2025-01&to=2026-12")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        names = [r[rows[0].index("enterprise")] for r in rows[1:]]
        assert names and all(n.startswith("'=HYPERLINK") for n in names)


class SchemaAndCatalogueTests(PersonaTestCase):
    def test_every_dataset_csv_and_json_follow_its_schema(self):
        types = {"integer": (int,), "number": (int, float), "string": (str,), "boolean": (bool,),
                 "date": (str,)}
        for ds in opendata.datasets():
            schema = get_json(f"/open-data/{ds.slug}/schema.json")
            names = [f["name"] for f in schema["fields"]]
            assert names == ds.names
            assert all(f["title"] and f["description"] and f["type"] in types
                       for f in schema["fields"])
            body = get_json(f"/open-data/{ds.slug}.json?{PERIOD}")
            assert body["schema"] == {"fields": schema["fields"]} and body["licence"]["zh"]
            assert datetime.date.fromisoformat(body["updated"])
            for item in body["items"]:
                assert list(item) == names
                for f in schema["fields"]:
                    value = item[f["name"]]
                    assert value is None or isinstance(value, types[f["type"]]), (ds.slug, f)
                    if f["type"] == "date" and value:
                        datetime.date.fromisoformat(value)
            response = anonymous().get(f"/open-data/{ds.slug}.csv?{PERIOD}")
            assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
            rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
            assert rows[0] == names and len(rows) - 1 == len(body["items"])

    def test_the_dcat_catalogue_lists_every_dataset_and_each_address_answers(self):
        response = anonymous().get("/open-data/catalog.jsonld")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/ld+json")
        catalogue = json.loads(response.content)
        assert catalogue["@type"] == "dcat:Catalog"
        entries = {d["dct:identifier"]: d for d in catalogue["dcat:dataset"]}
        assert set(entries) == {d.slug for d in opendata.datasets()}
        addresses = set()
        for entry in entries.values():
            assert entry["@type"] == "dcat:Dataset" and entry["dct:modified"]["@value"]
            assert any(t["@language"] == "zh" for t in entry["dct:title"])
            addresses |= {entry["dcat:landingPage"]["@id"], entry["dct:license"]["@id"]}
            assert {d["dct:format"] for d in entry["dcat:distribution"]} == {"CSV", "JSON"}
            for d in entry["dcat:distribution"]:
                addresses |= {d["dcat:downloadURL"]["@id"], d["dct:conformsTo"]["@id"]}
        for address in addresses:
            path = "/" + address.split("://", 1)[1].split("/", 1)[1]
            assert anonymous().get(path).status_code == 200, path

    def test_the_pages_are_in_the_sitemap_and_the_data_files_are_not(self):
        sitemap = anonymous().get("/sitemap.xml").content.decode()
        assert "/statistics/</loc>" in sitemap and "/open-data/</loc>" in sitemap
        for ds in opendata.datasets():
            assert f"/open-data/{ds.slug}/</loc>" in sitemap
        assert ".csv</loc>" not in sitemap and "catalog.jsonld" not in sitemap

    def test_every_request_is_bounded_and_a_bad_one_names_its_parameter(self):
        client = anonymous("en")
        for query, field in (("from=2026-13", "from"), ("from=26-01", "from"),
                             ("from=2026-05&to=2026-01", "to"), ("from=2001-01&to=2026-12", "to"),
                             ("province=99", "province"), ("page_size=5000", "page_size"),
                             ("page=999999&page_size=1000", "page")):
            response = client.get(f"/open-data/licences.json?{query}")
            assert response.status_code == 400, query
            body = json.loads(response.content)
            assert body["errors"][0]["field"] == field and body["detail"], query
            assert client.get(f"/open-data/licences.csv?{query}").status_code == 400
        assert client.get("/statistics/?from=x").status_code == 400
        assert client.get("/open-data/no-such-thing.json").status_code == 404
