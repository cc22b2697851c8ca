"""The unit's monthly statistics (GB 17167-2006 5.4.1)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import User
from jiliang.energy import permissions
from jiliang.energy.models import (
    EnergyUnit,
    MonthlyReport,
)
from jiliang.energy.services.common import decimal_value


@transaction.atomic
def monthly_report_submit(*, actor: User | None, unit: EnergyUnit, month: datetime.date,
                          carrier: str, quantity: Decimal, quantity_unit: str) -> MonthlyReport:
    """The unit's monthly statistics of one carrier (GB 17167-2006 5.4.1)."""
    if not permissions.may_keep_ledger(actor, unit):
        raise PermissionDenied(_("Only the unit or its bureau reports the unit's figures."))
    if month is None:
        raise ValidationError({"month": [_("Give the month.")]})
    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationError({"month": [_("The month cannot lie in the future.")]})
    carriers = set(unit.meters.values_list("carrier", flat=True))
    if carrier not in carriers:
        raise ValidationError({"carrier": [_("No meter of the unit's ledger measures this "
                                             "carrier.")]})
    amount = decimal_value(quantity, "quantity", required=True, minimum=Decimal(0))
    report, _created = MonthlyReport.objects.update_or_create(
        unit=unit, month=month, carrier=carrier,
        defaults={"quantity": amount, "quantity_unit": quantity_unit.strip(),
                  "region_code": unit.region_code})
    audit_record(actor=actor, action="energy.monthly.report", obj=report,
                 region_code=unit.region_code,
                 after={"month": month.isoformat(), "carrier": carrier,
                        "quantity": str(amount), "unit": quantity_unit})
    return report


