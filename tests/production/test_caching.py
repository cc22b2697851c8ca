"""Public pages that many read are cached whole, and a write that changes them shows at once
(the version read from the database, not a timer)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from jiliang.licensing import services
from jiliang.licensing.models import LicenceEvent
from tests.licensing.test_licences import STANDARD


def _record(p, number: str):
    return services.licence_record(
        actor=p.gd_clerk, type_code="measurement_standard_assessment", holder=p.orgs["acme"],
        number=number, issued_on=datetime.date(2021, 4, 1),
        valid_until=datetime.date(2030, 3, 31), particulars=STANDARD, regime="now")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/licensing/public/feed.atom", "/licensing/public/feed.json"])
def test_the_disclosures_are_cached_until_a_new_one_is_published(personas, path):
    _record(personas, "[2021]粤量标证字第0101号")
    visitor = Client()
    first = visitor.get(path)
    again = visitor.get(path)
    assert first["X-Cache"] == "miss" and again["X-Cache"] == "hit"
    assert again.content == first.content and "0101" in first.content.decode()
    events = LicenceEvent.objects.count()
    _record(personas, "[2021]粤量标证字第0102号")
    assert LicenceEvent.objects.count() > events
    fresh = visitor.get(path)
    assert fresh["X-Cache"] == "miss" and "0102" in fresh.content.decode()
    # Each language is its own page.
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)
    assert english["X-Cache"] == "miss"


@pytest.mark.django_db
def test_signed_in_people_and_other_methods_are_never_served_from_the_cache(personas):
    feed = "/licensing/public/feed.json"
    Client().get(feed)
    clerk = Client()
    clerk.force_login(personas.gd_clerk)
    assert "X-Cache" not in clerk.get(feed)
    assert "X-Cache" not in Client().head(feed) or Client().get(feed)["X-Cache"] == "hit"


@pytest.mark.django_db
def test_a_page_that_hands_out_a_csrf_token_is_not_cached():
    """The public layout carries the language form's token: such a page is never cached
    (one visitor's token must not go to another)."""
    from django.http import HttpResponse
    from django.middleware.csrf import get_token
    from django.test import RequestFactory

    from jiliang.core.caching import public_cache

    calls = []

    @public_cache(version=lambda: 1)
    def view(request):
        calls.append(1)
        return HttpResponse(get_token(request))

    from django.contrib.auth.models import AnonymousUser

    for _ in range(2):
        request = RequestFactory().get("/x")
        request.user = AnonymousUser()
        assert view(request)["X-Cache"] == "miss"
    assert len(calls) == 2
