"""Demo energy-using units in Guangdong: ledgers (one compliant, one not), a quarter of synthetic
15-minute readings through the real ingest path, a lapsed meter, a gap, audits and letters.

Idempotent: a unit already on file is left as it is. The gateways' keys derive from
``demo-<unit code>`` (``manage.py energy_keygen --seed demo-<code>`` prints the private key,
to try the API by hand).
"""

from __future__ import annotations

import datetime
import json
import math
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from jiliang.core.demo import credit_code, demo_organisation, load_people
from jiliang.core.models import Organisation, OrgKind, User
from jiliang.energy import hooks, services, signing
from jiliang.energy.models import DailyEnergy, EnergyUnit, Finding
from jiliang.energy.selectors import month_bounds
from jiliang.rules.months import previous_month

DAYS = 90


def _org(name: str, region: str, first17: str, address: str) -> Organisation:
    return demo_organisation(
        kind=OrgKind.ENTERPRISE, name=name, region_code=region,
        credit_code=credit_code(first17), enterprise_roles=["energy_user"], address=address)


def _meter(unit, number, **values):
    base = {"serial_no": f"{unit.code[-6:]}-{number}", "status": "qualified",
            "verification_kind": "verification", "last_verified_on": datetime.date(2025, 3, 1),
            "valid_until": datetime.date(2027, 2, 28), "mandatory_verification": True}
    base.update(values)
    return services.meter_register(actor=None, unit=unit, management_no=number, **base)


# (number, name, instrument, class, level, energy, carrier, unit, sub-unit, parent, kW-ish load)
STEEL = [
    ("E-001", "进线总表", "electricity_meter", "0.2S", "L1", "electricity", "", "kWh", "", None, 0),
    ("E-101", "炼钢车间电能表", "electricity_meter", "0.5S", "L2", "electricity", "", "kWh",
     "炼钢车间", "E-001", 5200),
    ("E-102", "轧钢车间电能表", "electricity_meter", "0.5S", "L2", "electricity", "", "kWh",
     "轧钢车间", "E-001", 3100),
    ("E-103", "公辅车间电能表", "electricity_meter", "1.0", "L2", "electricity", "", "kWh",
     "公辅车间", "E-001", 900),
    ("G-001", "天然气进厂流量计", "gas_flow_meter", "1.5", "L1", "natural_gas",
     "natural_gas_gasfield", "m3", "", None, 600),
    ("W-001", "新水总表", "water_meter", "", "L1", "water", "fresh_water", "t", "", None, 45),
    ("S-001", "外供蒸汽流量计", "steam_flow_meter", "2.5", "L1", "steam", "steam_low_pressure",
     "t", "", None, 4),
    ("H-001", "厂区供热热量表", "heat_meter", "2", "L2", "steam", "heat", "GJ", "生活区", None, 1.2),
]
CERAMICS = [
    ("E-001", "进线总表", "electricity_meter", "0.5", "L1", "electricity", "", "kWh", "", None, 0),
    ("E-101", "窑炉车间电能表", "electricity_meter", "0.5S", "L2", "electricity", "", "kWh",
     "窑炉车间", "E-001", 1800),
    ("E-102", "球磨车间电能表", "electricity_meter", "0.5S", "L2", "electricity", "", "kWh",
     "球磨车间", "E-001", 1300),
    ("E-301", "1号辊道窑电能表", "electricity_meter", "1.0", "L3", "electricity", "", "kWh",
     "1号辊道窑", "E-101", 700),
    ("G-001", "天然气进厂流量计", "gas_flow_meter", "1.5", "L1", "natural_gas",
     "natural_gas_gasfield", "m3", "", None, 900),
    ("W-001", "新水总表", "water_meter", "", "L1", "water", "fresh_water", "t", "", None, 20),
]
ACME = [
    ("E-001", "进线总表", "electricity_meter", "0.5S", "L1", "electricity", "", "kWh", "", None, 0),
    ("E-101", "装配车间电能表", "electricity_meter", "1.0", "L2", "electricity", "", "kWh",
     "装配车间", "E-001", 260),
    ("W-001", "新水总表", "water_meter", "", "L1", "water", "fresh_water", "t", "", None, 3),
]


