"""Every write to regions, organisations, users and tokens: one transaction, validated, audited."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.holidays import calendar_changed, forget
from jiliang.core.models import (
    BUREAU_KINDS,
    BUREAU_LEVEL,
    CREDIT_CODE_KINDS,
    ROLES_FOR_KIND,
    ApiToken,
    HolidayYear,
    Invitation,
    Organisation,
    OrgKind,
    Region,
    Role,
    User,
)
from jiliang.core.validation import field_error, name_clean
from jiliang.rules import RuleError
from jiliang.rules import roles as grant_rules
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


# --- Accounts and roles: grants, revocations, suspensions, invitations -----------------------
# Who may grant which role is data (rules/data/role_grants.json, read by jiliang.rules.roles).
# Every grant and revocation is audited, and so is every refused attempt: the refusal is written
# before the exception leaves the service, outside the (rolled back) transaction of the grant.

USER_FIELDS = ("username", "organisation", "role", "email", "is_active")


def _relation(actor: User, organisation: Organisation) -> str:
    if actor.organisation_id == organisation.pk:
        return grant_rules.OWN
    if actor.is_bureau and actor.scope.covers_region(organisation.region_code):
        return grant_rules.IN_REGION
    return grant_rules.OUTSIDE


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def _grant_message(error: RuleError, organisation: Organisation) -> str:
    role = _role_label(str(error.params.get("role", "")))
    if error.code == "role.kind":
        return _("A member of a %(kind)s cannot have the role “%(role)s”.") % {
            "kind": OrgKind(organisation.kind).label, "role": role}
    if error.code == "role.unknown":
        return _("Choose a role from the list.")
    if error.code == "grant.where":
        if error.params.get("where") == "own":
            return _("You may grant the role “%(role)s” only within your own organisation.") % {
                "role": role}
        return _("You may grant the role “%(role)s” only within your own region.") % {
            "role": role}
    if error.code == "grant.how":
        if error.params.get("how") == "invitation":
            return _("The role “%(role)s” is given by invitation: the person invited accepts "
                     "it and chooses their own password.") % {"role": role}
        return _("The role “%(role)s” is not given by invitation.") % {"role": role}
    if error.code == "grant.first_only":
        return _("%(org)s already has an account holder: further accounts are invited by "
                 "the organisation's own account holder.") % {"org": organisation.name}
    return _("Your role does not allow you to grant the role “%(role)s”.") % {"role": role}


def grant_refused(
    *, actor: User, action: str, organisation_id: object, region_code: str = "",
    role: str = "", reason: str, target: str = "",
) -> None:
    """Record a refused grant, revocation or suspension in the ledger (its own transaction)."""
    with transaction.atomic():
        audit_record(actor=actor, action=f"{action}_refused", object_type="core.organisation",
                     object_id=organisation_id, region_code=region_code,
                     after={"role": role, "reason": reason, "target": target})


def _holders(organisation: Organisation, role: str, *, excluding: User | None = None) -> int:
    qs = User.objects.filter(organisation=organisation, role=role, is_active=True)
    if excluding is not None:
        qs = qs.exclude(pk=excluding.pk)
    return qs.count()


def _authorise_grant(
    *, actor: User | None, action: str, organisation: Organisation, role: str,
    how: str | None, target: User | None = None, first_only_applies: bool = True,
) -> None:
    """Raise (after auditing the refusal) unless ``actor`` may give ``role`` in ``organisation``
    ``how`` ("account", "invitation" or None for either). ``actor=None`` is the system itself
    (commands, demo): it is bound only by which roles the organisation's kind may hold."""
    if actor is None:
        if role not in ROLES_FOR_KIND[OrgKind(organisation.kind)]:
            raise ValidationError({"role": [_grant_message(
                RuleError("role.kind", "", role=role), organisation)]})
        return
    table = grant_rules.roles()
    grant = table.grant(actor.role, role)
    try:
        if target is not None and target.pk == actor.pk:
            raise PermissionDenied(_("You cannot change your own account's role or status."))
        grant_rules.check_grant(
            grantor_role=actor.role, role=role, org_kind=organisation.kind,
            relation=_relation(actor, organisation),
            how=how or (grant.how if grant else "account"),
            holders_of_role=_holders(organisation, role, excluding=target)
            if first_only_applies else 0,
        )
    except RuleError as error:
        grant_refused(actor=actor, action=action, organisation_id=organisation.pk,
                      region_code=organisation.region_code, role=role, reason=error.code,
                      target=target.username if target else "")
        message = _grant_message(error, organisation)
        if error.code in ("role.kind", "role.unknown"):
            raise ValidationError({"role": [message]}) from None
        raise PermissionDenied(message) from None
    except PermissionDenied:
        grant_refused(actor=actor, action=action, organisation_id=organisation.pk,
                      region_code=organisation.region_code, role=role, reason="self",
                      target=target.username if target else "")
        raise


