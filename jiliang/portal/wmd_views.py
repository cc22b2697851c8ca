"""World Metrology Day pages: the public campaign page with its map, the bureaus' form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core.web import errors_onto, public, roles_required
from jiliang.portal import metrology_day as services
from jiliang.portal import permissions, selectors
from jiliang.portal.forms import DayForm, EventForm, MaterialForm
from jiliang.portal.models import MetrologyDay, MetrologyDayEvent
from jiliang.portal.public import label
from jiliang.portal.views import _download
from jiliang.registry.selectors import short_province_name
from jiliang.rules import news as rules


def _page(request, day: MetrologyDay | None):
    events = list(day.events.filter(state="approved").select_related("organiser")) if day else []
    names = selectors.region_names(sorted({e.region_code[:2] for e in events}))
    by_province: dict[str, list] = {}
    for event in events:
        by_province.setdefault(event.region_code[:2], []).append(event)
    groups = [{"code": code, "name": names[code], "events": rows}
              for code, rows in sorted(by_province.items())]
    chart = {"map": [{"name": short_province_name(g["name"]), "value": len(g["events"])}
                     for g in groups],
             "label": _("Events")}
    return render(request, "portal/wmd.html", {
        "day": day, "groups": groups, "chart": chart,
        "years": list(MetrologyDay.objects.values_list("year", flat=True)),
        "english": request.LANGUAGE_CODE.startswith("en"),
    })


@public
def wmd_latest(request):
    return _page(request, MetrologyDay.objects.first())


@public
def wmd_year(request, year: int):
    return _page(request, get_object_or_404(MetrologyDay, year=year))


@public
def wmd_material(request, year: int, pk: int):
    day = get_object_or_404(MetrologyDay, year=year)
    material = day.materials.filter(pk=pk).first()
    if material is None:
        raise Http404
    return _download(material)


def _province(request) -> str:
    scope = request.user.scope
    if scope.everything:
        code = request.GET.get("province") or request.POST.get("province") or "11"
        return code if code in dict(selectors.provinces()) else "11"
    return (scope.region_prefix or "")[:2]


@roles_required(bureau=True)
def wmd_manage(request, year: int):
    """Bureaus fill in their events and materials; the national administration sets the theme."""
    day = MetrologyDay.objects.filter(year=year).first()
    province = _province(request)
    prefix = request.user.scope.region_prefix or province
    regions = [(c, n) for c, n in [(province + "0000", selectors.region_names([province])[province])]
               + selectors.region_options(province) if c.startswith(prefix)]
    forms = {
        "theme": DayForm(initial={"year": year, "theme_zh": day.theme_zh if day else "",
                                  "theme_en": day.theme_en if day else "",
                                  "summary": day.summary if day else ""}),
        "event": EventForm(regions=regions),
        "material": MaterialForm(),
    }
    if request.method == "POST":
        what = request.POST.get("what")
        if what != "theme" and day is None:
            raise Http404
        post = _MANAGE_POSTS.get(what)
        done = post(request, day, year, forms, regions) if post else None
        if done is not None:
            return done
    return render(request, "portal/wmd_manage.html",
                  _manage_context(request, day, year, forms, province))


def _theme_post(request, day, year, forms, regions):
    form = forms["theme"] = DayForm(request.POST)
    if form.is_valid():
        with errors_onto(form):
            services.day_set(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("portal:wmd-manage", year=form.cleaned_data["year"])
    return None


def _event_post(request, day, year, forms, regions):
    form = forms["event"] = EventForm(request.POST, regions=regions)
    if form.is_valid():
        with errors_onto(form):
            services.event_add(actor=request.user, day=day, **form.cleaned_data)
            messages.success(request, _("The event is saved; it is on the public page "
                                        "and the map once the head of the bureau "
                                        "approves it."))
            return redirect("portal:wmd-manage", year=year)
    return None


def _material_post(request, day, year, forms, regions):
    form = forms["material"] = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        with errors_onto(form, permission_field="file"):
            services.material_add(actor=request.user, day=day,
                                  title=form.cleaned_data["title"],
                                  upload=form.cleaned_data["file"])
            messages.success(request, _("The material is added."))
            return redirect("portal:wmd-manage", year=year)
    return None


# The form a POST's ``what`` names: each returns the redirect once done, or None to show the
# page again with the form's errors.
_MANAGE_POSTS = {"theme": _theme_post, "event": _event_post, "material": _material_post}


def _manage_context(request, day, year, forms, province) -> dict:
    """The page: the bureau's own events with their states, those awaiting its decision."""
    flow = rules.workflow()
    events = list(day.events.filter(organiser=request.user.organisation)) if day else []
    for event in events:
        event.state_label = label(flow.states[event.state]["label"])
    awaiting = [(e, [(t.action, label(t.label)) for t in flow.available(e.state)
                     if permissions.may_act_on_event(request.user, e, t.action)])
                for e in request.user.scope.filter(day.events.filter(state="submitted"))
                .select_related("organiser")] if day else []
    return {
        "awaiting": [(e, actions) for e, actions in awaiting if actions],
        "resubmit": label(flow.transitions["submit"].label),
        "year": year, "day": day, "day_form": forms["theme"]
        if services.may_set_theme(request.user) else None,
        "event_form": forms["event"], "material_form": forms["material"], "events": events,
        "provinces": selectors.provinces() if request.user.scope.everything else [],
        "province": province,
    }


@require_POST
@roles_required(bureau=True)
def wmd_event_remove(request, pk: int):
    event = get_object_or_404(MetrologyDayEvent.objects.select_related("day"), pk=pk)
    if not request.user.scope.covers_region(event.region_code):
        raise Http404
    services.event_remove(actor=request.user, event=event)
    return redirect("portal:wmd-manage", year=event.day.year)


@require_POST
@roles_required(bureau=True)
def wmd_event_act(request, pk: int, action: str):
    """Approve, return (with reasons) or resubmit an event."""
    event = get_object_or_404(MetrologyDayEvent.objects.select_related("day"), pk=pk)
    if not request.user.scope.covers_region(event.region_code):
        raise Http404
    if action not in rules.workflow().transitions:
        raise Http404
    try:
        services.event_act(actor=request.user, event=event, action=action,
                           reasons=request.POST.get("reasons", "")[:2000])
    except ValidationError as error:
        for errors in error.message_dict.values():
            messages.error(request, " ".join(errors))
    else:
        messages.success(request, _("Done."))
    return redirect("portal:wmd-manage", year=event.day.year)