def _ledger(unit, spec, *, lapsed: set[str] = frozenset()) -> dict:
    meters = {}
    for no, name, kind, cls, level, energy, carrier, reg, sub, parent, _load in spec:
        extra = {}
        if kind == "water_meter":
            extra = {"pipe_dn_mm": 150, "mpe_percent": Decimal("2")}
        if no in lapsed:
            extra.update(last_verified_on=datetime.date(2024, 1, 10),
                         valid_until=timezone.localdate() - datetime.timedelta(days=45))
        meters[no] = _meter(unit, no, name=name, instrument_type=kind, accuracy_class=cls,
                            level=level, energy=energy, carrier=carrier, register_unit=reg,
                            sub_unit=sub, parent=meters.get(parent), model_spec="",
                            install_location=sub or "厂区总配",
                            direction="out" if no.startswith("S-") else "in", **extra)
    return meters


def _profile(hour: float, rng: random.Random) -> float:
    """A working-day load shape: higher by day, a dip at night, a little noise."""
    return 0.75 + 0.25 * math.sin((hour - 6) / 24 * 2 * math.pi) + rng.uniform(-0.03, 0.03)


def _readings(unit, spec, *, start, days, gaps=None, seed=1):
    """Register values every 15 minutes; the L1 electricity meter reads the sum of its
    sub-meters plus 2 % losses, so the balance holds."""
    rng = random.Random(seed)
    registers = {s[0]: Decimal(rng.randint(10000, 90000)) for s in spec}
    subs = [s for s in spec if s[9] == "E-001"]
    gaps = gaps or {}
    batch: list[dict] = []
    for day in range(days):
        rows = []
        for slot in range(96):
            at = start + datetime.timedelta(days=day, minutes=15 * slot)
            if at > timezone.now():
                break
            hour = slot / 4
            total = Decimal(0)
            for no, *_rest, load in spec:
                if no == "E-001":
                    continue
                step = Decimal(str(round(load / 4 * _profile(hour, rng), 3)))
                registers[no] += step
                if any(s[0] == no for s in subs):
                    total += step
            registers["E-001"] += (total * Decimal("1.02")).quantize(Decimal("0.001"))
            for no, *_rest in spec:
                if (no, day) in gaps and gaps[(no, day)][0] <= slot < gaps[(no, day)][1]:
                    continue
                rows.append({"meter": no, "time": at.isoformat(),
                             "value": f"{registers[no]:.3f}", "unit": _rest[6]})
        batch.extend(rows)
        if batch and (day % 7 == 6 or day == days - 1):
            # A week a batch: the gateway's backlog after a link outage, say.
            yield f"demo-{start.date() + datetime.timedelta(days=day):%Y%m%d}", batch
            batch = []


def _send(unit, batches) -> int:
    private, _public = signing.keypair_from_seed(f"demo-{unit.code}".encode())
    count = 0
    for batch_id, rows in batches:
        body = json.dumps({"readings": rows}).encode()
        services.batch_ingest(unit_code=unit.code, batch_id=batch_id, body=body,
                              content_type="json", channel="local",
                              signature=signing.sign(private, unit.code, batch_id, body))
        count += len(rows)
    return count


def _unit(org, **values) -> EnergyUnit:
    unit = services.unit_register(actor=None, organisation=org, **values)
    _private, public = signing.keypair_from_seed(f"demo-{unit.code}".encode())
    return services.unit_key_register(actor=None, unit=unit, public_key=public)


