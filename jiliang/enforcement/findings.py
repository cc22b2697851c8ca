"""The kinds of finding a case opens from: a small registry of adapters.

Each kind is declared in ``rules/data/enforcement.json`` (its label and the legal bases it
suggests) and registered here with the model whose rows are such findings and a function that
reads the facts a case needs off a row. Another app adds a kind by declaring it in the data and
registering it from its ``AppConfig.ready``::

    from jiliang.enforcement.findings import Facts, FindingKind, register

    def _alert_facts(alert) -> Facts:
        return Facts(party=alert.instrument.owner, region_code=alert.region_code,
                     discovered_on=alert.raised_on, summary=f"{alert.rule}: {alert.detail}",
                     instrument_id=alert.instrument_id)

    register(FindingKind("tamper_alert", "registry.TamperAlert", _alert_facts))

and opens a case with ``jiliang.enforcement.services.open_case(actor, finding=alert)``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils import timezone

from jiliang.core.hooks import optional
from jiliang.core.models import Organisation
from jiliang.rules import RuleError
from jiliang.rules import enforcement as rules


@dataclass(frozen=True)
class Facts:
    """What a finding tells a case: the party, where and when it was found, in a sentence,
    and the instrument, campaign or energy-using unit it concerns."""

    party: Organisation | None
    region_code: str
    discovered_on: datetime.date
    summary: str
    party_name: str = ""
    party_credit_code: str = ""
    instrument_id: int | None = None
    campaign_id: int | None = None
    energy_unit_id: int | None = None


@dataclass(frozen=True)
class FindingKind:
    code: str  # declared in rules/data/enforcement.json "finding_kinds"
    model: str | None  # "app_label.Model" whose rows are such findings; None: no row
    facts: Callable[[models.Model], Facts] | None = None
    # Whether a row is a finding at all (a passed lot is not); None: every row is.
    applies: Callable[[models.Model], bool] | None = None

    def model_class(self) -> type[models.Model] | None:
        return apps.get_model(self.model) if self.model else None


_KINDS: dict[str, FindingKind] = {}


def register(kind: FindingKind) -> None:
    """Register (or replace) a kind of finding; the kind must be declared in the data."""
    rules.finding_kind(kind.code)  # RuleError when the data does not declare it
    if kind.model is not None and kind.facts is None:
        raise RuleError("enforcement.kind", "kind {kind} has a model but no facts",
                        kind=kind.code)
    _KINDS[kind.code] = kind


def unregister(code: str) -> None:
    _KINDS.pop(code, None)


def kinds() -> dict[str, FindingKind]:
    return dict(_KINDS)


def kind_of(code: str) -> FindingKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise RuleError("enforcement.kind", "there is no registered finding kind {kind}",
                        kind=code) from None


def kind_for(instance: models.Model, code: str | None = None) -> FindingKind:
    """The registered kind ``code``, or else the first whose model ``instance`` is a row of."""
    label = instance._meta.label
    if code is not None:
        kind = kind_of(code)
        if kind.model != label:
            raise RuleError("enforcement.kind", "a {label} is not a finding of kind {kind}",
                            label=label, kind=code)
        return kind
    for kind in _KINDS.values():
        if kind.model == label:
            return kind
    raise RuleError("enforcement.kind", "no kind of finding is registered for {label}",
                    label=label)


# The kinds of the apps in this repository, registered by EnforcementConfig.ready.

def _net_content(record) -> Facts:
    return Facts(party=record.packer, party_name=record.packer_name,
                 party_credit_code=record.packer_credit_code,
                 region_code=record.region_code, discovered_on=record.sampled_on,
                 summary=f"{record.notice_number} {record.packer_name} {record.product} "
                         f"{record.nominal.normalize():f} {record.unit}",
                 campaign_id=record.campaign_id)


def _instrument(instrument) -> Facts:
    # Found in use overdue (or never verified): the day the clerk opens the case from it,
    # unless open_case is told another day.
    return Facts(party=instrument.owner, region_code=instrument.region_code,
                 discovered_on=timezone.localdate(),
                 summary=f"{instrument.public_code} {instrument.serial_number}",
                 instrument_id=instrument.pk)


def _instrument_applies(instrument) -> bool:
    registry = optional("registry", "models")  # registered only where the registry is
    # In use and never verified, or past its due date.
    return instrument.status == registry.Status.IN_USE and (
        instrument.last_verified_on is None or instrument.next_due_on is None
        or instrument.next_due_on < timezone.localdate())


def _inspected(found) -> Facts:
    registry = optional("registry", "models")
    instrument = (registry.Instrument.objects.filter(public_code=found.public_code).only("pk")
                  .first() if registry is not None and found.public_code else None)
    return Facts(party=found.owner, party_name=found.owner_name,
                 party_credit_code=found.owner_credit_code, region_code=found.region_code,
                 discovered_on=found.visit.visited_on,
                 summary=f"{found.kind_code} {found.serial_number} {found.note}".strip(),
                 instrument_id=instrument.pk if instrument else None,
                 campaign_id=found.visit.campaign_id)


def _energy_finding(finding) -> Facts:
    unit = finding.audit.unit
    return Facts(party=unit.organisation, region_code=finding.region_code,
                 discovered_on=finding.audit.opened_on, summary=f"{finding.clause} {finding.text}",
                 energy_unit_id=unit.pk)


def _complaint(complaint) -> Facts:
    return Facts(party=None, region_code=complaint.region_code,
                 discovered_on=complaint.received_on,
                 summary=f"{complaint.tracking_number} {complaint.subject}".strip(),
                 instrument_id=complaint.instrument_id, campaign_id=complaint.campaign_id)


def _tamper_alert(alert) -> Facts:
    return Facts(party=alert.owner, region_code=alert.region_code,
                 discovered_on=timezone.localdate(alert.raised_at),
                 summary=f"{alert.get_rule_display()} · {alert.instrument.public_code} "
                         f"{alert.instrument.serial_number}",
                 instrument_id=alert.instrument_id)


def register_builtin() -> None:
    register(FindingKind("manual", None))
    if apps.is_installed("jiliang.supervision"):
        register(FindingKind("net_content_fail", "supervision.NetContentRecord", _net_content,
                             applies=lambda r: r.verdict == "fail"))
        register(FindingKind("special_inspection", "supervision.InspectedInstrument",
                             _inspected,
                             applies=lambda f: not f.verified_in_time or f.conforms is False))
    if apps.is_installed("jiliang.registry"):
        register(FindingKind("instrument_overdue", "registry.Instrument", _instrument,
                             applies=_instrument_applies))
    if apps.is_installed("jiliang.energy"):
        register(FindingKind("energy_audit", "energy.Finding", _energy_finding))
    if apps.is_installed("jiliang.monitoring"):
        register(FindingKind("tamper_alert", "monitoring.Alert", _tamper_alert))
    if apps.is_installed("jiliang.portal"):
        register(FindingKind("complaint", "portal.Complaint", _complaint))
