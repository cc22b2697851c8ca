"""A licence type is data: one added to licence_types.json alone is checked, offered, applied
for, filed and published, with its guide page."""

import json
import shutil

import pytest

from jiliang.licensing import services
from jiliang.rules import licensing as rules
from tests.base import PersonaTestCase
from tests.licensing.helpers import D, act, attach_required, draft


class AddingATypeTests(PersonaTestCase):
    @pytest.fixture(autouse=True)
    def _data(self, tmp_path, monkeypatch):
        data = tmp_path / "data"
        shutil.copytree(rules.DATA, data)
        path = data / "licence_types.json"
        types = json.loads(path.read_text(encoding="utf-8"))
        spec = json.loads(json.dumps(next(t for t in types["types"]
                                          if t["code"] == "c_mark_declaration")))
        spec.update(code="net_content_declaration",
                    name={"zh": "定量包装商品净含量自我声明（试点）",
                          "en": "Net-content self-declaration (pilot)"})
        spec["applicants"] = {"org_kinds": ["enterprise"],
                              "text": {"zh": "定量包装商品生产企业", "en": "Packers"}}
        types["types"].append(spec)
        path.write_text(json.dumps(types, ensure_ascii=False), encoding="utf-8")
        monkeypatch.setattr(rules, "DATA", data)
        rules.refresh()
        yield
        monkeypatch.undo()
        rules.refresh()

    def test_a_type_added_by_data_alone_is_applied_for_filed_and_published(self):
        lt = rules.licence_types()["net_content_declaration"]
        assert rules.check(rules.licence_types(), rules.workflows()) == []
        app = draft(self.p.acme, type_code="net_content_declaration",
                    particulars={"products": "大米"})
        assert app.licence_type.code == lt.code
        attach_required(app, app.created_by)
        app = act(app, app.created_by, "file", D(2025, 9, 22))
        assert app.state == "filed" and app.licence is not None
        assert services.licence_summary(app.licence)["type_code"] == "net_content_declaration"
        page = self.client_as("anonymous").get("/licensing/guide/net_content_declaration/")
        assert page.status_code == 200 and "Net-content self-declaration (pilot)" in page.content.decode()
        listed = self.client_as("anonymous").get("/licensing/public/?type=net_content_declaration")
        assert listed.status_code == 200 and app.licence.number in listed.content.decode()
