"""Recording a verification (检定证书 or 检定结果通知书) and correcting one."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_append
from jiliang.audit.services import audit_record, snapshot
from jiliang.catalog.selectors import (
    TermResolver,
)
from jiliang.core.models import Organisation, User
from jiliang.core.validation import rule_message
from jiliang.people.signing import signed, signers_for
from jiliang.registry import hooks, permissions, recordcheck
from jiliang.registry.evidence import (
    evidence_facts,
    evidence_given,
    evidence_values,
    evidence_write,
    previous_left,
)
from jiliang.registry.evidence import given as evidence_supplied
from jiliang.registry.models import (
    Conclusion,
    Instrument,
    MeterBatch,
    Status,
    VerificationRecord,
)
from jiliang.registry.services.common import (
    RECORD_FIELDS,
    RULE_MESSAGES,
    SIGNOFF_FIELDS,
    facts_of,
    today,
)
from jiliang.registry.services.rates import RateChange
from jiliang.registry.services.state import STATE_FIELDS, refresh_state
from jiliang.rules import RuleError, signoff
from jiliang.rules import verification as rules


def standard_chosen(*, standard_id: int | None, on: datetime.date,
                    lot_ids: Sequence[int] = ()):
    """Traceability (issue 12), through the registry's hook: what the register holds about the
    standard (and reference-material lots) a record names, for that day
    (``traceability.binding.Chosen``); None without the app (the standard is free text)."""
    binding = hooks.standards()
    if binding is None:
        return None
    return binding.chosen(standard_id=standard_id, on=on, lot_ids=lot_ids)


def standard_check(chosen, *, institution_id: int, kind_code: str, instrument_range: str,
                   on: datetime.date | None) -> rules.StandardCheck | None:
    """The standard part of the one record check (None: free text, or no date to judge on)."""
    if chosen is None or on is None:
        return None
    return rules.StandardCheck(facts=chosen.facts, institution_id=institution_id,
                               kind_code=kind_code, instrument_range=instrument_range, on=on,
                               lots=chosen.lot_facts)


def signoff_check(*, institution_id: int, kind_code: str, regulation_code: str,
                  region_code: str, on: datetime.date | None, verifier, checker, approver):
    """Who signs (issue 13): the sign-off part of the one record check, and the people found."""
    people, scopes = signers_for(institution_id=institution_id, verifier=verifier,
                                 checker=checker, approver=approver)
    if on is None:
        return None, people, scopes
    return rules.SignoffCheck(
        on=on, kind_code=kind_code, regulation_code=regulation_code, region_code=region_code,
        institution_id=institution_id, scopes=scopes, verifier=people[signoff.VERIFIER],
        checker=people[signoff.CHECKER], approver=people[signoff.APPROVER]), people, scopes


def number_taken(institution: Organisation, number: str, *, batches: bool = False) -> bool:
    """Certificate numbers are unique per institution (with ``batches``, a batch certificate's
    number is taken too: it is on each of its meters' records)."""
    number = (number or "").strip()
    if not number:
        return False
    if VerificationRecord.objects.filter(institution=institution, certificate_no=number,
                                         batch__isnull=True).exists():
        return True
    return batches and MeterBatch.objects.filter(institution=institution,
                                                 certificate_no=number).exists()


def term_for(instrument: Instrument, regulation_code: str, *, adjusted: bool = False,
             resolver: TermResolver | None = None):
    resolver = resolver or TermResolver()
    regs = resolver.regulations.get(instrument.kind.code, set())
    if regulation_code not in regs:
        raise ValidationError({"regulation_code": [_(
            "%(code)s is not a regulation of this kind of instrument in the catalogue.") % {
            "code": regulation_code or "—"}]})
    found = resolver.resolve(instrument.kind.code, regulation_code,
                             facts_of(instrument, adjusted=adjusted), instrument.province_code)
    if found.rule is None:
        raise ValidationError({"regulation_code": [_(
            "No period rule of the catalogue covers this instrument under %(code)s.") % {
            "code": regulation_code}]})
    return found


def outcome_or_raise(term: rules.Term, **kwargs) -> rules.Outcome:
    try:
        return rules.outcome(term=term, **kwargs)
    except RuleError as error:
        raise ValidationError({"valid_until": [rule_message(error, RULE_MESSAGES)]}) from None


def require_verifier(actor) -> Organisation:
    if not permissions.may_verify(actor):
        raise PermissionDenied(_(
            "Verifications are recorded by the verifiers of a legal verification institution."))
    return actor.organisation


def clean_extra(**values: str) -> dict[str, str]:
    """The place, the conditions and the original-record number (each bounded)."""
    limits = {"place": 200, "conditions": 200, "original_record_no": 60}
    out = {}
    for key, value in values.items():
        text = " ".join((value or "").split())
        if len(text) > limits[key]:
            raise ValidationError({key: [_("At most %(n)s characters.") % {"n": limits[key]}]})
        out[key] = text
    return out


def clean_items(failed_items: Iterable[str]) -> list[str]:
    return [str(i).strip() for i in failed_items or () if str(i).strip()]


def _lock_for_record(instrument: Instrument) -> Instrument:
    inst = Instrument.objects.select_for_update().select_related("kind").get(pk=instrument.pk)
    if inst.status in (Status.SCRAPPED, Status.REPLACED):
        raise ValidationError({"instrument": [_(
            "This instrument is %(status)s; it is not verified any more.") % {
            "status": inst.get_status_display()}]})
    return inst


def _record_facts(inst: Instrument, effective, resolver: TermResolver, *, verified_on,
                  verification_type: str, conclusion: str, failed_items: Sequence[str],
                  number: str, number_taken: bool, valid_until, regulation: str,
                  standard_identifier: str, standard_valid_until) -> rules.RecordFacts:
    """The record's own facts for the one check, with the instrument's record before it."""
    latest = effective.order_by("-verified_on", "-id").values_list("verified_on",
                                                                   flat=True).first()
    return rules.RecordFacts(
        today=today(), verified_on=verified_on, verification_type=verification_type,
        conclusion=conclusion, failed_items=clean_items(failed_items), certificate_no=number,
        certificate_no_taken=number_taken, valid_until=valid_until, regulation_code=regulation,
        regulations=frozenset(resolver.regulations.get(inst.kind.code, ())),
        edition=resolver.editions.get((inst.kind.code, regulation)),
        free_text_standard=hooks.standards() is None,
        standard_identifier=standard_identifier or "", standard_valid_until=standard_valid_until,
        latest_on=latest, verified_before=latest is not None)


def _effective_before(inst: Instrument, institution: Organisation,
                      supersedes: VerificationRecord | None, reason: str):
    """The instrument's effective records the new one follows: all of them for a new record;
    for a correction, those before the record it corrects."""
    effective = VerificationRecord.objects.filter(instrument=inst, corrections__isnull=True)
    if supersedes is None:
        return effective
    if supersedes.instrument_id != inst.pk or not effective.filter(pk=supersedes.pk).exists():
        raise ValidationError({"supersedes": [_(
            "Only a record of this instrument that has not been corrected yet can be corrected.")]})
    if supersedes.institution_id != institution.pk:
        raise PermissionDenied(_("Only the institution that issued a record corrects it."))
    if not (reason or "").strip():
        raise ValidationError({"correction_reason": [_("Say why the record is corrected.")]})
    # A correction takes the corrected record's place in the history: what it follows is
    # what came before that record, not records filed after it.
    return effective.exclude(pk=supersedes.pk).filter(
        Q(verified_on__lt=supersedes.verified_on)
        | Q(verified_on=supersedes.verified_on, id__lt=supersedes.id))


@transaction.atomic
def verification_record(
    *,
    actor: User,
    instrument: Instrument,
    verified_on: datetime.date,
    verification_type: str,
    regulation_code: str,
    conclusion: str,
    certificate_no: str,
    verifier=None,
    checker=None,
    approver=None,
    place: str = "",
    conditions: str = "",
    original_record_no: str = "",
    standard_identifier: str = "",
    standard_valid_until: datetime.date | None = None,
    as_found: str = "",
    adjusted: bool = False,
    failed_items: Sequence[str] = (),
    valid_until: datetime.date | None = None,
    supersedes: VerificationRecord | None = None,
    correction_reason: str = "",
    standard_id: int | None = None,
    reference_lot_ids: Sequence[int] = (),
    evidence: Mapping | None = None,
) -> VerificationRecord:
    """Record a verification: a pass issues a 检定证书, a fail a 检定结果通知书 (and cancels the
    certificate in force); a correction supersedes an earlier record. Every check of the record
    is ``rules.verification.check_record`` (one list of every error found).

    ``evidence`` (issue 18, ``registry.evidence``): where and how, seals or the mark, software
    version, checksum and event counter found and left; judged by the same check, and what
    changed since the verification before is filed as a finding."""
    institution = require_verifier(actor)
    inst = _lock_for_record(instrument)
    effective = _effective_before(inst, institution, supersedes, correction_reason)
    regulation, number = (regulation_code or "").strip(), (certificate_no or "").strip()
    resolver = TermResolver()
    chosen, people, scopes, given = _checked(
        inst, institution, effective, resolver, verified_on=verified_on,
        verification_type=verification_type, regulation=regulation, number=number,
        conclusion=conclusion, failed_items=failed_items, valid_until=valid_until,
        standard_identifier=standard_identifier, standard_valid_until=standard_valid_until,
        standard_id=standard_id, reference_lot_ids=reference_lot_ids,
        signers=(verifier, checker, approver), evidence=evidence)
    before_left = previous_left(inst.pk, before=supersedes) if given else None
    found = term_for(inst, regulation, adjusted=adjusted, resolver=resolver)
    bound = chosen.binding() if chosen is not None else None
    if bound is not None:  # the register's words for the standard, and its validity
        standard_identifier, standard_valid_until = bound.identifier, bound.valid_until
    first_on = effective.order_by("verified_on").values_list("verified_on", flat=True).first()
    passed = conclusion == Conclusion.PASS
    result = outcome_or_raise(found.term, verified_on=verified_on, passed=passed,
                              first_verified_on=first_on or verified_on,
                              shortened_to=valid_until if passed else None)
    signed_off = signed(people, scopes, kind_code=inst.kind.code, region_code=inst.region_code,
                        on=verified_on)
    record = VerificationRecord(
        instrument=inst, owner_id=inst.owner_id, institution=institution,
        region_code=inst.region_code, province_code=inst.province_code, verified_on=verified_on,
        verification_type=verification_type, regulation_code=regulation,
        standard_identifier=(standard_identifier or "").strip()[:100],
        standard_valid_until=standard_valid_until, as_found=(as_found or "").strip(),
        adjusted=bool(adjusted), conclusion=conclusion, failed_items=clean_items(failed_items),
        certificate_no=number, valid_until=result.valid_until, management_mode=found.term.mode,
        periodic_due_on=result.periodic_due_on, term_rule=found.rule.id,
        term_province_set=found.term.province_set, **signoff_values(signed_off),
        **clean_extra(place=place, conditions=conditions, original_record_no=original_record_no),
        supersedes=supersedes, correction_reason=(correction_reason or "").strip()[:300],
        recorded_at=timezone.now(), recorded_by=actor,
        standard=bound.standard if bound else None,
    )
    _append(record, inst, bound, RateChange(inst))  # the rates taken before the record lands
    evidence_write(actor=actor, record=record, ev=given, previous=before_left)  # issue 18
    audit_record(actor=actor, action="registry.verification.correct" if supersedes else
                 "registry.verification.record", obj=record,
                 after=snapshot(record, RECORD_FIELDS + SIGNOFF_FIELDS))
    return record


def _checked(inst: Instrument, institution: Organisation, effective, resolver: TermResolver, *,
             verified_on, verification_type: str, regulation: str, number: str, conclusion: str,
             failed_items: Sequence[str], valid_until, standard_identifier: str,
             standard_valid_until, standard_id, reference_lot_ids, signers: tuple,
             evidence: Mapping | None) -> tuple:
    """The one check of a record (``rules.verification.check_record``): raises every error
    found; returns the standard chosen, the sign-off's people and scopes, and the evidence."""
    verifier, checker, approver = signers
    chosen = standard_chosen(standard_id=standard_id, on=verified_on,
                             lot_ids=reference_lot_ids) if verified_on else None
    sign, people, scopes = signoff_check(
        institution_id=institution.pk, kind_code=inst.kind.code, regulation_code=regulation,
        region_code=inst.region_code, on=verified_on, verifier=verifier, checker=checker,
        approver=approver)
    facts = _record_facts(
        inst, effective, resolver, verified_on=verified_on, verification_type=verification_type,
        conclusion=conclusion, failed_items=failed_items, number=number,
        number_taken=number_taken(institution, number), valid_until=valid_until,
        regulation=regulation, standard_identifier=standard_identifier,
        standard_valid_until=standard_valid_until)
    given = evidence_given(evidence)
    recordcheck.raise_errors(rules.check_record(facts, standard=standard_check(
        chosen, institution_id=institution.pk, kind_code=inst.kind.code,
        instrument_range=inst.measuring_range, on=verified_on), signers=sign,
        evidence=evidence_facts(given, kind=inst.kind, regulation=regulation,
                                verification_type=verification_type,
                                passed=conclusion == Conclusion.PASS)))
    return chosen, people, scopes, given


def signoff_values(signed_off) -> dict:
    """The sign-off's fields on a record (people.signing.SignOff)."""
    return {"verifier_name": signed_off.verifier_name, "checker_name": signed_off.checker_name,
            "verifier_person_id": signed_off.verifier_id,
            "checker_person_id": signed_off.checker_id,
            "approver_person_id": signed_off.approver_id,
            "approver_name": signed_off.approver_name,
            "authorisation_no": signed_off.authorisation_no}


def _append(record: VerificationRecord, inst: Instrument, bound, rates: RateChange) -> None:
    """Chain the record (a number taken meanwhile, a race, is the same refusal as the check's),
    bind its lots, and bring the instrument's state and the rates up to date."""
    try:
        with transaction.atomic():
            chain_append([record])
    except IntegrityError:
        raise ValidationError({"certificate_no": [_(
            "Your institution has already issued number %(no)s; certificate numbers are unique "
            "per institution.") % {"no": record.certificate_no}]}) from None
    if bound is not None:  # traceability (issue 12)
        record.reference_lots.set(bound.lots)
        bound.resolve(instrument_id=inst.pk, record=record)
    refresh_state(inst)
    inst.save(update_fields=STATE_FIELDS)
    rates.commit(inst)


def verification_correct(*, actor: User, record: VerificationRecord, reason: str,
                         **values) -> VerificationRecord:
    """A new record that supersedes ``record``; the old one stays in the chain, marked superseded.

    The earlier record's evidence (issue 18: seals, software, counters, where and how) is carried
    forward unless the correction gives its own; it is judged again with the corrected record,
    and compared with what the record before it left."""
    base = {
        "verified_on": record.verified_on, "verification_type": record.verification_type,
        "regulation_code": record.regulation_code,
        "standard_identifier": record.standard_identifier,
        "standard_valid_until": record.standard_valid_until, "conclusion": record.conclusion,
        "verifier": record.verifier_person_id, "checker": record.checker_person_id,
        "approver": record.approver_person_id, "place": record.place,
        "conditions": record.conditions, "original_record_no": record.original_record_no,
        "as_found": record.as_found, "adjusted": record.adjusted,
        "failed_items": record.failed_items, "standard_id": record.standard_id,
        "reference_lot_ids": list(record.reference_lots.values_list("pk", flat=True)),
    }
    base.update(values)
    if not evidence_supplied(base.get("evidence")):
        base["evidence"] = evidence_values(getattr(record, "evidence", None))
    return verification_record(actor=actor, instrument=record.instrument, supersedes=record,
                               correction_reason=reason, **base)
