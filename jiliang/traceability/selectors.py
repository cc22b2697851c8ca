"""Every read of the traceability register, scoped to the user.

A bureau sees the standards, lots, comparisons and impact cases of its region; an institution
or an enterprise its own (and the comparisons it takes part in, and the impact cases that touch
its certificates). The chain above a standard is shown by name and code to whoever may see the
standard: which standard calibrated which is what a certificate states.
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jiliang.core.models import INSTITUTION_KINDS, Organisation, User
from jiliang.registry.models import VerificationRecord
from jiliang.registry.services import public_lookup_count
from jiliang.rules import traceability as rules
from jiliang.traceability.binding import Register, chain_nodes
from jiliang.traceability.models import (
    Category,
    Certificate,
    Comparison,
    ImpactCase,
    ImpactItem,
    ImpactNotice,
    MaterialLot,
    Participant,
    ReferenceMaterial,
    Standard,
    StandardStatus,
)


def _or_404(qs: QuerySet, pk: int):
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def standard_list(user: User, *, q: str = "", category: str = "", kind: str = "") -> QuerySet:
    qs = user.scope.filter(Standard.objects.all(), orgs=("owner",))
    if category:
        qs = qs.filter(category=category)
    if kind:
        qs = qs.filter(kinds__contains=[kind]) if _json_contains() else qs.filter(
            kinds__icontains=f'"{kind}"')
    if q:
        q = q.strip()[:100]
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) |
                       Q(certificates__number=q)).distinct()
    return qs.select_related("owner", "upstream").order_by("province_code", "code")


def _json_contains() -> bool:
    return connection.vendor == "postgresql"


def standard_detail(user: User, pk: int) -> Standard:
    return _or_404(user.scope.filter(Standard.objects.all(), orgs=("owner",))
                   .select_related("owner", "upstream"), pk)


def upstream_candidates(user: User) -> QuerySet:
    """The standards a user may trace a standard (or its calibration) to: the national
    standards and the standards in the user's scope."""
    scoped = user.scope.filter(Standard.objects.all(), orgs=("owner",))
    return Standard.objects.filter(Q(category=Category.NATIONAL) | Q(pk__in=scoped.values("pk")))


def participant_standard_candidates(user: User) -> QuerySet:
    """The standards a comparison's participant may use: the non-national standards of the
    institutions in the user's scope."""
    owners = user.scope.filter(Organisation.objects.filter(kind__in=INSTITUTION_KINDS),
                               orgs=("pk",))
    return Standard.objects.exclude(category=Category.NATIONAL).filter(
        owner_id__in=owners.values("pk"))


STANDARD_PICKS = {"upstream": upstream_candidates,
                  "participant": participant_standard_candidates}


def chain_of(standard: Standard) -> tuple[list[Standard], bool]:
    """The standards from this one up to the national primary standard, and whether it reached."""
    nodes = chain_nodes([standard])
    path, reached = rules.chain(standard.pk, nodes)
    found = Standard.objects.in_bulk(path)
    return [found[i] for i in path], reached


def downstream_of(standard: Standard, limit: int = 200) -> list[Standard]:
    return list(standard.downstream.select_related("owner").order_by("code")[:limit])


def facts_today(standard: Standard, on: datetime.date | None = None) -> rules.StandardFacts:
    return Register.load(ids=[standard.pk]).facts(standard.pk, on or timezone.localdate())


def standards_for(institution_id: int, kind_code: str = "") -> QuerySet:
    """The institution's own standards in service (that serve the kind): the record form's list."""
    qs = Standard.objects.filter(owner_id=institution_id, status=StandardStatus.ACTIVE) \
        .exclude(category=Category.NATIONAL)
    if kind_code:
        qs = qs.filter(kinds__contains=[kind_code]) if _json_contains() else qs.filter(
            kinds__icontains=f'"{kind_code}"')
    return qs.order_by("code")


def lots_for(institution_id: int, on: datetime.date | None = None) -> QuerySet:
    on = on or timezone.localdate()
    return MaterialLot.objects.filter(holder_id=institution_id, expires_on__gte=on) \
        .select_related("material").order_by("material__number", "lot_no")


def certificates_with(standard_id: int, since: datetime.date, *, limit: int = 500) -> QuerySet:
    """The certificates issued with one standard since a date (the impact query; index
    ``registry_rec_standard``)."""
    return (VerificationRecord.objects.filter(standard_id=standard_id, verified_on__gte=since)
            .order_by("verified_on", "id")[:limit])


# --- reference materials ----------------------------------------------------------------------


def material_list(user: User, q: str = "") -> QuerySet:
    """The catalogue of reference materials is public reference data for every signed-in user."""
    qs = ReferenceMaterial.objects.all() if user.is_authenticated else ReferenceMaterial.objects.none()
    if q:
        q = q.strip()[:100]
        qs = qs.filter(Q(number__icontains=q) | Q(name__icontains=q))
    return qs.order_by("number")


def material_detail(user: User, pk: int) -> ReferenceMaterial:
    return _or_404(material_list(user), pk)


