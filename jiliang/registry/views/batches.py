"""Meter batches (first verification of utility meters) and the reminders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core.lists import sort_by
from jiliang.core.params import is_id
from jiliang.core.web import errors_onto, page_of, roles_required
from jiliang.people.selectors import signing_people
from jiliang.registry import permissions, selectors, services
from jiliang.registry.forms import BatchForm
from jiliang.registry.models import DueAction, Reminder
from jiliang.registry.views.common import VERIFIERS, failed_items_from, list_query, local_today

# --- batches ----------------------------------------------------------------------------------


@login_required
def batch_list(request):
    return render(request, "registry/batch_list.html", {
        "page": page_of(request, selectors.batch_list(request.user)),
        "can_record": permissions.may_verify(request.user),
    })


@roles_required(*VERIFIERS)
def batch_create(request):
    form = BatchForm(request.POST or None, initial={"verified_on": local_today(), "household": True},
                     people=signing_people(request.user.organisation),
                     standards=selectors.standard_choices(request.user.organisation_id))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["serials"] = [s.strip() for s in data["serials"].splitlines() if s.strip()]
        data["failed_items"] = failed_items_from(data["failed_items"])
        with errors_onto(form):
            batch = services.batch_record(actor=request.user, **data)
            messages.success(request, _("Batch %(no)s recorded: %(n)s meters.") % {
                "no": batch.certificate_no, "n": batch.quantity})
            return redirect("registry:batch-detail", pk=batch.pk)
    return render(request, "registry/batch_form.html", {"form": form})


@login_required
def batch_detail(request, pk: int):
    batch = selectors.batch_detail(request.user, pk)
    meters = batch.meters.order_by("serial_number")
    record = batch.records.order_by("id").first()
    return render(request, "registry/batch_detail.html", {
        "batch": batch, "page": page_of(request, meters), "record": record})


# --- reminders --------------------------------------------------------------------------------


@login_required
def reminder_list(request):
    unread = request.GET.get("unread") == "1"
    kind, action = request.GET.get("kind", ""), request.GET.get("action", "")
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.reminder_list(request.user, unread=unread, kind=kind, due_action=action, q=q)
    keys = ("unread", "kind", "action", "q")
    qs, sort = sort_by(request, qs, REMINDER_COLUMNS, "-made", keep=keys)
    return render(request, "registry/reminder_list.html", {
        "page": page_of(request, qs), "today": local_today(), "sort": sort, "unread": unread,
        "kind": kind, "action": action, "q": q, "kinds": Reminder.Kind.choices,
        "actions": DueAction.choices, "query": list_query(request, *keys, "sort")})


REMINDER_COLUMNS = {
    "made": ("created_on",), "owner": ("instrument__owner__name",), "due": ("due_on",),
}


@require_POST
@login_required
def reminder_read(request, pk: int):
    reminder = get_object_or_404(selectors.reminder_list(request.user), pk=pk)
    services.reminder_mark_read(actor=request.user, reminder=reminder)
    return redirect("registry:reminder-list")


@require_POST
@login_required
def reminder_read_many(request):
    """Mark the ticked reminders read, or every unread one the filters show (``all``)."""
    qs = selectors.reminder_list(request.user, unread=True)
    if request.POST.get("all") == "1":
        chosen = qs
    else:
        ids = [int(v) for v in request.POST.getlist("ids")[:500] if is_id(v)]
        chosen = qs.filter(pk__in=ids)
    count = services.reminder_mark_read_many(actor=request.user, reminders=chosen)
    messages.success(request, _("Reminders marked as read: %(n)s.") % {"n": count})
    return redirect("registry:reminder-list")
