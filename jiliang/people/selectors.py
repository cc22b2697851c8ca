"""Every read of the people app, scoped to the user; and the sign-off check the registry asks.

An institution sees its own people; a bureau those of the institutions in its region; the
public only the published fields of a registration and of an authorisation.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.catalog.models import InstrumentKind
from jiliang.core.models import Organisation, Region, User
from jiliang.licensing.models import Licence
from jiliang.licensing.selectors import authorisation_scopes_by_holder
from jiliang.people.models import (
    Person,
    Qualification,
    QualificationKind,
    Review,
    Signatory,
    Station,
)
from jiliang.people.services import fact_of
from jiliang.rules import coverage as rules
from jiliang.rules import signoff

# The sign-off rules' problems, in the user's language (the rule is named in each).
MESSAGES = {
    "person.missing": gettext_lazy("Choose the %(role)s from the people of your institution."),
    "person.other_institution": gettext_lazy(
        "%(name)s is not a person of this institution: the %(role)s must be one of its people."),
    "qualification.none": gettext_lazy(
        "%(name)s holds no verifier qualification on file (verifier certificate or "
        "registration as registered metrologist): an unqualified %(role)s may not sign."),
    "qualification.other_item": gettext_lazy(
        "%(name)s's qualifications cover other items, not %(kind)s under %(regulation)s: the "
        "%(role)s must be qualified for the instrument's item."),
    "qualification.lapsed": gettext_lazy(
        "%(name)s's qualification for this item was not in force on %(date)s (lapsed, "
        "suspended, revoked or not yet valid): the %(role)s must hold a valid one that day."),
    "checker.is_verifier": gettext_lazy(
        "The checker must be another person than the verifier."),
    "approver.not_signatory": gettext_lazy(
        "%(name)s is not on the institution's list of authorised signatories on %(date)s: the "
        "approver must be an authorised signatory."),
    "authorisation.none": gettext_lazy(
        "The institution has no metrology authorisation on file: it may not issue certificates "
        "(no authorisation, no certificate)."),
    "authorisation.dates": gettext_lazy(
        "Outside the institution's authorised dates: no metrology authorisation of it was in "
        "force on %(date)s."),
    "authorisation.kind": gettext_lazy(
        "Outside the institution's authorised scope: its metrology authorisation in force on "
        "%(date)s does not cover this kind of instrument."),
    "authorisation.area": gettext_lazy(
        "Outside the institution's authorised area: its metrology authorisation in force on "
        "%(date)s does not cover the division %(region)s."),
}
ROLE_WORDS = {
    signoff.VERIFIER: gettext_lazy("verifier"),
    signoff.CHECKER: gettext_lazy("checker"),
    signoff.APPROVER: gettext_lazy("approver"),
}


def problem_message(problem: signoff.Problem) -> str:
    params = {"role": str(ROLE_WORDS.get(problem.field, problem.field)), "name": "",
              "date": "", "kind": "", "regulation": "", "region": "", **problem.params}
    return str(MESSAGES[problem.code]) % params


# --- scoped reads ---------------------------------------------------------------------------


def people_list(user: User, *, q: str = "", organisation: int | None = None) -> QuerySet:
    qs = user.scope.filter(Person.objects.select_related("organisation"),
                           orgs=["organisation_id"])
    if organisation:
        qs = qs.filter(organisation_id=organisation)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(qualifications__number=q)).distinct()
    return qs


def person_detail(user: User, pk: int) -> Person:
    person = people_list(user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def qualification_list(user: User, *, kind: str = "") -> QuerySet:
    qs = user.scope.filter(Qualification.objects.select_related("person__organisation"),
                           orgs=["person__organisation_id"])
    return qs.filter(kind=kind) if kind else qs


def signing_people(institution: Organisation) -> QuerySet:
    """The pick list of the sign-off: the institution's active people."""
    return Person.objects.filter(organisation=institution, active=True).order_by("name", "id")