def lot_list(user: User, material: ReferenceMaterial | None = None) -> QuerySet:
    qs = user.scope.filter(MaterialLot.objects.all(), orgs=("holder",))
    if material is not None:
        qs = qs.filter(material=material)
    return qs.select_related("material", "holder")


# --- comparisons ------------------------------------------------------------------------------


def comparison_list(user: User) -> QuerySet:
    scope = user.scope
    qs = Comparison.objects.all()
    if scope.everything:
        pass
    elif scope.region_prefix is not None:
        qs = qs.filter(Q(region_code__startswith=scope.region_prefix) | Q(
            participants__institution__region_code__startswith=scope.region_prefix)).distinct()
    elif scope.organisation_id is not None:
        qs = qs.filter(Q(organiser_id=scope.organisation_id) | Q(pilot_id=scope.organisation_id) |
                       Q(participants__institution_id=scope.organisation_id)).distinct()
    else:
        qs = qs.none()
    return qs.select_related("organiser", "pilot").order_by("-starts_on", "-id")


def comparison_detail(user: User, pk: int) -> Comparison:
    return _or_404(comparison_list(user), pk)


def participant_detail(user: User, pk: int) -> Participant:
    found = Participant.objects.select_related("comparison", "institution", "standard") \
        .filter(pk=pk).first()
    if found is None or not comparison_list(user).filter(pk=found.comparison_id).exists():
        raise Http404
    return found


def published_comparisons() -> QuerySet:
    return Comparison.objects.filter(state=Comparison.State.PUBLISHED) \
        .select_related("organiser", "pilot").order_by("-published_on", "-id")


# --- impact -----------------------------------------------------------------------------------


def impact_list(user: User) -> QuerySet:
    scope = user.scope
    qs = ImpactCase.objects.all()
    if scope.everything:
        pass
    elif scope.region_prefix is not None:
        qs = qs.filter(Q(region_code__startswith=scope.region_prefix) |
                       Q(items__owner__region_code__startswith=scope.region_prefix)).distinct()
    elif scope.organisation_id is not None:
        org = scope.organisation_id
        qs = qs.filter(Q(standard__owner_id=org) | Q(items__owner_id=org) |
                       Q(items__institution_id=org)).distinct()
    else:
        qs = qs.none()
    return qs.select_related("standard").order_by("-opened_at", "-id")


def impact_detail(user: User, pk: int) -> ImpactCase:
    return _or_404(impact_list(user), pk)


def impact_items(user: User, case: ImpactCase) -> QuerySet:
    """The affected certificates of a case the user may see: all of them for the bureau over
    the standard, else those of the user's scope."""
    qs = case.items.all()
    scope = user.scope
    if not (scope.everything or scope.covers_region(case.region_code)):
        qs = scope.filter(qs, region="owner__region_code", orgs=("owner", "institution"))
    return qs.select_related("record", "instrument__kind", "owner", "institution", "standard") \
        .order_by("verified_on", "id")


def notices_for(user: User, *, unread: bool = False) -> QuerySet:
    if not user.is_authenticated or user.organisation_id is None:
        return ImpactNotice.objects.none()
    qs = ImpactNotice.objects.filter(organisation_id=user.organisation_id)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("case__standard")


def under_review(instrument_id: int) -> bool:
    """The instrument has a certificate touched by an impact case and is not re-verified yet."""
    return ImpactItem.objects.filter(instrument_id=instrument_id,
                                     resolved_by__isnull=True).exists()


# --- public -----------------------------------------------------------------------------------


def public_standard(number: str) -> tuple[Standard, Certificate] | None:
    """A social public standard by its assessment certificate number (logged)."""
    number = (number or "").strip()[:60]
    cert = (Certificate.objects.select_related("standard__owner")
            .filter(number=number, standard__category=Category.SOCIAL_PUBLIC).first()
            if number else None)
    if number:
        # counted per day and object (registry.PublicLookup), not a row per request
        public_lookup_count(page="standard", code=number, found=cert is not None)
    return (cert.standard, cert) if cert else None


def record_standard(record) -> dict:
    """What a certificate says about its standard: name, code and the assessment certificate in
    force on the verification date; ``on_file`` False for records from before the register."""
    if record.standard_id is None:
        return {"on_file": False, "text": record.standard_identifier}
    std = record.standard
    cert = (Certificate.objects.filter(standard_id=std.pk, issued_on__lte=record.verified_on,
                                       valid_until__gte=record.verified_on)
            .order_by("-valid_until").values_list("number", flat=True).first())
    return {"on_file": True, "name": std.name, "code": std.code, "certificate_no": cert or "—",
            "category": std.get_category_display(), "pk": std.pk}


def public_certificates(*, start: datetime.date, end: datetime.date,
                        province: str = "") -> QuerySet:
    """Assessment certificates of social public standards (the ones the public look-up finds)
    issued between ``start`` and ``end``, oldest first (open data, paged by the caller)."""
    qs = Certificate.objects.filter(standard__category=Category.SOCIAL_PUBLIC,
                                    issued_on__gte=start, issued_on__lte=end)
    if province:
        qs = qs.filter(standard__province_code=province)
    return qs.select_related("standard__owner").order_by("issued_on", "id")


def last_certificate():
    return Certificate.objects.order_by("-id").values_list("recorded_at", flat=True).first()
