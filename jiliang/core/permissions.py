"""What a user may do about accounts and roles, from rules/data/role_grants.json.

The services enforce the same table (``services.accounts._authorise_grant``); these predicates only
decide what a page offers.
"""

from __future__ import annotations

from jiliang.core.models import Organisation, User
from jiliang.rules import roles as grant_rules


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
