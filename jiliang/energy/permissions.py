"""Who may do what in the energy app: one set of predicates for the views and the services.

A view shows a form only where the service behind it will accept it. ``None`` as the
user is the system itself (commands, the demo, tests setting data up).
"""

from __future__ import annotations

from jiliang.core.models import Role, User
from jiliang.core.permissions import bureau_over, member_of
from jiliang.energy.models import Audit, EnergyUnit


def unit_is_own(user: User | None, unit: EnergyUnit) -> bool:
    return member_of(user, unit.organisation_id)


def may_keep_ledger(user: User | None, unit: EnergyUnit) -> bool:
    """The unit keeps its own ledger (GB 17167-2006 5.3); its bureau may correct it."""
    return bureau_over(user, unit.region_code) or unit_is_own(user, unit)


def may_audit(user: User | None, audit: Audit) -> bool:
    """The named auditor works on an audit; the national administrator may step in. A bureau
    over the unit, even the national one, only opens the audit and names the auditor."""
    if user is None:
        return True
    return user.is_authenticated and (user.role == Role.NATIONAL_ADMIN
                                      or member_of(user, audit.auditor_id))
