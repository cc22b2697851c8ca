"""Filing (备案) an instrument, changing its particulars and its status."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.catalog import type_approval
from jiliang.catalog.selectors import (
    catalogue_version_code,
)
from jiliang.core.models import Organisation, Role, User
from jiliang.registry.models import (
    Instrument,
    MeterBatch,
    Status,
)
from jiliang.registry.services.common import (
    EDITABLE,
    INSTRUMENT_FIELDS,
    DuplicateInstrumentError,
    check_kind_and_use,
    check_location,
    check_size,
    parse_size,
    require_may_change,
    require_may_file_for,
    today,
)
from jiliang.registry.services.rates import RateChange
from jiliang.registry.services.state import refresh_state


def owner_of(owner: Organisation | None, owner_credit_code: str, actor) -> Organisation:
    if owner is None and owner_credit_code:
        owner = Organisation.objects.filter(credit_code=owner_credit_code.strip().upper()).first()
        if owner is None:
            raise ValidationError({"owner": [_(
                "No organisation with this credit code is on file; register it first.")]})
    if owner is None and actor is not None and actor.role == Role.ENTERPRISE_USER:
        owner = actor.organisation
    if owner is None:
        raise ValidationError({"owner": [_("Name the owner by its unified social credit code.")]})
    if owner.is_bureau:
        raise ValidationError({"owner": [_("A bureau does not own instruments in this registry; "
                                           "name the enterprise or institution that uses it.")]})
    return owner


@transaction.atomic
def instrument_file(
    *,
    actor: User | None,
    kind_code: str,
    use: str,
    serial_number: str,
    region_code: str,
    owner: Organisation | None = None,
    owner_credit_code: str = "",
    manufacturer: str = "",
    model: str = "",
    measuring_range: str = "",
    accuracy_class: str = "",
    nominal_size=None,
    household: bool = False,
    medium: str = "",
    type_approval_no: str = "",
    address: str = "",
    first_use_on: datetime.date | None = None,
    status: str = Status.IN_USE,
    batch: MeterBatch | None = None,
) -> Instrument:
    """File (备案) an instrument under compulsory verification."""
    owner = owner_of(owner, owner_credit_code, actor)
    kind = check_kind_and_use(kind_code, use)
    serial = (serial_number or "").strip()
    if not serial:
        raise ValidationError({"serial_number": [_("Give the serial number on the instrument.")]})
    if len(serial) > 64:
        raise ValidationError({"serial_number": [_("At most %(n)s characters.") % {"n": 64}]})
    region = check_location(region_code)
    require_may_file_for(actor, owner, region)
    size = parse_size(nominal_size)
    check_size(kind, size, medium or "")
    if first_use_on is not None and first_use_on > today():
        raise ValidationError({"first_use_on": [_("The date of first use cannot be in the future.")]})
    type_approval_no = type_approval.clean_number(type_approval_no)  # catalogue (#14): CPA number
    if status not in Status.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    existing = Instrument.objects.filter(owner=owner, kind=kind, serial_number=serial).first()
    if existing is not None:
        raise DuplicateInstrumentError(existing)
    now = timezone.now()
    instrument = Instrument(
        owner=owner, kind=kind, use=use, serial_number=serial, manufacturer=manufacturer.strip(),
        model=model.strip(), measuring_range=measuring_range.strip(),
        accuracy_class=accuracy_class.strip(), nominal_size=size, household=bool(household),
        medium=medium or "", type_approval_no=type_approval_no, region_code=region,
        province_code=region[:2], address=address.strip(), status=status,
        status_changed_on=today() if status != Status.IN_USE else None,
        first_use_on=first_use_on, batch=batch, filed_at=now,
        catalogue_version=catalogue_version_code(timezone.localtime(now).date()),
    )
    refresh_state(instrument)
    try:
        with transaction.atomic():
            instrument.save()
    except IntegrityError:
        existing = Instrument.objects.filter(owner=owner, kind=kind, serial_number=serial).first()
        if existing is not None:
            raise DuplicateInstrumentError(existing) from None
        raise
    audit_record(actor=actor, action="registry.instrument.file", obj=instrument,
                 after=snapshot(instrument, INSTRUMENT_FIELDS))
    return instrument


@transaction.atomic
def instrument_update(*, actor: User | None, instrument: Instrument, **changes) -> Instrument:
    """Change an instrument's particulars (not its owner, kind or serial number)."""
    inst = Instrument.objects.select_for_update().get(pk=instrument.pk)
    require_may_change(actor, inst)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    before = snapshot(inst, INSTRUMENT_FIELDS)
    rates = RateChange(inst)
    if "region_code" in changes:
        region = check_location(changes.pop("region_code"))
        if actor is not None and actor.is_bureau and not actor.scope.covers_region(region):
            raise PermissionDenied(_("You may move instruments only within your own region."))
        inst.region_code, inst.province_code = region, region[:2]
    if "use" in changes:
        use = changes.pop("use") or ""
        check_kind_and_use(inst.kind.code, use)
        inst.use = use
    for field, value in changes.items():
        if field == "nominal_size":
            value = parse_size(value)
        elif field == "type_approval_no":  # catalogue (#14): a CPA number
            value = type_approval.clean_number(value)
        elif field == "household":
            value = bool(value)
        elif field == "first_use_on":
            if value is not None and value > today():
                raise ValidationError({"first_use_on": [_(
                    "The date of first use cannot be in the future.")]})
        elif isinstance(value, str):
            value = value.strip()
        setattr(inst, field, value)
    check_size(inst.kind, inst.nominal_size, inst.medium)
    refresh_state(inst)
    inst.save()
    rates.commit(inst)
    audit_record(actor=actor, action="registry.instrument.update", obj=inst, before=before,
                 after=snapshot(inst, INSTRUMENT_FIELDS))
    return inst


@transaction.atomic
def instrument_set_status(*, actor: User | None, instrument: Instrument, status: str,
                          on: datetime.date | None = None) -> Instrument:
    """In use, stopped, scrapped or replaced; scrapped and replaced are final."""
    inst = Instrument.objects.select_for_update().get(pk=instrument.pk)
    require_may_change(actor, inst)
    if status not in Status.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    if inst.status in (Status.SCRAPPED, Status.REPLACED) and status != inst.status:
        raise ValidationError({"status": [_(
            "A scrapped or replaced instrument does not come back into use; file its replacement.")]})
    on = on or today()
    if on > today():
        raise ValidationError({"on": [_("The date cannot be in the future.")]})
    if status == inst.status:
        return inst
    before = snapshot(inst, INSTRUMENT_FIELDS)
    rates = RateChange(inst)
    inst.status = status
    inst.status_changed_on = on
    inst.save(update_fields=["status", "status_changed_on"])
    rates.commit(inst)
    audit_record(actor=actor, action="registry.instrument.status", obj=inst, before=before,
                 after=snapshot(inst, INSTRUMENT_FIELDS))
    return inst
