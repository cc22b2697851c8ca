"""What keeps the big lists cheap at 10^6 rows, shown without a clock: the statements they
send (bench/page_sweep.py measures the time). A province's bureau is narrowed by the province
equality alone (an index answers the capped count and the page); the record list has the index
of its default order; the rates page reads the rate cells once; a list's query count does not
grow with its rows."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiliang.registry.models import Instrument, VerificationRecord
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, verify

VERSION = "SELECT (SELECT MAX(id)"  # the registry's version (the key of kept rows), no row read


def _sql(queries, table: str) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if f'"{table}"' in q["sql"] and not q["sql"].startswith(VERSION)]


class ListQueryTests(PersonaTestCase):
    def fill(self, n: int) -> None:
        for i in range(n):
            inst = file(self.p.acme, serial=f"LQ-{n}-{i}")
            verify(self.p.gd_verifier, inst, on=days(-5 - i))

    def queries(self, persona: str, url: str) -> CaptureQueriesContext:
        client = self.client_as(persona)
        client.get(url)  # warm: the session and the sign-in's first reads
        cache.clear()  # then render the rows afresh (a kept list sends none of them)
        with CaptureQueriesContext(connection) as caught:
            assert client.get(url).status_code == 200
        return caught

    def test_a_province_bureau_is_narrowed_by_the_province_alone(self):
        self.fill(2)
        for url, table in (("/registry/instruments/", "registry_instrument"),
                           ("/registry/verifications/", "registry_verificationrecord")):
            statements = _sql(self.queries("gd_clerk", url), table)
            assert statements and all("LIKE" not in s for s in statements), url
            assert all("\"province_code\" = '44'" in s for s in statements), url
            # A city's bureau still needs its prefix.
            city = _sql(self.queries("gz_clerk", url), table)
            assert city and all("LIKE" in s and "\"province_code\" = '44'" in s for s in city)

    def test_the_lists_send_as_many_statements_for_many_rows_as_for_few(self):
        urls = ("/registry/instruments/", "/registry/verifications/", "/registry/due/",
                "/registry/rates/")
        self.fill(1)
        few = {(p, u): len(self.queries(p, u).captured_queries)
               for p in ("gd_clerk", "admin") for u in urls}
        self.fill(12)
        many = {(p, u): len(self.queries(p, u).captured_queries)
                for p in ("gd_clerk", "admin") for u in urls}
        assert many == few

    def test_the_api_record_list_joins_each_records_evidence(self):
        def count() -> int:
            api = self.api_as("gd_clerk")
            api.get("/api/v1/registry/verifications")  # warm: the token's first stamp
            with CaptureQueriesContext(connection) as caught:
                assert api.get("/api/v1/registry/verifications").status_code == 200
            return len(caught.captured_queries)

        self.fill(1)
        few = count()
        self.fill(12)
        assert count() == few

    def test_the_rates_page_reads_the_rate_cells_once(self):
        self.fill(3)
        for persona in ("admin", "gd_clerk"):
            caught = self.queries(persona, "/registry/rates/")
            assert len(_sql(caught, "registry_ratecell")) == 1, persona

    def test_the_record_lists_default_order_has_its_indexes(self):
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(
                cursor, VerificationRecord._meta.db_table)
        columns = {name: c["columns"] for name, c in found.items() if c["index"]}
        assert columns["registry_rec_date"] == ["verified_on", "id"]
        assert columns["registry_rec_prov_date"] == ["province_code", "verified_on", "id"]
        assert Instrument._meta.ordering == ["-id"]


class TokenStampTests(PersonaTestCase):
    def test_a_busy_api_client_stamps_its_token_once_a_minute_not_on_every_call(self):
        import datetime

        from django.test import Client

        from jiliang.core.models import ApiToken
        from jiliang.core.services import api_token_issue

        token, key = api_token_issue(actor=self.p.gd_clerk, name="stamp")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        assert client.get("/api/v1/registry/instruments").status_code == 200
        token.refresh_from_db()
        first = token.last_used_at
        assert first is not None
        with CaptureQueriesContext(connection) as caught:
            for _ in range(3):
                assert client.get("/api/v1/registry/instruments").status_code == 200
        assert not [q for q in caught.captured_queries if q["sql"].startswith("UPDATE")]
        ApiToken.objects.filter(pk=token.pk).update(
            last_used_at=first - datetime.timedelta(minutes=2))
        client.get("/api/v1/registry/instruments")
        token.refresh_from_db()
        assert token.last_used_at > first
