"""An instrument's state as the lists read it, derived from its effective verifications."""

from __future__ import annotations

from django.utils import timezone

from jiliang.registry.models import (
    Instrument,
    VerificationRecord,
)
from jiliang.rules import verification as rules


def refresh_state(instrument: Instrument) -> Instrument:
    """Set the fields the lists read from the instrument's effective verifications."""
    latest = first = None
    if instrument.pk is not None:
        effective = VerificationRecord.objects.filter(instrument=instrument,
                                                      corrections__isnull=True)
        latest = effective.order_by("-verified_on", "-id").first()
        first = effective.order_by("verified_on", "id").values_list("verified_on",
                                                                    flat=True).first()
    instrument.first_verified_on = first
    if latest is None:
        instrument.last_verified_on = None
        instrument.last_conclusion = ""
        instrument.last_institution_id = None
        instrument.last_certificate_no = ""
        instrument.valid_until = None
        instrument.next_due_on = instrument.first_use_on or timezone.localtime(
            instrument.filed_at or timezone.now()).date()
        instrument.due_action = rules.DUE_FIRST
        instrument.replacement_due_on = None
        return instrument
    due, action, replace_by = rules.due_after(
        mode=latest.management_mode, passed=latest.passed, verified_on=latest.verified_on,
        valid_until=latest.valid_until)
    instrument.last_verified_on = latest.verified_on
    instrument.last_conclusion = latest.conclusion
    instrument.last_institution_id = latest.institution_id
    instrument.last_certificate_no = latest.certificate_no
    instrument.valid_until = latest.valid_until
    instrument.next_due_on = due
    instrument.due_action = action
    instrument.replacement_due_on = replace_by
    instrument.term_rule = latest.term_rule
    instrument.term_province_set = latest.term_province_set
    return instrument


STATE_FIELDS = ["first_verified_on", "last_verified_on", "last_conclusion", "last_institution",
                "last_certificate_no", "valid_until", "next_due_on", "due_action",
                "replacement_due_on", "term_rule", "term_province_set"]
