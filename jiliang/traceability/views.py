"""Pages of the traceability register: thin, every write through a service, every read through
a selector."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.catalog.models import InstrumentKind
from jiliang.core.forms import scope_organisations
from jiliang.core.models import Organisation, Role
from jiliang.core.tabular import HeaderError, template_workbook
from jiliang.core.uploads import check_upload
from jiliang.core.web import errors_onto, page_of, public
from jiliang.rules import traceability as rules
from jiliang.traceability import forms as f
from jiliang.traceability import importing, selectors, services
from jiliang.traceability import permissions as may
from jiliang.traceability.binding import message
from jiliang.traceability.models import Category, Comparison, Standard


def _may_hold(user) -> bool:
    """Whether the user may name any holder of a lot: one organisation of theirs is enough."""
    return user.scope.filter(Organisation.objects.filter(kind__in=f.OWNER_KINDS),
                             orgs=("pk",)).exists()


@login_required
def standard_pick(request):
    """The standard picker's look-up: of the standards a field of ``purpose`` allows (the same
    list its StandardField checks), those whose code or name contains what is typed."""
    field = request.GET.get("field", "")
    field = field if field.isidentifier() and len(field) <= 40 else ""
    q = (request.GET.get(field, "") if field else "").strip()[:60]
    candidates = selectors.STANDARD_PICKS.get(request.GET.get("purpose", ""))
    standards = Standard.objects.none()
    if q and candidates is not None:
        standards = candidates(request.user).filter(Q(code__icontains=q) | Q(name__icontains=q))
    return render(request, "traceability/standard_pick.html", {
        "standards": standards.select_related("owner").order_by("code")[:20]})


def _form_page(request, form, title: str, action, *, back=None):
    """Show ``form``; on a valid POST run ``action(cleaned_data)`` (a service call) and go to
    the URL it returns; a ValidationError lands on the form's fields."""
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            target = action(dict(form.cleaned_data))
            messages.success(request, _("Saved."))
            return redirect(target)
    return render(request, "traceability/form.html", {"form": form, "title": title, "back": back})


# --- standards --------------------------------------------------------------------------------


@login_required
def standard_list(request):
    q, category = request.GET.get("q", "").strip()[:100], request.GET.get("category", "")
    qs = selectors.standard_list(request.user, q=q, category=category if category in
                                 Category.values else "")
    return render(request, "traceability/standard_list.html", {
        "page": page_of(request, qs), "q": q, "category": category,
        "categories": Category.choices,
        "can_file": request.user.is_bureau or request.user.organisation_id is not None,
    })


@login_required
def standard_create(request):
    user = request.user
    if not (user.is_bureau or user.role in (Role.VERIFIER, Role.INSTITUTION_MANAGER,
                                            Role.ENTERPRISE_USER)):
        raise PermissionDenied(_("Your role does not file measurement standards."))
    form = scope_organisations(f.StandardForm(
        request.POST or None, upstreams=selectors.upstream_candidates(user),
        kinds=[(k.code, k.name) for k in InstrumentKind.objects.order_by("code")]), user)

    def action(data):
        owner = Organisation.objects.get(credit_code=data.pop("owner"))
        std = services.standard_register(actor=user, owner=owner, **data)
        return f"/traceability/standards/{std.pk}/"

    return _form_page(request, form, _("File a measurement standard"), action)


@login_required
def standard_detail(request, pk: int):
    std = selectors.standard_detail(request.user, pk)
    chain, reached = selectors.chain_of(std)
    today = timezone.localdate()
    facts = selectors.facts_today(std, today)
    graph = {
        "nodes": [{"name": s.code, "title": s.name, "category": s.get_category_display(),
                   "national": s.is_national} for s in chain]
        + [{"name": d.code, "title": d.name, "category": d.get_category_display(),
            "national": False} for d in selectors.downstream_of(std, 30)],
        "links": [{"source": chain[i].code, "target": chain[i + 1].code}
                  for i in range(len(chain) - 1)]
        + [{"source": d.code, "target": std.code} for d in selectors.downstream_of(std, 30)],
    }
    problems = [p for p in rules.record_errors(
        facts, institution_id=std.owner_id, kind_code=next(iter(facts.kinds), ""),
        instrument_range="", on=today) if p.code not in ("standard.national", "standard.kind")]
    return render(request, "traceability/standard_detail.html", {
        "std": std, "chain": chain, "reached": reached, "graph": graph, "facts": facts,
        "problems": [message(p) for p in problems] if not std.is_national else [],
        "downstream": selectors.downstream_of(std),
        "kinds": InstrumentKind.objects.filter(code__in=std.kinds).order_by("code"),
        "certificates": std.certificates.all(), "calibrations": std.calibrations.select_related(
            "higher_standard"), "devices": std.devices.all(), "bookings": std.bookings.all()[:50],
        "issued": selectors.certificates_with(std.pk, today.replace(year=today.year - 1),
                                              limit=50).select_related("instrument__kind",
                                                                       "owner"),
        "can_keep": may.may_keep(request.user, std), "can_assess": may.may_assess(request.user, std),
        "cases": std.impact_cases.all()[:20],
    })


