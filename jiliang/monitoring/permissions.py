"""Who may do what in the monitoring app: one set of predicates for the views and the services.

``None`` as the user is the system itself (commands, the demo, tests setting data up).
"""

from __future__ import annotations

from jiliang.core.models import User
from jiliang.core.permissions import bureau_over, member_of


def may_keep_gateway(user: User | None, gateway) -> bool:
    """The owner registers its gateway and its key; its bureau may do it for the owner."""
    return bureau_over(user, gateway.region_code) or member_of(user, gateway.organisation_id)


def may_handle_alert(user: User | None, alert) -> bool:
    """The bureau over the instrument's place of use closes an alert (with its finding)."""
    return bureau_over(user, alert.region_code)