def _check_new_account(username: str, password: str, **attrs) -> str:
    username = name_clean(username, field="username")
    if "first_name" in attrs:
        attrs["first_name"] = name_clean(attrs["first_name"], field="full_name")
    if not username:
        raise ValidationError({"username": [_("Give a user name.")]})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": [_("This user name is taken.")]})
    try:
        validate_password(password or "", user=User(username=username, **attrs))
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    return username


@transaction.atomic
def _account_open(*, username: str, password: str, organisation: Organisation, role: str,
                  full_name: str, email: str) -> User:
    user = User(username=username, organisation=organisation, role=role, email=email,
                first_name=full_name.strip(), is_staff=role == Role.NATIONAL_ADMIN,
                is_superuser=role == Role.NATIONAL_ADMIN)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"username": [_("This user name is taken.")]}) from None
    return user


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
    """Grant a role by opening an account in an organisation, as role_grants.json allows the
    actor (``how: account``); the password must pass every validator in settings."""
    _authorise_grant(actor=actor, action="user.create", organisation=organisation, role=role,
                     how="account" if actor is not None else None)
    username = _check_new_account(username, password, first_name=full_name, email=email)
    with transaction.atomic():
        user = _account_open(username=username, password=password, organisation=organisation,
                             role=role, full_name=full_name, email=email)
        audit_record(actor=actor, action="user.create", obj=user,
                     region_code=organisation.region_code, after=snapshot(user, USER_FIELDS))
    return user


def _member_for_update(user: User) -> User:
    found = User.objects.select_for_update(of=("self",)).select_related("organisation").get(
        pk=user.pk)
    if found.organisation is None:
        raise PermissionDenied(_("This account belongs to no organisation."))
    return found


def user_role_grant(*, actor: User, user: User, role: str) -> User:
    """Give a member of an organisation another role. The actor must be able to grant both the
    role the member holds now (so nobody demotes someone above them) and the new one."""
    org = user.organisation
    if org is None:
        raise PermissionDenied(_("This account belongs to no organisation."))
    if user.role:
        _authorise_grant(actor=actor, action="user.role_grant", organisation=org, role=user.role,
                         how=None, target=user, first_only_applies=False)
    _authorise_grant(actor=actor, action="user.role_grant", organisation=org, role=role,
                     how=None, target=user)
    with transaction.atomic():
        member = _member_for_update(user)
        before = snapshot(member, USER_FIELDS)
        member.role = role
        member.is_staff = member.is_superuser = role == Role.NATIONAL_ADMIN
        member.save(update_fields=["role", "is_staff", "is_superuser"])
        audit_record(actor=actor, action="user.role_grant", obj=member,
                     region_code=org.region_code, before=before,
                     after=snapshot(member, USER_FIELDS))
    return member


def _member_change(*, actor: User, user: User, action: str, **values) -> User:
    org = user.organisation
    if org is None:
        raise PermissionDenied(_("This account belongs to no organisation."))
    if not user.role:
        if actor.pk == user.pk or not _may_reach(actor, org):
            grant_refused(actor=actor, action=action, organisation_id=org.pk,
                          region_code=org.region_code, reason="grant.none", target=user.username)
            raise PermissionDenied(_("You may not change this account."))
    else:
        _authorise_grant(actor=actor, action=action, organisation=org, role=user.role,
                         how=None, target=user, first_only_applies=False)
    with transaction.atomic():
        member = _member_for_update(user)
        before = snapshot(member, USER_FIELDS)
        for name, value in values.items():
            setattr(member, name, value)
        member.save(update_fields=list(values))
        audit_record(actor=actor, action=action, obj=member, region_code=org.region_code,
                     before=before, after=snapshot(member, USER_FIELDS))
    return member


