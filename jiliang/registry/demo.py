"""Demo: a few thousand instruments in Guangdong and Beijing with verification histories.

Current, overdue, failed and never-verified instruments of several kinds, loaded
through the bulk import (so the demo exercises it), and a batch of household
water meters recorded by the Guangdong institute's verifier. Idempotent and fast.
"""

from __future__ import annotations

import datetime
import random
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from jiliang.catalog.models import Regulation
from jiliang.core.demo import credit_code, demo_organisation, load_people
from jiliang.core.models import Organisation, OrgKind, User
from jiliang.people.demo import signers
from jiliang.registry import hooks, importing, services
from jiliang.registry.models import Instrument, MeterBatch
from jiliang.rules.verification import add_months

MARKER = "DEMO-GD-00001"
OWNERS = [
    # key, name, region, first 17 of the credit code, (kind, use, regulation, months, size, class)
    ("gd_market", "广州市天河区华润万家超市有限公司", "440106", "91440106MA5DEM001"),
    ("gd_fuel", "深圳市福田区中石化加油站有限公司", "440304", "91440304MA5DEM002"),
    ("gd_taxi", "佛山市禅城区出租汽车有限公司", "440604", "91440604MA5DEM003"),
    ("gd_hospital", "东莞市人民医院", "441900", "12441900MA5DEM004"),
    ("gd_water", "广州市自来水有限公司", "440104", "91440104MA5DEM005"),
    ("gd_traffic", "广州市公安局交通警察支队", "440103", "11440103MA5DEM006"),
    ("bj_taxi", "北京市朝阳区出租汽车有限公司", "110105", "91110105MA5DEM007"),
    ("bj_hospital", "北京市西城区医院", "110102", "12110102MA5DEM008"),
    ("bj_power", "北京市海淀区某产业园有限公司", "110108", "91110108MA5DEM009"),
    ("gd_factory", "广州市黄埔区某机械制造有限公司", "440112", "91440112MA5DEM010"),
    ("gd_logistics", "东莞市某物流有限公司", "441900", "91441900MA5DEM011"),
    ("bj_clinic", "北京市朝阳区某眼科诊所", "110105", "91110105MA5DEM012"),
]
# kind, use, regulation, period in months (None: verified once), nominal size, accuracy class
KINDS = {
    "acme": [("scale_digital_indicating", "trade", "JJG 539-2016", 12, "", "III")],
    "bj_enterprise": [("scale_digital_indicating", "trade", "JJG 539-2016", 12, "", "III")],
    "gd_market": [("scale_digital_indicating", "trade", "JJG 539-2016", 12, "", "III")],
    "gd_fuel": [("fuel_dispenser", "trade", "JJG 443-2023", 6, "", "0.3")],
    "gd_taxi": [("taximeter", "trade", "JJG 517-2016", 12, "", "")],
    "gd_hospital": [("sphygmomanometer", "medical", "JJG 270-2008", 12, "", ""),
                    ("clinical_thermometer_glass", "medical", "JJG 111-2019", None, "", "")],
    "gd_water": [("water_meter", "trade", "JJG 162-2019", 24, "80", "2")],
    "gd_traffic": [("vehicle_speed_meter", "safety", "JJG 527-2015", 12, "", "")],
    "bj_taxi": [("taximeter", "trade", "JJG 517-2016", 12, "", "")],
    "bj_hospital": [("sphygmomanometer", "medical", "JJG 270-2008", 12, "", ""),
                    ("ecg", "medical", "JJG 543-2008", 12, "", "")],
    "bj_power": [("electricity_meter", "trade", "JJG 596-2012", 72, "", "0.5S")],
    # The kinds of the whole catalogue (issue #14): most have no confirmed period, so the
    # institution writes the valid-until date on the certificate (WRITTEN).
    "gd_factory": [("pressure_gauge", "safety", "JJG 52-2013", 6, "", "1.6"),
                   ("weight", "trade", "JJG 99-2022", 12, "", "M1"),
                   ("sound_level_meter", "environment", "JJG 188-2017", 12, "", "2"),
                   ("instrument_transformer", "trade", "", None, "", "0.2S"),
                   ("harmful_gas_analyser", "safety", "", None, "", "")],
    "gd_logistics": [("weighbridge", "trade", "JJG 539-2016", 12, "", "III"),
                     ("scale_non_self_indicating", "trade", "JJG 14-2016", 12, "", "III"),
                     ("lpg_dispenser", "trade", "JJG 997-2015", 6, "", "1.0"),
                     ("flowmeter", "trade", "", None, "", "")],
    "bj_clinic": [("tonometer", "medical", "JJG 1141-2017", 12, "", ""),
                  ("optometer", "medical", "JJG 892-2022", 12, "", ""),
                  ("clinical_thermometer_electronic", "medical", "JJG 1164-2019", 12, "", ""),
                  ("balance", "trade", "JJG 98-2019", 12, "", "II")],
}
WRITTEN = {"pressure_gauge", "weight", "sound_level_meter", "weighbridge", "lpg_dispenser",
           "tonometer", "optometer", "clinical_thermometer_electronic", "balance"}
