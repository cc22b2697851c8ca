"""Demo: national primary standards → Guangdong and Beijing social public standards → the
institutions' working standards, with twenty years of assessment certificates and yearly
calibrations (the registry's demo records, which go back that far, are bound to them); a touring
standard with a booking; reference materials and lots; a published comparison and a running one.
Idempotent.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from jiliang.core.demo import credit_code, load_people
from jiliang.core.models import Organisation, OrgKind, User
from jiliang.core.services import organisation_register
from jiliang.rules.verification import add_months
from jiliang.traceability import services
from jiliang.traceability.models import Category, Comparison, Standard

MARKER = "NAT-MASS"
FIRST_YEAR = 2004
# group: (measurand, national standard name, kinds served, range, unit, uncertainty of the
# working standard)
GROUPS = {
    "MASS": ("质量", "质量国家计量基准（千克）", ["scale_digital_indicating", "weight",
                                             "weighbridge", "scale_non_self_indicating", "balance"],
             ("0", "3000"), "kg", "F1 级砝码组"),
    "FLOW": ("流量与容量", "液体流量国家计量基准", ["fuel_dispenser", "water_meter", "gas_meter",
                                          "heat_meter", "lpg_dispenser"], None, "",
             "U = 0.05 % (k = 2)"),
    "TIME": ("时间频率与长度", "时间频率国家计量基准", ["taximeter", "vehicle_speed_meter"], None, "",
             "U = 0.1 % (k = 2)"),
    "MED": ("压力、温度与医用电学", "压力与温度国家计量基准",
            ["sphygmomanometer", "clinical_thermometer_glass", "ecg", "radiotherapy_dosimetry",
             "breath_alcohol", "pressure_gauge", "tonometer", "clinical_thermometer_electronic"],
            None, "", "MPE ±0.1 kPa"),
    # The kinds of the whole catalogue the registry's demo files (catalogue, issue 14).
    "AO": ("声学与光学", "声学与光学国家计量基准", ["sound_level_meter", "optometer"], None, "",
           "U = 0.2 dB (k = 2)"),
    "POWER": ("电能", "电能国家计量基准", ["electricity_meter"], None, "", "0.05 级"),
}
PROVINCES = {"GD": ("gd_institute", "广东省市场监督管理局", "粤"),
             "BJ": ("bj_institute", "北京市市场监督管理局", "京")}


def standard_code(prefix: str, kind: str) -> str:
    """The code of the demo working standard of province ``prefix`` (GD, BJ) for ``kind``:
    what the registry's demo records name."""
    for group, spec in GROUPS.items():
        if kind in spec[2]:
            return f"{prefix}-WS-{group}"
    return f"{prefix}-WS-MASS"


def standard_id(prefix: str, kind: str) -> int | None:
    """The id of that demo working standard (the registry's demo batch is bound to it)."""
    return Standard.objects.filter(code=standard_code(prefix, kind)).values_list(
        "pk", flat=True).first()


def _nim() -> Organisation:
    return Organisation.objects.filter(name="中国计量科学研究院").first() or organisation_register(
        actor=None, kind=OrgKind.TECHNICAL_INSTITUTION, name="中国计量科学研究院",
        region_code="110105", credit_code=credit_code("12100000400001234"),
        address="北京市朝阳区北三环东路18号")


def _history(std: Standard, *, higher: Standard, letter: str, today: datetime.date) -> None:
    """Five-year assessment certificates from FIRST_YEAR and a calibration every year."""
    year = FIRST_YEAR
    while datetime.date(year, 1, 1) <= today:
        services.certificate_issue(
            actor=None, standard=std, number=f"[{year}]{letter}量标证字第{std.pk:03d}号",
            issuer=PROVINCES["GD" if letter == "粤" else "BJ"][1],
            issued_on=datetime.date(year, 1, 1), valid_until=datetime.date(year + 4, 12, 31),
            reexamined_on=None if year == FIRST_YEAR else datetime.date(year - 1, 11, 20))
        year += 5
    day = datetime.date(FIRST_YEAR - 1, 12, 15)
    n = 1
    while day <= today:
        services.calibration_record(
            actor=None, standard=std, higher_standard=higher,
            certificate_no=f"JZ{day:%Y}-{std.code}-{n:02d}", calibrated_on=day,
            due_on=add_months(day, 13), result="ok",
            uncertainty=GROUPS[std.code.split("-")[-1]][5] if std.category == Category.WORKING
            else "")
        day, n = add_months(day, 12), n + 1


