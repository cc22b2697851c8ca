"""The particulars of a licence type: cleaned, the deciding authority, the scope, renewal."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jiliang.core.models import Region
from jiliang.licensing import conf, hooks
from jiliang.licensing.labels import label
from jiliang.licensing.models import (
    Licence,
)
from jiliang.licensing.services.common import particulars_message
from jiliang.rules import RuleError
from jiliang.rules import licensing as rules
from jiliang.rules.identifiers import region_prefix

# --- particulars --------------------------------------------------------------------------


def clean_particulars(lt: rules.LicenceType, data: Mapping[str, Any], *,
                       authority_code: str | None = None, org_kind: str = "") -> dict[str, Any]:
    try:
        cleaned = rules.clean_particulars(lt, data, org_kind)
    except rules.ParticularsError as error:
        raise ValidationError({name: [particulars_message(e)]
                               for name, e in error.errors.items()}) from None
    scope = lt.scope_fields()
    for p in lt.particulars_for(org_kind):
        value = cleaned.get(p["name"])
        if p["type"] == "region" and value and not Region.objects.filter(code=value).exists():
            raise ValidationError({p["name"]: [_(
                "%(code)s is not in the table of divisions.") % {"code": value}]})
        catalog = hooks.catalog("models") if p["type"] == "kinds" and value else None
        if catalog is not None:
            known = set(catalog.InstrumentKind.objects.filter(code__in=value)
                        .values_list("code", flat=True))
            unknown = [c for c in value if c not in known]
            if unknown:
                raise ValidationError({p["name"]: [_(
                    "Not in the instrument catalogue: %(codes)s.") % {
                    "codes": ", ".join(unknown)}]})
    region_field = scope.get("region")
    if region_field and authority_code and authority_code != rules.NATIONAL_AUTHORITY:
        value = cleaned.get(region_field, "")
        if value and not value.startswith(region_prefix(authority_code)):
            raise ValidationError({region_field: [_(
                "An authority authorises only within its own area: %(code)s is outside "
                "%(authority)s.") % {"code": value, "authority": authority_code}]})
    return cleaned


def decide_authority(lt: rules.LicenceType, particulars: Mapping[str, Any],
               region_code: str, applicant_kind: str = "") -> tuple[str, str]:
    try:
        level = lt.decide_level(particulars, applicant_kind)
        return level, rules.authority_code(level, region_code)
    except RuleError as error:
        name = error.params.get("field") if error.code == "licence.level" else None
        if name:
            raise ValidationError({name: [_("Choose one of the options.")]}) from None
        raise ValidationError({"type_code": [_(
            "An authority of this level cannot decide for an applicant in %(code)s.") % {
            "code": region_code}]}) from None


def scope_of(lt: rules.LicenceType, particulars: Mapping[str, Any]) -> tuple[list[str], str]:
    fields = lt.scope_fields()
    kinds = list(particulars.get(fields["kinds"], [])) if "kinds" in fields else []
    region = particulars.get(fields["region"], "") if "region" in fields else ""
    return kinds, region

def renewal_window_check(lt: rules.LicenceType, licence: Licence, on: datetime.date) -> None:
    """Renewal is applied for inside the type's window before expiry (Art. 50)."""
    window = lt.renewal_window(licence.valid_until, opens_days=conf.renewal_opens_days())
    if window is None:
        raise ValidationError({"purpose": [_("This licence has no expiry, so it is not "
                                             "renewed.")]})
    opens, closes = window
    if on < opens:
        raise ValidationError({"purpose": [_(
            "Too early: renewal of this licence (valid until %(until)s) may be applied for "
            "from %(opens)s to %(closes)s.") % {
            "until": licence.valid_until, "opens": opens, "closes": closes}]})
    if on > closes:
        raise ValidationError({"purpose": [_(
            "Too late: renewal had to be applied for by %(closes)s (%(rule)s); apply for a new "
            "licence instead.") % {"closes": closes, "rule": label(renewal_rule_text(lt))}]})


def renewal_rule_text(lt: rules.LicenceType) -> dict[str, str]:
    by = lt["renewal"]["apply_by"]
    if "months" in by:
        return {"zh": f"有效期届满{by['months']}个月前", "en": f"{by['months']} months before expiry"}
    return {"zh": f"有效期届满{by['days']}日前", "en": f"{by['days']} days before expiry"}