def _standard_for_keeping(request, pk: int) -> Standard:
    std = selectors.standard_detail(request.user, pk)
    if not may.may_keep(request.user, std):
        raise PermissionDenied(_("Only the standard's owner or its bureau keeps its records."))
    return std


@login_required
def device_create(request, pk: int):
    std = _standard_for_keeping(request, pk)
    form = f.DeviceForm(request.POST or None)
    return _form_page(request, form, _("Add a device"), lambda d: (
        services.device_add(actor=request.user, standard=std, **d),
        f"/traceability/standards/{std.pk}/")[1], back=std)


@login_required
def certificate_create(request, pk: int):
    std = selectors.standard_detail(request.user, pk)
    if not may.may_assess(request.user, std):
        raise PermissionDenied(_("Assessment certificates are issued by the bureau over the "
                                 "standard."))
    form = f.CertificateForm(request.POST or None)
    return _form_page(request, form, _("Issue an assessment certificate"), lambda d: (
        services.certificate_issue(actor=request.user, standard=std, **d),
        f"/traceability/standards/{std.pk}/")[1], back=std)


@login_required
def calibration_create(request, pk: int):
    std = _standard_for_keeping(request, pk)
    form = f.CalibrationForm(request.POST or None, higher=selectors.upstream_candidates(
        request.user).exclude(pk=std.pk))

    def action(data):
        services.calibration_record(actor=request.user, standard=std, **data)
        return f"/traceability/standards/{std.pk}/"

    return _form_page(request, form, _("Record a calibration"), action, back=std)


@login_required
def standard_status(request, pk: int):
    std = _standard_for_keeping(request, pk)
    form = f.StatusForm(request.POST or None, initial={"status": std.status})
    return _form_page(request, form, _("Status of the standard"), lambda d: (
        services.standard_set_status(actor=request.user, standard=std, **d),
        f"/traceability/standards/{std.pk}/")[1], back=std)


@login_required
def booking_create(request, pk: int):
    std = _standard_for_keeping(request, pk)
    form = f.BookingForm(request.POST or None)
    return _form_page(request, form, _("Book the touring standard"), lambda d: (
        services.booking_add(actor=request.user, standard=std, **d),
        f"/traceability/standards/{std.pk}/")[1], back=std)


# --- reference materials ----------------------------------------------------------------------


@login_required
def material_list(request):
    q = request.GET.get("q", "").strip()[:100]
    return render(request, "traceability/material_list.html", {
        "page": page_of(request, selectors.material_list(request.user, q)), "q": q,
        "can_add": request.user.is_bureau})


@login_required
def material_create(request):
    if not request.user.is_bureau:
        raise PermissionDenied(_("Reference materials are put on file by the bureaus."))
    form = f.MaterialForm(request.POST or None)

    def action(data):
        values = [{"property": data.pop("property_name"), "value": data.pop("value"),
                   "unit": data.pop("unit"), "U": data.pop("expanded_u"), "k": data.pop("k")}]
        material = services.material_register(actor=request.user, values=values, **data)
        return f"/traceability/materials/{material.pk}/"

    return _form_page(request, form, _("Put a reference material on file"), action)


@login_required
def material_detail(request, pk: int):
    material = selectors.material_detail(request.user, pk)
    return render(request, "traceability/material_detail.html", {
        "material": material, "lots": selectors.lot_list(request.user, material)[:200],
        "can_add_lot": _may_hold(request.user)})


