"""The first verification of a batch of utility meters."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_append
from jiliang.audit.services import audit_record
from jiliang.catalog.models import InstrumentKind, Use
from jiliang.catalog.selectors import TermResolver, catalogue_version_code
from jiliang.core.models import Organisation, User
from jiliang.people.signing import signed
from jiliang.registry import hooks, recordcheck
from jiliang.registry.models import (
    Conclusion,
    Instrument,
    MeterBatch,
    Status,
    VerificationRecord,
    VerificationType,
)
from jiliang.registry.services.common import (
    check_kind_and_use,
    check_location,
    check_size,
    parse_size,
    today,
)
from jiliang.registry.services.instruments import owner_of
from jiliang.registry.services.rates import add_tally, rates_apply
from jiliang.registry.services.verifications import (
    clean_items,
    number_taken,
    outcome_or_raise,
    require_verifier,
    signoff_check,
    signoff_values,
    standard_check,
    standard_chosen,
    term_for,
)
from jiliang.rules import verification as rules


@dataclass(frozen=True)
class _Meters:
    """What a batch's meters share: owner, kind, use and particulars, as checked."""

    owner: Organisation
    kind: InstrumentKind
    use: str
    region: str
    size: Decimal | None
    household: bool
    medium: str
    accuracy_class: str
    supplier: str
    model: str
    serials: list[str]


def _check_serials(serials: Sequence[str], quantity: int) -> list[str]:
    clean = [s.strip() for s in serials if s and s.strip()]
    if not clean:
        raise ValidationError({"serials": [_("List the serial numbers of the meters, one a line.")]})
    if len(set(clean)) != len(clean):
        dup = next(s for s in clean if clean.count(s) > 1)
        raise ValidationError({"serials": [_("Serial number %(serial)s is listed twice.") % {
            "serial": dup}]})
    if any(len(s) > 64 for s in clean):
        raise ValidationError({"serials": [_("A serial number has at most 64 characters.")]})
    if quantity != len(clean):
        raise ValidationError({"quantity": [_(
            "The quantity (%(q)s) differs from the number of serial numbers listed (%(n)s).") % {
            "q": quantity, "n": len(clean)}]})
    return clean


def _check_meters(*, owner_credit_code: str, kind_code: str, use: str, region_code: str,
                  nominal_size, medium: str, household: bool, accuracy_class: str,
                  supplier: str, model: str, serials: Sequence[str], quantity: int) -> _Meters:
    """The batch's meters as filed: a utility meter kind, its place, its particulars."""
    owner = owner_of(None, owner_credit_code, None)
    kind = check_kind_and_use(kind_code, use)
    if not kind.is_utility_meter:
        raise ValidationError({"kind": [_(
            "Batches are for utility meters: electricity, water, gas and heat meters.")]})
    region = check_location(region_code)
    size = parse_size(nominal_size)
    check_size(kind, size, medium or "")
    if not (supplier or "").strip():
        raise ValidationError({"supplier": [_("Name the supplier of the batch.")]})
    if not (model or "").strip():
        raise ValidationError({"model": [_("Give the model of the meters.")]})
    clean = _check_serials(serials, quantity)
    taken = list(Instrument.objects.filter(owner=owner, kind=kind, serial_number__in=clean)
                 .values_list("serial_number", flat=True)[:5])
    if taken:
        raise ValidationError({"serials": [_("Already on file for this owner: %(serials)s.") % {
            "serials": ", ".join(taken)}]})
    return _Meters(owner, kind, use, region, size, bool(household), medium or "",
                   (accuracy_class or "").strip(), supplier.strip()[:200], model.strip()[:100],
                   clean)


