"""Who may do what in the licensing app: one set of predicates for the views, the API and the
services (the model is ``jiliang/energy/permissions.py``).

A view shows an action only where the service behind it will accept it. ``None`` as the user
is the system itself (the daily task).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jiliang.core.models import OrgKind, Role
from jiliang.licensing.models import Application, Licence
from jiliang.rules import licensing as rules

CLERK_ROLES = frozenset({Role.BUREAU_CLERK, Role.BUREAU_HEAD, Role.NATIONAL_ADMIN})
HEAD_ROLES = frozenset({Role.BUREAU_HEAD, Role.NATIONAL_ADMIN})
# The states in which the applicant adds materials: a draft, or after a correction notice.
UPLOAD_STATES = ("draft", "correction_requested")


def is_authority(user, code: str) -> bool:
    """True when ``user`` works at the bureau that decides items of authority ``code``."""
    if user is None or not user.is_authenticated or not user.is_bureau:
        return False
    org = user.organisation
    if org is None:
        return False
    if code == rules.NATIONAL_AUTHORITY:
        return org.kind == OrgKind.NATIONAL
    return org.kind != OrgKind.NATIONAL and org.region_code == code


def applies_at_all(user) -> bool:
    """Enterprises and institutions apply; a bureau only where a type lets bureaus apply (the
    assessment of a social public standard of its own, decided one level above it)."""
    if user is None or not user.is_authenticated or user.organisation_id is None:
        return False
    if not user.is_bureau:
        return True
    return any(t.may_apply(user.organisation.kind) for t in rules.licence_types().values())


def may_apply_for(user, lt: rules.LicenceType) -> bool:
    """The application form of ``lt`` is shown: to enterprises and institutions (the service
    names the types they may not apply for), to a bureau only for a type bureaus apply for."""
    return applies_at_all(user) and (not user.is_bureau or lt.may_apply(user.organisation.kind))


def is_applicant(user, app: Application) -> bool:
    """The applicant's people; a bureau's only for a type bureaus apply for."""
    return (user is not None and user.is_authenticated
            and user.organisation_id == app.applicant_id
            and (not user.is_bureau or app.licence_type.may_apply(user.organisation.kind)))


def is_holder(user, licence: Licence) -> bool:
    """The holder's people (a bureau's for a licence of a type bureaus apply for)."""
    return (user is not None and user.is_authenticated
            and user.organisation_id == licence.holder_id
            and (not user.is_bureau or licence.licence_type.may_apply(user.organisation.kind)))


def may_take(user, app: Application, transition: rules.Transition) -> bool:
    by = transition.by
    if by == "system":
        return user is None
    if by == "applicant":
        return is_applicant(user, app)
    if not is_authority(user, app.authority_code):
        return False
    if by == "head":
        return user.role in HEAD_ROLES
    return user.role in CLERK_ROLES  # clerk, reviewer


def may_act_on_licence(user, licence: Licence, action: str) -> bool:
    spec = rules.licence_actions().get(action)
    if spec is None or not is_authority(user, licence.authority_code):
        return False
    return user.role in (HEAD_ROLES if spec["by"] == "head" else CLERK_ROLES)


def role_words(by: str) -> str:
    return {
        "applicant": _("the applicant"),
        "clerk": _("the clerks of the deciding bureau"),
        "reviewer": _("the clerks of the deciding bureau"),
        "head": _("the head of the deciding bureau"),
        "system": _("the system"),
    }.get(by, by)




def may_edit(user, app: Application) -> bool:
    """The applicant changes the particulars of its draft."""
    return is_applicant(user, app) and app.state == "draft"


def may_upload(user, app: Application) -> bool:
    """The applicant adds materials to a draft, or when the bureau asks for them."""
    return is_applicant(user, app) and app.state in UPLOAD_STATES