@login_required
def lot_create(request, pk: int):
    material = selectors.material_detail(request.user, pk)
    if not _may_hold(request.user):
        raise PermissionDenied(_("An institution records its own lots."))
    form = scope_organisations(f.LotForm(request.POST or None), request.user)

    def action(data):
        holder = Organisation.objects.get(credit_code=data.pop("holder"))
        services.lot_add(actor=request.user, material=material, holder=holder, **data)
        return f"/traceability/materials/{material.pk}/"

    return _form_page(request, form, _("Add a lot"), action)


# --- comparisons ------------------------------------------------------------------------------


def _named(user, org) -> bool:
    """Organisations outside the viewer's scope are not named (laboratory codes instead)."""
    scope = user.scope
    return scope.everything or scope.covers_region(org.region_code) or \
        org.pk == user.organisation_id


@login_required
def comparison_list(request):
    page = page_of(request, selectors.comparison_list(request.user))
    for c in page:
        c.pilot_named = _named(request.user, c.pilot)
    return render(request, "traceability/comparison_list.html", {
        "page": page,
        "can_add": request.user.is_bureau or request.user.role == Role.INSTITUTION_MANAGER
        or request.user.role == Role.VERIFIER})


@login_required
def comparison_create(request):
    user = request.user
    form = scope_organisations(f.ComparisonForm(request.POST or None, initial={
        "organiser": (user.organisation.credit_code or user.organisation.name)
        if user.is_bureau and user.organisation_id else ""}), user)

    def action(data):
        c = services.comparison_create(actor=user, **data)
        return f"/traceability/comparisons/{c.pk}/"

    return _form_page(request, form, _("Plan a comparison"), action)


@login_required
def comparison_detail(request, pk: int):
    c = selectors.comparison_detail(request.user, pk)
    user = request.user
    parts = list(c.participants.select_related("institution", "standard"))
    for part in parts:
        part.named = _named(user, part.institution)
    c.pilot_named = _named(user, c.pilot)
    return render(request, "traceability/comparison_detail.html", {
        "c": c, "parts": parts, "can_run": may.may_run(user, c),
        "can_approve": may.may_approve(user, c) and c.state == Comparison.State.REPORTED,
        "mine": {p.pk for p in parts if p.institution_id == user.organisation_id},
    })


def _comparison_run(request, pk: int) -> Comparison:
    c = selectors.comparison_detail(request.user, pk)
    if not may.may_run(request.user, c):
        raise PermissionDenied(_("Only the organiser runs the comparison."))
    return c


@login_required
def participant_create(request, pk: int):
    c = _comparison_run(request, pk)
    form = scope_organisations(f.ParticipantForm(
        request.POST or None, standards=selectors.participant_standard_candidates(request.user)),
        request.user)

    def action(data):
        services.participant_add(actor=request.user, comparison=c, **data)
        return f"/traceability/comparisons/{c.pk}/"

    return _form_page(request, form, _("Enrol a participant"), action)


@login_required
def result_submit(request, pk: int):
    part = selectors.participant_detail(request.user, pk)
    if not (may.may_run(request.user, part.comparison)
            or may.member_of(request.user, part.institution_id)):
        raise PermissionDenied(_("Only the participant or the organiser submits its result."))
    form = f.ResultForm(request.POST or None)
    return _form_page(request, form, _("Submit a result"), lambda d: (
        services.result_submit(actor=request.user, participant=part, **d),
        f"/traceability/comparisons/{part.comparison_id}/")[1])


@login_required
def comparison_score(request, pk: int):
    c = _comparison_run(request, pk)
    form = f.ScoreForm(request.POST or None)
    return _form_page(request, form, _("Reference value and scores"), lambda d: (
        services.comparison_score(actor=request.user, comparison=c, **d),
        f"/traceability/comparisons/{c.pk}/")[1])


@login_required
def comparison_report(request, pk: int):
    c = _comparison_run(request, pk)
    form = f.ReportForm(request.POST or None, initial={"report": c.report})
    return _form_page(request, form, _("Report"), lambda d: (
        services.comparison_report(actor=request.user, comparison=c, **d),
        f"/traceability/comparisons/{c.pk}/")[1])