COUNTS = {"acme": 300, "bj_enterprise": 300, "gd_market": 500, "gd_fuel": 300, "gd_taxi": 400,
          "gd_hospital": 300, "gd_water": 150, "gd_traffic": 80, "bj_taxi": 500,
          "bj_hospital": 300, "bj_power": 200, "gd_factory": 150, "gd_logistics": 120,
          "bj_clinic": 80}


def _owners() -> dict[str, Organisation]:
    orgs = dict(load_people())
    for key, name, region, first17 in OWNERS:
        orgs[key] = demo_organisation(
            kind=OrgKind.ENTERPRISE, name=name, region_code=region,
            credit_code=credit_code(first17), enterprise_roles=["owner"])
    return orgs


def edition_on(kind: str, code: str, day: datetime.date) -> str:
    """The edition a verification on ``day`` names: an older one where ``code`` was not yet in
    force (a history reaching back before JJG 596-2012 was made under JJG 596-1999)."""
    seen = set()
    while code not in seen:
        seen.add(code)
        reg = Regulation.objects.filter(kind__code=kind, code=code).first()
        if reg is None or reg.effective_on is None or day >= reg.effective_on:
            return code
        older = re.findall(r"JJG \d+-\d{4}", reg.replaces)
        if not older or not Regulation.objects.filter(kind__code=kind, code=older[0]).exists():
            return code
        code = older[0]
    return code


# Who signs, per province (Guangdong's institute, Beijing's): verifier, checker, approver.
SIGNERS = {True: ("张伟", "李娜", "王强"), False: ("王芳", "刘洋", "赵敏")}


@dataclass(frozen=True)
class _Owner:
    key: str
    org: Organisation
    institution: Organisation
    south: bool  # Guangdong (44), else Beijing

    @property
    def prefix(self) -> str:
        return "GD" if self.south else "BJ"


def rows(orgs: dict[str, Organisation], today: datetime.date) -> list[tuple[int, dict]]:
    """The demo's import rows: per instrument, up to three verifications ending in one of
    current (70 %), overdue (15 %), failed (7 %) or never verified (8 %)."""
    rng = random.Random(2008)
    blank = {c.key: "" for c in importing.COLUMNS}
    out: list[dict] = []
    for key, count in COUNTS.items():
        org = orgs[key]
        south = org.region_code[:2] == "44"
        owner = _Owner(key, org, orgs["gd_institute" if south else "bj_institute"], south)
        for n in range(1, count + 1):
            entry = KINDS[key][n % len(KINDS[key])]
            out += _instrument_rows(rng, today, owner, n, entry, _base_row(blank, owner, n, entry))
    return list(enumerate(out, start=2))


def _base_row(blank: dict, owner: _Owner, n: int, entry: tuple) -> dict:
    """The instrument's own cells."""
    kind, use, _regulation, _months, size, klass = entry
    org = owner.org
    serial = f"DEMO-{owner.prefix}-{owner.key.upper()}-{n:05d}" \
        if owner.key != "acme" or n != 1 else MARKER
    return dict(blank, owner_credit_code=org.credit_code, kind=kind, use=use,
                serial_number=serial, region_code=org.region_code,
                manufacturer="广州某计量器具厂" if owner.south else "北京某仪器厂",
                model=f"M-{n % 7 + 1}", accuracy_class=klass, nominal_size=size,
                address=org.address or org.name)