def _may_reach(actor: User, org: Organisation) -> bool:
    """Whether any grant of the actor's role reaches the organisation (for role-less accounts)."""
    return any(g.reaches(_relation(actor, org))
               for g in grant_rules.roles().grants.get(actor.role, ()))


def user_role_revoke(*, actor: User, user: User) -> User:
    """Take a member's role away: the account stays, with nothing to see or do."""
    return _member_change(actor=actor, user=user, action="user.role_revoke", role="",
                          is_staff=False, is_superuser=False)


def user_suspend(*, actor: User, user: User) -> User:
    """Suspend an account: it can no longer sign in, and its API tokens stop working."""
    return _member_change(actor=actor, user=user, action="user.account_suspend", is_active=False)


def user_reinstate(*, actor: User, user: User) -> User:
    return _member_change(actor=actor, user=user, action="user.account_reinstate", is_active=True)


INVITATION_FIELDS = ("organisation", "role", "full_name", "email", "expires_at")


def invitation_issue(
    *, actor: User, organisation: Organisation, role: str = Role.ENTERPRISE_USER,
    full_name: str = "", email: str = "",
) -> tuple[Invitation, str]:
    """Invite a person to open an account with ``role`` (``how: invitation`` in
    role_grants.json). The key is shown once to the inviter, who passes it on; only its hash is
    stored."""
    _authorise_grant(actor=actor, action="invitation.issue", organisation=organisation,
                     role=role, how="invitation")
    key = "jli_" + secrets.token_urlsafe(24)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation, role=role,
            full_name=name_clean(full_name, field="full_name")[:150],
            email=(email or "").strip(), key_hash=ApiToken.hash_key(key), invited_by=actor,
            region_code=organisation.region_code,
            expires_at=timezone.now() + datetime.timedelta(days=settings.JILIANG_INVITATION_DAYS),
        )
        audit_record(actor=actor, action="invitation.issue", obj=invitation,
                     after=snapshot(invitation, INVITATION_FIELDS))
    return invitation, key


def invitation_find(key: str) -> Invitation | None:
    """The open invitation with this key, or None (unknown, used, withdrawn or expired)."""
    if not key or len(key) > 100:
        return None
    found = (Invitation.objects.select_related("organisation", "invited_by")
             .filter(key_hash=ApiToken.hash_key(key)).first())
    return found if found is not None and found.is_open else None


def invitation_accept(*, key: str, username: str, password: str, full_name: str = "",
                      email: str = "") -> User:
    """The person invited opens their account, choosing their own user name and password."""
    invitation = invitation_find(key)
    if invitation is None:
        raise ValidationError({"key": [_(
            "This invitation is not valid: it was used, withdrawn or has expired.")]})
    org = invitation.organisation
    inviter = invitation.invited_by
    if inviter is None or inviter.organisation_id != org.pk:
        # An outsider's (a bureau's) invitation opens only the first account.
        grant = grant_rules.roles().grant(inviter.role if inviter else "", invitation.role)
        if grant is None or (grant.first_only and _holders(org, invitation.role)):
            raise ValidationError({"key": [_grant_message(
                RuleError("grant.first_only", "", role=invitation.role), org)]})
    full_name = full_name or invitation.full_name
    email = email or invitation.email
    username = _check_new_account(username, password, first_name=full_name, email=email)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_open:
            raise ValidationError({"key": [_(
                "This invitation is not valid: it was used, withdrawn or has expired.")]})
        user = _account_open(username=username, password=password, organisation=org,
                             role=locked.role, full_name=full_name, email=email)
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(actor=user, action="invitation.invitation_accept", obj=locked,
                     after={"user": user.username, "role": user.role})
        audit_record(actor=user, action="user.create", obj=user, region_code=org.region_code,
                     after=snapshot(user, USER_FIELDS))
    return user