def load(stdout) -> None:
    orgs = load_people()
    steel_org = _org("广州南沙精密钢铁有限公司", "440115", "91440115MA59KGT27",
                     "广州市南沙区龙穴大道")
    ceramics_org = _org("佛山顺德华陶陶瓷有限公司", "440606", "91440606MA4WTC883",
                        "佛山市顺德区乐从镇")
    if EnergyUnit.objects.filter(organisation__in=[steel_org, ceramics_org]).exists():
        stdout.write("energy: demo units already on file")
        return
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(today - datetime.timedelta(days=DAYS - 1), datetime.time(),
                                      tz)
    with transaction.atomic():
        steel = _unit(steel_org, industry="C31 黑色金属冶炼和压延加工业",
                      annual_tce=Decimal("68500"), annual_year=today.year - 1,
                      electricity_user_class="I", contact="陈工", phone="020-84900001",
                      balance_tolerance_percent=Decimal("3"))
        ceramics = _unit(ceramics_org, industry="C30 非金属矿物制品业",
                         annual_tce=Decimal("8600"), annual_year=today.year - 1,
                         designated=True, designation_authority="广东省能源局",
                         designation_ref="粤能节〔2007〕12号",
                         electricity_user_class="II", contact="李工", phone="0757-28800002",
                         balance_tolerance_percent=Decimal("3"))
        acme = _unit(orgs["acme"], industry="C40 仪器仪表制造业", annual_tce=Decimal("5400"),
                     annual_year=today.year - 1, designated=True,
                     designation_authority="广州市工业和信息化局", electricity_user_class="III",
                     contact="王工", phone="020-38000003", balance_tolerance_percent=Decimal("5"))
        _ledger(steel, STEEL)
        _ledger(ceramics, CERAMICS, lapsed={"E-102"})
        acme_meters = _ledger(acme, ACME)
        _file_in_registry(orgs, acme_meters)
    count = _send(steel, _readings(steel, STEEL, start=start, days=DAYS, seed=1))
    # A gap: the ceramics gas meter lost most of one day, four days before its data stopped.
    count += _send(ceramics, _readings(ceramics, CERAMICS, start=start, days=DAYS - 2, seed=2,
                                       gaps={("G-001", DAYS - 6): (20, 80)}))
    count += _send(acme, _readings(acme, ACME, start=start, days=DAYS, seed=3))
    _paperwork(steel, ceramics, orgs, today)
    stdout.write(f"energy: 3 units, {count} readings over {DAYS} days")


def _file_in_registry(orgs, meters: dict) -> None:
    """acme's two electricity meters are also filed in the registry (contract 3): the boundary
    meter with the certificate its ledger quotes, the workshop meter overdue there although its
    ledger line still says valid — the mismatch an auditor is meant to see."""
    registry, people = hooks.registry("services"), hooks.people("demo")
    if registry is None or people is None:
        return
    signers = people.signers

    owner = User.objects.get(username="acme")
    verifier = User.objects.get(username="gd_verifier")
    for number, verified_on, valid_until, certificate in (
            ("E-001", datetime.date(2025, 3, 1), datetime.date(2027, 2, 28), "DEMO-EN-E001"),
            ("E-101", datetime.date(2024, 1, 10), datetime.date(2025, 1, 9), "DEMO-EN-E101")):
        meter = meters[number]
        instrument = registry.instrument_file(
            actor=owner, kind_code="electricity_meter", use="trade",
            serial_number=meter.serial_no, region_code=orgs["acme"].region_code,
            accuracy_class=meter.accuracy_class, address=meter.install_location or "",
            first_use_on=datetime.date(2020, 6, 1))
        registry.verification_record(
            actor=verifier, instrument=instrument, verified_on=verified_on,
            verification_type="subsequent", regulation_code="JJG 596-2012",
            standard_identifier="[2019]粤量标证字第0596号",
            standard_valid_until=datetime.date(2028, 12, 31), conclusion="pass",
            certificate_no=certificate, **signers("gd_institute"), valid_until=valid_until,
            standard_id=_registered_standard("GD-WS-POWER"))


