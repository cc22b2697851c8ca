"""Pages of the people app: thin, each a selector or a service behind a form."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core.models import Organisation
from jiliang.core.tabular import template_workbook
from jiliang.core.uploads import check_upload
from jiliang.core.web import apply_errors, errors_onto, page_of, public
from jiliang.people import importing, permissions, selectors, services
from jiliang.people.forms import (
    CpdForm,
    ImportForm,
    LookupForm,
    PersonForm,
    QualificationForm,
    SignatoryForm,
)
from jiliang.people.models import Conversion, Qualification


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
    form = PersonForm(request.POST or None)
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
