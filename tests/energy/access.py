"""The energy app's objects for the access matrix: three units in three scopes.

- acme's unit in Guangzhou (440106): the enterprise and the Guangdong/Guangzhou bureaus;
- a Shenzhen works (440305) audited by the provincial institute: the bureau of Guangdong and,
  through its audit, the institute (gd_verifier), not Guangzhou;
- a Beijing unit (110108): Beijing only.
"""

from __future__ import annotations

import datetime

from jiliang.core.demo import credit_code
from jiliang.core.services import organisation_register
from jiliang.energy import services
from tests.access import Marker, Sample
from tests.energy.factories import at, make_meter, make_unit, send, series


def _bureau_over(region_code):
    return lambda u: u.is_bureau and u.scope.covers_region(region_code)


def _keeper(unit):
    return lambda u: u.organisation_id == unit.organisation_id or (
        u.is_bureau and u.scope.covers_region(unit.region_code))


def samples(world):
    p = world.personas
    out: list[Sample] = []
    works = organisation_register(actor=None, kind="enterprise", name="深圳南山示范热电有限公司",
                                  region_code="440305", credit_code=credit_code(
                                      "91440305MA5FKRD21"), enterprise_roles=["energy_user"])
    units = {
        "acme": make_unit(p, "acme"),
        "works": services.unit_register(actor=None, organisation=works,
                                        annual_tce=12000, electricity_user_class="I"),
        "bj": make_unit(p, "bj_enterprise"),
    }
    audited_by = {"works": p.orgs["gd_institute"].pk}
    for key, unit in units.items():
        meter = make_meter(unit, "E-01", serial_no=f"SERIAL-{key.upper()}-01")
        make_meter(unit, "E-02", level="L2", sub_unit="车间", parent=meter,
                   serial_no=f"SERIAL-{key.upper()}-02")
        if unit.public_key:
            send(unit, "matrix-1", series("E-01", at(1), 4))
        orgs = (unit.organisation_id, *([audited_by[key]] if key in audited_by else []))
        where = {"region_code": unit.region_code, "orgs": orgs}
        world.markers.append(Marker(f"SERIAL-{key.upper()}-01", unit.region_code, orgs))
        if key == "works":
            world.markers.append(Marker(unit.name, unit.region_code, orgs))
        auditor = p.orgs["gd_institute"] if key == "works" else (
            p.orgs["bj_bureau"] if key == "bj" else p.orgs["gd_bureau"])
        audit = services.audit_open(actor=None, unit=unit, auditor=auditor,
                                    opened_on=datetime.date(2026, 1, 10))
        services.audit_cell_set(actor=None, audit=audit, energy="electricity", level="L2",
                                required=1)
        cell_audit = services.audit_open(actor=None, unit=unit, auditor=auditor)
        services.audit_cell_set(actor=None, audit=cell_audit, energy="water", level="L2",
                                required=2)
        exclusion = services.audit_exclusion_add(actor=None, audit=cell_audit, energy="water",
                                                 level="L2", count=1, ground="t1b",
                                                 reason="季节性供暖热水")
        services.audit_complete(actor=None, audit=audit)
        finding = audit.findings.first() or None
        letter = services.letter_create(
            actor=None, unit=unit, bureau=auditor if auditor.is_bureau else p.orgs["gd_bureau"],
            title="责任书", signed_on=datetime.date(2025, 6, 1),
            commitments=[{"party": "unit", "text": "配备三级计量",
                          "deadline": datetime.date(2025, 12, 31)}])
        meter_pk = meter.pk
        audit_where = {"region_code": unit.region_code,
                       "orgs": (unit.organisation_id, auditor.pk)}
        keeper = _keeper(unit)
        bureau = _bureau_over(unit.region_code)
        # Every endpoint on acme's unit; the scope-defining ones on the other two.
        out += [
            Sample("energy:unit-detail", {"pk": unit.pk}, **where),
            Sample("energy:meter-detail", {"pk": meter_pk}, **where),
            Sample("energy:audit-detail", {"pk": audit.pk}, **audit_where),
            Sample("energy:letter-detail", {"pk": letter.pk}, unit.region_code,
                   (unit.organisation_id,)),
            Sample("jiliang_energy_api_unit_detail", {"unit_id": unit.pk}, **where),
            Sample("jiliang_energy_api_meter_readings", {"meter_id": meter_pk}, **where),
        ]
        if finding is not None:
            out += [Sample("energy:finding-rectify", {"pk": finding.pk}, **audit_where),
                    Sample("energy:finding-review", {"pk": finding.pk}, **audit_where)]
        if key != "acme":
            continue
        out += [
            Sample("energy:unit-quality", {"pk": unit.pk}, **where),
            Sample("energy:unit-batches", {"pk": unit.pk}, **where),
            Sample("energy:unit-monthly", {"pk": unit.pk}, **where),
            Sample("energy:unit-energy-audit", {"pk": unit.pk}, **where),
            Sample("energy:meter-list", {"pk": unit.pk}, **where),
            Sample("energy:meter-template", {"pk": unit.pk}, **where),
            Sample("energy:unit-edit", {"pk": unit.pk}, unit.region_code, allowed=bureau),
            Sample("energy:audit-create", {"pk": unit.pk}, unit.region_code, allowed=bureau),
            Sample("energy:letter-create", {"pk": unit.pk}, unit.region_code, allowed=bureau),
            Sample("energy:unit-key", {"pk": unit.pk}, unit.region_code, allowed=keeper),
            Sample("energy:meter-create", {"pk": unit.pk}, unit.region_code, allowed=keeper),
            Sample("energy:meter-import", {"pk": unit.pk}, unit.region_code, allowed=keeper),
            Sample("energy:meter-edit", {"pk": meter_pk}, unit.region_code, allowed=keeper),
            Sample("energy:meter-calibration", {"pk": meter_pk}, unit.region_code,
                   allowed=keeper),
            Sample("energy:audit-pdf", {"pk": audit.pk}, **audit_where),
            Sample("energy:audit-xlsx", {"pk": audit.pk}, **audit_where),
            Sample("energy:audit-cells", {"pk": cell_audit.pk}, **audit_where),
            Sample("energy:audit-exclusion-add", {"pk": cell_audit.pk}, **audit_where),
            Sample("energy:audit-complete", {"pk": cell_audit.pk}, **audit_where),
            Sample("energy:audit-exclusion-remove", {"pk": exclusion.pk}, **audit_where),
            Sample("energy:letter-look-back", {"pk": letter.pk}, unit.region_code,
                   allowed=bureau),
            Sample("jiliang_energy_api_meter_list", {"unit_id": unit.pk}, **where),
            Sample("jiliang_energy_api_unit_energy", {"unit_id": unit.pk}, **where),
            Sample("jiliang_energy_api_monthly_report", {"unit_id": unit.pk}, **where),
            Sample("jiliang_energy_api_batch_ingest", {"unit_code": unit.code}, unit.region_code,
                   allowed=lambda u, unit=unit: u.organisation_id == unit.organisation_id),
        ]
    return out
