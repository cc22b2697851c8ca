"""Who may do what with enforcement cases: one set of predicates for the views and services.

Only the handling bureau and the bureaus above it see a case; only the handling bureau acts
on it (its clerks and head; the steps marked "head" in the workflow, its head alone).
``None`` as the user is the system itself (the demo, tests setting data up).
"""

from __future__ import annotations

from jiliang.core.models import Role, User
from jiliang.enforcement.models import Case


def is_bureau(user: User | None) -> bool:
    if user is None:
        return True
    return bool(user.is_authenticated and user.is_bureau and user.organisation_id
                and user.organisation.is_bureau)


def may_open(user: User | None, region_code: str) -> bool:
    """A bureau opens a case on a finding in its own region."""
    if user is None:
        return True
    return is_bureau(user) and user.scope.covers_region(region_code)


def sees(user: User | None, case: Case) -> bool:
    if user is None:
        return True
    return is_bureau(user) and user.scope.covers_region(case.region_code)


def may_act(user: User | None, case: Case, by: str) -> bool:
    """``by`` is the workflow's role for the step: "clerk" (a clerk or the head of the handling
    bureau) or "head" (its head)."""
    if user is None:
        return True
    if not is_bureau(user) or user.organisation_id != case.bureau_id:
        return False
    if by == "head":
        return user.role == Role.BUREAU_HEAD
    return user.role in (Role.BUREAU_CLERK, Role.BUREAU_HEAD, Role.NATIONAL_ADMIN)