@transaction.atomic
def load(stdout) -> None:
    if Standard.objects.filter(code=MARKER).exists():
        stdout.write("traceability: demo standards already loaded")
        return
    today = timezone.localdate()
    orgs = load_people()
    nim = _nim()
    for group, (measurand, name, kinds, rng, unit, uncertainty) in GROUPS.items():
        national = services.standard_register(
            actor=None, code=f"NAT-{group}", name=name, category=Category.NATIONAL, owner=nim,
            measurand=measurand, uncertainty="国家计量基准", location="中国计量科学研究院")
        for prefix, (org_key, _bureau, letter) in PROVINCES.items():
            owner = orgs[org_key]
            public = services.standard_register(
                actor=None, code=f"{prefix}-PS-{group}", name=f"{owner.name}{measurand}社会公用计量标准",
                category=Category.SOCIAL_PUBLIC, owner=owner, measurand=measurand,
                kinds=kinds, range_low=rng[0] if rng else None, range_high=rng[1] if rng else None,
                range_unit=unit, uncertainty="U = 0.02 % (k = 2)", location=owner.address)
            _history(public, higher=national, letter=letter, today=today)
            working = services.standard_register(
                actor=None, code=f"{prefix}-WS-{group}", name=f"{measurand}检定装置",
                category=Category.WORKING, owner=owner, measurand=measurand, kinds=kinds,
                range_low=rng[0] if rng else None, range_high=rng[1] if rng else None,
                range_unit=unit, uncertainty=uncertainty, location=owner.address)
            _history(working, higher=public, letter=letter, today=today)
            services.device_add(actor=None, standard=working, name=f"{measurand}标准器",
                                maker="中国计量科学研究院" if group == "MASS" else "某仪器厂",
                                model=f"STD-{group}", serial_number=f"{prefix}-{group}-0001")
    _touring(orgs, today)
    _materials(orgs, today)
    _comparisons(orgs, today)
    stdout.write(f"traceability: {Standard.objects.count()} standards (5 national, public and "
                 f"working standards in Guangdong and Beijing), a touring standard, reference "
                 f"materials, {Comparison.objects.count()} comparisons")


def _touring(orgs, today: datetime.date) -> None:
    gd = orgs["gd_institute"]
    truck = services.standard_register(
        actor=None, code="GD-MOBILE-POWER", name="大型电力变压器现场检定车",
        category=Category.WORKING, owner=gd, measurand="电能", kinds=["electricity_meter"],
        uncertainty="0.05 级", location="移动", mobile=True)
    _history(truck, higher=Standard.objects.get(code="GD-PS-POWER"), letter="粤", today=today)
    services.booking_add(actor=None, standard=truck, site="500 kV 增城变电站", region_code="440118",
                         starts_on=today + datetime.timedelta(days=7),
                         ends_on=today + datetime.timedelta(days=10),
                         purpose="关口电能计量装置现场检定")


def _materials(orgs, today: datetime.date) -> None:
    ph = services.material_register(
        actor=None, number="GBW(E) 130069", name="pH 标准缓冲溶液（磷酸盐）", matrix="水溶液",
        producer="中国计量科学研究院", values=[{"property": "pH（25 ℃）", "value": "6.864",
                                       "unit": "", "U": "0.005", "k": "2"}],
        certificate_valid_until=add_months(today, 18), shelf_life_months=24, storage="密封、避光、常温")
    alcohol = services.material_register(
        actor=None, number="GBW(E) 130307", name="乙醇气体标准物质", matrix="氮气",
        producer="中国计量科学研究院", values=[{"property": "乙醇浓度", "value": "0.800", "unit": "mg/L",
                                       "U": "0.016", "k": "2"}],
        certificate_valid_until=add_months(today, 12), shelf_life_months=12, storage="钢瓶，常温",
        kinds=["breath_alcohol"])
    for material, lot in ((ph, "20250301"), (alcohol, "20250512")):
        services.lot_add(actor=None, material=material, holder=orgs["gd_institute"], lot_no=lot,
                         expires_on=add_months(today, 10), quantity="10 瓶")


def _comparisons(orgs, today: datetime.date) -> None:
    head = User.objects.filter(username="gd_head").first()
    gd, bj = orgs["gd_institute"], orgs["bj_institute"]
    done = services.comparison_create(
        actor=None, code="GD-BJ-2024-M01", title="1 kg 砝码质量比对", organiser=orgs["gd_bureau"],
        pilot=gd, measurand="质量", method="En", unit="mg",
        protocol="依据 JJF 1117《计量比对》；传递标准为 1 kg E2 等级砝码，环形传递，各实验室报告折算质量及扩展不确定度（k = 2）。",
        artefact="1 kg E2 砝码（编号 CMP-M-01）", starts_on=today - datetime.timedelta(days=200),
        ends_on=today - datetime.timedelta(days=120))
    a = services.participant_add(actor=None, comparison=done, institution=gd, lab_code="A",
                                 standard=Standard.objects.get(code="GD-WS-MASS"))
    b = services.participant_add(actor=None, comparison=done, institution=bj, lab_code="B",
                                 standard=Standard.objects.get(code="BJ-WS-MASS"))
    services.result_submit(actor=None, participant=a, value="1000000.6", expanded_u="1.0")
    services.result_submit(actor=None, participant=b, value="1000002.0", expanded_u="1.0")
    services.comparison_score(actor=None, comparison=done, reference_value="1000000.0",
                              reference_u="0.4")
    services.comparison_report(
        actor=None, comparison=done,
        report="两家实验室参加。参考值 1 000 000.0 mg，U = 0.4 mg（k = 2）。A 实验室 En = 0.56，满意；"
               "B 实验室 En = 1.86，不满意，已要求查找原因并复测。")
    services.comparison_publish(actor=head, comparison=done)
    b.refresh_from_db()
    services.follow_up(actor=None, participant=b, action="要求 B 实验室查找原因、整改并于三个月内复测。")
    running = services.comparison_create(
        actor=None, code="GD-2025-T01", title="出租汽车计价器检定装置比对",
        organiser=orgs["gd_bureau"], pilot=gd, measurand="时间与距离", method="z",
        protocol="传递标准：计价器检定装置；能力评定标准差 σ_pt 由组织方按历年数据确定。",
        artefact="JJG 517 标准装置", starts_on=today - datetime.timedelta(days=20),
        ends_on=today + datetime.timedelta(days=40))
    services.participant_add(actor=None, comparison=running, institution=gd, lab_code="A",
                             standard=Standard.objects.get(code="GD-WS-TIME"))
