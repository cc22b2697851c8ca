"""The verification records' pages: recording, the list, the detail and PDF, corrections, and
the bureau's list of evidence findings (issue 18)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiliang.catalog.models import InstrumentKind
from jiliang.catalog.selectors import regulations_of
from jiliang.core.caching import rows_cache
from jiliang.core.lists import sort_by
from jiliang.core.pdf import pdf_response
from jiliang.core.web import errors_onto, lazy_page_of, page_of, roles_required
from jiliang.people.selectors import signing_people
from jiliang.registry import documents, permissions, selectors, services
from jiliang.registry.evidence import FIELDS as EVIDENCE_FIELDS
from jiliang.registry.evidence import evidence_values
from jiliang.registry.forms import CorrectionForm, VerificationForm
from jiliang.registry.models import EvidenceFinding
from jiliang.registry.views.common import VERIFIERS, failed_items_from, list_query, local_today

# --- verifications ----------------------------------------------------------------------------


@roles_required(*VERIFIERS)
def verification_create(request):
    code = (request.POST.get("instrument_code") or request.GET.get("code") or "").strip().upper()
    inst = selectors.instrument_for_verification(request.user, public_code=code) if code else None
    form = VerificationForm(request.POST or None, regulations=regulations_of(
        inst.kind if inst else None), initial={"instrument_code": code, "verified_on": local_today()},
        people=signing_people(request.user.organisation),
        standards=selectors.standard_choices(request.user.organisation_id,
                                             inst.kind.code if inst else ""))
    if request.method == "POST" and form.is_valid():
        if inst is None:
            form.add_error("instrument_code", _("No instrument has this public code."))
        else:
            data = dict(form.cleaned_data)
            data.pop("instrument_code")
            data["failed_items"] = failed_items_from(data["failed_items"])
            data["evidence"] = {k: data.pop(k) for k in EVIDENCE_FIELDS if k in data}
            with errors_onto(form):
                record = services.verification_record(actor=request.user, instrument=inst, **data)
                messages.success(request, _("Recorded: %(doc)s %(no)s.") % {
                    "doc": record.document_title, "no": record.certificate_no})
                return redirect("registry:verification-detail", pk=record.pk)
    return render(request, "registry/verification_form.html", {"form": form, "inst": inst})


@login_required
def verification_list(request):
    conclusion, kind = request.GET.get("conclusion", ""), request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.record_list(request.user, conclusion=conclusion, kind=kind, q=q)
    keys = ("conclusion", "kind", "q")
    qs, sort = sort_by(request, qs, RECORD_COLUMNS, "-date", keep=keys)
    return render(request, "registry/verification_list.html", {
        "page": lazy_page_of(request, qs), "conclusion": conclusion, "kind": kind, "q": q,
        "kinds": InstrumentKind.objects.order_by("code"), "sort": sort,
        "query": list_query(request, *keys, "sort"),
        **rows_cache(request, selectors.public_check_version),
    })


RECORD_COLUMNS = {
    "date": ("verified_on",), "number": ("certificate_no",), "owner": ("owner__name",),
    "conclusion": ("conclusion",), "valid_until": ("valid_until",),
}


@login_required
def verification_detail(request, pk: int):
    record = selectors.record_detail(request.user, pk)
    state = selectors.certificate_state(record)
    return render(request, "registry/verification_detail.html", {
        "record": record, "state": state, "cancelled": selectors.cancelled_certificate(record),
        "can_correct": (state.state != "superseded"
                        and permissions.may_correct(request.user, record.institution_id)),
        "public_url": documents.certificate_url(record),
        "standard": selectors.record_standard(record),
        "has_evidence": hasattr(record, "evidence"),  # issue 18
    })


@login_required
def verification_pdf(request, pk: int):
    record = selectors.record_detail(request.user, pk)
    return pdf_response(f"{record.certificate_no}.pdf", documents.certificate_pdf(record))


@roles_required(*VERIFIERS)
def verification_correct(request, pk: int):
    record = selectors.record_detail(request.user, pk)
    if not permissions.may_correct(request.user, record.institution_id):
        raise PermissionDenied(_("Only the institution that issued a record corrects it."))
    initial = {f: getattr(record, f) for f in CorrectionForm.base_fields if hasattr(record, f)}
    initial["failed_items"] = "\n".join(record.failed_items)
    initial["certificate_no"] = ""
    initial.update(verifier=record.verifier_person_id, checker=record.checker_person_id,
                   approver=record.approver_person_id)
    initial["standard_id"] = record.standard_id
    carried = evidence_values(getattr(record, "evidence", None)) or {}  # issue 18: carried forward
    initial.update({k: "\n".join(v) if isinstance(v, list) else v for k, v in carried.items()})
    form = CorrectionForm(request.POST or None, initial=initial,
                          regulations=regulations_of(record.instrument.kind),
                          people=signing_people(request.user.organisation),
                          standards=selectors.standard_choices(request.user.organisation_id,
                                                               record.instrument.kind.code))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["failed_items"] = failed_items_from(data["failed_items"])
        data["evidence"] = {k: data.pop(k) for k in EVIDENCE_FIELDS if k in data}
        reason = data.pop("correction_reason")
        with errors_onto(form):
            new = services.verification_correct(actor=request.user, record=record, reason=reason,
                                                **data)
            messages.success(request, _("The correction %(no)s supersedes %(old)s.") % {
                "no": new.certificate_no, "old": record.certificate_no})
            return redirect("registry:verification-detail", pk=new.pk)
    return render(request, "registry/verification_correct.html", {"form": form, "record": record})


@login_required
def finding_list(request):
    """The bureau's list of evidence findings (issue 18): counters that moved, checksums or
    software versions that changed, seals not those left, between two verifications."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in EvidenceFinding.Kind.values else ""
    qs = selectors.evidence_findings(request.user, kind=kind)
    return render(request, "registry/finding_list.html", {
        "page": page_of(request, qs), "kind": kind, "kinds": EvidenceFinding.Kind.choices,
        "query": f"kind={kind}&" if kind else ""})