def _registered_standard(code: str) -> int | None:
    """Traceability (issue 12): the demo's registered standard, when that app is installed."""
    register = hooks.traceability("models")
    if register is None:
        return None
    return register.Standard.objects.filter(code=code).values_list("pk", flat=True).first()


def _paperwork(steel, ceramics, orgs, today) -> None:
    gd = orgs["gd_bureau"]
    clerk = User.objects.filter(username="gd_clerk").first()
    # The steel works: audited by the bureau, compliant, closed.
    audit = services.audit_open(actor=clerk, unit=steel, auditor=gd,
                                opened_on=today - datetime.timedelta(days=30))
    services.audit_complete(actor=None, audit=audit, summary="配备率和准确度均符合要求。")
    # The ceramics works: audited by the provincial institute; 18 of 19 L3 electricity
    # meters (Table 1: 95 %), a 0.5 boundary meter where 0.5S is needed, a lapsed meter.
    audit = services.audit_open(actor=clerk, unit=ceramics, auditor=orgs["gd_institute"],
                                opened_on=today - datetime.timedelta(days=10))
    services.audit_cell_set(actor=None, audit=audit, energy="electricity", level="L3",
                            required=2)
    services.audit_cell_set(actor=None, audit=audit, energy="water", level="L2", required=1)
    services.audit_exclusion_add(actor=None, audit=audit, energy="water", level="L2", count=1,
                                 ground="t1b", reason="球磨车间季节性供暖热水，不单独计量")
    services.audit_complete(actor=None, audit=audit, summary="进线电能表准确度等级不足，"
                            "部分主要用能设备未配备电能表，一台电能表超期未检。")
    finding = audit.findings.filter(kind=Finding.Kind.ACCURACY).first()
    if finding:
        services.finding_rectify(actor=None, finding=finding,
                                 rectification="已更换为0.5S级电能表，检定证书见附件。")
    services.letter_create(
        actor=clerk, unit=steel, title="共同推进节能降耗增效工作责任书",
        signed_on=today - datetime.timedelta(days=300), commitments=[
            {"party": "unit", "text": "完善三级能源计量器具配备，配备率达到GB 17167要求",
             "deadline": today - datetime.timedelta(days=120)},
            {"party": "unit", "text": "建立能源计量数据中心，实时上传能耗数据",
             "deadline": today - datetime.timedelta(days=60)},
            {"party": "bureau", "text": "免费开展能源计量器具检定和技术培训",
             "deadline": today - datetime.timedelta(days=90)}])
    services.letter_create(
        actor=clerk, unit=ceramics, title="共同推进节能降耗增效工作责任书",
        signed_on=today - datetime.timedelta(days=200), commitments=[
            {"party": "unit", "text": "年内更换进线关口电能表并送检",
             "deadline": today - datetime.timedelta(days=20)},
            {"party": "bureau", "text": "组织窑炉热平衡测试",
             "deadline": today + datetime.timedelta(days=60)}])
    letter = steel.letters.first()
    services.letter_look_back(
        actor=clerk, letter=letter, reviewed_on=today - datetime.timedelta(days=7),
        summary="“回头看”：双方责任基本落实。",
        outcomes={c.pk: ("met", "") if c.party == "bureau" or "配备" in c.text
                  else ("partly", "数据中心已建成，上传率尚未达到90%")
                  for c in letter.commitments.all()})
    last_month = previous_month(today)
    first, last = month_bounds(last_month)
    total = (DailyEnergy.objects.filter(unit=steel, level="L1", carrier="electricity",
                                        day__gte=first, day__lte=last)
             .aggregate(t=Sum("consumption"))["t"])
    if total:
        services.monthly_report_submit(actor=None, unit=steel, month=last_month,
                                       carrier="electricity", quantity=total.quantize(
                                           Decimal("1")), quantity_unit="kWh")
