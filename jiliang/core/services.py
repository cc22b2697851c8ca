"""Every write to regions, organisations, users and tokens: one transaction, validated, audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.models import (
    BUREAU_KINDS,
    BUREAU_LEVEL,
    CREDIT_CODE_KINDS,
    ROLES_FOR_KIND,
    ApiToken,
    HolidayYear,
    Organisation,
    OrgKind,
    Region,
    Role,
    User,
)
from jiliang.core.validation import field_error
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
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the organisation's name.")]})
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
            setattr(org, field, (changes.pop(field) or "").strip())
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


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    organisation: Organisation,
    role: str,
    full_name: str = "",
    email: str = "",
) -> User:
    """Give a member of an organisation an account with one role that fits the organisation."""
    if not _can_manage_region(actor, organisation.region_code):
        raise PermissionDenied(_("This organisation is outside your region."))
    if role not in ROLES_FOR_KIND[OrgKind(organisation.kind)]:
        raise ValidationError({"role": [_(
            "A member of a %(kind)s cannot have the role “%(role)s”.") % {
            "kind": OrgKind(organisation.kind).label,
            "role": Role(role).label if role in Role.values else role}]})
    if role == Role.NATIONAL_ADMIN and actor is not None and not actor.scope.everything:
        raise PermissionDenied(_("Only the national administration creates national administrators."))
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": [_("Give a user name.")]})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": [_("This user name is taken.")]})
    if len(password or "") < 8:
        raise ValidationError({"password": [_("A password has at least 8 characters.")]})
    user = User(username=username, organisation=organisation, role=role, email=email,
                first_name=full_name.strip(), is_staff=role == Role.NATIONAL_ADMIN,
                is_superuser=role == Role.NATIONAL_ADMIN)
    user.set_password(password)
    user.save()
    audit_record(actor=actor, action="user.create", obj=user, region_code=organisation.region_code,
                 after=snapshot(user, ("username", "organisation", "role", "email", "is_active")))
    return user


@transaction.atomic
def api_token_issue(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the actor's own machine client; the key is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Name the client that will use this token.")]})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=actor, name=name[:100], prefix=key[:8],
                                    key_hash=ApiToken.hash_key(key))
    region = actor.organisation.region_code if actor.organisation else ""
    audit_record(actor=actor, action="api_token.issue", obj=token, region_code=region,
                 after={"name": token.name, "prefix": token.prefix})
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise PermissionDenied(_("You can revoke only your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        region = actor.organisation.region_code if actor.organisation else ""
        audit_record(actor=actor, action="api_token.revoke", obj=token, region_code=region,
                     after={"prefix": token.prefix})
    return token


def _dates_of(values, *, year: int, field: str) -> list[str]:
    out = set()
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError({field: [_("“%(value)s” is not a date as YYYY-MM-DD.") % {
                "value": text[:20]}]}) from None
        if day.year != year:
            raise ValidationError({field: [_("%(day)s is not in %(year)s.") % {
                "day": day.isoformat(), "year": year}]})
        out.add(day.isoformat())
    return sorted(out)


def holiday_year_clean(*, year, holidays, workdays, source) -> tuple[list[str], list[str], str]:
    """The notice's days off and adjusted working days as sorted ISO dates, or the errors."""
    if not isinstance(year, int) or not 2000 <= year <= 2099:
        raise ValidationError({"year": [_("Give a year between 2000 and 2099.")]})
    source = (source or "").strip()
    if not source:
        raise ValidationError({"source": [_("Name the notice: its number, date and where it "
                                            "was published.")]})
    days_off = _dates_of(holidays, year=year, field="holidays")
    if not days_off:
        raise ValidationError({"holidays": [_("Give the days off of the notice.")]})
    working = _dates_of(workdays, year=year, field="workdays")
    both = sorted(set(days_off) & set(working))
    if both:
        raise ValidationError({"workdays": [_("%(day)s cannot be both a day off and a working "
                                              "day.") % {"day": both[0]}]})
    weekdays = [d for d in working if datetime.date.fromisoformat(d).weekday() < 5]
    if weekdays:
        raise ValidationError({"workdays": [_("%(day)s is a weekday: an adjusted working day "
                                              "is a Saturday or a Sunday.") % {"day": weekdays[0]}]})
    return days_off, working, source


@transaction.atomic
def holiday_year_enter(*, actor: User, year: int, holidays, workdays, source: str) -> HolidayYear:
    """Enter (or correct) one year of the State Council's holiday notice.

    Only the national administration keeps the calendar. Deadlines counted provisionally
    through the year are recomputed once the change is committed (``calendar_changed``).
    """
    if actor is None or actor.role != Role.NATIONAL_ADMIN:
        raise PermissionDenied(_("Only the national administration keeps the holiday calendar."))
    days_off, working, source = holiday_year_clean(year=year, holidays=holidays,
                                                   workdays=workdays, source=source)
    existing = HolidayYear.objects.select_for_update().filter(year=year).first()
    fields = ("year", "holidays", "workdays", "source")
    before = snapshot(existing, fields) if existing else None
    row = existing or HolidayYear(year=year)
    row.holidays, row.workdays, row.source = days_off, working, source
    row.save()
    audit_record(actor=actor, action=f"holidays.{'change' if existing else 'add'}", obj=row,
                 object_type="core.holidayyear", object_id=year, region_code="",
                 before=before, after=snapshot(row, fields))
    from jiliang.core.holidays import calendar_changed, forget

    forget()

    def changed() -> None:
        forget()
        calendar_changed.send(sender=HolidayYear, year=year)

    transaction.on_commit(changed)
    return row
