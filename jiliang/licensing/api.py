"""Licensing API: licence types, applications and their workflow, licences, public look-ups."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from jiliang.core.api import Page
from jiliang.licensing import permissions, selectors, services
from jiliang.licensing.labels import label
from jiliang.licensing.models import Purpose
from jiliang.rules import licensing as rules

PREFIX = "/licensing/"
router = Router()


class LicenceTypeOut(Schema):
    code: str
    name: str
    kind: str
    open_now: bool
    closed_since: str | None = None
    validity_years: int | None = None
    time_limits: dict | None = None
    materials: list[dict]
    particulars: list[dict]


@router.get("/types", response=list[LicenceTypeOut], auth=None, tags=["licensing"])
def licence_types(request):
    """The licence types and what each declares (public)."""
    out = []
    for code, lt in rules.licence_types().items():
        out.append({
            "code": code, "name": label(lt["name"]), "kind": lt["kind"],
            "open_now": lt.open_now, "closed_since": lt.get("closed_since"),
            "validity_years": lt.validity_years("now"), "time_limits": lt.get("time_limits"),
            "materials": [{"code": m["code"], "name": label(m["name"]),
                           "types": m["types"], "required": m["required"]}
                          for m in lt.materials],
            "particulars": [{"name": p["name"], "label": label(p["label"]),
                             "type": p["type"], "required": bool(p.get("required")),
                             "choices": [c[0] for c in p.get("choices", [])]}
                            for p in lt.particulars],
        })
    return out


def _clock_info(app) -> dict:
    """The application's clock, counted once for the two fields that show it."""
    info = getattr(app, "_api_clock_info", None)
    if info is None:
        info = app._api_clock_info = selectors.clock_info(app, timezone.localdate())
    return info


class ApplicationOut(Schema):
    id: int
    number: str | None
    type_code: str
    purpose: str
    state: str
    state_label: str
    version: int
    applicant_id: int
    applicant_name: str
    region_code: str
    authority_code: str
    particulars: dict
    received_on: datetime.date | None
    accepted_on: datetime.date | None
    voucher_number: str | None
    acceptance_due: datetime.date | None
    decision_due: datetime.date | None
    working_days_left: int | None
    clock: str | None
    decided_on: datetime.date | None
    licence_number: str | None
    flag: str

    @staticmethod
    def resolve_state_label(obj):
        return label(obj.workflow.states[obj.state]["label"])

    @staticmethod
    def resolve_applicant_name(obj):
        return obj.applicant.name

    @staticmethod
    def resolve_working_days_left(obj):
        return _clock_info(obj)["left"]

    @staticmethod
    def resolve_clock(obj):
        info = _clock_info(obj)
        return info["status"] or info["kind"]

    @staticmethod
    def resolve_licence_number(obj):
        return obj.licence.number if obj.licence_id else None


class ApplicationFilter(Schema):
    queue: str = Field("", pattern=r"^(|to_accept|to_review|to_decide|due_soon|late|stopped)$")
    state: str = ""
    type_code: str = ""
    q: str = ""


@router.get("/applications", response=list[ApplicationOut], tags=["licensing"])
@paginate(Page)
def application_list(request, filters: Query[ApplicationFilter]):
    """Applications in the caller's scope; ``queue`` narrows a bureau to its own work."""
    qs = selectors.application_list(request.user, queue=filters.queue, state=filters.state,
                                    type_code=filters.type_code, q=filters.q)
    return qs.select_related("licence")


class ApplicationIn(Schema):
    type_code: str
    particulars: dict[str, Any] = {}
    purpose: Purpose = Purpose.NEW
    licence_id: int | None = None


@router.post("/applications", response={201: ApplicationOut}, tags=["licensing"])
def application_create(request, payload: ApplicationIn):
    """A draft application of the caller's organisation."""
    licence = None
    if payload.licence_id is not None:
        licence = selectors.licence_detail(request.user, payload.licence_id)
    app = services.application_create(actor=request.user, type_code=payload.type_code,
                                      particulars=payload.particulars, purpose=payload.purpose,
                                      licence=licence)
    return 201, app


@router.get("/applications/{id:app_id}", response=ApplicationOut, tags=["licensing"])
def application_detail(request, app_id: int):
    return selectors.application_detail(request.user, app_id)


class ActionIn(Schema):
    version: int = Field(..., description="the version of the application the caller last saw")
    fields: dict[str, Any] = Field({}, description="what the transition requires, e.g. reasons; "
                                   "a field it does not take is refused")


@router.post("/applications/{id:app_id}/actions/{action}", response=ApplicationOut,
             tags=["licensing"])
