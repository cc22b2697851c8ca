"""Organisations on file: registering and changing them, and the region and credit-code checks
the other apps use too (``region_get``, ``credit_code_clean``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.models import (
    BUREAU_KINDS,
    BUREAU_LEVEL,
    CREDIT_CODE_KINDS,
    Organisation,
    OrgKind,
    Region,
    User,
)
from jiliang.core.validation import field_error, name_clean
from jiliang.rules import RuleError
from jiliang.rules.identifiers import organisation_code_warning, region_level, uscc_validate

ORG_FIELDS = ("kind", "name", "region_code", "credit_code", "enterprise_roles", "address",
              "contact", "phone", "is_active")


def region_get(code: str, *, field: str = "region_code", level: int | None = None) -> Region:
    """The region with this code, or a ValidationError naming ``field`` and the rule."""
    code = (code or "").strip()
    try:
        region_level(code)
    except RuleError as error:
        raise field_error(field, error) from None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({field: [_("%(code)s is not in the table of divisions.") % {
            "code": code}]})
    if level is not None and region.level != level:
        raise ValidationError({field: [_("%(code)s is a %(actual)s, not a %(expected)s.") % {
            "code": code,
            "actual": Region.Level(region.level).label,
            "expected": Region.Level(level).label,
        }]})
    return region


def credit_code_clean(code: str | None, *, required: bool, field: str = "credit_code") -> str | None:
    code = (code or "").strip().upper()
    if not code:
        if required:
            raise ValidationError({field: [_(
                "Enterprises and institutions must give their unified social credit code.")]})
        return None
    try:
        return uscc_validate(code)
    except RuleError as error:
        raise field_error(field, error) from None


def credit_code_warning(code: str | None) -> str | None:
    """The GB 11714 organisation-code check: a warning only (identifiers.md, section 2)."""
    if not code:
        return None
    if organisation_code_warning(code):
        return _("Positions 9–17 do not pass the organisation-code check (GB 11714); "
                 "please make sure the code is typed correctly.")
    return None


def _can_manage_region(actor: User | None, region_code: str) -> bool:
    """Bureaus manage their own region; ``actor=None`` is the system itself (commands, demo)."""
    if actor is None:
        return True
    return actor.is_bureau and actor.scope.covers_region(region_code)


def _check_org(kind: str, region: Region) -> None:
    if kind not in OrgKind.values:
        raise ValidationError({"kind": [_("Choose a kind of organisation from the list.")]})
    if kind in BUREAU_KINDS:
        level = BUREAU_LEVEL[OrgKind(kind)]
        if kind == OrgKind.NATIONAL:
            return
        if region.level != level:
            raise ValidationError({"region_code": [_(
                "A %(kind)s sits at a %(level)s-level division; %(code)s is not one.") % {
                "kind": OrgKind(kind).label, "level": Region.Level(level).label,
                "code": region.code}]})


@transaction.atomic
def organisation_register(
    *,
    actor: User | None,
    kind: str,
    name: str,
    region_code: str,
    credit_code: str | None = None,
    enterprise_roles: list[str] | None = None,
    address: str = "",
    contact: str = "",
    phone: str = "",
) -> Organisation:
    """Put an organisation on file. Bureaus register within their region; the national admin anywhere."""
    name = name_clean(name, field="name")
    if not name:
        raise ValidationError({"name": [_("Give the organisation's name.")]})
    address = name_clean(address, field="address")
    contact = name_clean(contact, field="contact")
    phone = name_clean(phone, field="phone")
    region = region_get(region_code)
    if not _can_manage_region(actor, region.code):
        raise PermissionDenied(_("You may register organisations only within your own region."))
    _check_org(kind, region)
    if kind == OrgKind.NATIONAL and actor is not None and not actor.scope.everything:
        raise PermissionDenied(_("Only the national administration registers itself."))
    code = credit_code_clean(credit_code, required=kind in CREDIT_CODE_KINDS)
    roles = [r for r in (enterprise_roles or []) if r in Organisation.EnterpriseRole.values]
    if code and Organisation.objects.filter(credit_code=code).exists():
        raise ValidationError({"credit_code": [_(
            "An organisation with this credit code is already on file.")]})
    org = Organisation(
        kind=kind, name=name, region=region, region_code=region.code, credit_code=code,
        enterprise_roles=roles if kind == OrgKind.ENTERPRISE else [],
        address=address.strip(), contact=contact.strip(), phone=phone.strip(),
    )
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise ValidationError({"credit_code": [_(
            "An organisation with this credit code is already on file.")]}) from None
    audit_record(actor=actor, action="organisation.register", obj=org,
                 after=snapshot(org, ORG_FIELDS))
    return org


@transaction.atomic
def organisation_update(*, actor: User, organisation: Organisation, **changes) -> Organisation:
    """Change an organisation's particulars; the kind and the credit code follow the same rules."""
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not _can_manage_region(actor, org.region_code):
        raise PermissionDenied(_("This organisation is outside your region."))
    before = snapshot(org, ORG_FIELDS)
    if "region_code" in changes:
        region = region_get(changes.pop("region_code"))
        if not _can_manage_region(actor, region.code):
            raise PermissionDenied(_("You may move organisations only within your own region."))
        org.region, org.region_code = region, region.code
    if "credit_code" in changes:
        code = credit_code_clean(changes.pop("credit_code"), required=org.kind in CREDIT_CODE_KINDS)
        if code and Organisation.objects.filter(credit_code=code).exclude(pk=org.pk).exists():
            raise ValidationError({"credit_code": [_(
                "An organisation with this credit code is already on file.")]})
        org.credit_code = code
    for field in ("name", "address", "contact", "phone"):
        if field in changes:
            setattr(org, field, name_clean(changes.pop(field), field=field))
    if "enterprise_roles" in changes:
        org.enterprise_roles = [
            r for r in changes.pop("enterprise_roles") or []
            if r in Organisation.EnterpriseRole.values
        ]
    if "is_active" in changes:
        org.is_active = bool(changes.pop("is_active"))
    if changes:
        raise ValidationError({next(iter(changes)): [_("This field cannot be changed here.")]})
    if not org.name:
        raise ValidationError({"name": [_("Give the organisation's name.")]})
    _check_org(org.kind, org.region)
    org.save()
    audit_record(actor=actor, action="organisation.update", obj=org, before=before,
                 after=snapshot(org, ORG_FIELDS))
    return org
