"""The standard behind a verification record: facts from the register, judged by the rule.

``Register`` loads what the rule needs about a set of standards (their assessment
certificates, calibrations and upstream chains) once; ``facts(standard_id, on)`` then answers
for any day without touching the database, so the bulk import checks a million rows with one
load per institution. ``chosen`` gathers what the registry's service needs for one record;
the rule that judges it is ``jiliang.rules.verification.check_record``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.rules import traceability as rules
from jiliang.traceability.models import Calibration, Certificate, MaterialLot, Standard
from jiliang.traceability.services.impact import impact_resolve

MESSAGES = {
    "standard.missing": gettext_lazy(
        "Choose the measurement standard used, from your institution's registered standards."),
    "standard.not_own": gettext_lazy(
        "This standard is not one of your institution's registered standards."),
    "standard.national": gettext_lazy(
        "A national primary standard is not used for verifying instruments in use."),
    "standard.retired": gettext_lazy("This standard is retired."),
    "standard.suspended": gettext_lazy(
        "This standard is suspended: it may not be used for verifications."),
    "standard.kind": gettext_lazy(
        "This standard is not assessed for this kind of instrument."),
    "standard.no_certificate": gettext_lazy(
        "This standard has no assessment certificate in force on the verification date."),
    "standard.certificate_lapsed": gettext_lazy(
        "The standard's assessment certificate %(number)s was not in force on the verification "
        "date (valid until %(until)s)."),
    "standard.no_calibration": gettext_lazy(
        "This standard has no verification or calibration on file before the verification date."),
    "standard.calibration_failed": gettext_lazy(
        "The standard's last calibration (%(date)s) found it out of tolerance."),
    "standard.calibration_lapsed": gettext_lazy(
        "The standard's last calibration (%(date)s) had lapsed on the verification date (due "
        "%(due)s)."),
    "standard.range": gettext_lazy(
        "The standard's range (%(range)s) does not cover the instrument's range (%(instrument)s)."),
    "standard.chain": gettext_lazy(
        "The standard's chain of calibrations does not reach a national primary standard."),
    "lot.not_own": gettext_lazy(
        "Reference-material lot %(lot)s is not held by your institution."),
    "lot.expired": gettext_lazy(
        "Reference-material lot %(lot)s had expired on the verification date (%(until)s)."),
}


def message(problem: rules.Problem) -> str:
    template = MESSAGES.get(problem.code)
    if template is None:
        return problem.code
    return str(template) % dict(problem.params) if problem.params else str(template)


@dataclass
class Register:
    """The register's facts about some standards and their chains, loaded once."""

    standards: dict[int, Standard] = field(default_factory=dict)
    certificates: dict[int, list[Certificate]] = field(default_factory=dict)
    calibrations: dict[int, list[Calibration]] = field(default_factory=dict)
    nodes: dict[int, rules.Node] = field(default_factory=dict)

    @classmethod
    def load(cls, *, owner_id: int | None = None, ids: Iterable[int] = ()) -> Register:
        qs = Standard.objects.all()
        qs = qs.filter(owner_id=owner_id) if owner_id is not None else qs.filter(pk__in=list(ids))
        reg = cls(standards={s.pk: s for s in qs})
        for cert in Certificate.objects.filter(standard__in=reg.standards).order_by("issued_on"):
            reg.certificates.setdefault(cert.standard_id, []).append(cert)
        for cal in Calibration.objects.filter(standard__in=reg.standards).order_by(
                "calibrated_on", "id"):
            reg.calibrations.setdefault(cal.standard_id, []).append(cal)
        reg.nodes = chain_nodes(reg.standards.values())
        return reg

    def facts(self, standard_id: int, on: datetime.date) -> rules.StandardFacts | None:
        s = self.standards.get(standard_id)
        if s is None:
            return None
        issued = [c for c in self.certificates.get(standard_id, ()) if c.issued_on <= on]
        in_force = [c for c in issued if c.valid_until >= on]
        cert = max(in_force or issued, key=lambda c: c.valid_until, default=None)
        cal = None
        for c in self.calibrations.get(standard_id, ()):
            if c.calibrated_on <= on:
                cal = c
        _path, reaches = rules.chain(standard_id, self.nodes)
        return rules.StandardFacts(
            id=s.pk, owner_id=s.owner_id, category=s.category, status=s.status,
            suspended_from=s.status_changed_on, kinds=frozenset(s.kinds or ()),
            range_low=s.range_low, range_high=s.range_high, range_unit=s.range_unit,
            certificate_no=cert.number if cert else "",
            certificate_from=cert.issued_on if cert else None,
            certificate_until=cert.valid_until if cert else None,
            calibrated_on=cal.calibrated_on if cal else None,
            calibration_due=cal.due_on if cal else None,
            calibration_ok=cal.in_tolerance if cal else True,
            reaches_national=reaches)

    def problems(self, standard_id: int | None, *, institution_id: int, kind_code: str,
                 instrument_range: str, on: datetime.date) -> list[rules.Problem]:
        facts = self.facts(standard_id, on) if standard_id else None
        return rules.record_errors(facts, institution_id=institution_id, kind_code=kind_code,
                                   instrument_range=instrument_range, on=on)

    def find(self, text: str) -> int | None:
        """A standard of this register by its code or an assessment certificate number."""
        text = (text or "").strip()
        for s in self.standards.values():
            if s.code == text:
                return s.pk
        for sid, certs in self.certificates.items():
            if any(c.number == text for c in certs):
                return sid
        return None

    def identifier(self, standard_id: int, on: datetime.date) -> tuple[str, datetime.date]:
        """The text kept on the record (code and certificate) and the date it is good until."""
        facts = self.facts(standard_id, on)
        s = self.standards[standard_id]
        text = f"{s.code} {facts.certificate_no}".strip()[:100]
        until = min(d for d in (facts.certificate_until, facts.calibration_due) if d)
        return text, until


