"""Pages of the people app: thin, each a selector or a service behind a form."""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.audit.models import LedgerEntry
from jiliang.core.caching import rows_cache
from jiliang.core.forms import scope_organisations
from jiliang.core.models import Organisation
from jiliang.core.tabular import template_workbook
from jiliang.core.uploads import check_upload
from jiliang.core.web import (
    apply_errors,
    errors_onto,
    page_of,
    public,
    roles_required,
    xlsx_response,
)
from jiliang.licensing.selectors import authorisation_scopes
from jiliang.people import importing, permissions, selectors, services
from jiliang.people.forms import (
    CpdForm,
    ImportForm,
    LookupForm,
    PersonForm,
    QualificationForm,
    RectifyForm,
    ReviewForm,
    SignatoryForm,
    StationForm,
)
from jiliang.people.models import Conversion, Qualification, Review, StationKind
from jiliang.rules import coverage as rules
from jiliang.rules.identifiers import region_prefix


@login_required
def person_list(request):
    q = request.GET.get("q", "").strip()[:60]
    qs = selectors.people_list(request.user, q=q).order_by("organisation__name", "name", "id")
    year = timezone.localdate().year - 1
    required, source = selectors.cpd_requirement()
    below = {row["person"].pk for row in selectors.cpd_below(request.user, year)}
    return render(request, "people/person_list.html", {
        "page": page_of(request, qs), "q": q, "below": below, "year": year,
        "required": required, "source": source,
        "can_add": request.user.is_bureau or request.user.role in permissions.INSTITUTION_ROLES,
    })


def _organisation_for(user, code: str) -> Organisation:
    if not user.is_bureau:
        if user.organisation is None or not user.organisation.is_institution:
            raise PermissionDenied(_("An institution keeps the records of its own people; a "
                                     "bureau those of the institutions in its region."))
        return user.organisation
    org = Organisation.objects.filter(credit_code=(code or "").strip().upper()).first()
    if org is None or not org.is_institution:
        raise ValidationError({"organisation_credit_code": [_(
            "No institution with this credit code is on file.")]})
    return org


