"""Impact analysis: when a standard is suspended or found out of tolerance, the verifications it
backed since its last good calibration, the case that follows them up, its tasks and notices."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import Organisation, User
from jiliang.registry.models import VerificationRecord
from jiliang.traceability import permissions as may
from jiliang.traceability.models import (
    Calibration,
    ImpactCase,
    ImpactItem,
    ImpactNotice,
    Standard,
)
from jiliang.traceability.services.common import deny


def last_good_calibration(standard: Standard, before: datetime.date) -> datetime.date | None:
    """The date of the last in-tolerance calibration before ``before`` (the start of doubt)."""
    return (Calibration.objects.filter(standard=standard, calibrated_on__lt=before,
                                       result=Calibration.Result.IN_TOLERANCE)
            .order_by("-calibrated_on").values_list("calibrated_on", flat=True).first())


def affected(standard: Standard, since: datetime.date, until: datetime.date):
    """(standard id, doubted from) for the standard and every standard calibrated downstream of
    it while in doubt: a child is in doubt from its first calibration with a doubted parent on or
    after the day the parent's doubt began (the whole subtree, breadth first)."""
    doubted = {standard.pk: since}
    frontier = [standard.pk]
    while frontier:
        rows = (Calibration.objects.filter(higher_standard_id__in=frontier)
                .values_list("standard_id", "higher_standard_id", "calibrated_on"))
        following = []
        for child, parent, day in rows:
            if day < doubted[parent] or day > until:
                continue
            if child not in doubted or day < doubted[child]:
                if child not in doubted:
                    following.append(child)
                doubted[child] = day
        frontier = following
    return doubted


@transaction.atomic
def impact_open(*, actor: User | None, standard: Standard, reason: str,
                until: datetime.date, calibration: Calibration | None = None) -> ImpactCase:
    """List every certificate issued with the standard since its last good calibration, and with
    the standards downstream of it, as an impact case."""
    since = last_good_calibration(standard, until) or datetime.date(1900, 1, 1)
    case = ImpactCase.objects.create(standard=standard, calibration=calibration, reason=reason,
                                     since=since, until=until, region_code=standard.region_code,
                                     province_code=standard.province_code)
    items = []
    for sid, start in affected(standard, since, until).items():
        records = (VerificationRecord.objects
                   .filter(standard_id=sid, verified_on__gte=start, verified_on__lte=until,
                           corrections__isnull=True)
                   .values_list("pk", "instrument_id", "owner_id", "institution_id",
                                "verified_on"))
        items += [ImpactItem(case=case, record_id=pk, instrument_id=inst, owner_id=owner,
                             institution_id=institution, standard_id=sid, verified_on=day)
                  for pk, inst, owner, institution, day in records.iterator(chunk_size=2000)]
    ImpactItem.objects.bulk_create(items, batch_size=2000)
    audit_record(actor=actor, action="traceability.impact.open", obj=case,
                 after={"standard": standard.pk, "reason": reason, "since": since.isoformat(),
                        "until": until.isoformat(), "certificates": len(items)})
    return case


@transaction.atomic
def impact_open_tasks(*, actor: User | None, case: ImpactCase) -> int:
    """The bureau opens the re-verification task list; each affected owner gets a notice."""
    if not may.bureau_over(actor, case.region_code):
        deny(_("The bureau over the standard opens the re-verification tasks."))
    if case.tasks_opened_at is not None:
        raise ValidationError({"case": [_("The re-verification tasks are open already.")]})
    case.tasks_opened_at = timezone.now()
    ImpactCase.objects.filter(pk=case.pk).update(tasks_opened_at=case.tasks_opened_at)
    ImpactItem.objects.filter(case=case, resolved_by__isnull=True).update(task_open=True)
    counts: dict[int, int] = {}
    for owner in case.items.values_list("owner_id", flat=True):
        counts[owner] = counts.get(owner, 0) + 1
    regions = dict(Organisation.objects.filter(pk__in=counts).values_list("pk", "region_code"))
    ImpactNotice.objects.bulk_create([
        ImpactNotice(case=case, organisation_id=owner, certificates=n, region_code=regions[owner])
        for owner, n in sorted(counts.items())])
    audit_record(actor=actor, action="traceability.impact.tasks", obj=case,
                 after={"owners": len(counts), "certificates": sum(counts.values())})
    return len(counts)


def impact_resolve(*, instrument_id: int, record) -> int:
    """A pass with a sound standard closes the instrument's open impact items (called by the
    registry's service inside its transaction)."""
    if record.conclusion != "pass" or record.standard_id is None:
        return 0
    return ImpactItem.objects.filter(instrument_id=instrument_id, resolved_by__isnull=True,
                                     verified_on__lte=record.verified_on).exclude(
        record_id=record.pk).update(resolved_by=record, task_open=False)


@transaction.atomic
def notice_mark_read(*, actor: User, notice: ImpactNotice) -> None:
    if notice.organisation_id != actor.organisation_id:
        deny(_("This notice is addressed to another organisation."))
    ImpactNotice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
