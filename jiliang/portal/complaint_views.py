"""Complaints and reports (计量投诉举报): the public form and status page, the bureau's queue."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core.web import apply_errors, page_of, public, roles_required
from jiliang.portal import complaints, conf, permissions, selectors
from jiliang.portal.forms import CloseForm, ComplaintForm, TrackForm
from jiliang.portal.public import label
from jiliang.registry.models import Instrument
from jiliang.registry.selectors import normalise_public_code
from jiliang.rules import complaints as rules
from jiliang.supervision.selectors import campaign_list


def _challenge() -> dict:
    a, b = rules.challenge()
    return {"question": _("How much is %(a)s plus %(b)s?") % {"a": a, "b": b},
            "token": signing.dumps(a + b, salt="portal.complaint.challenge")}


def _source(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@public
def complaint_new(request):
    """The public form: what, where, when, which instrument or product, photos, contact."""
    status = 200
    if request.method == "POST":
        form = ComplaintForm(request.POST, request.FILES)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items()
                    if k not in ("province", "answer", "token", "website")}
            try:
                complaint, code = complaints.complaint_submit(source=_source(request), **data)
            except ValidationError as error:
                apply_errors(form, error)
                status = 429 if NON_FIELD_ERRORS in getattr(error, "error_dict", {}) else 400
            else:
                return render(request, "portal/complaint_received.html", {
                    "complaint": complaint, "code": code,
                    "category": label(rules.categories()[complaint.category]),
                    "days": conf.complaint_working_days()})
        else:
            status = 400
    else:
        form = ComplaintForm()
    challenge = _challenge()
    form.data = form.data.copy() if form.is_bound else form.data
    if form.is_bound:
        form.data["token"] = challenge["token"]
        form.data["answer"] = ""
    else:
        form.initial["token"] = challenge["token"]
    province = (form.data.get("province") if form.is_bound else "") or ""
    return render(request, "portal/complaint_form.html", {
        "form": form, "question": challenge["question"], "provinces": selectors.provinces(),
        "province": province, "regions": selectors.region_options(province),
        "region": form.data.get("region_code", "") if form.is_bound else "",
        "days": conf.complaint_working_days(), "max_photos": conf.MAX_PHOTOS,
    }, status=status)


@public
def region_options(request):
    """The picker's second list: the cities and counties of the chosen province."""
    return render(request, "portal/_region_options.html", {
        "regions": selectors.region_options(request.GET.get("province", "")[:2])})


region_options.jiliang_fragment = True  # a part of a page: not in the sitemap


@public
def complaint_track(request):
    """The status of a complaint, for whoever holds its tracking number and access code."""
    form = TrackForm(request.POST or None)
    complaint, not_found = None, False
    if request.method == "POST" and form.is_valid():
        complaint = complaints.complaint_track(**form.cleaned_data)
        not_found = complaint is None
    return render(request, "portal/complaint_track.html", {
        "form": form, "complaint": complaint, "not_found": not_found,
        "state": label(rules.states()[complaint.state]) if complaint else "",
        "category": label(rules.categories()[complaint.category]) if complaint else "",
    }, status=404 if not_found else 200)


@roles_required(bureau=True)
def complaint_queue(request):
    state = request.GET.get("state", "")
    state = state if state in rules.states() else ""

    return render(request, "portal/complaint_queue.html", {
        "page": page_of(request, selectors.complaint_queue(request.user, state=state)),
        "state": state, "states": [(s, label(n)) for s, n in rules.states().items()],
        "labels": {s: label(n) for s, n in rules.states().items()},
        "categories": {c: label(n) for c, n in rules.categories().items()},
        "today": timezone.localdate(),
    })


def _detail(request, complaint, *, contact=None, close_form=None, status=200):
    form = close_form or CloseForm()
    form.fields["campaign"].widget.choices = [("", "—")] + [
        (c.pk, c.title) for c in campaign_list(request.user)[:100]]
    return render(request, "portal/complaint_detail.html", {
        "c": complaint, "contact": contact, "handles": permissions.handles(request.user,
                                                                          complaint),
        "state": label(rules.states()[complaint.state]),
        "category": label(rules.categories()[complaint.category]),
        "close_form": form, "region": selectors.region_names([complaint.region_code])[
            complaint.region_code],
    }, status=status)


@roles_required(bureau=True)
def complaint_detail(request, pk: int):
    return _detail(request, selectors.complaint_for(request.user, pk))


@require_POST
@roles_required(bureau=True)
def complaint_take(request, pk: int):
    complaint = selectors.complaint_for(request.user, pk)
    try:
        complaints.complaint_take(actor=request.user, complaint=complaint)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("portal:complaint-detail", pk=complaint.pk)


@require_POST
@roles_required(bureau=True)
def complaint_close(request, pk: int):
    complaint = selectors.complaint_for(request.user, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        instrument = campaign = None
        if data["instrument_code"]:
            instrument = Instrument.objects.filter(
                public_code=normalise_public_code(data["instrument_code"])[:16]).first()
            if instrument is None:
                form.add_error("instrument_code", _("No instrument has this label code."))
        if data["campaign"]:
            campaign = campaign_list(request.user).filter(pk=data["campaign"]).first()
            if campaign is None:
                form.add_error("campaign", _("Choose a campaign of your region."))
        if not form.errors:
            try:
                complaints.complaint_close(actor=request.user, complaint=complaint,
                                           outcome=data["outcome"], instrument=instrument,
                                           campaign=campaign)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The complaint is closed."))
                return redirect("portal:complaint-detail", pk=complaint.pk)
    return _detail(request, complaint, close_form=form, status=400)


@require_POST
@roles_required(bureau=True)
def complaint_contact(request, pk: int):
    complaint = selectors.complaint_for(request.user, pk)
    contact = complaints.complaint_contact_view(actor=request.user, complaint=complaint)
    return _detail(request, complaint, contact=contact)
