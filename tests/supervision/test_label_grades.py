"""Energy-label grades per label standard, from rules/data/energy_labels.json; where the data
gives no number of grades, the administration's (a setting the pages name in words)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, override_settings
from django.urls import reverse
from django.utils import translation

from jiliang.rules import energylabels
from jiliang.supervision import services
from jiliang.supervision.models import UploadBatch
from tests.base import PersonaTestCase
from tests.supervision.helpers import campaign, task
from tests.supervision.test_uploads import xlsx


@pytest.fixture
def three_grade_standard(tmp_path):
    """The data with one standard whose label has three grades, read in place of the file."""
    data = json.loads(energylabels.DATA.read_text(encoding="utf-8"))
    data["standards"].append({"code": "GB 99999-2099", "product_zh": "试验器具",
                              "product_en": "test appliance", "grades": 3,
                              "sources": ["a test's own data"]})
    path = tmp_path / "energy_labels.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    original, energylabels.DATA = energylabels.DATA, path
    energylabels.refresh()
    yield
    energylabels.DATA = original
    energylabels.refresh()


class DataTests(SimpleTestCase):
    def test_the_file_gives_no_number_without_a_source(self):
        data = json.loads(energylabels.DATA.read_text(encoding="utf-8"))
        assert energylabels.problems(data) == []
        assert data["grades_when_unknown"]["value"] is None  # no source: a setting
        for item in data["standards"]:
            assert item["grades"] is None or item["sources"], item["code"]

    def test_unsound_data_is_named(self):
        found = energylabels.problems({"standards": [
            {"code": "GB 1-2000", "grades": 5},
            {"code": "gb1－2000", "grades": None},
            {"code": "GB 2-2000", "grades": 12, "sources": ["x"]}]})
        assert found == ["standard GB 1-2000: a number of grades needs its source",
                         "standard GB 1-2000: missing or given twice",
                         "standard GB 2-2000: grades 12 is not 2 to 9"]

    def test_a_code_is_read_as_printed_or_typed(self):
        assert energylabels.normalise_code(" gb21455－2019 ") == "GB 21455-2019"
        assert energylabels.normalise_code("ＧＢ　12021.2—2015") == "GB 12021.2-2015"

    def test_an_unknown_standard_takes_the_setting(self):
        scale = energylabels.scale("GB 12345-2020", 5)
        assert (scale.top, scale.from_setting) == (5, True)
        assert scale.holds(5) and not scale.holds(6) and not scale.holds(0)


class LabelGradeTests(PersonaTestCase):
    def setUp(self):
        self.t = task(self.p, campaign(self.p, kind="energy_label", products=()))
        self.base = dict(actor=self.p.gd_clerk, task=self.t, enterprise_name="某商场",
                         product="空调", model="X1", checked_on=datetime.date(2024, 5, 1),
                         finding="correct")

    def refused(self, **data) -> list[str]:
        with pytest.raises(ValidationError) as caught, translation.override("en"):
            services.label_check_record(**self.base, **data)
        return caught.value.message_dict["labelled_grade"]

    def test_without_a_number_on_file_the_administrations_setting_bounds_the_grade(self):
        check = services.label_check_record(**self.base, label_standard="gb 12345-2020",
                                            labelled_grade=5)
        assert check.label_standard == "GB 12345-2020" and check.labelled_grade == 5
        assert "administration sets" in self.refused(labelled_grade=6)[0]
        with override_settings(JILIANG_ENERGY_LABEL_GRADES=3):
            assert "1 (best) to 3" in self.refused(labelled_grade=4)[0]
            services.label_check_record(**self.base, labelled_grade=3)

    @pytest.mark.usefixtures("three_grade_standard")
    def test_a_standard_with_its_number_in_the_data_takes_it(self):
        message = self.refused(label_standard="GB99999-2099", labelled_grade=4)[0]
        assert "1 (best) to 3 under GB 99999-2099" in message
        services.label_check_record(**self.base, label_standard="GB 99999-2099", labelled_grade=3)
        # another standard still takes the setting's five
        services.label_check_record(**self.base, label_standard="GB 12345-2020", labelled_grade=5)

    def test_the_form_says_where_the_number_comes_from_and_the_page_names_the_standard(self):
        client = self.client_as("gd_clerk")
        url = reverse("supervision:label-create", args=[self.t.pk])
        page = client.get(url).content.decode()
        assert "1 (best) to 5: a number the administration sets" in page
        assert 'max="5"' in page
        response = client.post(url, {"enterprise_name": "某商场", "product": "空调", "model": "X2",
                                     "checked_on": "2024-05-01", "finding": "correct",
                                     "handling": "none", "label_standard": "GB 12345-2020",
                                     "labelled_grade": "6"})
        assert response.status_code == 200 and "labelled_grade" in response.content.decode()
        response = client.post(url, {"enterprise_name": "某商场", "product": "空调", "model": "X2",
                                     "checked_on": "2024-05-01", "finding": "correct",
                                     "handling": "none", "label_standard": "GB 12345-2020",
                                     "labelled_grade": "2"})
        assert response.status_code == 302
        detail = client.get(response["Location"]).content.decode()
        assert "GB 12345-2020" in detail and "a number the administration sets" in detail
        zh = self.client_as("gd_clerk", language="zh-hans").get(url).content.decode()
        assert "1（最优）至 5：该级数由管理部门设定" in zh
        assert "JILIANG_" not in page + detail + zh  # the setting in words, never its name

    def test_the_sheet_takes_the_standard_and_refuses_a_grade_past_its_number(self):
        header = ["Producer or seller", "Product", "Model", "Checked on", "Finding",
                  "Label standard", "Labelled grade"]
        rows = [["某商场", "空调", "K1", "2024-05-01", "correct", "GB 12345-2020", "5"],
                ["某商场", "冰箱", "R1", "2024-05-01", "correct", "GB 12345-2020", "6"]]
        self.client_as("gd_clerk").post(
            reverse("supervision:upload", args=[self.t.pk]),
            {"file": SimpleUploadedFile("labels.xlsx", xlsx(rows, header))})
        batch = UploadBatch.objects.get()
        assert (batch.rows_saved, batch.rows_refused) == (1, 1)
        assert [(e["row"], e["column"]) for e in batch.errors] == [(3, "Labelled grade")]
        assert self.t.label_checks.get().label_standard == "GB 12345-2020"
