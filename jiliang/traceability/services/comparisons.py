"""Comparisons and proficiency tests: the organiser's comparison, its participants and their
results, the scores, the report and its publication, and the follow-up of a poor result (which
may suspend the participant's standard)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.models import Organisation, User
from jiliang.rules import RuleError
from jiliang.rules import comparison as cmp_rules
from jiliang.traceability import permissions as may
from jiliang.traceability.models import (
    Comparison,
    Participant,
    Standard,
    StandardStatus,
)
from jiliang.traceability.services.common import clean_text, deny
from jiliang.traceability.services.standards import standard_set_status


def _state(comparison: Comparison, *allowed: str) -> None:
    if comparison.state not in allowed:
        raise ValidationError({"state": [_("Not possible while the comparison is %(state)s.") % {
            "state": comparison.get_state_display()}]})


@transaction.atomic
def comparison_create(*, actor: User | None, code: str, title: str, organiser: Organisation,
                      pilot: Organisation, measurand: str, method: str, protocol: str,
                      artefact: str, starts_on: datetime.date, ends_on: datetime.date,
                      unit: str = "") -> Comparison:
    if not (may.bureau_over(actor, organiser.region_code) or may.member_of(actor, organiser.pk)):
        deny(_("A comparison is organised by a bureau or by an institution for itself."))
    if method not in cmp_rules.METHODS:
        raise ValidationError({"method": [_("Choose En or z.")]})
    if ends_on is None or starts_on is None or ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The comparison ends on or after its first day.")]})
    code = clean_text(code, "code", limit=40)
    if Comparison.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A comparison with code %(code)s is on file "
                                          "already.") % {"code": code}]})
    comparison = Comparison.objects.create(
        code=code, title=clean_text(title, "title", limit=200), organiser=organiser, pilot=pilot,
        measurand=clean_text(measurand, "measurand", limit=100), method=method,
        protocol=clean_text(protocol, "protocol", limit=20000),
        artefact=clean_text(artefact, "artefact", limit=200), starts_on=starts_on, ends_on=ends_on,
        unit=clean_text(unit, "unit", limit=20, required=False), region_code=organiser.region_code,
        province_code=organiser.region_code[:2])
    audit_record(actor=actor, action="traceability.comparison.create", obj=comparison,
                 after=snapshot(comparison, ("code", "title", "method", "organiser", "pilot")))
    return comparison


@transaction.atomic
def participant_add(*, actor: User | None, comparison: Comparison, institution: Organisation,
                    lab_code: str, standard: Standard | None = None) -> Participant:
    if not may.may_run(actor, comparison):
        deny(_("Only the organiser enrols participants."))
    _state(comparison, Comparison.State.PLANNED, Comparison.State.RESULTS)
    if standard is not None and standard.owner_id != institution.pk:
        raise ValidationError({"standard": [_("The standard is not the participant's.")]})
    lab_code = clean_text(lab_code, "lab_code", limit=20)
    if comparison.participants.filter(lab_code=lab_code).exists() or \
            comparison.participants.filter(institution=institution).exists():
        raise ValidationError({"lab_code": [_("This participant is enrolled already.")]})
    part = Participant.objects.create(comparison=comparison, institution=institution,
                                      lab_code=lab_code, standard=standard)
    audit_record(actor=actor, action="traceability.comparison.enrol", obj=part,
                 region_code=comparison.region_code, after=snapshot(part))
    return part


@transaction.atomic
def result_submit(*, actor: User | None, participant: Participant, value: str,
                  expanded_u: str = "", in_reference: bool = False) -> Participant:
    """A participant's result (the participant itself, or the organiser)."""
    comparison = participant.comparison
    if not (may.may_run(actor, comparison) or may.member_of(actor, participant.institution_id)):
        deny(_("Only the participant or the organiser submits its result."))
    if comparison.state == Comparison.State.PLANNED:
        comparison.state = Comparison.State.RESULTS
        Comparison.objects.filter(pk=comparison.pk).update(state=comparison.state)
    _state(comparison, Comparison.State.RESULTS)
    try:
        x = cmp_rules.number(value, "value")
        u = cmp_rules.uncertainty(expanded_u, "expanded_u") if expanded_u not in (None, "") \
            else None
    except RuleError as error:
        field = "expanded_u" if "expanded_u" in str(error) else "value"
        raise ValidationError({field: [_("Enter a number (an uncertainty is not negative).")]}) \
            from None
    if comparison.method == cmp_rules.EN and u is None:
        raise ValidationError({"expanded_u": [_("An En comparison needs the expanded "
                                                "uncertainty.")]})
    participant.value, participant.expanded_u = f"{x:f}", f"{u:f}" if u is not None else ""
    participant.in_reference = bool(in_reference)
    participant.score = participant.verdict = ""
    participant.save(update_fields=["value", "expanded_u", "in_reference", "score", "verdict"])
    audit_record(actor=actor, action="traceability.comparison.result", obj=participant,
                 region_code=comparison.region_code,
                 after=snapshot(participant, ("value", "expanded_u", "in_reference")))
    return participant


