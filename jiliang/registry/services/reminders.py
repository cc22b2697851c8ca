"""Reminders of due dates: to owners before, to bureaus after."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import BUREAU_KINDS, Organisation, OrgKind, User
from jiliang.registry.models import (
    Instrument,
    Reminder,
    Status,
)


@transaction.atomic
def reminder_mark_read(*, actor: User, reminder) -> None:
    if reminder.organisation_id != actor.organisation_id:
        raise PermissionDenied(_("This reminder is addressed to another organisation."))
    if reminder.read_at is None:
        reminder.read_at = timezone.now()
        reminder.save(update_fields=["read_at"])


@transaction.atomic
def reminder_mark_read_many(*, actor: User, reminders) -> int:
    """Mark reminders of the actor's organisation read at once; one ledger entry for the lot."""
    chosen = reminders.filter(organisation_id=actor.organisation_id, read_at__isnull=True)
    ids = list(chosen.values_list("pk", flat=True)[:10_000])
    if not ids:
        return 0
    count = reminders.model.objects.filter(pk__in=ids).update(read_at=timezone.now())
    audit_record(actor=actor, action="registry.reminder.read", object_type="registry.reminder",
                 object_id="", region_code=getattr(actor.organisation, "region_code", ""),
                 after={"read": ids[:100], "count": count})
    return count


def _bureaus_by_region() -> dict[str, int]:
    return {code: pk for pk, code in Organisation.objects.filter(
        kind__in=[k for k in BUREAU_KINDS if k != OrgKind.NATIONAL], is_active=True)
        .order_by("-pk").values_list("pk", "region_code")}


def bureau_for(region_code: str, bureaus: dict[str, int]) -> int | None:
    """The most local bureau on file for a division: county, then city, then province."""
    for code in (region_code, region_code[:4] + "00", region_code[:2] + "0000"):
        if code in bureaus:
            return bureaus[code]
    return None


def reminders_create(*, on: datetime.date, soon_days: int = 30, slack_days: int = 7) -> int:
    """Reminders to owners of instruments falling due within ``soon_days`` and to the bureau of
    instruments that fell overdue in the last ``slack_days`` (so a missed day is caught up).

    Idempotent: one reminder per organisation, instrument, kind and due date.
    """
    bureaus = _bureaus_by_region()
    windows = (
        (Reminder.Kind.DUE_SOON, on + datetime.timedelta(days=soon_days - slack_days),
         on + datetime.timedelta(days=soon_days)),
        (Reminder.Kind.OVERDUE, on - datetime.timedelta(days=slack_days),
         on - datetime.timedelta(days=1)),
    )
    made_today = Reminder.objects.filter(created_on=on)
    before = made_today.count()
    for kind, start, end in windows:
        qs = (Instrument.objects.filter(status=Status.IN_USE, next_due_on__gte=start,
                                        next_due_on__lte=end)
              .values_list("pk", "owner_id", "region_code", "next_due_on", "due_action")
              .order_by("next_due_on", "id"))
        batch = []
        for pk, owner_id, region, due, action in qs.iterator(chunk_size=5000):
            to = owner_id if kind == Reminder.Kind.DUE_SOON else bureau_for(region, bureaus)
            if to is None:
                continue
            batch.append(Reminder(organisation_id=to, instrument_id=pk, kind=kind,
                                  due_action=action or "", due_on=due, region_code=region,
                                  created_on=on))
            if len(batch) >= 2000:
                Reminder.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        if batch:
            Reminder.objects.bulk_create(batch, ignore_conflicts=True)
    return made_today.count() - before
