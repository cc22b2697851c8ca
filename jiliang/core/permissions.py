"""What a user may do about accounts and roles, from rules/data/role_grants.json, and the two
predicates every app's ``permissions.py`` starts from (``bureau_over``, ``member_of``).

The services enforce the same table (``services.accounts._authorise_grant``); these predicates only
decide what a page offers. ``None`` as the user is the system itself (the demo, commands, tests
setting data up).
"""

from __future__ import annotations

from jiliang.core.models import Organisation, User
from jiliang.rules import roles as grant_rules


def bureau_over(user: User | None, region_code: str) -> bool:
    """The system, the national administration, or a bureau whose region covers the code."""
    if user is None:
        return True
    return user.is_authenticated and user.is_bureau and user.scope.covers_region(region_code)


def member_of(user: User | None, organisation_id: int | None) -> bool:
    return (user is not None and user.is_authenticated and organisation_id is not None
            and user.organisation_id == organisation_id)


def relation(user: User, org: Organisation) -> str:
    if user.organisation_id == org.pk:
        return grant_rules.OWN
    if user.is_bureau and user.scope.covers_region(org.region_code):
        return grant_rules.IN_REGION
    return grant_rules.OUTSIDE


def grants_in(user: User, org: Organisation, *, how: str) -> list[str]:
    """The roles ``user`` may give in ``org`` by ``how`` ("account" or "invitation")."""
    if not user.is_authenticated or not user.is_active:
        return []
    return [g.role for g in grant_rules.grantable(grantor_role=user.role, org_kind=org.kind,
                                                  relation=relation(user, org))
            if g.how == how]


def may_manage_member(user: User, member: User) -> bool:
    """Suspend, reinstate, change or revoke the role of ``member``."""
    org = member.organisation
    if org is None or not user.is_authenticated or user.pk == member.pk:
        return False
    grants = grant_rules.grantable(grantor_role=user.role, org_kind=org.kind,
                                   relation=relation(user, org))
    if not member.role:
        return bool(grants)
    return any(g.role == member.role for g in grants)
