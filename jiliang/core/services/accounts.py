"""Accounts and roles: grants, revocations, suspensions, invitations.

Who may grant which role is data (rules/data/role_grants.json, read by jiliang.rules.roles).
Every grant and revocation is audited, and so is every refused attempt: the refusal is written
before the exception leaves the service, outside the (rolled back) transaction of the grant.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.core import selectors
from jiliang.core.models import (
    ROLES_FOR_KIND,
    ApiToken,
    Invitation,
    Organisation,
    OrgKind,
    Role,
    User,
)
from jiliang.core.permissions import relation
from jiliang.core.validation import name_clean
from jiliang.rules import RuleError
from jiliang.rules import roles as grant_rules

USER_FIELDS = ("username", "organisation", "role", "email", "is_active")


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


def member_in_sight(*, actor: User, user_id: int, action: str) -> User:
    """The member ``user_id`` as ``actor`` sees it; one out of sight is a refused ``action``,
    recorded in the ledger (``grant_refused``), then a 404."""
    try:
        return selectors.member_detail(actor, user_id)
    except Http404:
        grant_refused(actor=actor, action=action, organisation_id="", reason="scope",
                      target=str(user_id))
        raise


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
            relation=relation(actor, organisation),
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
    return any(g.reaches(relation(actor, org))
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