def _check_record(*, institution: Organisation, meters: _Meters, verified_on, conclusion: str,
                  certificate_no: str, regulation_code: str, standard_identifier: str,
                  standard_valid_until, standard_id: int | None, lot_ids: Sequence[int],
                  failed_items: Sequence[str], verifier, checker, approver):
    """The one record check for the batch certificate (its registered standard like a single
    record's, issue 12), then its period rule, sign-off and the standard it stands on."""
    kind, number = meters.kind, (certificate_no or "").strip()
    probe = Instrument(kind=kind, nominal_size=meters.size, household=meters.household,
                       accuracy_class=meters.accuracy_class, medium=meters.medium,
                       province_code=meters.region[:2])
    resolver = TermResolver()
    regulation = (regulation_code or "").strip()
    sign, people, scopes = signoff_check(
        institution_id=institution.pk, kind_code=kind.code, regulation_code=regulation,
        region_code=meters.region, on=verified_on, verifier=verifier, checker=checker,
        approver=approver)
    chosen = standard_chosen(standard_id=standard_id, on=verified_on,
                             lot_ids=lot_ids) if verified_on else None
    facts = rules.RecordFacts(
        today=today(), verified_on=verified_on, verification_type=rules.FIRST,
        conclusion=conclusion, failed_items=clean_items(failed_items), certificate_no=number,
        certificate_no_taken=number_taken(institution, number, batches=True),
        regulation_code=regulation, regulations=frozenset(resolver.regulations.get(kind.code, ())),
        edition=resolver.editions.get((kind.code, regulation)),
        free_text_standard=hooks.standards() is None,
        standard_identifier=standard_identifier or "", standard_valid_until=standard_valid_until)
    # The meters carry no range of their own: the standard's range is not judged for a batch.
    recordcheck.raise_errors(rules.check_record(facts, signers=sign, standard=standard_check(
        chosen, institution_id=institution.pk, kind_code=kind.code, instrument_range="",
        on=verified_on)))
    found = term_for(probe, regulation, resolver=resolver)
    signed_off = signed(people, scopes, kind_code=kind.code, region_code=meters.region,
                        on=verified_on)
    return found, signed_off, chosen.binding() if chosen is not None else None


@transaction.atomic
def batch_record(
    *,
    actor: User,
    owner_credit_code: str,
    kind_code: str,
    supplier: str,
    model: str,
    serials: Sequence[str],
    quantity: int,
    verified_on: datetime.date,
    conclusion: str,
    certificate_no: str,
    regulation_code: str,
    region_code: str,
    standard_id: int | None = None,
    reference_lot_ids: Sequence[int] = (),
    standard_identifier: str = "",
    standard_valid_until: datetime.date | None = None,
    verifier=None,
    checker=None,
    approver=None,
    use: str = Use.TRADE,
    household: bool = True,
    nominal_size=None,
    medium: str = "",
    accuracy_class: str = "",
    failed_items: Sequence[str] = (),
) -> MeterBatch:
    """First verification of a batch of utility meters; each meter is filed with its replacement
    date. The standard is one of the institution's registered standards (``standard_id``, and
    reference-material lots) when traceability is installed, free text without it. Named
    steps: the meters, the one record check, the batch, its meters, their records, the rates."""
    institution = require_verifier(actor)
    meters = _check_meters(
        owner_credit_code=owner_credit_code, kind_code=kind_code, use=use,
        region_code=region_code, nominal_size=nominal_size, medium=medium, household=household,
        accuracy_class=accuracy_class, supplier=supplier, model=model, serials=serials,
        quantity=quantity)
    found, signed_off, bound = _check_record(
        institution=institution, meters=meters, verified_on=verified_on, conclusion=conclusion,
        certificate_no=certificate_no, regulation_code=regulation_code,
        standard_identifier=standard_identifier, standard_valid_until=standard_valid_until,
        standard_id=standard_id, lot_ids=reference_lot_ids, failed_items=failed_items,
        verifier=verifier, checker=checker, approver=approver)
    if bound is not None:  # the register's words for the standard, and its validity
        standard_identifier, standard_valid_until = bound.identifier, bound.valid_until
    passed = conclusion == Conclusion.PASS
    result = outcome_or_raise(found.term, verified_on=verified_on, passed=passed,
                              first_verified_on=verified_on)
    number = certificate_no.strip()
    batch = MeterBatch.objects.create(
        owner=meters.owner, institution=institution, kind=meters.kind, supplier=meters.supplier,
        model=meters.model, quantity=quantity, verified_on=verified_on, conclusion=conclusion,
        certificate_no=number, regulation_code=found.regulation, region_code=meters.region,
        province_code=meters.region[:2], created_by=actor,
    )
    now = timezone.now()
    instruments = _file_meters(batch, meters, found, result, institution, passed, now)
    _record_meters(batch, instruments, found=found, result=result, signed_off=signed_off,
                   bound=bound, standard=(standard_identifier, standard_valid_until),
                   items=clean_items(failed_items), actor=actor, now=now)
    _count_rates(meters, len(instruments), verified_on, passed, result)
    audit_record(actor=actor, action="registry.batch.record", obj=batch,
                 after={"certificate_no": number, "quantity": quantity, "kind": meters.kind.code,
                        "owner": meters.owner.pk, "conclusion": conclusion,
                        "verified_on": verified_on.isoformat()})
    return batch


