"""The first verification of a batch of utility meters."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_append
from jiliang.audit.services import audit_record
from jiliang.catalog.models import Use
from jiliang.catalog.selectors import (
    catalogue_version_code,
    edition_problems,
)
from jiliang.core.models import User
from jiliang.people.signing import signoff_or_raise
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
    check_standard,
    clean_items,
    outcome_or_raise,
    require_verifier,
    term_for,
)
from jiliang.rules import verification as rules


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
    standard_identifier: str,
    standard_valid_until: datetime.date | None,
    region_code: str,
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
    """First verification of a batch of utility meters; each meter is filed with its replacement date."""
    institution = require_verifier(actor)
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
    if verified_on is None or verified_on > today():
        raise ValidationError({"verified_on": [_("The verification date cannot be in the future.")]})
    check_standard(verified_on, standard_valid_until)
    items = clean_items(conclusion, failed_items)
    number = (certificate_no or "").strip()
    if not number:
        raise ValidationError({"certificate_no": [_("Give the number of the batch certificate.")]})
    if MeterBatch.objects.filter(institution=institution, certificate_no=number).exists() or \
            VerificationRecord.objects.filter(institution=institution, certificate_no=number,
                                              batch__isnull=True).exists():
        raise ValidationError({"certificate_no": [_(
            "Your institution has already issued number %(no)s; certificate numbers are unique "
            "per institution.") % {"no": number}]})
    taken = list(Instrument.objects.filter(owner=owner, kind=kind, serial_number__in=clean)
                 .values_list("serial_number", flat=True)[:5])
    if taken:
        raise ValidationError({"serials": [_("Already on file for this owner: %(serials)s.") % {
            "serials": ", ".join(taken)}]})
    probe = Instrument(kind=kind, nominal_size=size, household=bool(household),
                       accuracy_class=accuracy_class.strip(), medium=medium or "",
                       province_code=region[:2])
    found = term_for(probe, (regulation_code or "").strip())
    if problems := edition_problems(kind.code, found.regulation, verified_on):  # catalogue (#14)
        raise ValidationError({"regulation_code": problems})
    signed = signoff_or_raise(institution_id=institution.pk, kind_code=kind.code,
                              regulation_code=found.regulation, region_code=region,
                              on=verified_on, verifier=verifier, checker=checker,
                              approver=approver)
    passed = conclusion == Conclusion.PASS
    result = outcome_or_raise(found.term, verified_on=verified_on, passed=passed,
                      first_verified_on=verified_on)
    batch = MeterBatch.objects.create(
        owner=owner, institution=institution, kind=kind, supplier=supplier.strip()[:200],
        model=model.strip()[:100], quantity=quantity, verified_on=verified_on,
        conclusion=conclusion, certificate_no=number, regulation_code=found.regulation,
        region_code=region, province_code=region[:2], created_by=actor,
    )
    now = timezone.now()
    due, action, replace_by = rules.due_after(mode=found.term.mode, passed=passed,
                                              verified_on=verified_on,
                                              valid_until=result.valid_until)
    meters = [Instrument(
        owner=owner, kind=kind, use=use, serial_number=serial, manufacturer=supplier.strip()[:200],
        model=model.strip()[:100], accuracy_class=accuracy_class.strip(), nominal_size=size,
        household=bool(household), medium=medium or "", region_code=region,
        province_code=region[:2], status=Status.IN_USE if passed else Status.STOPPED,
        status_changed_on=None if passed else verified_on, batch=batch, filed_at=now,
        first_verified_on=verified_on, last_verified_on=verified_on, last_conclusion=conclusion,
        last_institution=institution, last_certificate_no=number, valid_until=result.valid_until,
        next_due_on=due, due_action=action, replacement_due_on=replace_by,
        term_rule=found.rule.id, term_province_set=found.term.province_set,
        catalogue_version=catalogue_version_code(timezone.localtime(now).date()),
    ) for serial in clean]
    Instrument.objects.bulk_create(meters, batch_size=1000)
    if not all(m.pk for m in meters):
        ids = dict(Instrument.objects.filter(batch=batch).values_list("serial_number", "pk"))
        for m in meters:
            m.pk = m.id = ids[m.serial_number]
    records = [VerificationRecord(
        instrument=m, owner=owner, institution=institution, region_code=region,
        province_code=region[:2], batch=batch, verified_on=verified_on,
        verification_type=VerificationType.FIRST, regulation_code=found.regulation,
        standard_identifier=standard_identifier.strip()[:100],
        standard_valid_until=standard_valid_until, conclusion=conclusion, failed_items=items,
        certificate_no=number, valid_until=result.valid_until, management_mode=found.term.mode,
        periodic_due_on=result.periodic_due_on, term_rule=found.rule.id,
        term_province_set=found.term.province_set, verifier_name=signed.verifier_name,
        checker_name=signed.checker_name, verifier_person_id=signed.verifier_id,
        checker_person_id=signed.checker_id, approver_person_id=signed.approver_id,
        approver_name=signed.approver_name, authorisation_no=signed.authorisation_no,
        recorded_at=now, recorded_by=actor,
    ) for m in meters]
    chain_append(records)
    deltas: dict = {}
    tally = rules.contributions([rules.Rec(verified_on, passed, result.periodic_due_on)])
    add_tally(deltas, (region, kind.pk, use), rules.Tally(
        {key: n * len(meters) for key, n in tally.counts.items()}))
    rates_apply(deltas)
    audit_record(actor=actor, action="registry.batch.record", obj=batch,
                 after={"certificate_no": number, "quantity": quantity, "kind": kind.code,
                        "owner": owner.pk, "conclusion": conclusion,
                        "verified_on": verified_on.isoformat()})
    return batch