@login_required
@require_POST
def comparison_publish(request, pk: int):
    c = selectors.comparison_detail(request.user, pk)
    try:
        services.comparison_publish(actor=request.user, comparison=c)
        messages.success(request, _("Published."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"/traceability/comparisons/{c.pk}/")


@login_required
def follow_up(request, pk: int):
    part = selectors.participant_detail(request.user, pk)
    if not may.may_run(request.user, part.comparison):
        raise PermissionDenied(_("The organiser (or its bureau) follows up results."))
    form = f.FollowUpForm(request.POST or None, initial={"action": part.follow_up})
    return _form_page(request, form, _("Follow-up"), lambda d: (
        services.follow_up(actor=request.user, participant=part, **d),
        f"/traceability/comparisons/{part.comparison_id}/")[1])


# --- impact -----------------------------------------------------------------------------------


@login_required
def impact_list(request):
    return render(request, "traceability/impact_list.html", {
        "page": page_of(request, selectors.impact_list(request.user)),
        "notices": selectors.notices_for(request.user)[:50]})


@login_required
def impact_detail(request, pk: int):
    case = selectors.impact_detail(request.user, pk)
    return render(request, "traceability/impact_detail.html", {
        "case": case, "page": page_of(request, selectors.impact_items(request.user, case)),
        "can_open": may.bureau_over(request.user, case.region_code)
        and case.tasks_opened_at is None,
        "notices": case.notices.select_related("organisation")[:200]
        if may.bureau_over(request.user, case.region_code) else []})


@login_required
@require_POST
def impact_tasks(request, pk: int):
    case = selectors.impact_detail(request.user, pk)
    try:
        n = services.impact_open_tasks(actor=request.user, case=case)
        messages.success(request, _("Re-verification tasks opened; %(n)s owners notified.") % {
            "n": n})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"/traceability/impact/{case.pk}/")


@login_required
@require_POST
def notice_read(request, pk: int):
    notice = selectors.notices_for(request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    services.notice_mark_read(actor=request.user, notice=notice)
    return redirect("traceability:impact-list")


# --- public -----------------------------------------------------------------------------------


@public
def public_lookup(request):
    number = request.GET.get("number", "").strip()[:60]
    found = selectors.public_standard(number) if number else None
    today = timezone.localdate()
    context = {"number": number, "searched": bool(number), "today": today}
    if found:
        std, cert = found
        kinds = InstrumentKind.objects.filter(code__in=std.kinds).order_by("code")
        context.update(std=std, cert=cert, kinds=kinds,
                       in_force=cert.issued_on <= today <= cert.valid_until
                       and std.status == "active")
    return render(request, "traceability/public_lookup.html", context)


@public
def public_comparisons(request):
    return render(request, "traceability/public_comparisons.html", {
        "page": page_of(request, selectors.published_comparisons())})



# --- import -----------------------------------------------------------------------------------


@login_required
def import_page(request):
    """xlsx/csv import of standards, devices and reference-material lots (row-level errors)."""
    user = request.user
    if not (user.is_bureau or user.organisation_id):
        raise PermissionDenied(_("Your role does not import into the register."))
    sheet = request.POST.get("sheet") or request.GET.get("sheet") or "standards"
    if sheet not in importing.SHEETS:
        sheet = "standards"
    context = {"sheet": sheet, "sheets": [("standards", _("Measurement standards")),
                                          ("devices", _("Devices")),
                                          ("lots", _("Reference-material lots"))]}
    if request.method == "POST":
        try:
            kind = check_upload(request.FILES.get("file"), allowed=("xlsx", "csv"),
                                max_bytes=5 * 1024 * 1024)
            context["result"] = importing.import_sheet(sheet, request.FILES["file"].read(), kind,
                                                       actor=user)
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
        except HeaderError as error:
            context["error"] = str(error)
    return render(request, "traceability/import.html", context)


@login_required
def import_template(request, sheet: str):
    if sheet not in importing.SHEETS:
        raise Http404
    columns = [c.__class__(**{**c.__dict__, "help": str(c.help)}) for c in importing.SHEETS[sheet]]
    response = HttpResponse(template_workbook(columns, title=sheet), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = f'attachment; filename="{sheet}.xlsx"'
    return response
