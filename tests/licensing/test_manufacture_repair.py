"""Manufacture and repair licences: decided by the province (work plan 五.1), contract
manufacturing (委托加工) recorded on the licence."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from jiliang.licensing.services import licence_record
from tests.base import PersonaTestCase

D = datetime.date


class ManufactureRepairTests(PersonaTestCase):
    def test_the_repair_licence_is_decided_by_the_provincial_bureau(self):
        licence = licence_record(
            actor=self.p.gd_head, type_code="manufacture_repair_licence",
            holder=self.p.orgs["acme"], number="(粤)制修字2012-0001", issued_on=D(2012, 3, 1),
            particulars={"activity": "repair", "instruments": "电子台秤、电子计价秤（修理）"})
        assert licence.authority_level == "provincial" and licence.authority_code == "440000"
        with pytest.raises(PermissionDenied):  # a city bureau no longer decides it
            licence_record(
                actor=self.p.gz_clerk, type_code="manufacture_repair_licence",
                holder=self.p.orgs["acme"], number="(穗)修字2012-0002", issued_on=D(2012, 3, 1),
                particulars={"activity": "repair", "instruments": "电子台秤"})

    def test_contract_manufacturing_is_recorded_on_the_licence(self):
        licence = licence_record(
            actor=self.p.gd_clerk, type_code="manufacture_repair_licence",
            holder=self.p.orgs["acme"], number="(粤)制字2013-0003", issued_on=D(2013, 5, 2),
            particulars={"activity": "manufacture", "instruments": "电子计价秤 ACS-30",
                         "contract_manufacturing": "委托方：艾克米公司；受托方：佛山某衡器厂；电子计价秤 ACS-30"})
        assert "佛山某衡器厂" in licence.particulars["contract_manufacturing"]
        page = self.client_as("anonymous", language="zh-hans").get(
            f"/licensing/public/l/{licence.public_code}/")
        assert page.status_code == 200
        assert "委托加工" in page.content.decode() and "佛山某衡器厂" in page.content.decode()
