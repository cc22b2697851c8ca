import io

import pytest

from jiliang.supervision import demo, selectors
from jiliang.supervision.models import Campaign, NetContentRecord


@pytest.mark.django_db
def test_the_demo_loads_once_and_makes_the_reports_meaningful(personas):
    demo.load(io.StringIO())
    count = NetContentRecord.objects.count()
    demo.load(io.StringIO())
    assert NetContentRecord.objects.count() == count > 150
    last = Campaign.objects.get(title="2023年定量包装商品净含量专项监督抽查")
    data = selectors.tracking(personas.admin, last)
    assert data["years"] == [2021, 2022, 2023] and data["rows"] and data["repeat_failures"]
    rates = [selectors.campaign_report(personas.admin, c)["overall"]["rate"]
             for c in data["chain"]]
    assert rates == sorted(rates)  # the tracked cities improve year on year
    assert selectors.published_campaigns().count() == 2
    assert Campaign.objects.filter(kind="special_inspection").exists()
    assert Campaign.objects.filter(kind="energy_label", status="reporting").exists()
