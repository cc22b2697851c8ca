"""Who may do what in the registry: one set of predicates for the views, the API and the services.

A view shows a form or a button only where the service behind it will accept it. ``None`` as
the user is the system itself (commands, the demo, the background import, tests setting data up).
"""

from __future__ import annotations

from jiliang.core.models import Organisation, OrgKind, Role, User

VERIFIER_ROLES = (Role.VERIFIER, Role.INSTITUTION_MANAGER)
IMPORTER_ROLES = (Role.ENTERPRISE_USER, *VERIFIER_ROLES)


def bureau_over(user: User | None, region_code: str) -> bool:
    """The system, the national administration, or a bureau whose region covers the code."""
    if user is None:
        return True
    return user.is_authenticated and user.is_bureau and user.scope.covers_region(region_code)


def is_legal_institution(org: Organisation | None) -> bool:
    return org is not None and org.kind == OrgKind.VERIFICATION_INSTITUTION


def may_file(user: User | None) -> bool:
    """Instruments are filed by their owner (an enterprise) or by a bureau."""
    return user is None or user.role == Role.ENTERPRISE_USER or user.is_bureau


def may_file_for(user: User | None, owner_id: int, region_code: str) -> bool:
    if user is None:
        return True
    if user.role == Role.ENTERPRISE_USER:
        return owner_id == user.organisation_id
    return bureau_over(user, region_code)


def may_change(user: User | None, owner_id: int, region_code: str) -> bool:
    """An instrument's particulars and status: its owner, or the bureau of its region."""
    if user is None:
        return True
    if user.role == Role.ENTERPRISE_USER:
        return owner_id == user.organisation_id
    return bureau_over(user, region_code)


def may_verify(user: User | None) -> bool:
    """Verifications are recorded by the verifiers of a legal verification institution."""
    return (user is not None and user.role in VERIFIER_ROLES
            and is_legal_institution(getattr(user, "organisation", None)))


def may_correct(user: User | None, institution_id: int) -> bool:
    """Only the institution that issued a record corrects it."""
    return may_verify(user) and user.organisation_id == institution_id


def may_import(user: User | None) -> bool:
    return user is not None and (user.is_bureau or user.role in IMPORTER_ROLES)


def may_retry_import(user: User | None, created_by_id: int) -> bool:
    return user is not None and user.pk == created_by_id


def may_print_labels(user: User | None, owner_id: int) -> bool:
    return user is not None and (user.is_bureau or user.organisation_id == owner_id)
