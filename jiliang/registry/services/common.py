"""What every registry service checks about an instrument, and the rules' messages."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.catalog.models import InstrumentKind, Use
from jiliang.catalog.selectors import (
    kind_needs_medium,
)
from jiliang.core.models import Organisation, Region, Role
from jiliang.core.services import region_get
from jiliang.registry import permissions
from jiliang.registry.models import (
    Instrument,
)
from jiliang.registry.permissions import is_legal_institution  # noqa: F401 - re-exported
from jiliang.rules import verification as rules

INSTRUMENT_FIELDS = (
    "public_code", "owner", "kind", "use", "serial_number", "manufacturer", "model",
    "measuring_range", "accuracy_class", "nominal_size", "household", "medium",
    "type_approval_no", "region_code", "address", "status", "status_changed_on", "first_use_on",
)
RECORD_FIELDS = (
    "public_code", "instrument", "institution", "verified_on", "verification_type",
    "regulation_code", "standard_identifier", "standard_valid_until", "conclusion",
    "failed_items", "certificate_no", "valid_until", "management_mode", "supersedes",
)
SIGNOFF_FIELDS = ("verifier_person", "checker_person", "approver_person", "authorisation_no")
EDITABLE = ("use", "manufacturer", "model", "measuring_range", "accuracy_class", "nominal_size",
            "household", "medium", "type_approval_no", "region_code", "address", "first_use_on")
MEDIUMS = ("natural_gas", "other_gas")

# The rules' error codes, in the user's language.
RULE_MESSAGES = {
    "valid_until.before": gettext_lazy("The valid-until date must be after the verification date."),
    "valid_until.too_late": gettext_lazy(
        "The valid-until date may not be later than the period allows (%(limit)s); an institution "
        "may only shorten it."),
    "valid_until.none": gettext_lazy(
        "This kind of instrument is verified once only; its certificate has no valid-until date."),
    "period.unknown": gettext_lazy(
        "The catalogue does not confirm the period of this regulation and your province has not "
        "set one: enter the valid-until date written on the certificate."),
    "life.unknown": gettext_lazy(
        "The catalogue does not confirm the service life of this meter and your province has not "
        "set one: enter the replacement date written on the certificate."),
}


class DuplicateInstrumentError(ValidationError):
    """The owner already filed an instrument of this kind with this serial number."""

    def __init__(self, existing: Instrument) -> None:
        self.existing = existing
        url = reverse("registry:instrument-detail", args=[existing.pk])
        super().__init__({"serial_number": [_(
            "This owner has already filed a %(kind)s with serial number %(serial)s: see %(url)s") % {
            "kind": existing.kind.name, "serial": existing.serial_number, "url": url}]})




def today() -> datetime.date:
    return timezone.localdate()


def parse_size(value) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().upper().removeprefix("DN").removeprefix("G").strip()
    try:
        size = Decimal(text)
    except InvalidOperation:
        raise ValidationError({"nominal_size": [_("Enter the nominal size as a number (e.g. 20 for "
                                                  "DN20, 2.5 for G2.5).")]}) from None
    if size <= 0 or size >= Decimal("10000000"):
        raise ValidationError({"nominal_size": [_("The nominal size must be a positive number.")]})
    return size.quantize(Decimal("0.1"))


def facts_of(instrument: Instrument, *, adjusted: bool = False) -> rules.Facts:
    return rules.Facts(size=instrument.nominal_size, household=instrument.household,
                       accuracy_class=instrument.accuracy_class or "", medium=instrument.medium or "",
                       adjusted=adjusted)


def check_location(region_code: str, field: str = "region_code") -> str:
    region = region_get(region_code, field=field)
    if region.level == Region.Level.PROVINCE:
        raise ValidationError({field: [_(
            "Give the city or county division where the instrument is used, not the province.")]})
    return region.code


def check_kind_and_use(kind_code: str, use: str) -> InstrumentKind:
    kind = InstrumentKind.objects.filter(code=kind_code).first()
    if kind is None:
        raise ValidationError({"kind": [_("Choose a kind of instrument from the catalogue.")]})
    if use not in Use.values:
        raise ValidationError({"use": [_("Choose the use: trade settlement, safety protection, "
                                         "medical care or environmental monitoring.")]})
    if kind.uses and use not in kind.uses:
        raise ValidationError({"use": [_(
            "A %(kind)s is under compulsory verification only when used for %(uses)s.") % {
            "kind": kind.name, "uses": ", ".join(kind.use_labels())}]})
    return kind


def check_size(kind: InstrumentKind, size: Decimal | None, medium: str) -> None:
    if kind.size_param and size is None:
        raise ValidationError({"nominal_size": [_(
            "Give the nominal size (%(param)s) of a %(kind)s: its management mode and period "
            "depend on it.") % {"param": kind.size_param, "kind": kind.name}]})
    if medium not in MEDIUMS and kind_needs_medium(kind):
        raise ValidationError({"medium": [_(
            "Say whether the gas meter measures natural gas or another gas: its service life "
            "depends on it.")]})
    if medium and medium not in MEDIUMS:
        raise ValidationError({"medium": [_("Choose natural gas or another gas.")]})


def require_may_file_for(actor, owner: Organisation, region_code: str) -> None:
    """``permissions.may_file_for``, or a PermissionDenied that says why not."""
    if permissions.may_file_for(actor, owner.pk, region_code):
        return
    if actor.role == Role.ENTERPRISE_USER:
        raise PermissionDenied(_("An enterprise files only its own instruments."))
    if actor.is_bureau:
        raise PermissionDenied(_("You may file instruments only within your own region."))
    raise PermissionDenied(_("Instruments are filed by their owner or by a bureau."))


def require_may_change(actor, instrument: Instrument) -> None:
    if not permissions.may_change(actor, instrument.owner_id, instrument.region_code):
        raise PermissionDenied(_(
            "Only the owner or the bureau of its region changes this instrument."))