def signer_facts(ids: Iterable[int | None]) -> dict[int, signoff.Person]:
    """The people named by a record, as the rule reads them (qualifications and signatory
    terms read in two queries)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    people = Person.objects.filter(pk__in=wanted).prefetch_related(
        Prefetch("qualifications", queryset=Qualification.objects.filter(
            kind__in=signoff.SIGNING_KINDS)),
        "signatory_terms")
    return {p.pk: person_fact(p) for p in people}


def person_fact(p: Person) -> signoff.Person:
    return signoff.Person(
        id=p.pk, name=p.name, organisation_id=p.organisation_id,
        qualifications=tuple(fact_of(q) for q in p.qualifications.all()),
        signatory=tuple((t.valid_from, t.valid_until) for t in p.signatory_terms.all()))


class InstitutionSigners:
    """Every person of one institution as the rule reads them, loaded once: the bulk import
    checks many rows of one institution. People are found by id or, in a file, by name."""

    def __init__(self, institution_id: int) -> None:
        people = Person.objects.filter(organisation_id=institution_id).prefetch_related(
            Prefetch("qualifications", queryset=Qualification.objects.filter(
                kind__in=signoff.SIGNING_KINDS)),
            "signatory_terms")
        self.by_id: dict[int, signoff.Person] = {}
        self.by_name: dict[str, list[signoff.Person]] = {}
        for p in people:
            fact = person_fact(p)
            self.by_id[p.pk] = fact
            self.by_name.setdefault(p.name, []).append(fact)

    def find(self, name: str) -> signoff.Person | None | bool:
        """The person of this name; None when nobody has it; False when several do."""
        found = self.by_name.get(" ".join((name or "").split()), [])
        if len(found) > 1:
            return False
        return found[0] if found else None


def cpd_requirement() -> tuple[float | None, str]:
    """The annual continuing-education hours required, and where the figure comes from."""
    configured = getattr(settings, "JILIANG_CPD_HOURS_PER_YEAR", None)
    if configured is not None:
        return float(configured), _("set by this installation")
    data = signoff.data()["continuing_education"]
    if data["annual_hours"] is not None:
        return float(data["annual_hours"]), "; ".join(data["sources"])
    return None, _("not set: no source consulted confirms the number of hours a year")


def cpd_rows(person: Person) -> list[dict]:
    required, _source = cpd_requirement()
    rows = []
    for row in person.cpd.all():
        short = signoff.cpd_shortfall(row.hours, required)
        rows.append({"year": row.year, "hours": row.hours, "note": row.note,
                     "shortfall": short, "below": bool(short)})
    return rows


def cpd_below(user: User, year: int) -> list[dict]:
    """People with a registration whose hours of ``year`` fall short of the requirement."""
    required, _source = cpd_requirement()
    if required is None:
        return []
    out = []
    registered = qualification_list(user, kind=QualificationKind.REGISTRATION).filter(
        status="valid").values_list("person_id", flat=True)
    people = Person.objects.filter(pk__in=registered).select_related("organisation")
    hours = {row["person_id"]: row["hours"] for row in
             Person.cpd.rel.related_model.objects.filter(person__in=people, year=year)
             .values("person_id", "hours")}
    for person in people:
        short = signoff.cpd_shortfall(hours.get(person.pk), required)
        if short:
            out.append({"person": person, "hours": hours.get(person.pk) or 0, "shortfall": short})
    return out


def signatories_on(institution: Organisation, on: datetime.date) -> QuerySet:
    return Signatory.objects.filter(
        person__organisation=institution, valid_from__lte=on).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)).select_related("person")


# --- public look-ups ------------------------------------------------------------------------


def public_registration(number: str) -> dict:
    """A registered metrologist by registration number: name, grade, speciality, status and
    validity, nothing else (no organisation, no ID card, no items)."""
    number = " ".join((number or "").split())[:60]
    q = (Qualification.objects.filter(kind=QualificationKind.REGISTRATION, number=number)
         .select_related("person").first()) if number else None
    if q is None:
        raise Http404
    today = datetime.date.today()
    in_force = fact_of(q).in_force_on(today)
    return {"number": q.number, "name": q.person.name, "grade": q.get_grade_display(),
            "speciality": q.speciality, "status": q.get_status_display(),
            "in_force": in_force, "valid_from": q.valid_from, "valid_until": q.valid_until}


# --- stations, examinations, authorised institutions -----------------------------------------


def public_stations(*, kind: str = "") -> QuerySet:
    qs = Station.objects.filter(public=True).select_related("organisation")
    return qs.filter(kind=kind) if kind else qs


def station_reviews(user: User, station) -> QuerySet:
    """A station's reviews, for the bureaus over it (none for others)."""
    if not (user.is_authenticated and user.is_bureau and user.scope.covers_region(
            station.region_code)):
        return Review.objects.none()
    return Review.objects.filter(station=station)


def authorisation_detail(user: User, pk: int):
    """A metrology authorisation, for its holder and the bureaus over it."""
    licence = Licence.objects.filter(pk=pk, type_code="metrology_authorization").select_related(
        "holder").first()
    if licence is None or not user.is_authenticated:
        raise Http404
    if not (user.scope.covers_region(licence.region_code) if user.is_bureau
            else user.organisation_id == licence.holder_id):
        raise Http404
    return licence


def authorisation_list(user: User) -> QuerySet:
    qs = Licence.objects.filter(type_code="metrology_authorization").select_related("holder")
    return user.scope.filter(qs, orgs=["holder_id"]).order_by("holder__name", "-issued_on")


def public_institutions(q: str = "", *, on: datetime.date | None = None) -> list[dict]:
    """Authorised institutions and the scope in force (kinds, area, validity): what a member of
    the public may look up. At most 50, by name."""
    on = on or datetime.date.today()
    scopes = authorisation_scopes_by_holder(on=on)
    orgs = Organisation.objects.filter(pk__in=list(scopes)).order_by("name")
    if q:
        orgs = orgs.filter(name__icontains=q)
    names = dict(InstrumentKind.objects.values_list("code", "name_zh"))

    out = []
    for org in orgs[:50]:
        current = [s for s in scopes[org.pk] if s.in_force_on(on)]
        if not current:
            continue
        rows = []
        for s in current:
            region = Region.objects.filter(code=s.region_prefix.ljust(6, "0")).first()
            rows.append({"number": s.number, "kinds": sorted(names.get(k, k) for k in s.kinds),
                         "area": region.name if region else s.region_prefix,
                         "valid_until": s.valid_until})
        out.append({"name": org.name, "scopes": rows})
    return out


def coverage(region_prefix: str, *, on: datetime.date):
    """The coverage cells (四.5) of the counties under ``region_prefix``, every catalogue kind."""
    counties = list(Region.objects.filter(level=Region.Level.COUNTY,
                                          code__startswith=region_prefix)
                    .values_list("code", "name"))
    kinds = [(k.code, k.name) for k in InstrumentKind.objects.order_by("code")]
    cells = rules.cells([c for c, _n in counties], [k for k, _n in kinds],
                        authorisation_scopes_by_holder(on=on), on=on)
    return counties, kinds, cells
