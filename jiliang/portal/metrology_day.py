"""World Metrology Day (世界计量日, 20 May; work plan 七.4): the year's theme set by the national
administration, events the bureaus fill in, materials; every write with its ledger entry."""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import Region, Role, User
from jiliang.core.uploads import check_upload
from jiliang.portal import conf, permissions
from jiliang.portal.models import MetrologyDay, MetrologyDayEvent, MetrologyDayMaterial
from jiliang.portal.services import editorial_reasons, editorial_transition


def may_set_theme(user: User | None) -> bool:
    return user is None or (user.is_authenticated and user.role == Role.NATIONAL_ADMIN)


def may_add_event(user: User | None, region_code: str) -> bool:
    """A bureau fills in events of its own region."""
    if user is None:
        return True
    return bool(user.is_authenticated and user.is_bureau and user.organisation_id
                and user.scope.covers_region(region_code))


@transaction.atomic
def day_set(*, actor: User | None, year: int, theme_zh: str, theme_en: str = "",
            summary: str = "") -> MetrologyDay:
    if not may_set_theme(actor):
        raise PermissionDenied(_("The national administration sets the year's theme."))
    errors = {}
    if not 1999 <= int(year) <= 2100:  # the first World Metrology Day was in 2000
        errors["year"] = [_("Give a year from 2000 on.")]
    if not (theme_zh or "").strip():
        errors["theme_zh"] = [_("Give the theme in Chinese.")]
    if errors:
        raise ValidationError(errors)
    day, created = MetrologyDay.objects.update_or_create(
        year=year, defaults={"theme_zh": theme_zh.strip()[:200],
                             "theme_en": (theme_en or "").strip()[:200],
                             "summary": (summary or "").strip()[:4000]})
    audit_record(actor=actor, action="portal.wmd.set", obj=day,
                 after={"year": day.year, "theme_zh": day.theme_zh, "created": created})
    return day


@transaction.atomic
def event_add(*, actor: User, day: MetrologyDay, region_code: str, title: str,
              on: datetime.date, place: str, description: str = "") -> MetrologyDayEvent:
    errors = {}
    if not Region.objects.filter(code=region_code).exists():
        errors["region_code"] = [_("Choose the city or county of the event.")]
    elif not may_add_event(actor, region_code):
        raise PermissionDenied(_("A bureau fills in the events of its own region."))
    if not (title or "").strip():
        errors["title"] = [_("Give the event's name.")]
    if not (place or "").strip():
        errors["place"] = [_("Give the place.")]
    if on is None or abs((on - datetime.date(day.year, 5, 20)).days) > 60:
        errors["on"] = [_("The date is within two months of 20 May of the year.")]
    if errors:
        raise ValidationError(errors)
    event = MetrologyDayEvent.objects.create(
        day=day, region_code=region_code, organiser=actor.organisation, title=title.strip()[:200],
        on=on, place=place.strip()[:300], description=(description or "").strip()[:2000],
        created_by=actor)
    audit_record(actor=actor, action="portal.wmd.event_add", obj=event,
                 after={"year": day.year, "title": event.title, "on": on.isoformat(),
                        "place": event.place, "state": event.state})
    return event


@transaction.atomic
def event_act(*, actor: User | None, event: MetrologyDayEvent, action: str,
              reasons: str = "") -> MetrologyDayEvent:
    """Approve, return or resubmit an event, as news items are (rules/data/news.json): an event
    is on the public page and the map only once a head has approved it."""
    event = MetrologyDayEvent.objects.select_for_update().get(pk=event.pk)
    transition = editorial_transition(action, event.state)
    if not permissions.may_act_on_event(actor, event, action):
        raise PermissionDenied(_("The head of the bureau approves events, never one they "
                                 "entered themselves.") if transition.by == "head" else
                               _("The organising bureau submits its own events."))
    before = event.state
    event.return_reasons = editorial_reasons(action, reasons, event.return_reasons)
    if action == "approve":
        event.approved_by, event.approved_at = actor, timezone.now()
    event.state = transition.target or event.state
    event.save()
    audit_record(actor=actor, action=f"portal.wmd.event_{action}", obj=event,
                 before={"state": before},
                 after={"state": event.state, "reasons": event.return_reasons})
    return event


@transaction.atomic
def event_remove(*, actor: User, event: MetrologyDayEvent) -> None:
    if not (permissions.is_editor(actor) and actor.organisation_id == event.organiser_id):
        raise PermissionDenied(_("The organising bureau removes its own events."))
    audit_record(actor=actor, action="portal.wmd.event_remove", obj=event,
                 before={"title": event.title, "on": event.on.isoformat()})
    event.delete()


@transaction.atomic
def material_add(*, actor: User, day: MetrologyDay, title: str, upload) -> MetrologyDayMaterial:
    if not permissions.is_editor(actor):
        raise PermissionDenied(_("Bureaus add the day's materials."))
    if not (title or "").strip():
        raise ValidationError({"title": [_("Give the material's title.")]})
    kind = check_upload(upload, allowed=("pdf", "png", "jpeg"), max_bytes=conf.max_upload_bytes(),
                        field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    material = MetrologyDayMaterial(day=day, title=title.strip()[:200],
                                    original_name=upload.name[:255], content_kind=kind,
                                    size=upload.size, sha256=digest.hexdigest(),
                                    uploaded_by=actor)
    material.file.save(f"wmd-{day.year}.{'jpg' if kind == 'jpeg' else kind}", upload, save=False)
    material.save()
    audit_record(actor=actor, action="portal.wmd.material_add", obj=material,
                 after={"year": day.year, "title": material.title, "sha256": material.sha256})
    return material
