"""Who may do what with people records: one set of predicates for views, API and services.

``None`` as the user is the system itself (commands, the demo, tests setting data up).
"""

from __future__ import annotations

from jiliang.core.models import Organisation, Role, User
from jiliang.core.permissions import bureau_over

INSTITUTION_ROLES = (Role.VERIFIER, Role.INSTITUTION_MANAGER)


def may_keep_people(user: User | None, organisation: Organisation) -> bool:
    """An institution keeps the records of its own people; a bureau those of the
    institutions in its region."""
    if user is None or bureau_over(user, organisation.region_code):
        return True
    return (user.is_authenticated and user.role in INSTITUTION_ROLES
            and user.organisation_id == organisation.pk)


def may_examine(user: User | None, region_code: str) -> bool:
    """Examinations (JJF 1069) and station reviews are the bureaus' work."""
    return bureau_over(user, region_code)
