"""Who may do what with standards, reference materials and comparisons.

``None`` as the user is the system itself (the demo, commands, tests setting data up).
"""

from __future__ import annotations

from jiliang.core.models import Organisation, Role, User
from jiliang.core.permissions import bureau_over, member_of
from jiliang.traceability.models import Category, Comparison, Standard


def may_file(user: User | None, owner: Organisation, category: str) -> bool:
    """A national primary standard is put on file by the national administration; any other by
    the bureau over its owner or by the owner itself (filed online like the others)."""
    if category == Category.NATIONAL:
        return user is None or (user.is_authenticated and user.role == Role.NATIONAL_ADMIN)
    return bureau_over(user, owner.region_code) or member_of(user, owner.pk)


def may_keep(user: User | None, standard: Standard) -> bool:
    """Devices, calibrations and bookings: the owner or the bureau over it."""
    if standard.is_national:
        return may_file(user, standard.owner, standard.category)
    return bureau_over(user, standard.region_code) or member_of(user, standard.owner_id)


def may_assess(user: User | None, standard: Standard) -> bool:
    """Assessment certificates are issued by the bureaus (计量标准考核), never by the owner."""
    return bureau_over(user, standard.region_code)


def may_run(user: User | None, comparison: Comparison) -> bool:
    """The organiser runs a comparison; the bureau over it may step in."""
    return bureau_over(user, comparison.region_code) or member_of(user, comparison.organiser_id)


def may_approve(user: User | None, comparison: Comparison) -> bool:
    """The report is approved by a bureau head over the organiser (or the national admin)."""
    if user is None:
        return True
    return (user.is_authenticated and user.role in (Role.BUREAU_HEAD, Role.NATIONAL_ADMIN)
            and user.scope.covers_region(comparison.region_code))
