"""Energy types, instrument types and carriers are data: one added to the data files alone is
chosen, converted, named in both languages and needs no migration."""

import io
import json
import shutil
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from jiliang.energy import labels, services
from jiliang.energy.forms import MeterForm
from jiliang.energy.models import Meter
from jiliang.rules import energy as rules
from jiliang.rules.energy import base
from tests.base import PersonaTestCase
from tests.energy.factories import make_meter, make_unit

BIOMASS = {"id": "biomass_pellets", "name_zh": "生物质成型燃料", "name_en": "biomass pellets",
           "quantity_unit": "kg", "ncv_kcal": 3500, "ncv_kj_2008": 14654,
           "coef_kgce_per_unit": 0.5, "confidence": "low"}
BIOMASS_ROW = {"id": "biomass", "category_zh": "固态能源", "energy_zh": "生物质燃料",
               "name_zh": "生物质燃料", "name_en": "biomass fuel",
               "default_carrier": "biomass_pellets", "L1": 100, "L2": 100, "L3": 90,
               "notes": []}
FLOW_COMPUTER = {"id": "flow_computer", "name_zh": "流量积算仪", "name_en": "flow computer",
                 "judged_by_mpe": False}


class VocabularyTests(PersonaTestCase):
    @pytest.fixture(autouse=True)
    def _data(self, tmp_path, monkeypatch):
        """A copy of the data directory the test may change; the real one is left alone."""
        self.data = tmp_path / "data"
        shutil.copytree(base.DATA, self.data)
        monkeypatch.setattr(base, "DATA", self.data)
        rules.refresh()
        yield
        monkeypatch.undo()
        rules.refresh()

    def _edit(self, name: str, change) -> None:
        path = self.data / name
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        rules.refresh()

    def test_the_models_take_their_choices_from_the_data(self):
        field = Meter._meta.get_field("energy")
        assert [key for key, _name in field.choices] == rules.energy_ids()
        with translation.override("zh-hans"):
            assert dict(field.choices)["water"] == "水"
        with translation.override("en"):
            assert dict(field.choices)["lpg"] == "liquefied petroleum gas"
        assert [k for k, _n in Meter._meta.get_field("instrument_type").choices] == list(
            rules.instrument_types())
        assert rules.vocabulary_check() == []

    def test_an_energy_carrier_added_by_data_alone_is_chosen_converted_and_named(self):
        self._edit("energy_conversion.json", lambda d: d["fuels"].append(BIOMASS))
        self._edit("energy_metering.json", lambda d: d["table1_equipping_rate_percent"][
            "rows"].append(BIOMASS_ROW))
        assert rules.vocabulary_check() == []
        unit = make_unit(self.p)
        meter = make_meter(unit, "B-1", name="颗粒燃料秤", instrument_type="scale_static",
                           energy="biomass", accuracy_class="", mpe_percent=Decimal("0.1"),
                           register_unit="")
        assert meter.carrier == "biomass_pellets" and meter.register_unit == "kg"
        with translation.override("zh-hans"):
            assert meter.get_energy_display() == "生物质燃料"
            assert labels.carrier_label("biomass_pellets") == "生物质成型燃料"
        with translation.override("en"):
            assert meter.get_energy_display() == "biomass fuel"
            assert labels.carrier_label("biomass_pellets") == "biomass pellets"
        converted = rules.convert("gbt2589-2008", [
            {"energy": "biomass_pellets", "quantity": "1000", "unit": "kg"}])
        assert converted.total_kgce == Decimal("500.0")
        assert rules.required_rate("gb17167-2006", "biomass", "L3") == 90
        form = MeterForm(unit=unit)
        assert "biomass" in dict(form.fields["energy"].choices)
        out = io.StringIO()
        call_command("makemigrations", "energy", "--check", "--dry-run", stdout=out)
        assert "No changes detected" in out.getvalue()

    def test_an_instrument_type_added_by_data_alone_is_filed_and_named(self):
        self._edit("energy_metering.json",
                   lambda d: d["instrument_types"]["rows"].append(FLOW_COMPUTER))
        unit = make_unit(self.p)
        meter = make_meter(unit, "F-1", name="蒸汽流量积算仪", instrument_type="flow_computer",
                           energy="steam", accuracy_class="1", register_unit="t")
        with translation.override("en"):
            assert meter.get_instrument_type_display() == "flow computer"
        with translation.override("zh-hans"):
            assert meter.get_instrument_type_display() == "流量积算仪"
        assert "flow_computer" in services.ledger_columns()[3].help
