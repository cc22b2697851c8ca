"""Units, ledgers and signed batches for the energy tests, built through the services."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from jiliang.energy import services, signing
from jiliang.energy.models import EnergyUnit, Meter

TZ = datetime.timezone(datetime.timedelta(hours=8))
PRIVATE, PUBLIC = signing.keypair_from_seed(b"jiliang-energy-tests")
OTHER_PRIVATE, _OTHER_PUBLIC = signing.keypair_from_seed(b"somebody-else")


def make_unit(personas, org_key: str = "acme", *, annual_tce: str = "12000",
              **kwargs) -> EnergyUnit:
    unit = services.unit_register(actor=None, organisation=personas.orgs[org_key],
                                  annual_tce=Decimal(annual_tce),
                                  electricity_user_class="II", industry="C31",
                                  balance_tolerance_percent=Decimal("3"), **kwargs)
    return services.unit_key_register(actor=None, unit=unit, public_key=PUBLIC)


def make_meter(unit: EnergyUnit, number: str, **kwargs) -> Meter:
    values = {"name": "电能表", "instrument_type": "electricity_meter", "serial_no": f"SN{number}",
              "level": "L1", "energy": "electricity", "accuracy_class": "0.5S",
              "register_unit": "kWh", "last_verified_on": datetime.date(2025, 1, 1),
              "valid_until": datetime.date(2030, 12, 31)}
    values.update(kwargs)
    return services.meter_register(actor=None, unit=unit, management_no=number, **values)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 1,
       year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TZ)


def series(meter_no: str, start: datetime.datetime, count: int, *, first: str = "1000",
           step: str = "2.5", minutes: int = 15) -> list[tuple[str, datetime.datetime, str]]:
    value = Decimal(first)
    out = []
    for i in range(count):
        out.append((meter_no, start + datetime.timedelta(minutes=minutes * i), str(value)))
        value += Decimal(step)
    return out


def body(rows, fmt: str = "json", unit: str = "kWh") -> bytes:
    if fmt == "csv":
        lines = ["meter,time,value,unit"]
        lines += [f"{m},{t.isoformat()},{v},{unit}" for m, t, v in rows]
        return ("\n".join(lines) + "\n").encode()
    return json.dumps({"readings": [{"meter": m, "time": t.isoformat(), "value": v,
                                     "unit": unit} for m, t, v in rows]}).encode()


def send(unit: EnergyUnit, batch_id: str, rows, *, fmt: str = "json", key: str = PRIVATE,
         channel: str = "local", actor=None, raw: bytes | None = None):
    data = raw if raw is not None else body(rows, fmt)
    signature = signing.sign(key, unit.code, batch_id, data)
    return services.batch_ingest(unit_code=unit.code, batch_id=batch_id, body=data,
                                 content_type=fmt, signature=signature, channel=channel,
                                 actor=actor)
