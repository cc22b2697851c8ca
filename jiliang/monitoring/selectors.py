"""Every read of the monitoring app, scoped to the user (``user.scope``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from jiliang.core.models import User
from jiliang.monitoring.models import Alert, Event, EventBatch, EventRefusal, Gateway

ALERT_ORGS = ("owner_id",)


def alert_list(user: User, *, state: str = "open", rule: str = "", q: str = "") -> QuerySet:
    """The bureau's queue (and an owner's own alerts), newest first."""
    qs = user.scope.filter(Alert.objects.all(), orgs=ALERT_ORGS)
    if state in Alert.State.values:
        qs = qs.filter(state=state)
    if rule:
        qs = qs.filter(rule=rule)
    if q.strip():
        text = q.strip()[:64]
        qs = qs.filter(instrument__serial_number=text) | qs.filter(
            instrument__public_code=text.upper())
    return qs.select_related("instrument__kind", "owner", "gateway").order_by("-id")


def alert_detail(user: User, pk: int) -> Alert:
    found = user.scope.filter(Alert.objects.all(), orgs=ALERT_ORGS).select_related(
        "instrument__kind", "owner", "gateway", "batch", "closed_by").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def alerts_of_instrument(user: User, instrument) -> QuerySet:
    return user.scope.filter(Alert.objects.filter(instrument=instrument),
                             orgs=ALERT_ORGS).order_by("-id")


def events_of_instrument(instrument, *, limit: int = 20) -> list[Event]:
    """The instrument's latest events (the caller has been shown the instrument)."""
    return list(Event.objects.filter(instrument_id=instrument.pk)
                .order_by("-occurred_at", "-id")[:limit])


def gateway_list(user: User) -> QuerySet:
    return user.scope.filter(Gateway.objects.all(), orgs=("organisation_id",)).select_related(
        "organisation").order_by("code")


def gateway_detail(user: User, pk: int) -> Gateway:
    found = gateway_list(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def batches_of(gateway: Gateway, *, limit: int = 50) -> list[EventBatch]:
    return list(EventBatch.objects.filter(gateway=gateway).order_by("-id")[:limit])


def refusals_of(gateway: Gateway, *, limit: int = 50) -> list[EventRefusal]:
    return list(EventRefusal.objects.filter(gateway=gateway).order_by("-id")[:limit])


def open_count(user: User) -> int:
    return user.scope.filter(Alert.objects.filter(state=Alert.State.OPEN),
                             orgs=ALERT_ORGS).count()
