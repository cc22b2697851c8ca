"""What several selectors of one page need from reference data is read once per request, and
never kept beyond it."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiliang.core.memo import per_request, request_scope
from tests.base import PersonaTestCase


def test_a_value_is_computed_once_inside_a_request_and_every_time_outside():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert per_request("k", compute) == 1 and per_request("k", compute) == 2
    with request_scope():
        assert per_request("k", compute) == 3 and per_request("k", compute) == 3
        assert per_request("other", compute) == 4
    with request_scope():  # a new request starts afresh
        assert per_request("k", compute) == 5
    assert per_request("k", compute) == 6


class DeskTests(PersonaTestCase):
    def test_the_desk_reads_the_catalogue_in_force_once(self):
        client = self.client_as("gd_clerk")
        client.get("/desk/")
        with CaptureQueriesContext(connection) as caught:
            assert client.get("/desk/").status_code == 200
        versions = [q for q in caught.captured_queries
                    if 'FROM "catalog_catalogueversion"' in q["sql"]]
        kinds = [q for q in caught.captured_queries if 'FROM "catalog_instrumentkind"' in q["sql"]]
        assert len(versions) == 1 and len(kinds) == 1, (versions, kinds)