@transaction.atomic
def comparison_score(*, actor: User | None, comparison: Comparison, reference_value: str,
                     reference_u: str = "", sigma_pt: str = "") -> Comparison:
    """Set the reference value and score every result by the protocol's method."""
    if not may.may_run(actor, comparison):
        deny(_("Only the organiser scores the comparison."))
    _state(comparison, Comparison.State.RESULTS, Comparison.State.SCORED)
    parts = list(comparison.participants.order_by("lab_code"))
    if not parts or any(not p.value for p in parts):
        raise ValidationError({"state": [_("Every participant's result is needed first.")]})
    reference = {"value": reference_value}
    if comparison.method == cmp_rules.EN:
        reference["U"] = reference_u
    else:
        reference["sigma_pt"] = sigma_pt
    rows = [{"lab": p.lab_code, "value": p.value, "U": p.expanded_u or "0",
             "in_reference": p.in_reference} for p in parts]
    try:
        scores = cmp_rules.score(comparison.method, reference, rows)
    except RuleError as error:
        raise ValidationError({"reference_value": [comparison_message(error)]}) from None
    for part, s in zip(parts, scores, strict=True):
        part.score, part.verdict = s.printed, s.verdict
        part.save(update_fields=["score", "verdict"])
    comparison.reference_value = f"{cmp_rules.number(reference_value, 'value'):f}"
    comparison.reference_u = reference_u or ""
    comparison.sigma_pt = sigma_pt or ""
    comparison.state = Comparison.State.SCORED
    comparison.save(update_fields=["reference_value", "reference_u", "sigma_pt", "state"])
    audit_record(actor=actor, action="traceability.comparison.score", obj=comparison,
                 after={"reference_value": comparison.reference_value,
                        "scores": {p.lab_code: [p.score, p.verdict] for p in parts}})
    return comparison


def comparison_message(error: RuleError) -> str:
    texts = {
        "value.not_number": _("%(field)s is not a number."),
        "uncertainty.negative": _("%(field)s is a negative uncertainty."),
        "uncertainty.zero": _("The combined uncertainty of %(field)s is zero."),
        "sigma_pt.zero": _("The standard deviation for proficiency assessment is zero."),
        "in_reference.u_lab": _("%(field)s: a result that went into the reference value needs "
                                "an uncertainty larger than the reference value's."),
    }
    template = texts.get(error.code)
    if template is None:
        return str(error)
    return template % {"field": error.params.get("field", "")} if "%(field)s" in template \
        else template


@transaction.atomic
def comparison_report(*, actor: User | None, comparison: Comparison, report: str) -> Comparison:
    if not may.may_run(actor, comparison):
        deny(_("Only the organiser writes the report."))
    _state(comparison, Comparison.State.SCORED, Comparison.State.REPORTED)
    comparison.report = clean_text(report, "report", limit=50000)
    comparison.state = Comparison.State.REPORTED
    comparison.save(update_fields=["report", "state"])
    audit_record(actor=actor, action="traceability.comparison.report", obj=comparison,
                 after={"report": len(comparison.report)})
    return comparison


@transaction.atomic
def comparison_publish(*, actor: User | None, comparison: Comparison) -> Comparison:
    """Publication after approval by a bureau head over the organiser."""
    if not may.may_approve(actor, comparison):
        deny(_("The report is approved by the head of the bureau over the organiser."))
    _state(comparison, Comparison.State.REPORTED)
    comparison.state = Comparison.State.PUBLISHED
    comparison.approved_by = actor if actor is not None and actor.is_authenticated else None
    comparison.published_on = timezone.localdate()
    comparison.save(update_fields=["state", "approved_by", "published_on"])
    audit_record(actor=actor, action="traceability.comparison.publish", obj=comparison,
                 after={"published_on": comparison.published_on.isoformat()})
    return comparison


@transaction.atomic
def follow_up(*, actor: User | None, participant: Participant, action: str,
              suspend_standard: bool = False, close: bool = False) -> Participant:
    """The follow-up of an unsatisfactory (or questionable) result; it may suspend the
    participant's standard, which opens an impact case."""
    comparison = participant.comparison
    if not may.may_run(actor, comparison):
        deny(_("The organiser (or its bureau) follows up results."))
    if participant.verdict not in (cmp_rules.UNSATISFACTORY, cmp_rules.QUESTIONABLE):
        raise ValidationError({"action": [_("Only an unsatisfactory or questionable result is "
                                            "followed up.")]})
    participant.follow_up = clean_text(action, "action", limit=2000)
    participant.follow_up_closed = bool(close)
    participant.save(update_fields=["follow_up", "follow_up_closed"])
    audit_record(actor=actor, action="traceability.comparison.follow_up", obj=participant,
                 region_code=comparison.region_code,
                 after={"follow_up": participant.follow_up, "closed": participant.follow_up_closed,
                        "suspend": bool(suspend_standard)})
    if suspend_standard:
        if participant.standard is None:
            raise ValidationError({"suspend_standard": [_("No standard of the participant is "
                                                          "named in this comparison.")]})
        if not may.may_assess(actor, participant.standard):
            deny(_("Only the bureau over the standard suspends it."))
        standard_set_status(actor=actor, standard=participant.standard,
                            status=StandardStatus.SUSPENDED,
                            reason=_("Comparison %(code)s: unsatisfactory result") % {
                                "code": comparison.code})
    return participant
