"""Every read of enforcement cases, scoped to the user (``user.scope``); the public reads the
published decisions only, through ``published_*``, with personal data taken out."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from jiliang.core.models import User
from jiliang.enforcement import permissions
from jiliang.enforcement.models import Case, PartyKind
from jiliang.rules import enforcement as rules


def case_list(user: User | None) -> QuerySet[Case]:
    """The cases the user's bureau handles or oversees (the handling bureau and those above
    it); nobody else sees a case."""
    qs = Case.objects.select_related("bureau", "party")
    if user is None:
        return qs
    if not permissions.is_bureau(user):
        return qs.none()
    return user.scope.filter(qs)


def case_get(user: User | None, pk: int) -> Case:
    try:
        return case_list(user).get(pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None


def cases_about(user: User | None, *, instrument=None, campaign=None, energy_unit=None,
                party=None, limit: int = 20) -> list[Case]:
    """The user's cases about one instrument, campaign, energy-using unit or party, for the
    pages of those (newest first, at most ``limit``)."""
    q = Q()
    for field, value in (("instrument", instrument), ("campaign", campaign),
                         ("energy_unit", energy_unit), ("party", party)):
        if value is not None:
            q &= Q(**{field: value})
    if not q:
        return []
    return list(case_list(user).filter(q)[:limit])


def penalties_by_credit_code(user: User | None, credit_codes: Iterable[str],
                             kind: str = "net_content_fail") -> dict[str, int]:
    """How many penalty decisions each party (by credit code) has had on findings of ``kind``,
    among the cases the user sees: for the net-content tracking over the years."""
    codes = [c for c in set(credit_codes) if c]
    if not codes:
        return {}
    rows = (case_list(user).filter(finding_kind=kind, party_credit_code__in=codes,
                                   decided_on__isnull=False)
            .values("party_credit_code").annotate(n=Count("pk")))
    return {row["party_credit_code"]: row["n"] for row in rows}


def published_cases() -> QuerySet[Case]:
    """Published penalty decisions, newest first (public)."""
    return (Case.objects.filter(published_at__isnull=False).select_related("bureau")
            .order_by("-published_at", "-pk"))


def published_get(pk: int) -> Case:
    try:
        return published_cases().get(pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None


def public_record(case: Case) -> dict:
    """A published decision as the public reads it: a natural person's name masked, their
    identity number, address and phone numbers taken out of every text."""
    person = case.party_kind == PartyKind.PERSON
    names = [case.party_name] if person else []
    private = [v for v in (case.party_id_number, case.party_address) if person and v]

    def clean(value: str) -> str:
        for secret in private:
            value = value.replace(secret, "[*]")
        return rules.scrub(value, names)

    return {
        "pk": case.pk,
        "number": case.decision_number,
        "bureau": case.bureau.name,
        "party": rules.mask_name(case.party_name) if person else case.party_name,
        "party_is_person": person,
        "credit_code": "" if person else case.party_credit_code,
        "finding_kind": case.finding_kind,
        "bases": case.bases,
        "articles": clean(case.articles),
        "facts": clean(case.facts),
        "decision": clean(case.decision_text),
        "fine": case.fine,
        "decided_on": case.decided_on,
        "published_at": case.published_at,
        "region_code": case.region_code,
    }
