"""The registry's reads narrowed to the caller's scope: instruments, records, due dates, meter
batches, reminders, label sheets and import jobs.

Bureaus see their region (the province as an equality on ``province_code``,
so the indexes read in order); an enterprise its own instruments; an
institution the instruments it verified last and the records it issued.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jiliang.catalog.models import InstrumentKind
from jiliang.catalog.selectors import left_kind_ids
from jiliang.core.lists import owner_filter, text_search
from jiliang.core.models import Role, User
from jiliang.registry.models import (
    ImportJob,
    Instrument,
    LabelSheet,
    MeterBatch,
    Reminder,
    Status,
    VerificationRecord,
)
from jiliang.rules import verification as rules

INSTRUMENT_ORGS = ("owner", "last_institution")
RECORD_ORGS = ("owner", "institution")


def _scoped_instruments(user: User) -> QuerySet:
    return user.scope.filter(Instrument.objects.all(), orgs=INSTRUMENT_ORGS)


def instrument_list(
    user: User,
    *,
    kind: str = "",
    use: str = "",
    status: str = "",
    region: str = "",
    owner: int | Sequence[int] | None = None,
    q: str = "",
) -> QuerySet:
    qs = _scoped_instruments(user).select_related("kind", "owner")
    qs = _filters(qs, kind=kind, use=use, region=region, owner=owner)
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(_instrument_search(user, q))
    return qs.order_by("-id")


def kind_id(code: str) -> int:
    """The kind's key, so the filter is an equality the (province, kind, due) index can use."""
    found = InstrumentKind.objects.filter(code=code).values_list("pk", flat=True).first()
    return found or 0


def _filters(qs: QuerySet, *, kind: str = "", use: str = "", region: str = "",
             owner: int | Sequence[int] | None = None) -> QuerySet:
    if kind:
        qs = qs.filter(kind_id=kind_id(kind))
    if use:
        qs = qs.filter(use=use)
    if region and region.isdigit():
        if len(region) >= 2:
            qs = qs.filter(province_code=region[:2])
        qs = qs.filter(region_code__startswith=region)
    if isinstance(owner, list | tuple):
        qs = qs.filter(owner_id__in=owner) if owner else qs.none()
    elif owner:
        qs = qs.filter(owner_id=owner)
    return qs


def _instrument_search(user: User, q: str) -> Q:
    """``q`` on instruments: the serial number, the public (label) code, or the owner by
    credit code or name (the owners the user may see)."""
    cond = text_search(q, exact=["serial_number"], upper=["public_code"])
    owners = owner_filter(user, q)
    if owners.ids:
        cond |= Q(owner_id__in=owners.ids)
    return cond


def instrument_detail(user: User, pk: int) -> Instrument:
    found = _scoped_instruments(user).select_related("kind", "owner", "last_institution", "batch") \
        .filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def instrument_for_verification(user: User, *, public_code: str) -> Instrument | None:
    """The instrument a verifier has in front of them, by its label code.

    Verifiers find instruments outside their scope this way (they verify what
    is brought to them); the lookup needs the unguessable code.
    """
    if user.role not in (Role.VERIFIER, Role.INSTITUTION_MANAGER) or not public_code:
        return None
    return Instrument.objects.select_related("kind", "owner").filter(
        public_code=public_code.strip().upper()).first()


def instrument_records(user: User, instrument: Instrument) -> QuerySet:
    """The records of an instrument the caller may see (already scoped through the instrument)."""
    return VerificationRecord.objects.filter(instrument=instrument).select_related(
        "institution", "supersedes").order_by("-verified_on", "-id")


def due_list(
    user: User,
    *,
    window: str = "overdue",
    kind: str = "",
    use: str = "",
    region: str = "",
    owner: int | Sequence[int] | None = None,
    q: str = "",
    today: datetime.date | None = None,
) -> QuerySet:
    """Overdue (next due date passed) or due within 30/60/90 days; in due-date order.

    Read through the partial indexes (province_code, next_due_on, id) and
    (province_code, kind_id, next_due_on, id) WHERE status = 'in_use'.
    """
    today = today or timezone.localdate()
    start, end = rules.due_window(today, window)
    qs = _scoped_instruments(user).filter(status=Status.IN_USE, next_due_on__isnull=False)
    if left := left_kind_ids(today):  # catalogue (#14): kinds no longer under compulsory verification
        qs = qs.exclude(kind_id__in=left)
    if start is not None:
        qs = qs.filter(next_due_on__gte=start)
    qs = qs.filter(next_due_on__lte=end)
    qs = _filters(qs, kind=kind, use=use, region=region, owner=owner)
    if q.strip():
        qs = qs.filter(_instrument_search(user, q))
    return qs.select_related("kind", "owner").order_by("next_due_on", "id")


def record_list(user: User, *, conclusion: str = "", kind: str = "", q: str = "") -> QuerySet:
    """Records; ``q`` is a certificate number, a serial or public code, or the owner."""
    qs = user.scope.filter(VerificationRecord.objects.all(), orgs=RECORD_ORGS)
    if conclusion:
        qs = qs.filter(conclusion=conclusion)
    if kind:
        qs = qs.filter(instrument__kind__code=kind)
    if q.strip():
        cond = text_search(q, exact=["certificate_no", "instrument__serial_number"],
                           upper=["instrument__public_code"])
        owners = owner_filter(user, q)
        if owners.ids:
            cond |= Q(owner_id__in=owners.ids)
        qs = qs.filter(cond)
    return qs.select_related("instrument__kind", "institution", "owner").order_by("-id")


def record_detail(user: User, pk: int) -> VerificationRecord:
    found = user.scope.filter(VerificationRecord.objects.all(), orgs=RECORD_ORGS).select_related(
        "instrument__kind", "institution", "owner", "supersedes", "batch").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def batch_list(user: User) -> QuerySet:
    return user.scope.filter(MeterBatch.objects.all(), orgs=("owner", "institution")) \
        .select_related("kind", "owner", "institution").order_by("-id")


def batch_detail(user: User, pk: int) -> MeterBatch:
    found = batch_list(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def reminder_list(user: User, *, unread: bool = False, kind: str = "", due_action: str = "",
                  q: str = "") -> QuerySet:
    """The reminders addressed to the user's organisation; ``q`` a serial, code or owner."""
    if not user.is_authenticated or user.organisation_id is None:
        return Reminder.objects.none()
    qs = Reminder.objects.filter(organisation_id=user.organisation_id)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if due_action:
        qs = qs.filter(due_action=due_action)
    if q.strip():
        qs = qs.filter(text_search(q, exact=["instrument__serial_number"],
                                   upper=["instrument__public_code",
                                          "instrument__owner__credit_code"],
                                   contains=["instrument__owner__name"]))
    return qs.select_related("instrument__kind", "instrument__owner").order_by("-id")


def label_sheet(user: User, pk: int):
    """A label sheet the user asked for (404 otherwise)."""
    found = LabelSheet.objects.filter(created_by=user, pk=pk).defer("pdf").first()
    if found is None:
        raise Http404
    return found


def import_jobs(user: User) -> QuerySet:
    return ImportJob.objects.filter(created_by=user).defer("data", "errors_xlsx").order_by("-id")


def import_job(user: User, pk: int) -> ImportJob:
    found = ImportJob.objects.filter(created_by=user, pk=pk).defer("data").first()
    if found is None:
        raise Http404
    return found
