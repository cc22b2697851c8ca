import pytest

from jiliang.core.models import Region
from jiliang.core.services import region_get


@pytest.mark.django_db
def test_the_full_table_of_divisions_is_loaded():
    assert Region.objects.filter(level=1).count() == 34
    assert Region.objects.filter(level=2).count() > 330
    assert Region.objects.filter(level=3).count() > 2800


@pytest.mark.django_db
def test_the_chain_runs_from_county_to_province():
    tianhe = Region.objects.get(code="440106")
    assert tianhe.name == "天河区"
    assert tianhe.parent.code == "440100" and tianhe.parent.parent.code == "440000"
    assert tianhe.full_name == "广东省广州市天河区"


@pytest.mark.django_db
def test_a_code_that_does_not_exist_is_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        region_get("449999")
    assert "region_code" in caught.value.message_dict
    with pytest.raises(ValidationError):
        region_get("440106", level=Region.Level.PROVINCE)


@pytest.mark.django_db
def test_the_region_api_is_public_and_filters_by_parent(client):
    response = client.get("/api/v1/regions?parent=440100&page_size=100")
    assert response.status_code == 200
    codes = [r["code"] for r in response.json()["items"]]
    assert "440106" in codes and all(c.startswith("4401") for c in codes)
