"""Net content of prepackaged goods: a sample judged, numbered on the province's chain, saved."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_lock
from jiliang.audit.services import audit_record
from jiliang.core.models import Organisation, User
from jiliang.core.services import credit_code_clean
from jiliang.supervision import judging, workflow
from jiliang.supervision.models import (
    Campaign,
    CampaignKind,
    CampaignTask,
    NetContentRecord,
    TareMethod,
)
from jiliang.supervision.selectors import netcontent_by_notice
from jiliang.supervision.services.common import (
    fresh_task,
    not_future,
    organisation_by_code,
    parse_date,
    record_region,
    require_kind,
    require_record,
    user_or_none,
)


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationError({field: [_("Enter a number.")]})
    return number


def netcontent_build(
    *,
    actor: User | None,
    task: CampaignTask,
    packer_credit_code: str,
    packer_name: str,
    product: str,
    nominal,
    unit: str,
    lot_size,
    place: str,
    sampled_on,
    values,
    brand: str = "",
    tare_method: str = TareMethod.EACH,
    values_unit: str = "",
    region_code: str = "",
    reinspection_of: NetContentRecord | str | None = None,
) -> NetContentRecord:
    """Validate and judge one sample: an unsaved record, or a ValidationError naming the field."""
    require_kind(task, CampaignKind.NET_CONTENT)
    require_record(actor, task, statuses=workflow.REINSPECTING if reinspection_of
                   else workflow.RECORDING)
    campaign = task.campaign
    code, name, packer = _packer(packer_credit_code, packer_name)
    product = _product(campaign, product)
    place, day = _sampling(campaign, place, sampled_on, tare_method)
    values = _values(values)
    figures = judging.judge(sampled_on=day, nominal=nominal, unit=unit, lot_size=lot_size,
                            values=values, values_unit=values_unit)
    nominal_value = _nominal(nominal)
    region = record_region(task, region_code)
    first = _first_inspection(actor, reinspection_of, code) if reinspection_of else None
    return NetContentRecord(
        campaign=campaign, task=task, region_code=region, packer=packer,
        packer_credit_code=code, packer_name=name[:200], product=product[:100],
        brand=(brand or "").strip()[:100], nominal=nominal_value,
        unit=figures["unit"], lot_size=figures["lot_size"], place=place[:200], sampled_on=day,
        tare_method=tare_method, values=values,
        values_unit=judging.rules.parse_unit(values_unit) if values_unit else figures["unit"],
        rule_set=figures["rule_set"], verdict=figures["verdict"], figures=figures,
        reinspection_of=first, recorded_by=user_or_none(actor), recorded_at=timezone.now(),
    )


def _packer(credit_code: str, given_name: str) -> tuple[str, str, Organisation | None]:
    """(credit code, name, organisation on file): the code is required, the name may come from
    the organisation filed under it."""
    code = credit_code_clean(credit_code, required=True, field="packer_credit_code")
    name = (given_name or "").strip()
    packer = organisation_by_code(code)
    if not name and packer is not None:
        name = packer.name
    if not name:
        raise ValidationError({"packer_name": [_("Give the packer's name.")]})
    return code, name, packer


def _product(campaign: Campaign, product: str) -> str:
    """The product, one of the campaign's when it names them."""
    product = (product or "").strip()
    if not product:
        raise ValidationError({"product": [_("Name the product.")]})
    if campaign.products and product not in campaign.products:
        raise ValidationError({"product": [_(
            "“%(product)s” is not one of the campaign's products: %(products)s.") % {
            "product": product, "products": "、".join(campaign.products)}]})
    return product


def _sampling(campaign: Campaign, place: str, sampled_on, tare_method: str
              ) -> tuple[str, datetime.date]:
    """(place, date) of sampling: a place given, a date in the campaign and not in the future,
    a tare method of the list."""
    place = (place or "").strip()
    if not place:
        raise ValidationError({"place": [_("Give the place of sampling.")]})
    day = parse_date(sampled_on, "sampled_on")
    not_future(day, "sampled_on")
    if day < campaign.starts_on:
        raise ValidationError({"sampled_on": [_(
            "The campaign starts on %(day)s; this sample is dated before it.") % {
            "day": campaign.starts_on.isoformat()}]})
    if tare_method not in TareMethod.values:
        raise ValidationError({"tare_method": [_("Choose a tare method from the list.")]})
    return place, day


def _values(values) -> list[str]:
    """The measured values as typed (one text) or given (a list), as stripped strings."""
    if isinstance(values, str):
        values = judging.split_values(values)
    values = [str(v).strip() for v in values]
    if not values:
        raise ValidationError({"values": [_("Give the measured values.")]})
    return values


def _nominal(nominal) -> Decimal:
    """The nominal quantity as stored: at most 4 decimal places, less than 10^10."""
    value = _decimal(nominal, "nominal")
    if value != value.quantize(Decimal("0.0001")) or value >= 10 ** 10:
        raise ValidationError({"nominal": [_("At most 4 decimal places.")]})
    return value.quantize(Decimal("0.0001"))


def _first_inspection(actor: User | None, reinspection_of: NetContentRecord | str,
                      code: str) -> NetContentRecord:
    """The record a re-inspection follows: in the actor's scope, of the same packer."""
    first = reinspection_of if isinstance(reinspection_of, NetContentRecord) else \
        netcontent_by_notice(actor, str(reinspection_of).strip())
    if first is None:
        raise ValidationError({"reinspection_of": [_(
            "No net-content record with this notice number is in your scope.")]})
    if first.packer_credit_code != code:
        raise ValidationError({"reinspection_of": [_(
            "A re-inspection is of the same packer's goods.")]})
    return first


def netcontent_save(*, actor: User | None, records: list[NetContentRecord]) -> list[NetContentRecord]:
    """Number, chain and insert built records (one lock per province), with their ledger entries."""
    by_key: dict[str, list[NetContentRecord]] = {}
    for record in records:
        by_key.setdefault(record.chain_key_value(), []).append(record)
    with transaction.atomic():
        for key in sorted(by_key):
            with chain_lock(NetContentRecord.chain_name(), key) as writer:
                for record in by_key[key]:
                    # The notice number follows the province's chain: unique and gap-free.
                    record.notice_number = f"NC{key}-{writer.head.last_seq + 1:07d}"
                    writer.stamp(record, key)
            NetContentRecord.objects.bulk_create(by_key[key], batch_size=500)
        for record in records:
            audit_record(actor=actor, action="net_content.record", obj=record, after={
                "notice_number": record.notice_number, "packer": record.packer_credit_code,
                "product": record.product, "verdict": record.verdict,
                "reinspection_of": record.reinspection_of.notice_number
                if record.reinspection_of else None})
    return records


def netcontent_record(*, actor: User | None, task: CampaignTask, **data) -> NetContentRecord:
    """Record and judge one net-content sample (the web form, the API and the demo)."""
    with transaction.atomic():
        record = netcontent_build(actor=actor, task=fresh_task(task), **data)
        netcontent_save(actor=actor, records=[record])
    return record

