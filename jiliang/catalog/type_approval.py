"""Type approval linked to what is in use (work plan 五.2–五.4).

A type-approval certificate (型式批准证书) is a licence of the licensing app, numbered
CPA YY-Xnnn. An instrument names it by that number, checked when it is filed: a number that
is not a CPA number is refused; an instrument of a kind the 2020 catalogue puts under type
approval, with no number or with one that names no approval in force, is flagged for the
bureau (not refused: it may have been approved before the system, the bureau checks).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiliang.catalog.models import InstrumentKind
from jiliang.core.hooks import optional
from jiliang.core.validation import rule_message
from jiliang.rules import RuleError
from jiliang.rules.licensing import cpa_check

TYPE_APPROVAL = "型式批准"
UNCONFIRMED = "believed"  # the reference's mark of a supervision mode from recollection


def needs_type_approval(kind: InstrumentKind) -> bool:
    """The 2020 catalogue's supervision of the kind includes 型式批准 (as the reference confirms)."""
    text = kind.supervision_2020 or ""
    return TYPE_APPROVAL in text and UNCONFIRMED not in text


def kinds_needing_type_approval() -> list[int]:
    return [k.pk for k in InstrumentKind.objects.exclude(supervision_2020="")
            if needs_type_approval(k)]


def normalise(number: str) -> str:
    """The number as the certificate writes it; raises RuleError when it is not a CPA number."""
    text = " ".join((number or "").split()).upper()
    if text:
        cpa_check(text)
    return text


def check_number(number: str) -> str | None:
    """The RuleError code of a type-approval number that is not one, or None."""
    try:
        normalise(number)
    except RuleError as error:
        return error.code
    return None


def approval(number: str, on: datetime.date | None = None):
    """The type-approval certificate on file under this number, in force on ``on``, or None."""
    licensing = optional("licensing", "models")
    if not number or licensing is None:
        return None
    licence = licensing.Licence.objects.filter(type_code="type_approval", number=number).first()
    if licence is None or not licence.in_force_on(on or timezone.localdate()):
        return None
    return licence


def approval_summary(licence) -> dict[str, str]:
    """What the public check shows: the number, the instrument, the model and the maker."""
    particulars = licence.particulars or {}
    return {"number": licence.number, "instrument": particulars.get("instrument_name", ""),
            "model": particulars.get("model", ""), "maker": licence.holder.name}


def flagged(user, on: datetime.date | None = None) -> QuerySet:
    """Instruments in use, in the user's scope, of a kind needing type approval, whose number
    names no type approval in force (or none at all): for the bureau to check."""
    registry = optional("registry", "models")
    licensing = optional("licensing", "models")
    on = on or timezone.localdate()
    qs = registry.Instrument.objects.filter(status=registry.Status.IN_USE,
                                            kind_id__in=kinds_needing_type_approval())
    if licensing is not None:
        valid = (licensing.Licence.objects.filter(type_code="type_approval", issued_on__lte=on)
                 .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
                 .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
                 .values_list("number", "particulars"))
        qs = qs.exclude(approved_for_its_model(valid))
    return user.scope.filter(qs).select_related("kind", "owner").order_by("id")


def approved_for_its_model(approvals) -> Q:
    """Instruments covered by one of ``approvals`` (number, particulars): the number matches and
    so does the model, where both the instrument and the certificate name one (an approval is
    for a model: another model under the same number is flagged)."""
    covered = Q(pk__in=[])
    for number, particulars in approvals:
        model = " ".join(str((particulars or {}).get("model", "")).split())
        same = Q(type_approval_no=number)
        covered |= same & (Q(model="") | Q(model__iexact=model)) if model else same
    return covered


def clean_number(number: str) -> str:
    """The number for the instrument's record, or a ValidationError naming the field."""
    try:
        return normalise(number)
    except RuleError as error:
        raise ValidationError({"type_approval_no": [rule_message(error, NUMBER_MESSAGES)]}) from None


NUMBER_MESSAGES = {
    "cpa.format": _("A type approval number reads CPA YY-Xnnn, e.g. CPA 99-F166."),
    "cpa.serial": _("The serial of a CPA number starts at 101."),
}
