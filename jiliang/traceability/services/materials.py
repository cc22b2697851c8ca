"""Certified reference materials and the lots their holders keep."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.models import Organisation, OrgKind, User
from jiliang.rules import RuleError
from jiliang.rules import comparison as cmp_rules
from jiliang.traceability import permissions as may
from jiliang.traceability.models import (
    MaterialLot,
    ReferenceMaterial,
)
from jiliang.traceability.services.common import clean_text, deny

GBW = re.compile(r"^GBW(\(E\))?\s?\d{5,6}[a-z]?$")


def _clean_values(values) -> list[dict]:
    if not isinstance(values, list) or not values or len(values) > 50:
        raise ValidationError({"values": [_("List the certified values (1 to 50).")]})
    out = []
    for i, row in enumerate(values):
        if not isinstance(row, dict):
            raise ValidationError({"values": [_("Row %(n)s is not a certified value.") % {
                "n": i + 1}]})
        try:
            value = cmp_rules.number(row.get("value"), "value")
            u = cmp_rules.uncertainty(row.get("U"), "U")
            k = cmp_rules.number(row.get("k", "2"), "k")
        except RuleError:
            raise ValidationError({"values": [_(
                "Row %(n)s: the value, its expanded uncertainty U (not negative) and k must be "
                "numbers.") % {"n": i + 1}]}) from None
        if k <= 0:
            raise ValidationError({"values": [_("Row %(n)s: k must be positive.") % {"n": i + 1}]})
        out.append({"property": clean_text(row.get("property"), "values", limit=100),
                    "value": f"{value:f}", "unit": clean_text(row.get("unit"), "values", limit=20,
                                                          required=False),
                    "U": f"{u:f}", "k": f"{k:f}"})
    return out


@transaction.atomic
def material_register(*, actor: User | None, number: str, name: str, producer: str,
                      values, matrix: str = "", certificate_valid_until=None,
                      shelf_life_months: int | None = None, storage: str = "",
                      kinds: Sequence[str] = ()) -> ReferenceMaterial:
    """A catalogue entry (GBW / GBW(E)); the national administration and the bureaus keep it."""
    if actor is not None and not (actor.is_authenticated and actor.is_bureau):
        deny(_("Reference materials are put on file by the bureaus."))
    number = clean_text(number, "number", limit=30).upper().replace("（", "(").replace("）", ")")
    if not GBW.match(number):
        raise ValidationError({"number": [_(
            "A certified reference material number reads GBW 12345 or GBW(E) 123456.")]})
    if ReferenceMaterial.objects.filter(number=number).exists():
        raise ValidationError({"number": [_("%(no)s is on file already.") % {"no": number}]})
    if shelf_life_months is not None and not 0 < int(shelf_life_months) <= 600:
        raise ValidationError({"shelf_life_months": [_("Between 1 and 600 months.")]})
    material = ReferenceMaterial.objects.create(
        number=number, name=clean_text(name, "name", limit=200),
        producer=clean_text(producer, "producer", limit=200), values=_clean_values(values),
        matrix=clean_text(matrix, "matrix", limit=100, required=False),
        certificate_valid_until=certificate_valid_until, shelf_life_months=shelf_life_months,
        storage=clean_text(storage, "storage", limit=200, required=False),
        kinds=sorted({str(k) for k in kinds or ()}))
    audit_record(actor=actor, action="traceability.material.register", obj=material,
                 after=snapshot(material))
    return material


@transaction.atomic
def lot_add(*, actor: User | None, material: ReferenceMaterial, holder: Organisation, lot_no: str,
            expires_on: datetime.date, quantity: str = "") -> MaterialLot:
    """A lot held by an institution (its own staff, or the bureau over it)."""
    if not (may.bureau_over(actor, holder.region_code) or may.member_of(actor, holder.pk)):
        deny(_("An institution records its own lots."))
    if holder.kind not in (OrgKind.VERIFICATION_INSTITUTION, OrgKind.TECHNICAL_INSTITUTION,
                           OrgKind.ENTERPRISE):
        raise ValidationError({"holder": [_("Lots are held by institutions and enterprises.")]})
    lot_no = clean_text(lot_no, "lot_no", limit=60)
    if expires_on is None:
        raise ValidationError({"expires_on": [_("Give the expiry date.")]})
    if MaterialLot.objects.filter(material=material, holder=holder, lot_no=lot_no).exists():
        raise ValidationError({"lot_no": [_("This lot is on file already.")]})
    lot = MaterialLot.objects.create(material=material, holder=holder, lot_no=lot_no,
                                     expires_on=expires_on,
                                     quantity=clean_text(quantity, "quantity", limit=60,
                                                    required=False),
                                     region_code=holder.region_code,
                                     province_code=holder.region_code[:2])
    audit_record(actor=actor, action="traceability.lot.add", obj=lot, after=snapshot(lot))
    return lot
