"""Pages of letters of responsibility and their look-back; the bureau's supervision and heat views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.core.web import errors_onto, page_of, roles_required
from jiliang.energy import forms, selectors, services
from jiliang.energy.views.common import form_page, month_of

# --- letters of responsibility --------------------------------------------------------------

@login_required
def letter_list(request):
    due = request.GET.get("due") == "1"
    qs = selectors.letter_list(request.user, due=due)
    return render(request, "energy/letter_list.html", {"page": page_of(request, qs), "due": due})


@roles_required(bureau=True)
def letter_create(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    form = forms.LetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            letter = services.letter_create(
                actor=request.user, unit=unit, title=form.cleaned_data["title"],
                signed_on=form.cleaned_data["signed_on"], commitments=form.commitments())
            messages.success(request, _("The letter is on file."))
            return redirect("energy:letter-detail", pk=letter.pk)
    return render(request, "energy/letter_form.html", {"form": form, "unit": unit,
                                                       "rows": range(form.ROWS)})


@login_required
def letter_detail(request, pk: int):
    letter = selectors.letter_detail(request.user, pk)
    return render(request, "energy/letter_detail.html", {
        "letter": letter, "commitments": letter.commitments.all(),
        "reviews": letter.look_backs.select_related("reviewer"),
        "today": timezone.localdate(),
        "can_review": request.user.is_bureau and request.user.scope.covers_region(
            letter.region_code)})


@roles_required(bureau=True)
def letter_look_back(request, pk: int):
    letter = selectors.letter_detail(request.user, pk)
    form = forms.LookBackForm(request.POST or None, commitments=letter.commitments.all(),
                              initial={"reviewed_on": timezone.localdate()})
    return form_page(
        request, form, lambda data: services.letter_look_back(
            actor=request.user, letter=letter, reviewed_on=data["reviewed_on"],
            summary=data["summary"], outcomes=form.outcomes()),
        to=reverse("energy:letter-detail", args=[letter.pk]),
        success=_("The look-back is recorded."), unit=letter.unit,
        title=_("Look back on “%(title)s”") % {"title": letter.title})


# --- the bureau's views ---------------------------------------------------------------------

@roles_required(bureau=True)
def supervision(request):
    return render(request, "energy/supervision.html", {"found": selectors.supervision(
        request.user)})


@login_required
def heat(request):
    """Heat metering (work plan 二.7): heat meters on file, their verification and their heat."""
    month = month_of(request)
    view = selectors.heat_meters(request.user, month=month)
    return render(request, "energy/heat.html", {"view": view, "month": month,
                                                "today": timezone.localdate()})
