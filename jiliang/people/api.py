"""People, their qualifications and CPD hours under /api/v1/people/; public look-ups.

Scoped as the pages: an institution reads and keeps its own people, a bureau those of the
institutions in its region. The public look-up of a registration publishes the listed
fields only.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jiliang.core.api import Page
from jiliang.core.models import Organisation
from jiliang.people import selectors, services
from jiliang.people.models import QualificationKind

PREFIX = "/people/"
router = Router(tags=["people"])


class QualificationOut(Schema):
    id: int
    kind: str
    number: str
    grade: str
    speciality: str
    items: list[str]
    issuer: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    status: str
    ended_on: datetime.date | None


class PersonOut(Schema):
    id: int
    name: str
    organisation_id: int
    organisation_name: str = Field(..., alias="organisation.name")
    id_card_masked: str
    region_code: str
    active: bool
    signatory: bool
    qualifications: list[QualificationOut]

    @staticmethod
    def resolve_signatory(obj) -> bool:
        today = datetime.date.today()
        return any(t.valid_from <= today and (t.valid_until is None or today <= t.valid_until)
                   for t in obj.signatory_terms.all())

    @staticmethod
    def resolve_qualifications(obj) -> list:
        return list(obj.qualifications.all())


class PersonIn(Schema):
    name: str = Field(..., max_length=60)
    organisation_credit_code: str = Field("", max_length=18,
                                          description="bureaus name the institution")
    id_card: str = Field("", max_length=18, description="kept only hashed and masked")


class QualificationIn(Schema):
    kind: QualificationKind
    number: str = Field(..., max_length=60)
    items: list[str] = Field([], max_length=200)
    valid_from: datetime.date
    valid_until: datetime.date | None = None
    issuer: str = Field("", max_length=200)
    grade: str = Field("", max_length=1)
    speciality: str = Field("", max_length=100)


class CpdIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    hours: Decimal = Field(..., ge=0, le=2000)
    note: str = Field("", max_length=200)


class CpdOut(Schema):
    year: int
    hours: Decimal
    note: str


class PeopleFilter(Schema):
    q: str = Field("", max_length=60)
    organisation: int | None = None


class PublicRegistrationOut(Schema):
    number: str
    name: str
    grade: str
    speciality: str
    status: str
    in_force: bool
    valid_from: datetime.date
    valid_until: datetime.date | None


def _people(user):
    return selectors.people_list(user).prefetch_related("qualifications", "signatory_terms")


@router.get("/people", response=list[PersonOut])
@paginate(Page)
def person_list(request, filters: Query[PeopleFilter]):
    """People in the caller's scope, with their qualifications (ID cards masked)."""
    return _people(request.user).filter(
        pk__in=selectors.people_list(request.user, q=filters.q,
                                     organisation=filters.organisation).values("pk"))


@router.post("/people", response={201: PersonOut})
def person_create(request, payload: PersonIn):
    user = request.user
    if user.is_bureau:
        org = Organisation.objects.filter(
            credit_code=payload.organisation_credit_code.strip().upper()).first()
        if org is None or not org.is_institution:
            raise ValidationError({"organisation_credit_code": [_(
                "No institution with this credit code is on file.")]})
    else:
        org = user.organisation
        if org is None or not org.is_institution:
            raise PermissionDenied(_("An institution keeps the records of its own people; a "
                                     "bureau those of the institutions in its region."))
    person = services.person_create(actor=user, organisation=org, name=payload.name,
                                    id_card=payload.id_card)
    return 201, _people(user).get(pk=person.pk)


@router.get("/people/{id:person_id}", response=PersonOut)
def person_detail(request, person_id: int):
    selectors.person_detail(request.user, person_id)
    return _people(request.user).get(pk=person_id)


@router.post("/people/{id:person_id}/qualifications", response={201: QualificationOut})
def qualification_add(request, person_id: int, payload: QualificationIn):
    person = selectors.person_detail(request.user, person_id)
    return 201, services.qualification_add(actor=request.user, person=person, **payload.dict())


@router.post("/people/{id:person_id}/cpd", response={201: CpdOut})
def cpd_record(request, person_id: int, payload: CpdIn):
    person = selectors.person_detail(request.user, person_id)
    return 201, services.cpd_record(actor=request.user, person=person, year=payload.year,
                                    hours=payload.hours, note=payload.note)


class ExamIn(Schema):
    subject: str = Field(..., max_length=100)
    sat_on: datetime.date
    passed: bool
    score: Decimal | None = Field(None, ge=0, le=1000)


class ExamOut(Schema):
    id: int
    subject: str
    sat_on: datetime.date
    passed: bool
    score: Decimal | None


@router.post("/people/{id:person_id}/exams", response={201: ExamOut})
def exam_record(request, person_id: int, payload: ExamIn):
    """An examination subject (资格考试) sat by the person."""
    person = selectors.person_detail(request.user, person_id)
    return 201, services.exam_record(actor=request.user, person=person, **payload.dict())


@router.get("/public/registrations/{number}", response=PublicRegistrationOut, auth=None)
def public_registration(request, number: str):
    """A registered metrologist by registration number: the listed fields, nothing else."""
    return selectors.public_registration(number)