def _file_meters(batch: MeterBatch, meters: _Meters, found, result: rules.Outcome,
                 institution: Organisation, passed: bool, now) -> list[Instrument]:
    """Each meter of the batch filed, in its state after the batch's verification."""
    verified_on = batch.verified_on
    due, action, replace_by = rules.due_after(mode=found.term.mode, passed=passed,
                                              verified_on=verified_on,
                                              valid_until=result.valid_until)
    made = [Instrument(
        owner=meters.owner, kind=meters.kind, use=meters.use, serial_number=serial,
        manufacturer=meters.supplier, model=meters.model, accuracy_class=meters.accuracy_class,
        nominal_size=meters.size, household=meters.household, medium=meters.medium,
        region_code=meters.region, province_code=meters.region[:2],
        status=Status.IN_USE if passed else Status.STOPPED,
        status_changed_on=None if passed else verified_on, batch=batch, filed_at=now,
        first_verified_on=verified_on, last_verified_on=verified_on,
        last_conclusion=batch.conclusion, last_institution=institution,
        last_certificate_no=batch.certificate_no, valid_until=result.valid_until,
        next_due_on=due, due_action=action, replacement_due_on=replace_by,
        term_rule=found.rule.id, term_province_set=found.term.province_set,
        catalogue_version=catalogue_version_code(timezone.localtime(now).date()),
    ) for serial in meters.serials]
    Instrument.objects.bulk_create(made, batch_size=1000)
    if not all(m.pk for m in made):
        ids = dict(Instrument.objects.filter(batch=batch).values_list("serial_number", "pk"))
        for m in made:
            m.pk = m.id = ids[m.serial_number]
    return made


def _record_meters(batch: MeterBatch, instruments: list[Instrument], *, found, result,
                   signed_off, bound, standard: tuple, items: list[str], actor: User,
                   now) -> None:
    """Each meter's verification record, chained; the reference-material lots on each."""
    identifier, valid_until = standard
    records = [VerificationRecord(
        instrument=m, owner=batch.owner, institution=batch.institution,
        region_code=batch.region_code, province_code=batch.province_code, batch=batch,
        verified_on=batch.verified_on, verification_type=VerificationType.FIRST,
        regulation_code=found.regulation, standard_identifier=(identifier or "").strip()[:100],
        standard_valid_until=valid_until, conclusion=batch.conclusion, failed_items=items,
        certificate_no=batch.certificate_no, valid_until=result.valid_until,
        management_mode=found.term.mode, periodic_due_on=result.periodic_due_on,
        term_rule=found.rule.id, term_province_set=found.term.province_set,
        **signoff_values(signed_off), recorded_at=now, recorded_by=actor,
        standard=bound.standard if bound else None,
    ) for m in instruments]
    chain_append(records)
    if bound is not None and bound.lots:  # the lots used, on each meter's record
        through = VerificationRecord.reference_lots.through
        through.objects.bulk_create([through(verificationrecord_id=r.pk, materiallot_id=lot.pk)
                                     for r in records for lot in bound.lots], batch_size=2000)


def _count_rates(meters: _Meters, count: int, verified_on: datetime.date, passed: bool,
                 result: rules.Outcome) -> None:
    deltas: dict = {}
    tally = rules.contributions([rules.Rec(verified_on, passed, result.periodic_due_on)])
    add_tally(deltas, (meters.region, meters.kind.pk, meters.use), rules.Tally(
        {key: n * count for key, n in tally.counts.items()}))
    rates_apply(deltas)
