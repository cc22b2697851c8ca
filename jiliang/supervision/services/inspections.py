"""Special inspections of instruments in use: visits and the instruments found."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.hooks import optional
from jiliang.core.models import Organisation, User
from jiliang.core.services import credit_code_clean
from jiliang.supervision import workflow
from jiliang.supervision.models import (
    Campaign,
    CampaignKind,
    CampaignTask,
    EnforcementAction,
    InspectedInstrument,
    InspectionVisit,
    InstrumentSource,
)
from jiliang.supervision.services.common import (
    not_future,
    organisation_by_code,
    parse_date,
    record_region,
    recordable_task,
    require_record,
    user_or_none,
)

VISIT_FIELDS = ("task", "region_code", "institution_name", "institution_credit_code",
                "visited_on", "inspectors", "findings", "action", "action_note")


@transaction.atomic
def visit_record(
    *,
    actor: User | None,
    task: CampaignTask,
    institution_name: str,
    visited_on,
    institution_credit_code: str = "",
    inspectors: str = "",
    findings: str = "",
    action: str = EnforcementAction.NONE,
    action_note: str = "",
    region_code: str = "",
) -> InspectionVisit:
    """Record a visit to an institution (a hospital, a market...) in a special inspection."""
    task = recordable_task(actor, task, CampaignKind.SPECIAL_INSPECTION)
    code = credit_code_clean(institution_credit_code, required=False,
                             field="institution_credit_code")
    org = organisation_by_code(code)
    name = (institution_name or "").strip() or (org.name if org else "")
    if not name:
        raise ValidationError({"institution_name": [_("Name the institution visited.")]})
    day = parse_date(visited_on, "visited_on")
    not_future(day, "visited_on")
    if action not in EnforcementAction.values:
        raise ValidationError({"action": [_("Choose an action from the list.")]})
    visit = InspectionVisit.objects.create(
        campaign=task.campaign, task=task, region_code=record_region(task, region_code),
        institution=org, institution_name=name[:200], institution_credit_code=code or "",
        visited_on=day, inspectors=(inspectors or "").strip()[:200],
        findings=(findings or "").strip(), action=action,
        action_note=(action_note or "").strip()[:300], recorded_by=user_or_none(actor),
    )
    audit_record(actor=actor, action="inspection_visit.record", obj=visit,
                 after=snapshot(visit, VISIT_FIELDS))
    return visit


@transaction.atomic
def visit_update(*, actor: User | None, visit: InspectionVisit, findings: str,
                 action: str, action_note: str = "") -> InspectionVisit:
    """Write up the findings and the enforcement action of a visit."""
    visit = InspectionVisit.objects.select_for_update().select_related("task__campaign").get(
        pk=visit.pk)
    require_record(actor, visit.task, statuses=workflow.REINSPECTING)
    if action not in EnforcementAction.values:
        raise ValidationError({"action": [_("Choose an action from the list.")]})
    before = snapshot(visit, VISIT_FIELDS)
    visit.findings = (findings or "").strip()
    visit.action = action
    visit.action_note = (action_note or "").strip()[:300]
    visit.save(update_fields=["findings", "action", "action_note"])
    audit_record(actor=actor, action="inspection_visit.update", obj=visit, before=before,
                 after=snapshot(visit, VISIT_FIELDS))
    return visit


class VisitLookups:
    """What instrument rows of a visit need from the database, read once for all of them:
    the owners named by credit code, the registry's status of their instruments and the
    (kind, serial) pairs the visit already has."""

    def __init__(self, visit: InspectionVisit, rows: list[tuple[str, str]]) -> None:
        cleaned = []  # (owner's credit code or None, serial number)
        for code, serial in rows:
            try:
                code = credit_code_clean(code, required=False, field="owner_credit_code")
            except ValidationError:
                code = None  # the row is refused when it is built
            cleaned.append((code, (serial or "").strip()))
        codes = {code for code, _serial in cleaned if code}
        self.visit = visit
        self.owners = {o.credit_code: o for o in
                       Organisation.objects.filter(credit_code__in=codes)} if codes else {}
        recorded = InspectedInstrument.objects.filter(visit=visit)
        if len(cleaned) == 1:
            recorded = recorded.filter(serial_number=cleaned[0][1][:100])
        self.recorded = set(recorded.values_list("kind_code", "serial_number"))
        serials: dict[Organisation, set[str]] = {}
        for code, serial in cleaned:
            owner = self.owner(code)
            if owner is not None and serial:
                serials.setdefault(owner, set()).add(serial)
        self.statuses = {owner.pk: registry_statuses(owner=owner, serial_numbers=numbers,
                                                     on=visit.visited_on)
                         for owner, numbers in serials.items()}

    def owner(self, code: str | None) -> Organisation | None:
        return self.owners.get(code) if code else self.visit.institution

    def status(self, owner: Organisation | None, serial: str) -> dict | None:
        return self.statuses.get(owner.pk, {}).get(serial) if owner is not None else None


def registry_statuses(*, owner: Organisation | None, serial_numbers, on: datetime.date
                      ) -> dict[str, dict]:
    """What the registry (contract item 3) has on file for an owner's instruments, by serial
    number, if installed."""
    registry = optional("registry", "selectors")
    if owner is None or registry is None:
        return {}
    return registry.instrument_status(owner_id=owner.pk, serial_numbers=serial_numbers, on=on)


def instrument_build(
    *,
    visit: InspectionVisit,
    lookups: VisitLookups,
    kind_code: str,
    serial_number: str,
    owner_name: str = "",
    owner_credit_code: str = "",
    verified_in_time: bool | None = None,
    valid_until: datetime.date | str | None = None,
    conforms: bool | None = None,
    note: str = "",
) -> InspectedInstrument:
    """Validate one instrument found on a visit: an unsaved row, or a ValidationError naming
    the field. Filed in the registry: its status is read from there; otherwise what the
    inspector found on the spot is recorded."""
    kind_code, serial = _kind_and_serial(visit.campaign, kind_code, serial_number)
    code = credit_code_clean(owner_credit_code, required=False, field="owner_credit_code")
    owner = lookups.owner(code)
    name = (owner_name or "").strip() or (owner.name if owner else visit.institution_name)
    key = (kind_code[:64], serial[:100])  # as stored
    if key in lookups.recorded:
        raise ValidationError({"serial_number": [_(
            "This instrument is already recorded on this visit.")]})
    until = parse_date(valid_until, "valid_until") if valid_until else None
    source, public_code = InstrumentSource.ON_SPOT, ""
    status = lookups.status(owner, serial)
    if status:
        source, public_code = InstrumentSource.REGISTRY, str(status.get("public_code") or "")
        until, verified_in_time, conforms = _as_filed(status, until, verified_in_time, conforms)
    if verified_in_time is None:
        if until is None:
            raise ValidationError({"verified_in_time": [_(
                "Say whether the instrument was verified in time, or give the date its "
                "verification is valid until.")]})
        verified_in_time = until >= visit.visited_on
    lookups.recorded.add(key)  # a sheet names an instrument once
    return InspectedInstrument(
        visit=visit, region_code=visit.region_code, kind_code=kind_code[:64],
        serial_number=serial[:100], owner=owner, owner_name=name[:200],
        owner_credit_code=code or (owner.credit_code if owner and owner.credit_code else ""),
        source=source, public_code=public_code[:64], verified_in_time=bool(verified_in_time),
        valid_until=until, conforms=conforms, note=(note or "").strip()[:300],
    )


def _kind_and_serial(campaign: Campaign, kind_code: str, serial_number: str) -> tuple[str, str]:
    """The instrument's kind (one of the campaign's when it names them) and serial number."""
    kind_code = (kind_code or "").strip().lower()
    serial = (serial_number or "").strip()
    if not kind_code:
        raise ValidationError({"kind_code": [_("Give the instrument's kind.")]})
    if campaign.kind_codes and kind_code not in campaign.kind_codes:
        raise ValidationError({"kind_code": [_(
            "“%(kind)s” is not one of the campaign's instrument kinds: %(kinds)s.") % {
            "kind": kind_code, "kinds": ", ".join(campaign.kind_codes)}]})
    if not serial:
        raise ValidationError({"serial_number": [_("Give the serial number.")]})
    return kind_code, serial


def _as_filed(status: dict, until, verified_in_time: bool | None, conforms: bool | None):
    """(valid until, verified in time, conforms) of an instrument filed in the registry: what
    the registry has on file, where the inspector did not say otherwise."""
    until = status.get("valid_until") or until
    if verified_in_time is None:
        verified_in_time = not status.get("overdue") and until is not None
    if conforms is None and status.get("last_conclusion") in ("pass", "fail"):
        conforms = status["last_conclusion"] == "pass"
    return until, verified_in_time, conforms


def recordable_visit(actor: User | None, visit: InspectionVisit) -> InspectionVisit:
    """The visit as stored now, once ``actor`` may record on its task."""
    visit = InspectionVisit.objects.select_related("task__campaign", "institution").get(
        pk=visit.pk)
    require_record(actor, visit.task)
    return visit


@transaction.atomic
def instrument_record(*, actor: User | None, visit: InspectionVisit, **data
                      ) -> InspectedInstrument:
    """An instrument found on a visit (the fields of ``instrument_build``)."""
    visit = recordable_visit(actor, visit)
    lookups = VisitLookups(visit, [(data.get("owner_credit_code", ""),
                                     data.get("serial_number", ""))])
    instrument = instrument_build(visit=visit, lookups=lookups, **data)
    instrument.save()
    audit_record(actor=actor, action="inspected_instrument.record", obj=instrument,
                 after=snapshot(instrument, ("visit", "kind_code", "serial_number", "owner_name",
                                             "source", "verified_in_time", "valid_until",
                                             "conforms")))
    return instrument