def _instrument_rows(rng: random.Random, today: datetime.date, owner: _Owner, n: int,
                     entry: tuple, base: dict) -> list[dict]:
    """One instrument's rows: filed only, or one row per verification of its history."""
    kind, _use, regulation, months, _size, _klass = entry
    fate = rng.random()
    if fate < 0.08 or not regulation:  # never verified (kinds without a regulation on file)
        first_use = today - datetime.timedelta(days=rng.randrange(10, 400))
        return [dict(base, first_use_on=first_use.isoformat())]
    history = _history(rng, today, fate, months)
    return [_verification_row(base, owner, n, entry, day, i, single=len(history) == 1,
                              failed=fate >= 0.93 and i == len(history) - 1
                              and months is not None)
            for i, day in enumerate(history)]


def _history(rng: random.Random, today: datetime.date, fate: float,
             months: int | None) -> list[datetime.date]:
    """The days of an instrument's verifications, oldest first: the last within its period
    (current) or more than a period ago (overdue or failed), up to two before it."""
    span = months or 24
    if fate < 0.78:  # current: verified within its period
        last = today - datetime.timedelta(days=rng.randrange(1, span * 30 - 5))
    else:  # overdue (or failed): last verified more than a period ago
        last = today - datetime.timedelta(days=span * 31 + rng.randrange(1, 200))
    history = [add_months(last, -span * k) for k in range(rng.randrange(0, 3), -1, -1)]
    return [last] if months is None else history


def _verification_row(base: dict, owner: _Owner, n: int, entry: tuple, day: datetime.date,
                      i: int, *, single: bool, failed: bool) -> dict:
    kind, _use, regulation, months, _size, _klass = entry
    prefix = owner.prefix
    edition = edition_on(kind, regulation, day)
    written = (add_months(day, months).isoformat()
               if (kind in WRITTEN or edition != regulation) and not failed else "")
    verifier, checker, approver = SIGNERS[owner.south]
    return dict(
        base, institution_credit_code=owner.institution.credit_code,
        verified_on=day.isoformat(),
        verification_type="first" if i == 0 and single else "subsequent",
        regulation_code=edition,
        standard_identifier=_standard(prefix, kind, day, n),
        standard_valid_until=add_months(day, 30).isoformat(),
        conclusion="fail" if failed else "pass",
        failed_items="示值误差超出最大允许误差" if failed else "", valid_until=written,
        certificate_no=f"{prefix}JL{day:%Y%m}-{owner.key.upper()}-{n:05d}-{i}",
        verifier_name=verifier, checker_name=checker, approver_name=approver)


def _standard(prefix: str, kind: str, day: datetime.date, n: int) -> str:
    """Traceability (issue 12): the institution's registered standard for the kind (its demo
    loads first); without that app, a certificate number as text."""
    demo = hooks.traceability("demo")
    if demo is not None:
        return demo.standard_code(prefix, kind)
    return f"[{day.year}]{prefix}量标证字第{n % 40 + 1:03d}号"


def _water_batch(orgs: dict[str, Organisation], today: datetime.date) -> None:
    if MeterBatch.objects.filter(certificate_no="GDJL-SB-DEMO-001").exists():
        return
    verifier = User.objects.get(username="gd_verifier")
    day = today - datetime.timedelta(days=200)
    serials = [f"WM-DEMO-{i:05d}" for i in range(1, 201)]
    # Traceability (issue 12): the institute's registered flow standard, like its records.
    demo = hooks.traceability("demo")
    standard = {"standard_id": demo.standard_id("GD", "water_meter")} if demo is not None else {
        "standard_identifier": "[2021]粤量标证字第118号",
        "standard_valid_until": add_months(day, 24)}
    services.batch_record(
        actor=verifier, owner_credit_code=orgs["gd_water"].credit_code, kind_code="water_meter",
        supplier="宁波某水表有限公司", model="LXS-20E", serials=serials, quantity=len(serials),
        verified_on=day, conclusion="pass", certificate_no="GDJL-SB-DEMO-001",
        regulation_code="JJG 162-2019", **standard, **signers("gd_institute"),
        region_code="440104", household=True, nominal_size="20", accuracy_class="2")


def load(stdout) -> None:
    today = timezone.localdate()
    orgs = _owners()
    if Instrument.objects.filter(serial_number=MARKER, owner=orgs["acme"]).exists():
        stdout.write("registry: demo instruments already loaded")
        return
    result = importing.import_rows(rows(orgs, today))
    with transaction.atomic():
        _water_batch(orgs, today)
    reminders = services.reminders_create(on=today, soon_days=30, slack_days=30)
    stdout.write(f"registry: {result.instruments_added} instruments, {result.records_added} "
                 f"verifications, {len(result.errors)} bad rows, a batch of 200 water meters, "
                 f"{reminders} reminders")
