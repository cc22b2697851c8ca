"""Setting up registered standards through the real services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from jiliang.core.demo import credit_code
from jiliang.core.models import Organisation
from jiliang.core.services import organisation_register
from jiliang.traceability import services
from jiliang.traceability.models import Category, Standard

NIM = "中国计量科学研究院"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def nim() -> Organisation:
    return Organisation.objects.filter(name=NIM).first() or organisation_register(
        actor=None, kind="technical_institution", name=NIM, region_code="110105",
        credit_code=credit_code("12100000400001234"))


def national(code: str = "NAT-TEST", measurand: str = "质量") -> Standard:
    return Standard.objects.filter(code=code).first() or services.standard_register(
        actor=None, code=code, name=f"{measurand}国家计量基准", category=Category.NATIONAL,
        owner=nim(), measurand=measurand, uncertainty="U = 2 μg (k = 2)")


def standard(owner: Organisation, code: str, *, kinds=None, upstream: Standard | None = None,
             category: str = Category.WORKING, low=None, high=None, unit: str = "",
             cert: str | None = None, cert_from: datetime.date | None = None,
             cert_until: datetime.date | None = None, calibrated_on: datetime.date | None = None,
             due_on: datetime.date | None = None, result: str = "ok", mobile: bool = False,
             name: str | None = None) -> Standard:
    """A standard with an assessment certificate and a calibration by ``upstream`` (the national
    test standard by default; ``upstream=False`` leaves it without a chain)."""
    from jiliang.catalog.models import InstrumentKind

    kinds = kinds if kinds is not None else list(InstrumentKind.objects.values_list("code",
                                                                                    flat=True))
    std = services.standard_register(
        actor=None, code=code, name=name or f"测试计量标准 {code}", category=category, owner=owner,
        measurand="质量", uncertainty="MPE ±0.5 e", kinds=kinds, range_low=low, range_high=high,
        range_unit=unit, mobile=mobile)
    services.certificate_issue(actor=None, standard=std, number=cert or f"[2024]量标证字{code}",
                               issuer="广东省市场监督管理局", issued_on=cert_from or days(-4000),
                               valid_until=cert_until or days(4000))
    if upstream is not False:
        services.calibration_record(
            actor=None, standard=std, higher_standard=upstream or national(),
            certificate_no=f"CAL-{code}", calibrated_on=calibrated_on or days(-4000),
            due_on=due_on or days(4000), result=result)
    return Standard.objects.get(pk=std.pk)


def default_standard(institution: Organisation) -> Standard:
    """The institution's standard for every kind, valid for years either side of today: what
    ``tests/registry/helpers.verify`` binds records to unless told otherwise."""
    code = f"WS-{institution.credit_code or institution.pk}"
    # Certified and calibrated since 2000, like the default people (tests record verifications
    # of the 2008 regime too).
    since = datetime.date(2000, 1, 1)
    return Standard.objects.filter(code=code).first() or standard(
        institution, code, cert_from=since, calibrated_on=since)


def lot_of(holder: Organisation):
    """A lot of a reference material held by ``holder``, valid for years."""
    material = services.material_register(
        actor=None, number=f"GBW(E) 13{holder.pk:04d}", name="水表检定用标准物质",
        producer="中国计量科学研究院", values=[{"property": "密度", "value": "0.998",
                                          "unit": "g/cm3", "U": "0.001", "k": "2"}],
        certificate_valid_until=days(2000), shelf_life_months=60)
    return services.lot_add(actor=None, material=material, holder=holder,
                            lot_no=f"L-{holder.pk}", expires_on=days(1000))
