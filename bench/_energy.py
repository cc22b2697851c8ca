"""Shared set-up of the energy benchmarks: Django against DATABASE_URL, units, meters, batches."""

from __future__ import annotations

import datetime
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")

TZ = datetime.timezone(datetime.timedelta(hours=8))


def setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def machine() -> str:
    import platform

    from django.db import connection

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db = "PostgreSQL " + cursor.fetchone()[0]
        else:
            db = "SQLite"
    return f"{os.cpu_count()} CPU {cpu}; Python {platform.python_version()}; {db}"


def make_unit(code: str, *, region: str, meters: int, name: str = ""):
    """An enterprise, its unit with a gateway key, and ``meters`` electricity meters."""
    from jiliang.core.demo import credit_code
    from jiliang.core.models import Organisation
    from jiliang.core.services import organisation_register
    from jiliang.energy import services, signing
    from jiliang.energy.models import EnergyUnit, Meter

    unit = EnergyUnit.objects.filter(code=code).first()
    private, public = signing.keypair_from_seed(code.encode())
    if unit is None:
        digits = f"{abs(hash(code)) % 10**8:08d}"
        first17 = f"9144{region[2:4]}00MA{digits[:7]}"[:17]
        org = Organisation.objects.filter(credit_code__startswith=first17).first() or \
            organisation_register(actor=None, kind="enterprise", name=name or f"基准用能单位{code}",
                                  region_code=region, credit_code=credit_code(first17))
        unit = services.unit_register(actor=None, organisation=org, code=code,
                                      annual_tce=Decimal("20000"), electricity_user_class="I")
        unit = services.unit_key_register(actor=None, unit=unit, public_key=public)
    have = unit.meters.count()
    main = unit.meters.filter(management_no="M0000").first()
    new = []
    for i in range(have, meters):
        level = "L1" if i < max(1, meters // 10) else "L2"
        new.append(Meter(unit=unit, region_code=unit.region_code, owner_id=unit.organisation_id,
                         management_no=f"M{i:04d}", name="电能表",
                         instrument_type="electricity_meter", serial_no=f"{code}-{i}",
                         level=level, energy="electricity", carrier="electricity",
                         boundary=level == "L1", register_unit="kWh", accuracy_class="0.5S",
                         sub_unit="" if level == "L1" else f"车间{i % 10}",
                         parent=main if level == "L2" else None,
                         last_verified_on=datetime.date(2020, 1, 1),
                         valid_until=datetime.date(2035, 12, 31)))
    if new:
        # Bulk set-up of the benchmark's ledger; the ledger rules are tested elsewhere.
        from jiliang.energy.models import MeterCalibration

        Meter.objects.bulk_create(new, batch_size=1000)
        MeterCalibration.objects.bulk_create([
            MeterCalibration(meter=m, kind="verification", verified_on=m.last_verified_on,
                             valid_until=m.valid_until) for m in new], batch_size=1000)
    return unit, private


def batches(unit, private: str, *, start: datetime.datetime, rows: int, batch_rows: int,
            prefix: str, interval_min: int = 15) -> list[tuple]:
    """Signed JSON batches: every meter at every slot from ``start``, in time order, all made
    before the first is sent (so that making them is not timed)."""
    return list(iter_batches(unit, private, start=start, rows=rows, batch_rows=batch_rows,
                             prefix=prefix, interval_min=interval_min))


def iter_batches(unit, private: str, *, start: datetime.datetime, rows: int, batch_rows: int,
                 prefix: str, interval_min: int = 15):
    """``batches`` one at a time, for fills too large to hold (10^8 readings)."""
    from jiliang.energy import signing

    codes = list(unit.meters.order_by("management_no").values_list("management_no", flat=True))
    made = slot = n = 0
    current: list[dict] = []
    while made < rows:
        at = (start + datetime.timedelta(minutes=interval_min * slot)).isoformat()
        for i, code in enumerate(codes):
            if made >= rows:
                break
            value = Decimal(1000 + slot * (1 + i % 7)) / 4
            current.append({"meter": code, "time": at, "value": f"{value:.3f}", "unit": "kWh"})
            made += 1
            if len(current) >= batch_rows or made >= rows:
                body = json.dumps({"readings": current}).encode()
                batch_id = f"{prefix}-{n:06d}"
                yield (batch_id, body, signing.sign(private, unit.code, batch_id, body),
                       len(current))
                current, n = [], n + 1
        slot += 1