def invitation_withdraw(*, actor: User, invitation: Invitation) -> Invitation:
    _authorise_grant(actor=actor, action="invitation.invitation_withdraw",
                     organisation=invitation.organisation, role=invitation.role, how=None,
                     first_only_applies=False)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is None and locked.withdrawn_at is None:
            locked.withdrawn_at = timezone.now()
            locked.save(update_fields=["withdrawn_at"])
            audit_record(actor=actor, action="invitation.invitation_withdraw", obj=locked)
    return locked


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

    forget()

    def changed() -> None:
        forget()
        calendar_changed.send(sender=HolidayYear, year=year)

    transaction.on_commit(changed)
    return row


# --- The second factor (django-otp): TOTP devices and one-time recovery codes -----------------
# The ledger records that a device was set up or codes were issued, never a secret.

RECOVERY_CODES = 10


def _user_region(user: User) -> str:
    return user.organisation.region_code if user.organisation_id else ""


def second_factor_start(*, actor: User):
    """The actor's unconfirmed TOTP device (a new secret the first time), to be confirmed with
    a code from the authenticator app."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)
            audit_record(actor=actor, action="second_factor.start", object_type="core.user",
                         object_id=actor.pk, region_code=_user_region(actor),
                         after={"device": device.name})
    return device


def recovery_codes_issue(*, actor: User) -> list[str]:
    """New one-time recovery codes (the old ones stop working); shown once."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=actor, name="recovery", defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
        audit_record(actor=actor, action="second_factor.recovery_codes", object_type="core.user",
                     object_id=actor.pk, region_code=_user_region(actor),
                     after={"codes": len(codes)})
    return codes


def second_factor_confirm(*, actor: User, device, token: str) -> list[str]:
    """Confirm the TOTP device with a code from the app; the actor's other TOTP devices go, and
    fresh recovery codes come (returned, to be shown once)."""
    token = (token or "").strip().replace(" ", "")
    if device.user_id != actor.pk or device.confirmed:
        raise PermissionDenied(_("This is not your device to confirm."))
    if not token.isascii() or not token.isdigit() or not device.verify_token(token):
        raise ValidationError({"token": [_(
            "This code does not match: type the 6 digits your authenticator app shows now.")]})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=actor, action="second_factor.confirm", object_type="core.user",
                     object_id=actor.pk, region_code=_user_region(actor),
                     after={"device": device.name})
    return recovery_codes_issue(actor=actor)


def second_factor_turn_off(*, actor: User, password: str, token: str) -> None:
    """The actor turns their own second factor off: their password again and a current code of
    the authenticator app. Not for a role that must have one (heads, national administrators:
    ``rules/data/role_grants.json``). The app's device and the recovery codes go; audited."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if grant_rules.requires_second_factor(actor.role):
        raise PermissionDenied(_("Your role needs a second factor: it cannot be turned off."))
    devices = list(TOTPDevice.objects.filter(user=actor, confirmed=True))
    if not devices:
        raise ValidationError({"token": [_("You have no second factor to turn off.")]})
    # The password first: a code is spent once checked, so it is not checked in vain.
    if not actor.check_password(password or ""):
        raise ValidationError({"password": [_("This is not your password.")]})
    token = (token or "").strip().replace(" ", "")
    if not (token.isascii() and token.isdigit()
            and any(device.verify_token(token) for device in devices)):
        raise ValidationError({"token": [_(
            "This code does not match: type the 6 digits your authenticator app shows now.")]})
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=actor).delete()[0]
        codes = StaticDevice.objects.filter(user=actor).delete()[0]
        audit_record(actor=actor, action="second_factor.turn_off", object_type="core.user",
                     object_id=actor.pk, region_code=_user_region(actor),
                     before={"devices": [d.name for d in devices]},
                     after={"devices": [], "deleted": removed + codes})


def second_factor_seed(*, user: User, key_hex: str, name: str = "demo"):
    """A confirmed TOTP device with a known key, for the demo and the tests (never in
    production: the key is published in the README)."""
    if settings.PRODUCTION:
        raise PermissionDenied("no known second-factor keys in production")
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, name=name, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=name, key=key_hex, confirmed=True)
            audit_record(actor=None, action="second_factor.confirm", object_type="core.user",
                         object_id=user.pk, region_code=_user_region(user),
                         after={"device": name})
    return device
