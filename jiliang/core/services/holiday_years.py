"""The holiday calendar: one year of the State Council's notice entered (or corrected) by the
national administration; the deadlines counted through the year follow on commit."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.holidays import calendar_changed, forget
from jiliang.core.models import HolidayYear, Role, User


def _dates_of(values, *, year: int, field: str) -> list[str]:
    out = set()
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError({field: [_("“%(value)s” is not a date as YYYY-MM-DD.") % {
                "value": text[:20]}]}) from None
        if day.year != year:
            raise ValidationError({field: [_("%(day)s is not in %(year)s.") % {
                "day": day.isoformat(), "year": year}]})
        out.add(day.isoformat())
    return sorted(out)


def holiday_year_clean(*, year, holidays, workdays, source) -> tuple[list[str], list[str], str]:
    """The notice's days off and adjusted working days as sorted ISO dates, or the errors."""
    if not isinstance(year, int) or not 2000 <= year <= 2099:
        raise ValidationError({"year": [_("Give a year between 2000 and 2099.")]})
    source = (source or "").strip()
    if not source:
        raise ValidationError({"source": [_("Name the notice: its number, date and where it "
                                            "was published.")]})
    days_off = _dates_of(holidays, year=year, field="holidays")
    if not days_off:
        raise ValidationError({"holidays": [_("Give the days off of the notice.")]})
    working = _dates_of(workdays, year=year, field="workdays")
    both = sorted(set(days_off) & set(working))
    if both:
        raise ValidationError({"workdays": [_("%(day)s cannot be both a day off and a working "
                                              "day.") % {"day": both[0]}]})
    weekdays = [d for d in working if datetime.date.fromisoformat(d).weekday() < 5]
    if weekdays:
        raise ValidationError({"workdays": [_("%(day)s is a weekday: an adjusted working day "
                                              "is a Saturday or a Sunday.") % {"day": weekdays[0]}]})
    return days_off, working, source


@transaction.atomic
def holiday_year_enter(*, actor: User, year: int, holidays, workdays, source: str) -> HolidayYear:
    """Enter (or correct) one year of the State Council's holiday notice.

    Only the national administration keeps the calendar. Deadlines counted provisionally
    through the year are recomputed once the change is committed (``calendar_changed``).
    """
    if actor is None or actor.role != Role.NATIONAL_ADMIN:
        raise PermissionDenied(_("Only the national administration keeps the holiday calendar."))
    days_off, working, source = holiday_year_clean(year=year, holidays=holidays,
                                                   workdays=workdays, source=source)
    existing = HolidayYear.objects.select_for_update().filter(year=year).first()
    fields = ("year", "holidays", "workdays", "source")
    before = snapshot(existing, fields) if existing else None
    row = existing or HolidayYear(year=year)
    row.holidays, row.workdays, row.source = days_off, working, source
    row.save()
    audit_record(actor=actor, action=f"holidays.{'change' if existing else 'add'}", obj=row,
                 object_type="core.holidayyear", object_id=year, region_code="",
                 before=before, after=snapshot(row, fields))

    forget()

    def changed() -> None:
        forget()
        calendar_changed.send(sender=HolidayYear, year=year)

    transaction.on_commit(changed)
    return row
