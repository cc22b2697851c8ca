"""The public check is kept per query and language while nothing it shows changes, each visitor
gets their own CSRF token from a kept page, every look-up is counted (hit or not), and the
counts may be written together (production) rather than one write a look-up."""

from __future__ import annotations

import re

from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from jiliang.core.services import organisation_update
from jiliang.registry import services
from jiliang.registry.models import PublicLookup
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, verify

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class CheckCacheTests(PersonaTestCase):
    def setUp(self):
        cache.clear()
        inst = file(self.p.acme, serial="CACHE-1")
        self.record = verify(self.p.gd_verifier, inst, on=days(-3), number="粤检-CACHE-1")
        self.url = "/registry/check/?q=" + "粤检-CACHE-1"

    def counted(self) -> int:
        return sum(PublicLookup.objects.filter(page="check", found=True,
                                               code=self.record.public_code)
                   .values_list("count", flat=True))

    def test_a_kept_check_costs_one_query_and_still_counts_the_look_up(self):
        first = Client().get(self.url)
        assert first["X-Cache"] == "miss" and "粤检-CACHE-1" in first.content.decode()
        with CaptureQueriesContext(connection) as queries:
            again = Client().get(self.url)
        assert again["X-Cache"] == "hit" and again.status_code == 200
        # The version (one statement) and the look-up's count: no search, no render.
        assert len([q for q in queries.captured_queries
                    if not q["sql"].startswith(("BEGIN", "SAVEPOINT", "RELEASE", "SET"))]) <= 2
        assert self.counted() == 2
        assert again.content.decode().replace(TOKEN.search(again.content.decode())[1], "") == \
            first.content.decode().replace(TOKEN.search(first.content.decode())[1], "")

    def test_each_visitor_gets_their_own_token_and_it_works(self):
        Client().get(self.url)
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get(self.url)
        assert page["X-Cache"] == "hit"
        token = TOKEN.search(page.content.decode())[1]
        assert "\x00" not in page.content.decode()
        other = TOKEN.search(Client().get(self.url).content.decode())[1]
        assert token != other
        switched = visitor.post("/i18n/setlang/", {"language": "en", "next": "/",
                                                   "csrfmiddlewaretoken": token})
        assert switched.status_code == 302  # the token from the kept page is this visitor's

    def test_a_write_that_changes_the_answer_shows_at_once(self):
        Client().get(self.url)
        assert Client().get(self.url)["X-Cache"] == "hit"
        organisation_update(actor=self.p.gd_clerk, organisation=self.p.orgs["acme"],
                            name="缓存测试更名企业")
        fresh = Client().get(self.url)
        assert fresh["X-Cache"] == "miss" and "缓存测试更名企业" in fresh.content.decode()
        # A new record with the same number (another institution) appears too.
        english = Client(HTTP_ACCEPT_LANGUAGE="en").get(self.url)
        assert english["X-Cache"] == "miss"  # each language is its own page

    def test_signed_in_people_are_not_served_kept_pages(self):
        Client().get(self.url)
        clerk = self.client_as("gd_clerk")
        assert "X-Cache" not in clerk.get(self.url)


class LookupFlushTests(PersonaTestCase):
    @override_settings(JILIANG_LOOKUP_FLUSH_SECONDS=3600)
    def test_look_ups_are_counted_in_memory_and_written_together(self):
        services.public_lookups_flush()
        visitor = Client()
        for i in range(5):
            visitor.get("/registry/check/", {"q": f"NO-SUCH-{i % 2}"})
        assert not PublicLookup.objects.filter(page="check").exists()
        assert services.public_lookups_flush() == 5
        rows = list(PublicLookup.objects.filter(page="check").values_list("found", "count"))
        assert rows == [(False, 5)]
        assert services.public_lookups_flush() == 0

    @override_settings(JILIANG_LOOKUP_FLUSH_SECONDS=0.000001)
    def test_a_due_flush_writes_what_was_pending_with_the_new_one(self):
        services.public_lookups_flush()
        services.public_lookup_count(page="check", found=False)
        services.public_lookup_count(page="check", found=False)
        assert PublicLookup.objects.get(page="check").count == 2
