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


def is_applicant(user, app: Application) -> bool:
    return (user is not None and user.is_authenticated and not user.is_bureau
            and user.organisation_id == app.applicant_id)


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
