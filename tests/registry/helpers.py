"""Setting up registry data through the real services."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from jiliang.core.demo import credit_code
from jiliang.core.services import organisation_register
from jiliang.registry import services

_numbers = itertools.count(1)
TODAY = None


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def enterprise(name: str, region: str, first17: str):
    return organisation_register(actor=None, kind="enterprise", name=name, region_code=region,
                                 credit_code=credit_code(first17), enterprise_roles=["owner"])


def file(actor, *, owner=None, kind="scale_digital_indicating", use="trade", serial=None,
         region="440106", **extra):
    return services.instrument_file(
        actor=actor, owner=owner, kind_code=kind, use=use,
        serial_number=serial or f"T-{next(_numbers):06d}", region_code=region, **extra)


def verify(verifier, instrument, *, on=None, conclusion="pass", number=None,
           regulation="JJG 539-2016", standard_until=None, **extra):
    on = on or days(-10)
    if conclusion == "fail":
        extra.setdefault("failed_items", ["示值误差"])
    return services.verification_record(
        actor=verifier, instrument=instrument, verified_on=on,
        verification_type=extra.pop("verification_type", "subsequent"),
        regulation_code=regulation, standard_identifier="[2024]粤量标证字第001号",
        standard_valid_until=standard_until or on + datetime.timedelta(days=365),
        conclusion=conclusion, certificate_no=number or f"C-{next(_numbers):06d}",
        verifier_name="张伟", checker_name="李娜", **extra)