def application_act(request, app_id: int, action: str, payload: ActionIn):
    """Take a workflow transition. A stale ``version`` gets a 400 that says who acted first."""
    app = selectors.application_detail(request.user, app_id)
    transition = app.workflow.transitions.get(action)
    if transition is None or transition.by == "system":
        raise Http404
    app = services.application_act(actor=request.user, application=app, action=action,
                                   version=payload.version, payload=payload.fields)
    return app


class AttachmentOut(Schema):
    id: int
    material: str
    original_name: str
    content_kind: str
    size: int
    sha256: str


@router.post("/applications/{id:app_id}/attachments", response={201: AttachmentOut},
             tags=["licensing"])
def attachment_add(request, app_id: int, material: Form[str], file: File[UploadedFile]):
    """Upload a material (PDF, PNG or JPEG, judged by its content)."""
    app = selectors.application_detail(request.user, app_id)
    attachment = services.attachment_add(actor=request.user, application=app,
                                         material=material, upload=file)
    return 201, attachment


class LicenceOut(Schema):
    id: int
    number: str
    type_code: str
    holder_id: int
    holder_name: str
    region_code: str
    authority_code: str
    status: str
    issued_on: datetime.date
    valid_until: datetime.date | None
    particulars: dict
    scope_kinds: list[str]
    scope_region: str
    version: int

    @staticmethod
    def resolve_holder_name(obj):
        return obj.holder.name


class LicenceFilter(Schema):
    type_code: str = ""
    status: str = ""
    q: str = ""


@router.get("/licences", response=list[LicenceOut], tags=["licensing"])
@paginate(Page)
def licence_list(request, filters: Query[LicenceFilter]):
    qs = selectors.licence_list(request.user, type_code=filters.type_code,
                                status=filters.status, q=filters.q)
    return qs


@router.get("/licences/{id:licence_id}", response=LicenceOut, tags=["licensing"])
def licence_detail(request, licence_id: int):
    return selectors.licence_detail(request.user, licence_id)


class LicenceActionIn(Schema):
    version: int
    reasons: str = Field(..., max_length=2000)


@router.post("/licences/{id:licence_id}/actions/{action}", response=LicenceOut,
             tags=["licensing"])
def licence_act(request, licence_id: int, action: str, payload: LicenceActionIn):
    """Withdraw, revoke, cancel (or prohibit a mark): the head of the issuing bureau."""
    licence = selectors.licence_detail(request.user, licence_id)
    if action not in rules.licence_actions():
        raise Http404
    if not permissions.may_act_on_licence(request.user, licence, action):
        raise PermissionDenied(_("Only the head of the issuing bureau does this."))
    licence = services.licence_act(actor=request.user, licence=licence, action=action,
                                   version=payload.version, reasons=payload.reasons)
    return licence


class CertificateOut(Schema):
    number: str
    type_code: str
    type_name: str
    holder: str
    status: str
    in_force: bool
    status_words: str
    issued_on: datetime.date
    valid_until: datetime.date | None
    particulars: dict


class CertificateQuery(Schema):
    number: str = Field(..., min_length=1, max_length=60)


@router.get("/public/certificates", response=CertificateOut, auth=None, tags=["licensing"])
def certificate_query(request, query: Query[CertificateQuery]):
    """Look a certificate up by its number (public): its status in plain words."""
    licence = selectors.licence_by_number(query.number)
    if licence is None:
        raise Http404
    today = timezone.localdate()
    summary = services.licence_summary(licence)
    return {
        "number": licence.number, "type_code": licence.type_code,
        "type_name": label(licence.licence_type["name"]),
        "holder": licence.holder.name, "status": licence.status,
        "in_force": licence.in_force_on(today),
        "status_words": selectors.licence_status_words(licence, today),
        "issued_on": licence.issued_on, "valid_until": licence.valid_until,
        "particulars": summary["particulars"],
    }


class DisclosureOut(Schema):
    on: datetime.date
    kind: str
    type_code: str
    number: str
    holder: str
    reasons: str
    article: str
    summary: dict

    @staticmethod
    def resolve_number(obj):
        return obj.summary.get("number", "")

    @staticmethod
    def resolve_holder(obj):
        return obj.summary.get("holder", "")


class DisclosureFilter(Schema):
    kind: str = ""
    type_code: str = ""
    region: str = Field("", pattern=r"^\d{0,6}$")
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = ""


@router.get("/public/disclosures", response=list[DisclosureOut], auth=None, tags=["licensing"])
@paginate(Page)
def disclosures(request, filters: Query[DisclosureFilter]):
    """The public list (Art. 40): licences granted, changed, renewed, withdrawn, revoked,
    cancelled and expired."""
    qs = selectors.public_events(kind=filters.kind, type_code=filters.type_code,
                                 region=filters.region, date_from=filters.date_from,
                                 date_to=filters.date_to, q=filters.q)
    return qs
