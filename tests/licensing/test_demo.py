"""The licensing demo tells a believable history: the public list opens on recent rows dated
across past years, not on licences that expired years ago dated the day the demo was loaded."""

import datetime
import io

import pytest
from django.utils import timezone

from jiliang.licensing import demo, selectors
from jiliang.licensing.models import LicenceEvent


@pytest.mark.django_db
def test_the_disclosure_list_opens_on_rows_dated_across_past_years(personas):
    demo.load(io.StringIO())
    today = timezone.localdate()
    first_page = list(selectors.public_events()[:20])
    assert first_page
    assert all(e.on <= today for e in first_page)
    expired = LicenceEvent.objects.filter(kind="expired")
    assert expired.exists()
    # an expiry is dated the day the licence ended, not the day the daily task saw it
    assert all(e.on == e.licence.valid_until + datetime.timedelta(days=1) for e in expired)
    on_load_day = [e for e in first_page if e.on == today and e.kind == "expired"]
    assert not on_load_day
    years = {e.on.year for e in LicenceEvent.objects.all()}
    assert len(years) >= 3 and min(years) < today.year - 5