@login_required
def person_create(request):
    form = scope_organisations(PersonForm(request.POST or None), request.user)
    if not request.user.is_bureau:
        del form.fields["organisation_credit_code"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_onto(form):
            org = _organisation_for(request.user, data.get("organisation_credit_code", ""))
            person = services.person_create(actor=request.user, organisation=org,
                                            name=data["name"], id_card=data["id_card"])
            messages.success(request, _("Added: %(name)s.") % {"name": person.name})
            return redirect("people:person-detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form})


@login_required
def person_detail(request, pk: int):
    person = selectors.person_detail(request.user, pk)
    required, source = selectors.cpd_requirement()
    can_keep = permissions.may_keep_people(request.user, person.organisation)
    return render(request, "people/person_detail.html", {
        "person": person, "qualifications": person.qualifications.order_by("kind", "-valid_from"),
        "terms": person.signatory_terms.all(), "cpd": selectors.cpd_rows(person),
        "exams": person.exams.all(), "conversions": person.conversions.select_related(
            "certificate", "registration"),
        "required": required, "source": source, "can_keep": can_keep,
        "can_decide": permissions.bureau_over(request.user, person.region_code)
        and request.user.is_bureau,
        "qualification_form": QualificationForm(), "signatory_form": SignatoryForm(),
        "cpd_form": CpdForm(initial={"year": timezone.localdate().year - 1}),
    })


def _post_form(request, pk: int, form_class, call, done: str):
    person = selectors.person_detail(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(person, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("people:person-detail", pk=person.pk)
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''} "
                                    f"{error}".strip())
    return redirect("people:person-detail", pk=person.pk)


@login_required
@require_POST
def qualification_add(request, pk: int):
    return _post_form(request, pk, QualificationForm, lambda person, d: services.qualification_add(
        actor=request.user, person=person, kind=d["kind"], number=d["number"], items=d["items"],
        valid_from=d["valid_from"], valid_until=d["valid_until"], issuer=d["issuer"],
        grade=d["grade"], speciality=d["speciality"]), _("Qualification added."))


@login_required
@require_POST
def signatory_add(request, pk: int):
    return _post_form(request, pk, SignatoryForm, lambda person, d: services.signatory_add(
        actor=request.user, person=person, valid_from=d["valid_from"],
        valid_until=d["valid_until"], note=d["note"]), _("Added to the signatory list."))


@login_required
@require_POST
def cpd_record(request, pk: int):
    return _post_form(request, pk, CpdForm, lambda person, d: services.cpd_record(
        actor=request.user, person=person, year=d["year"], hours=d["hours"], note=d["note"]),
        _("Hours recorded."))


@login_required
@require_POST
def conversion_request(request, pk: int):
    q = get_object_or_404(Qualification.objects.filter(
        person__in=selectors.people_list(request.user)), pk=pk)
    try:
        services.conversion_request(actor=request.user, certificate=q, on=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Conversion requested."))
    return redirect("people:person-detail", pk=q.person_id)


@login_required
@require_POST
def conversion_decide(request, pk: int):
    row = get_object_or_404(Conversion.objects.filter(
        person__in=selectors.people_list(request.user)), pk=pk)
    try:
        row = services.conversion_decide(actor=request.user, conversion=row,
                                         on=timezone.localdate(),
                                         number=request.POST.get("number", "")[:60])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, row.get_state_display())
    return redirect("people:person-detail", pk=row.person_id)


@login_required
def person_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with errors_onto(form):
            kind = check_upload(upload, allowed=("xlsx", "csv"), max_bytes=5 * 1024 * 1024)
            result = importing.import_people(upload.read(), kind, actor=request.user)
    return render(request, "people/import.html", {"form": form, "result": result,
                                                  "columns": importing.COLUMNS})


@login_required
def import_template(request):
    columns = [replace(c, help=str(c.help)) for c in importing.COLUMNS]
    data = template_workbook(columns, title="people")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="people-template.xlsx"'
    return response


@public
def public_registration(request):
    form = LookupForm(request.GET or None)
    found = None
    missing = False
    if form.is_valid():
        try:
            found = selectors.public_registration(form.cleaned_data["number"])
        except Http404:  # shown as "not found" on the page itself
            missing = True
    return render(request, "people/public_registration.html", {
        "form": form, "found": found, "missing": missing})


# --- coverage (四.5), stations (四.2, 四.6), authorisations and their examinations ----------


def _coverage_prefix(request) -> str | None:
    scope = request.user.scope
    wanted = "".join(ch for ch in request.GET.get("region", "") if ch.isdigit())[:6]
    if scope.everything:
        return wanted[:2] and region_prefix_of(wanted) or None
    prefix = scope.region_prefix or ""
    if wanted and region_prefix_of(wanted).startswith(prefix):
        return region_prefix_of(wanted)
    return prefix


def region_prefix_of(code: str) -> str:
    try:
        return region_prefix(code.ljust(6, "0"))
    except Exception:  # not a division code: no narrowing
        return ""


@roles_required(bureau=True)
def coverage(request):
    prefix = _coverage_prefix(request)
    on = timezone.localdate()
    if request.GET.get("format") == "xlsx":
        counties, kinds, cells = selectors.coverage(prefix, on=on) if prefix else ([], [], [])
        county_names, kind_names = dict(counties), dict(kinds)
        words = {rules.NONE: _("no institution authorised"),
                 rules.ONE_ENDING: _("one institution, authorisation ending within 6 months"),
                 rules.COVERED: _("covered")}
        return xlsx_response(
            f"coverage-{prefix}.xlsx",
            [_("Division code"), _("County"), _("Kind"), _("Institutions"), _("Coverage"),
             _("Authorisation ends")],
            ((c.county, county_names[c.county], kind_names[c.kind], c.institutions,
              str(words[c.status]), c.ends_on.isoformat() if c.ends_on else "")
             for c in cells), title=str(_("Coverage")))
    # The page (a province: 7,808 cells, 500 gaps listed) is kept per scope, query, language
    # and day while the ledger stays: every write to authorisations, catalogue or licences
    # leaves an entry there.
    return render(request, "people/coverage.html", {
        "prefix": prefix, "on": on,
        "cov": _Coverage(lambda: selectors.coverage(prefix, on=on) if prefix else ([], [], [])),
        **rows_cache(request, _ledger_version),
    })


def _ledger_version() -> int | None:
    return LedgerEntry.objects.aggregate(newest=Max("id"))["newest"]


class _Coverage:
    """The gaps and the chart, worked out when the template first reads them."""

    def __init__(self, load):
        self._load = load

    @cached_property
    def _read(self):
        counties, kinds, cells = self._load()
        county_names, kind_names = dict(counties), dict(kinds)
        return counties, kinds, cells, county_names, kind_names

    @property
    def counties(self) -> int:
        return len(self._read[0])

    @property
    def kinds(self) -> int:
        return len(self._read[1])

    @cached_property
    def _gaps(self) -> list:
        return [c for c in self._read[2] if c.status != rules.COVERED]

    @property
    def gaps(self) -> list:
        _c, _k, _cells, county_names, kind_names = self._read
        return [(c, county_names[c.county], kind_names[c.kind]) for c in self._gaps[:500]]

    @property
    def gap_count(self) -> int:
        return len(self._gaps)

    @cached_property
    def chart(self) -> dict:
        # Positions by dictionary, names joined here: tens of thousands of cells in a province.
        counties, kinds, cells, _cn, _kn = self._read
        kind_at = {k: i for i, (k, _n) in enumerate(kinds)}
        county_at = {c: i for i, (c, _n) in enumerate(counties)}
        level = {rules.NONE: 0, rules.ONE_ENDING: 1, rules.COVERED: 2}
        return {"counties": [n for _c, n in counties], "kinds": [n for _k, n in kinds],
                "cells": [[kind_at[c.kind], county_at[c.county], level[c.status]]
                          for c in cells],
                "labels": [str(_("no institution authorised")),
                           str(_("one institution, authorisation ending within 6 months")),
                           str(_("covered"))]}


@public
def station_list(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in StationKind.values else ""
    return render(request, "people/station_list.html", {
        "page": page_of(request, selectors.public_stations(kind=kind)), "kind": kind,
        "kinds": StationKind.choices,
        "can_add": request.user.is_authenticated and request.user.is_bureau})


@public
def station_detail(request, pk: int):
    station = get_object_or_404(selectors.public_stations(), pk=pk)
    reviews = selectors.station_reviews(request.user, station)
    can_review = request.user.is_authenticated and permissions.may_examine(
        request.user, station.region_code) and request.user.is_bureau
    form = ReviewForm(request.POST or None) if can_review else None
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied(_("The register of stations is kept by the bureau over them."))
        if form.is_valid():
            with errors_onto(form):
                services.review_record(actor=request.user, station=station, **form.cleaned_data)
                messages.success(request, _("Recorded."))
                return redirect("people:station-detail", pk=station.pk)
    return render(request, "people/station_detail.html", {
        "station": station, "reviews": reviews, "form": form,
        "rectify_form": RectifyForm() if can_review else None})


@roles_required(bureau=True)
def station_create(request):
    form = StationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            station = services.station_register(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Added: %(name)s.") % {"name": station.name})
            return redirect("people:station-detail", pk=station.pk)
    return render(request, "people/station_form.html", {"form": form})


@login_required
@require_POST
def review_rectified(request, pk: int):
    review = get_object_or_404(Review, pk=pk)
    if not (request.user.is_bureau and request.user.scope.covers_region(review.region_code)):
        raise Http404
    form = RectifyForm(request.POST)
    if form.is_valid():
        try:
            services.review_rectified(actor=request.user, review=review,
                                      on=form.cleaned_data["rectified_on"],
                                      rectification=form.cleaned_data["rectification"])
            messages.success(request, _("Recorded."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    if review.station_id:
        return redirect("people:station-detail", pk=review.station_id)
    return redirect("people:authorisation-detail", pk=review.licence_id)


@login_required
def authorisation_list(request):
    return render(request, "people/authorisation_list.html", {
        "page": page_of(request, selectors.authorisation_list(request.user))})


@login_required
def authorisation_detail(request, pk: int):
    licence = selectors.authorisation_detail(request.user, pk)
    can_examine = request.user.is_bureau and permissions.may_examine(request.user,
                                                                     licence.region_code)
    form = ReviewForm(request.POST or None) if can_examine else None
    if request.method == "POST":
        if not can_examine:
            raise PermissionDenied(_("The register of stations is kept by the bureau over them."))
        if form.is_valid():
            with errors_onto(form):
                services.review_record(actor=request.user, licence=licence, **form.cleaned_data)
                messages.success(request, _("Recorded."))
                return redirect("people:authorisation-detail", pk=licence.pk)
    scopes = [s for s in authorisation_scopes(licence.holder_id) if s.number == licence.number]
    return render(request, "people/authorisation_detail.html", {
        "licence": licence, "scopes": scopes, "form": form,
        "examinations": Review.objects.filter(licence=licence),
        "rectify_form": RectifyForm() if can_examine else None})


@public
def public_institutions(request):
    q = request.GET.get("q", "").strip()[:100]
    return render(request, "people/public_institutions.html", {
        "q": q, "rows": selectors.public_institutions(q) if q else []})
