"""What the traceability services share: reading a text or a number of a form or a sheet, each
refused with an error naming the field, and a refusal of an act."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _


def clean_text(value, field: str, *, limit: int, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value))
    if required and not text:
        raise ValidationError({field: [_("This field is required.")]})
    if len(text) > limit:
        raise ValidationError({field: [_("At most %(n)s characters.") % {"n": limit}]})
    return text


def clean_decimal(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not number.is_finite() or abs(number) >= Decimal("1e14"):
        raise ValidationError({field: [_("Enter a number.")]})
    return number


def deny(message: str):
    raise PermissionDenied(message)