def chain_nodes(start: Iterable[Standard]) -> dict[int, rules.Node]:
    """The nodes of every chain above ``start``, one query per level."""
    nodes = {s.pk: rules.Node(s.pk, s.category, s.upstream_id) for s in start}
    wanted = {n.upstream_id for n in nodes.values() if n.upstream_id and n.upstream_id not in nodes}
    for _level in range(rules.MAX_CHAIN):
        if not wanted:
            break
        found = Standard.objects.filter(pk__in=wanted).values_list("pk", "category", "upstream_id")
        for pk, category, upstream in found:
            nodes[pk] = rules.Node(pk, category, upstream)
        wanted = {n.upstream_id for n in nodes.values()
                  if n.upstream_id and n.upstream_id not in nodes} - wanted
    return nodes


@dataclass(frozen=True)
class Binding:
    standard: Standard
    identifier: str
    valid_until: datetime.date
    lots: list[MaterialLot]

    @staticmethod
    def resolve(*, instrument_id: int, record) -> None:
        """A new pass closes the instrument's open impact items (re-verified)."""
        impact_resolve(instrument_id=instrument_id, record=record)


@dataclass(frozen=True)
class Chosen:
    """The standard and lots a record names, as facts for ``rules.verification.check_record``;
    ``binding()`` is what the record keeps once the check has passed."""

    register: Register
    standard_id: int | None
    on: datetime.date
    facts: rules.StandardFacts | None
    lots: list[MaterialLot]
    lot_facts: list[rules.LotFacts]

    def binding(self) -> Binding:
        text, until = self.register.identifier(self.standard_id, self.on)
        return Binding(self.register.standards[self.standard_id], text, until, self.lots)


def lot_facts(lots: Sequence[MaterialLot], wanted: Sequence[int]) -> list[rules.LotFacts]:
    out = [rules.LotFacts(str(lot), lot.holder_id, lot.expires_on) for lot in lots]
    if len(lots) != len(set(wanted)):  # a lot asked for that is not on file
        out.append(rules.LotFacts("?", None))
    return out


def chosen(*, standard_id: int | None, on: datetime.date, lot_ids: Sequence[int] = ()) -> Chosen:
    """What the register holds about the standard (and lots) one record names, for that day."""
    reg = Register.load(ids=[standard_id] if standard_id else [])
    lots = list(MaterialLot.objects.filter(pk__in=list(lot_ids)[:50]).select_related("material"))
    return Chosen(reg, standard_id, on, reg.facts(standard_id, on) if standard_id else None, lots,
                  lot_facts(lots, lot_ids))


def standard_not_on_file_message() -> str:
    return _("standard not on file")
