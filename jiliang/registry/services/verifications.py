"""Recording a verification (检定证书 or 检定结果通知书) and correcting one."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_append
from jiliang.audit.services import audit_record, snapshot
from jiliang.catalog.selectors import (
    TermResolver,
    edition_problems,
)
from jiliang.core.models import Organisation, User
from jiliang.core.validation import rule_message
from jiliang.people.signing import signoff_or_raise
from jiliang.registry import permissions
from jiliang.registry.models import (
    Conclusion,
    Instrument,
    Status,
    VerificationRecord,
    VerificationType,
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
from jiliang.rules import RuleError
from jiliang.rules import verification as rules


def check_standard(verified_on: datetime.date, standard_valid_until: datetime.date | None) -> None:
    if standard_valid_until is None:
        raise ValidationError({"standard_valid_until": [_(
            "Give the validity date of the standard used.")]})
    if standard_valid_until < verified_on:
        raise ValidationError({"standard_valid_until": [_(
            "The standard used was valid only until %(until)s, before the verification date: a "
            "verification made with an expired standard is refused.") % {
            "until": standard_valid_until.isoformat()}]})


def standard_binding(*, institution: Organisation, instrument: Instrument, on: datetime.date,
                     standard_id: int | None, lot_ids: Sequence[int] = ()):
    """Traceability (issue 12): with the app installed, a record stands on a registered standard
    of the institution that was valid that day (``jiliang.rules.traceability.record_errors``);
    a ValidationError names every reason it cannot. None without the app (free text)."""
    if not apps.is_installed("jiliang.traceability"):
        return None
    from jiliang.traceability.binding import bind_record

    return bind_record(institution_id=institution.pk, kind_code=instrument.kind.code,
                       instrument_range=instrument.measuring_range, on=on,
                       standard_id=standard_id, lot_ids=lot_ids)


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


def clean_items(conclusion: str, failed_items: Iterable[str]) -> list[str]:
    if conclusion not in Conclusion.values:
        raise ValidationError({"conclusion": [_("Choose pass or fail.")]})
    items = [str(i).strip() for i in failed_items or () if str(i).strip()]
    if conclusion == Conclusion.FAIL and not items:
        raise ValidationError({"failed_items": [_(
            "A result notice lists the items that failed.")]})
    if conclusion == Conclusion.PASS and items:
        raise ValidationError({"failed_items": [_("A pass lists no failed items.")]})
    return items


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
) -> VerificationRecord:
    """Record a verification; a pass issues a 检定证书, a fail a 检定结果通知书.

    A fail cancels the certificate in force (the public pages and the PDF say
    so); a correction is a new record that supersedes an earlier one.
    """
    institution = require_verifier(actor)
    inst = Instrument.objects.select_for_update().select_related("kind").get(pk=instrument.pk)
    if inst.status in (Status.SCRAPPED, Status.REPLACED):
        raise ValidationError({"instrument": [_(
            "This instrument is %(status)s; it is not verified any more.") % {
            "status": inst.get_status_display()}]})
    if verified_on is None or verified_on > today():
        raise ValidationError({"verified_on": [_("The verification date cannot be in the future.")]})
    if verification_type not in VerificationType.values:
        raise ValidationError({"verification_type": [_("Choose the type of verification.")]})
    # Traceability (issue 12): the registered standard (and lots), judged for that day.
    bound = standard_binding(institution=institution, instrument=inst, on=verified_on,
                             standard_id=standard_id, lot_ids=reference_lot_ids)
    if bound is not None:
        standard_identifier, standard_valid_until = bound.identifier, bound.valid_until
    standard = (standard_identifier or "").strip()
    if not standard:
        raise ValidationError({"standard_identifier": [_("Identify the standard used.")]})
    check_standard(verified_on, standard_valid_until)
    items = clean_items(conclusion, failed_items)
    number = (certificate_no or "").strip()
    if not number:
        raise ValidationError({"certificate_no": [_(
            "Give the number of the certificate or result notice.")]})
    if len(number) > 60:
        raise ValidationError({"certificate_no": [_("At most %(n)s characters.") % {"n": 60}]})
    if VerificationRecord.objects.filter(institution=institution, certificate_no=number,
                                         batch__isnull=True).exists():
        raise ValidationError({"certificate_no": [_(
            "Your institution has already issued number %(no)s; certificate numbers are unique "
            "per institution.") % {"no": number}]})
    effective = VerificationRecord.objects.filter(instrument=inst, corrections__isnull=True)
    if supersedes is not None:
        if supersedes.instrument_id != inst.pk or not effective.filter(pk=supersedes.pk).exists():
            raise ValidationError({"supersedes": [_(
                "Only a record of this instrument that has not been corrected yet can be corrected.")]})
        if supersedes.institution_id != institution.pk:
            raise PermissionDenied(_("Only the institution that issued a record corrects it."))
        if not (correction_reason or "").strip():
            raise ValidationError({"correction_reason": [_("Say why the record is corrected.")]})
        effective = effective.exclude(pk=supersedes.pk)
    latest = effective.order_by("-verified_on", "-id").first()
    if latest is not None and verified_on < latest.verified_on:
        raise ValidationError({"verified_on": [_(
            "A verification of %(date)s is on file; a later one cannot be dated before it. To "
            "change a record, correct it.") % {"date": latest.verified_on.isoformat()}]})
    if verification_type == VerificationType.FIRST and effective.exists():
        raise ValidationError({"verification_type": [_(
            "This instrument has been verified before; this is not its first verification.")]})
    regulation = (regulation_code or "").strip()
    found = term_for(inst, regulation, adjusted=adjusted)
    # Catalogue (#14): only the edition in force on the verification date.
    if problems := edition_problems(inst.kind.code, regulation, verified_on):
        raise ValidationError({"regulation_code": problems})
    # Who signs and under which authorisation (issue 13): one check for form, API and import.
    signed = signoff_or_raise(institution_id=institution.pk, kind_code=inst.kind.code,
                              regulation_code=regulation, region_code=inst.region_code,
                              on=verified_on, verifier=verifier, checker=checker,
                              approver=approver)
    extra = clean_extra(place=place, conditions=conditions,
                         original_record_no=original_record_no)
    first_on = effective.order_by("verified_on").values_list("verified_on", flat=True).first()
    result = outcome_or_raise(found.term, verified_on=verified_on, passed=conclusion == Conclusion.PASS,
                      first_verified_on=first_on or verified_on,
                      shortened_to=valid_until if conclusion == Conclusion.PASS else None)
    if conclusion == Conclusion.FAIL and valid_until is not None:
        raise ValidationError({"valid_until": [_("A result notice has no valid-until date.")]})
    rates = RateChange(inst)
    record = VerificationRecord(
        instrument=inst, owner_id=inst.owner_id, institution=institution,
        region_code=inst.region_code, province_code=inst.province_code, verified_on=verified_on,
        verification_type=verification_type, regulation_code=regulation,
        standard_identifier=standard[:100], standard_valid_until=standard_valid_until,
        as_found=(as_found or "").strip(), adjusted=bool(adjusted), conclusion=conclusion,
        failed_items=items, certificate_no=number, valid_until=result.valid_until,
        management_mode=found.term.mode, periodic_due_on=result.periodic_due_on,
        term_rule=found.rule.id, term_province_set=found.term.province_set,
        verifier_name=signed.verifier_name, checker_name=signed.checker_name,
        verifier_person_id=signed.verifier_id, checker_person_id=signed.checker_id,
        approver_person_id=signed.approver_id, approver_name=signed.approver_name,
        authorisation_no=signed.authorisation_no, **extra, supersedes=supersedes,
        correction_reason=(correction_reason or "").strip()[:300], recorded_at=timezone.now(),
        recorded_by=actor, standard=bound.standard if bound else None,
    )
    try:
        with transaction.atomic():
            chain_append([record])
    except IntegrityError:
        raise ValidationError({"certificate_no": [_(
            "Your institution has already issued number %(no)s; certificate numbers are unique "
            "per institution.") % {"no": number}]}) from None
    if bound is not None:  # traceability (issue 12)
        record.reference_lots.set(bound.lots)
        bound.resolve(instrument_id=inst.pk, record=record)
    refresh_state(inst)
    inst.save(update_fields=STATE_FIELDS)
    rates.commit(inst)
    audit_record(actor=actor, action="registry.verification.correct" if supersedes else
                 "registry.verification.record", obj=record,
                 after=snapshot(record, RECORD_FIELDS + SIGNOFF_FIELDS))
    return record


def verification_correct(*, actor: User, record: VerificationRecord, reason: str,
                         **values) -> VerificationRecord:
    """A new record that supersedes ``record``; the old one stays in the chain, marked superseded."""
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
    return verification_record(actor=actor, instrument=record.instrument, supersedes=record,
                               correction_reason=reason, **base)
