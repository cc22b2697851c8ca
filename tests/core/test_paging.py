"""Lists count at most COUNT_CAP + 1 rows, so a national list never counts 10^8 of them."""

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from jiliang.core import web
from jiliang.core.models import Region
from tests.base import PersonaTestCase


class CappedPagingTests(PersonaTestCase):
    def page(self, cap: int, number: str = "1"):
        request = RequestFactory().get("/", {"page": number})
        return web.page_of(request, Region.objects.order_by("code"), size=10, cap=cap)

    def test_a_long_list_counts_up_to_the_cap_and_says_so(self):
        with CaptureQueriesContext(connection) as queries:
            page = self.page(cap=25)
        assert page.paginator.count == 26 and page.paginator.capped
        assert page.paginator.count_text == "25+"
        assert any("LIMIT 26" in q["sql"].upper() for q in queries.captured_queries)
        assert [r.code for r in page] == list(
            Region.objects.order_by("code").values_list("code", flat=True)[:10])

    def test_a_short_list_is_counted_exactly(self):
        total = Region.objects.count()
        page = self.page(cap=100_000)
        assert page.paginator.count == total and not page.paginator.capped
        assert page.paginator.count_text == f"{total:,}"

    def test_a_page_past_the_cap_shows_the_last_page_it_offers(self):
        page = self.page(cap=25, number="999")
        assert page.number == 3

    def test_the_api_pages_say_whether_the_count_stopped_at_the_cap(self):
        data = self.client_as("anonymous").get("/api/v1/regions?page_size=5").json()
        assert data["count"] == 3351 and data["capped"] is False and len(data["items"]) == 5
