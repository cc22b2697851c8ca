"""The xlsx / csv import of people, their qualifications and their CPD hours.

One row a person, a qualification or a year of hours (or all three): the person is found by
name in the organisation (created when missing), then the qualification and the hours are
added through the services. Every bad cell comes back as (row, column, reason); the good
rows beside it are kept (each row in its own savepoint). Scoped: an institution imports its
own people; a bureau those of the institutions in its region.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.core.models import Organisation, OrgKind, User
from jiliang.core.tabular import Column, HeaderError, RowError, read_rows
from jiliang.people import permissions, services
from jiliang.people.models import Person, QualificationKind

MAX_ROWS = 5000

COLUMNS = [
    Column("name", "姓名", required=True, aliases=("name",), example="张伟"),
    Column("organisation_credit_code", "单位统一社会信用代码", aliases=("organisation credit code",),
           help=gettext_lazy("Bureaus name the institution; an institution imports its own "
                             "people and leaves it empty.")),
    Column("id_card", "身份证号", aliases=("id card",),
           help=gettext_lazy("Kept only as a keyed hash and a masked form.")),
    Column("kind", "资格类别", aliases=("qualification kind",), example="registration",
           help=gettext_lazy("verifier_certificate / registration / assessor (or 检定员证, "
                             "注册计量师, 考评员); empty for a person or hours only.")),
    Column("number", "证书编号", aliases=("number",), example="粤2016000001"),
    Column("grade", "级别", aliases=("grade",), example="2", help=gettext_lazy("1 or 2")),
    Column("speciality", "专业", aliases=("speciality",), example="力学"),
    Column("items", "项目", aliases=("items",), example="taximeter、JJG 539",
           help=gettext_lazy("Instrument kind codes or regulation codes, separated by 、 or ;")),
    Column("issuer", "发证机关", aliases=("issuer",), example="广东省市场监督管理局"),
    Column("valid_from", "有效期起", aliases=("valid from",), example="2021-06-01"),
    Column("valid_until", "有效期至", aliases=("valid until",), example="2026-05-31"),
    Column("cpd_year", "继续教育年度", aliases=("cpd year",), example="2025"),
    Column("cpd_hours", "继续教育学时", aliases=("cpd hours",), example="32"),
]
TITLES = {c.key: c.title for c in COLUMNS}
KINDS = {"verifier_certificate": "verifier_certificate", "检定员证": "verifier_certificate",
         "registration": "registration", "注册计量师": "registration",
         "assessor": "assessor", "考评员": "assessor"}


@dataclass
class PeopleImportResult:
    rows: int = 0
    people_added: int = 0
    qualifications_added: int = 0
    cpd_recorded: int = 0
    errors: list[RowError] = field(default_factory=list)


def _date(raw: dict, key: str) -> datetime.date | None:
    text = raw[key]
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValidationError({key: [_("Enter a date as YYYY-MM-DD.")]}) from None


def import_people(data: bytes, file_kind: str, *, actor: User) -> PeopleImportResult:
    if file_kind not in ("xlsx", "csv"):
        raise ValidationError({"file": [_("Upload an xlsx or csv file.")]})
    own = actor.organisation if actor.organisation and actor.organisation.is_institution else None
    if own is None and not actor.is_bureau:
        raise PermissionDenied(_("An institution keeps the records of its own people; a bureau "
                                 "those of the institutions in its region."))
    result = PeopleImportResult()
    orgs: dict[str, Organisation | None] = {}
    try:
        rows = list(read_rows(data, file_kind, COLUMNS))
    except HeaderError as error:
        raise ValidationError({"file": [_("Missing columns: %(columns)s.") % {
            "columns": ", ".join(error.missing)}]}) from None
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": [_("At most %(n)s rows a file.") % {"n": MAX_ROWS}]})
    for number, raw in rows:
        result.rows += 1
        counts = PeopleImportResult()
        try:
            with transaction.atomic():
                _row(raw, actor=actor, own=own, orgs=orgs, result=counts)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                column = TITLES.get(_COLUMN_OF.get(key, key), "")
                result.errors += [RowError(number, column, m) for m in messages]
        except PermissionDenied as error:
            result.errors.append(RowError(number, TITLES["organisation_credit_code"], str(error)))
        else:  # a row counts once it is kept
            result.people_added += counts.people_added
            result.qualifications_added += counts.qualifications_added
            result.cpd_recorded += counts.cpd_recorded
    return result


# The services' field names, as the file's columns.
_COLUMN_OF = {"hours": "cpd_hours", "year": "cpd_year", "id_card": "id_card",
              "organisation": "organisation_credit_code"}


def _row(raw: dict, *, actor: User, own: Organisation | None, orgs: dict,
         result: PeopleImportResult) -> None:
    code = raw["organisation_credit_code"].strip().upper()
    if own is not None:
        if code and code != own.credit_code:
            raise ValidationError({"organisation": [_(
                "An institution imports only its own people.")]})
        org = own
    else:
        if not code:
            raise ValidationError({"organisation": [_("Name the institution.")]})
        if code not in orgs:
            orgs[code] = Organisation.objects.filter(credit_code=code).first()
        org = orgs[code]
        if org is None or org.kind not in (OrgKind.VERIFICATION_INSTITUTION,
                                           OrgKind.TECHNICAL_INSTITUTION):
            raise ValidationError({"organisation": [_("No institution with this credit code is "
                                                      "on file.")]})
        if not permissions.may_keep_people(actor, org):
            raise ValidationError({"organisation": [_("Outside your region.")]})
    name = " ".join(raw["name"].split())
    person = Person.objects.filter(organisation=org, name=name).first()
    if person is None:
        person = services.person_create(actor=actor, organisation=org, name=name,
                                        id_card=raw["id_card"])
        result.people_added += 1
    kind_text = raw["kind"].strip()
    if kind_text or raw["number"]:
        kind = KINDS.get(kind_text) or KINDS.get(kind_text.lower())
        if kind is None:
            raise ValidationError({"kind": [_("Choose verifier_certificate, registration or "
                                              "assessor.")]})
        services.qualification_add(
            actor=actor, person=person, kind=kind, number=raw["number"], items=raw["items"],
            valid_from=_date(raw, "valid_from"), valid_until=_date(raw, "valid_until"),
            issuer=raw["issuer"], grade=raw["grade"].strip(), speciality=raw["speciality"])
        result.qualifications_added += 1
    if raw["cpd_year"] or raw["cpd_hours"]:
        try:
            year = int(raw["cpd_year"])
        except ValueError:
            raise ValidationError({"year": [_("Give a year between 2000 and this year.")]}) from None
        services.cpd_record(actor=actor, person=person, year=year, hours=raw["cpd_hours"])
        result.cpd_recorded += 1


def kind_labels() -> dict[str, str]:
    return dict(QualificationKind.choices)
