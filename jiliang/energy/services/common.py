"""What the energy services share."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def decimal_value(value, field_name: str, *, required: bool = False, positive: bool = False,
             minimum: Decimal | None = None) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field_name: [_("This field is required.")]})
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationError({field_name: [_("Enter a number.")]})
    if positive and number <= 0:
        raise ValidationError({field_name: [_("Enter a number greater than zero.")]})
    if minimum is not None and number < minimum:
        raise ValidationError({field_name: [_("Enter a number of at least %(n)s.") % {
            "n": minimum}]})
    return number

