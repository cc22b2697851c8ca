"""The registry's lists keep their rendered rows (core.caching.rows_cache): a second look sends
no row statement, any write the rows would show is seen at once, and rows kept for one scope,
role or language are never shown to another."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiliang.core.services import organisation_update
from jiliang.registry import services
from tests.base import PersonaTestCase
from tests.registry.helpers import days, enterprise, file, verify

LISTS = ("/registry/instruments/", "/registry/verifications/", "/registry/due/?window=90")
VERSION = "SELECT (SELECT MAX(id)"


def _without_tokens(content: bytes) -> bytes:
    """The page less its CSRF tokens (masked afresh for every response)."""
    return re.sub(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+', rb"\1",
                  content)


def _row_statements(caught) -> list[str]:
    return [q["sql"] for q in caught.captured_queries
            if "registry_" in q["sql"] and not q["sql"].startswith(VERSION)]


class ListCacheTests(PersonaTestCase):
    def setUp(self):
        self.inst = file(self.p.acme, serial="LC-0001")
        verify(self.p.gd_verifier, self.inst, on=days(-3), number="LC-CERT-1")

    def test_a_second_look_sends_no_row_statement(self):
        client = self.client_as("gd_clerk")
        for url in LISTS:
            first = client.get(url)
            with CaptureQueriesContext(connection) as caught:
                again = client.get(url)
            assert _without_tokens(again.content) == _without_tokens(first.content), url
            assert _row_statements(caught) == [], url
            assert any(q["sql"].startswith(VERSION) for q in caught.captured_queries), url

    def test_a_new_instrument_shows_at_once(self):
        client = self.client_as("gd_clerk")
        assert "LC-0002" not in client.get(LISTS[0]).content.decode()
        file(self.p.acme, serial="LC-0002")
        assert "LC-0002" in client.get(LISTS[0]).content.decode()

    def test_a_status_change_and_a_new_record_show_at_once(self):
        client = self.client_as("gd_clerk")
        assert "LC-CERT-2" not in client.get(LISTS[1]).content.decode()
        before = client.get(LISTS[0]).content.decode()
        services.instrument_set_status(actor=self.p.acme, instrument=self.inst, status="stopped")
        after = client.get(LISTS[0]).content.decode()
        assert after != before and "stopped" in after
        verify(self.p.gd_verifier, file(self.p.acme, serial="LC-0003"), on=days(-1),
               number="LC-CERT-2")
        assert "LC-CERT-2" in client.get(LISTS[1]).content.decode()

    def test_an_owner_renamed_shows_at_once(self):
        client = self.client_as("gd_clerk")
        name = self.p.acme.organisation.name
        assert name in client.get(LISTS[0]).content.decode()
        organisation_update(actor=self.p.gd_clerk, organisation=self.p.acme.organisation,
                            name="广州改名衡器有限公司")
        page = client.get(LISTS[0]).content.decode()
        assert "广州改名衡器有限公司" in page and name not in page

    def test_rows_kept_for_one_scope_are_not_shown_to_another(self):
        other = enterprise("北京列表缓存有限公司", "110105", "91110105LC0000001")
        file(self.p.bj_clerk, owner=other, serial="LC-BJ-1", region="110105")
        for url in LISTS[:1]:
            gd = self.client_as("gd_clerk").get(url).content.decode()
            bj = self.client_as("bj_clerk").get(url).content.decode()
            acme = self.client_as("acme").get(url).content.decode()
            assert "LC-0001" in gd and "LC-BJ-1" not in gd
            assert "LC-BJ-1" in bj and "LC-0001" not in bj
            assert "LC-0001" in acme and "LC-BJ-1" not in acme

    def test_each_language_has_its_own_rows(self):
        zh = self.client_as("gd_clerk", language="zh-hans").get(LISTS[0]).content.decode()
        en = self.client_as("gd_clerk", language="en").get(LISTS[0]).content.decode()
        assert "Next due" in en and "Next due" not in zh

    def test_each_query_has_its_own_rows(self):
        client = self.client_as("gd_clerk")
        file(self.p.acme, serial="LC-0004")
        assert "LC-0004" in client.get(LISTS[0]).content.decode()
        assert "LC-0004" not in client.get(LISTS[0] + "?q=LC-0001").content.decode()
        assert "LC-0001" in client.get(LISTS[0] + "?q=LC-0001").content.decode()

    def test_the_rates_are_kept_until_a_record_changes_them(self):
        client = self.client_as("gd_clerk")
        first = client.get("/registry/rates/")
        with CaptureQueriesContext(connection) as caught:
            again = client.get("/registry/rates/")
        assert not any("registry_ratecell" in q["sql"] for q in caught.captured_queries)
        assert again.context["total"] == first.context["total"]
        verified = first.context["total"]["verified"]
        verify(self.p.gd_verifier, file(self.p.acme, serial="LC-0005"), on=days(0),
               number="LC-CERT-3")  # today: in this year's figures whatever the date
        assert client.get("/registry/rates/").context["total"]["verified"] == verified + 1
