"""manage.py load_reference: every app's reference data brought in line with the data files;
a second run changes nothing, neither a row nor the ledger."""

from __future__ import annotations

import io

from django.apps import apps
from django.core.management import call_command
from django.test import TestCase

from jiliang.audit.models import LedgerEntry
from jiliang.catalog.models import InstrumentKind, PeriodRule, Regulation
from jiliang.core.models import HolidayYear, Region
from jiliang.core.reference import loaders
from jiliang.rules.deadlines import package_years


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy}


def load() -> str:
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    return out.getvalue()


class LoadReferenceTests(TestCase):
    def test_it_runs_every_apps_loader_and_the_migrations_left_nothing_to_do(self):
        assert [path for path, _model in loaders()] == [
            "jiliang.core.regions.load_current_regions",
            "jiliang.core.holidays.load_current_holiday_years",
            "jiliang.catalog.reference.load_current_catalogue"]
        before, ledger = row_counts(), LedgerEntry.objects.count()
        assert load().endswith("reference data loaded: 0 row(s) added or changed\n")
        assert row_counts() == before and LedgerEntry.objects.count() == ledger

    def test_it_restores_what_drifted_in_the_ledger_and_a_second_run_changes_nothing(self):
        expected = row_counts()
        year = min(package_years())
        HolidayYear.objects.filter(year=year).delete()
        InstrumentKind.objects.filter(code="heat_meter").update(name_en="drifted")
        Regulation.objects.filter(code="JJG 225-2001").update(title_zh="改过")
        PeriodRule.objects.filter(code="heat-225").delete()
        county = Region.objects.filter(level=3, organisation__isnull=True,
                                       children__isnull=True).first()
        code, parent = county.code, county.parent_id
        county.delete()
        ledger = LedgerEntry.objects.count()

        out = load()

        assert row_counts()["audit.LedgerEntry"] == ledger + 3
        ledger_tables = {"audit.LedgerEntry", "audit.ChainHead"}
        assert {k: v for k, v in row_counts().items() if k not in ledger_tables} == {
            k: v for k, v in expected.items() if k not in ledger_tables}
        assert "load_current_regions: 1 row(s)" in out
        assert "load_current_holiday_years: 1 row(s)" in out
        assert InstrumentKind.objects.get(code="heat_meter").name_en != "drifted"
        assert not Regulation.objects.filter(title_zh="改过").exists()
        assert PeriodRule.objects.filter(code="heat-225").exists()
        assert HolidayYear.objects.filter(year=year).exists()
        assert Region.objects.filter(code=code, parent_id=parent).exists()
        entries = LedgerEntry.objects.filter(action="reference.update").order_by("pk")
        assert [(e.object_type, e.object_id) for e in entries] == [
            ("core.region", "load_current_regions"),
            ("core.holidayyear", "load_current_holiday_years"),
            ("catalog.catalogueversion", "load_current_catalogue")]
        assert entries[0].after == {"rows": 1}

        counts, ledger = row_counts(), LedgerEntry.objects.count()
        out = load()
        assert out.endswith("reference data loaded: 0 row(s) added or changed\n")
        assert row_counts() == counts and LedgerEntry.objects.count() == ledger

    def test_an_entered_holiday_year_is_left_as_it_is(self):
        year = max(package_years())
        HolidayYear.objects.filter(year=year).update(holidays=["2099-01-01"], source="公告")
        assert load().endswith(": 0 row(s) added or changed\n")
        row = HolidayYear.objects.get(year=year)
        assert row.holidays == ["2099-01-01"] and row.source == "公告"
