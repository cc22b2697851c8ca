"""The daily work: deemed acceptances and renewals, recounts, flags, expiries, reminders."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jiliang.audit.services import audit_record
from jiliang.licensing import conf
from jiliang.licensing.models import (
    Application,
    Licence,
    LicenceStatus,
    Purpose,
)
from jiliang.licensing.services.common import DECISION_CLOCK, RENEWAL_PENDING, iso, working_due
from jiliang.licensing.services.events import licence_summary, notify, publish
from jiliang.licensing.services.workflow import Act, application_act, set_decision_due
from jiliang.rules import licensing as rules
from jiliang.rules.deadlines import (
    CalendarNotCoveredError,
    add_working_days,
)

# --- the daily work --------------------------------------------------------------------------


def licensing_daily(*, on: datetime.date | None = None) -> dict[str, int]:
    """Deemed acceptances and renewals, dates the calendar now covers, risk flags, expiries
    and renewal reminders. Idempotent for a day: run it twice and nothing more happens."""
    on = on or timezone.localdate()
    done = {"deemed_accepted": 0, "recomputed": 0, "deemed_renewed": 0, "expired": 0,
            "reminded": 0, "at_risk": 0, "late": 0}
    # Art. 32: no notice of missing materials within the limit -> accepted from receipt.
    done["deemed_accepted"] = _deem(
        Application.objects.filter(state="submitted", acceptance_due__lt=on), "deem_accept", on)
    done["recomputed"] = _recompute_calendar_gaps()
    # Art. 50: a renewal undecided when the licence expires counts as granted.
    pending = Application.objects.filter(purpose=Purpose.RENEWAL, state__in=RENEWAL_PENDING,
                                         licence__valid_until__lt=on,
                                         licence__status=LicenceStatus.VALID)
    done["deemed_renewed"] = _deem(pending, "deem_renew", on)
    for licence in Licence.objects.filter(status=LicenceStatus.VALID,
                                          valid_until__lt=on).iterator():
        _expire(licence, on)
        done["expired"] += 1
    done.update(_flag(on))
    done["reminded"] = _remind(on)
    return done


def _deem(applications, action: str, on: datetime.date) -> int:
    """The system takes ``action`` on each application (the law deems it done); one that no
    longer allows it is passed over. How many were taken."""
    taken = 0
    for app in applications.iterator():
        try:
            application_act(actor=None, application=app, action=action, version=app.version,
                            on=on)
        except ValidationError:
            continue
        taken += 1
    return taken


def _recompute_calendar_gaps() -> int:
    """Dates counted provisionally, counted again on the years entered since.

    A date that moves is told to the applicant; a date still provisional keeps its mark.
    """
    count = 0
    for app in Application.objects.exclude(calendar_gap="").iterator():
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=app.pk)
            act = Act(app=locked, actor=None, on=timezone.localdate(), payload={})
            if locked.state == "submitted" and locked.acceptance_start:
                due, gap = working_due(locked.acceptance_start, act.limits["acceptance"])
                act.changes.update(acceptance_due=due, calendar_gap=gap)
                field = "acceptance_due"
            elif locked.state in (*DECISION_CLOCK, "suspended"):
                set_decision_due(act)
                field = "decision_due"
            else:
                act.changes["calendar_gap"] = ""
                field = ""
            if act.changes.get("calendar_gap", "") == locked.calendar_gap:
                continue
            Application.objects.filter(pk=locked.pk).update(**act.changes)
            count += 1
            old, new = getattr(locked, field) if field else None, act.changes.get(field)
            if field and old != new:
                notify(locked.applicant_id, locked.region_code, "due_moved", application=locked,
                        number=locked.number, old=iso(old), due=iso(new),
                        provisional=act.changes.get("calendar_gap", ""))
            audit_record(actor=None, action="licensing.application.recount", obj=locked,
                         before={field: iso(old), "provisional": locked.calendar_gap}
                         if field else {"provisional": locked.calendar_gap},
                         after={field: iso(new), "provisional": act.changes.get("calendar_gap")}
                         if field else {"provisional": ""})
    return count


def calendar_entered(**_kwargs) -> None:
    """A year of the holiday notice was entered: count the provisional dates again now."""
    _recompute_calendar_gaps()


def _flag(on: datetime.date) -> dict[str, int]:
    """Set-based: "late" past the decision due date, "at_risk" within the warning days."""
    try:
        bound = add_working_days(on, conf.at_risk_days())
    except CalendarNotCoveredError:
        bound = on + datetime.timedelta(days=conf.at_risk_days())
    running = Application.objects.filter(state__in=DECISION_CLOCK, decision_due__isnull=False)
    late = running.filter(decision_due__lt=on).exclude(flag="late").update(flag="late")
    at_risk = (running.filter(decision_due__gte=on, decision_due__lte=bound)
               .exclude(flag="at_risk").update(flag="at_risk"))
    Application.objects.exclude(flag="").filter(
        ~Q(state__in=DECISION_CLOCK) | Q(decision_due__isnull=True) | Q(decision_due__gt=bound)
    ).update(flag="")
    return {"late": late, "at_risk": at_risk}


# How late the daily task may find an expiry and still tell the holder (days it did not run).
EXPIRY_NOTICE_SLACK = datetime.timedelta(days=30)


@transaction.atomic
def _expire(licence: Licence, on: datetime.date) -> None:
    locked = Licence.objects.select_for_update().get(pk=licence.pk)
    if locked.status != LicenceStatus.VALID or locked.valid_until is None:
        return
    Licence.objects.filter(pk=locked.pk).update(
        status=LicenceStatus.EXPIRED, ended_on=locked.valid_until + datetime.timedelta(days=1),
        version=locked.version + 1)
    locked.refresh_from_db()
    # published on the day it expired, not the day the daily task noticed it
    publish(locked, "expired", actor=None, on=locked.ended_on, article="Art. 70")
    if on - locked.valid_until <= EXPIRY_NOTICE_SLACK:
        # A certificate put on file from the archives long after it ended is published and
        # audited as expired, but its holder is not told news that is years old.
        notify(locked.holder_id, locked.region_code, "expired", licence=locked,
                certificate=locked.number)
    audit_record(actor=None, action="licensing.licence.expire", obj=locked,
                 after=licence_summary(locked))


def _remind(on: datetime.date) -> int:
    """Remind holders by each type's renewal window: when it opens, and 30 days before it closes."""
    count = 0
    opens_days = conf.renewal_opens_days()
    for code, lt in rules.licence_types().items():
        if not lt.get("renewal") or not lt.open_now:
            continue
        # The latest expiry whose window could be open today.
        horizon = on + datetime.timedelta(days=opens_days + 400)
        candidates = Licence.objects.filter(type_code=code, status=LicenceStatus.VALID,
                                            valid_until__gte=on, valid_until__lte=horizon)
        for licence in candidates.iterator():
            opens, closes = lt.renewal_window(licence.valid_until, opens_days=opens_days)
            stage = None
            if closes - datetime.timedelta(days=30) <= on <= closes:
                stage = "closing"
            elif opens <= on <= closes:
                stage = "open"
            if stage is None or stage in licence.reminded:
                continue
            with transaction.atomic():
                Licence.objects.filter(pk=licence.pk).update(
                    reminded=[*licence.reminded, stage])
                notify(licence.holder_id, licence.region_code, f"renewal_{stage}",
                        licence=licence, certificate=licence.number,
                        opens=opens.isoformat(), closes=closes.isoformat(),
                        valid_until=licence.valid_until.isoformat())
            count += 1
    return count
