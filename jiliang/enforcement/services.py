"""Every write of the enforcement app: one transaction, its ledger entry, the workflow enforced.

``open_case`` opens a case (立案) from a finding of any registered kind, or by hand;
``case_act`` takes each later step of the workflow declared in rules/data/enforcement.json.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_append
from jiliang.audit.services import audit_record
from jiliang.core.models import Organisation, User
from jiliang.enforcement import conf, findings, permissions
from jiliang.enforcement.models import Case, CaseEvent, ExecutionKind, PartyKind
from jiliang.rules import RuleError
from jiliang.rules import enforcement as rules
from jiliang.rules.deadlines import count_working_days

MAX_FINE = Decimal("9999999999.99")
TEXT_MAX = 4000


def _snapshot(case: Case) -> dict:
    return {"number": case.number, "state": case.state, "version": case.version,
            "party_kind": case.party_kind, "party_name": case.party_name,
            "finding_kind": case.finding_kind, "finding_id": case.finding_id,
            "bases": list(case.bases), "opened_on": case.opened_on.isoformat(),
            "decision_due_on": case.decision_due_on.isoformat(),
            "proposed_fine": str(case.proposed_fine) if case.proposed_fine is not None else None,
            "fine": str(case.fine) if case.fine is not None else None,
            "published": case.published_at is not None}


def _event(case: Case, *, actor: User | None, action: str, from_state: str, note: str = "",
           data: Mapping[str, Any] | None = None, on: datetime.date) -> None:
    authenticated = actor is not None and actor.is_authenticated
    chain_append([CaseEvent(
        case=case, at=timezone.now(), on=on, actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else "system", action=action,
        from_state=from_state, to_state=case.state, note=note, data=dict(data or {}),
        region_code=case.region_code)])


def _text(value: Any, field: str, *, required: bool, limit: int = TEXT_MAX) -> str:
    value = (str(value) if value is not None else "").strip()
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({field: [_("At most %(n)s characters.") % {"n": limit}]})
    return value


def _amount(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter an amount in yuan, e.g. 5000 or 5000.50.")]}) \
            from None
    if not amount.is_finite() or amount < 0 or amount > MAX_FINE \
            or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: [_("Enter an amount in yuan, e.g. 5000 or 5000.50.")]})
    return amount.quantize(Decimal("0.01"))


def _bases(codes: Sequence[str] | None, kind: str, on: datetime.date) -> list[str]:
    known = rules.legal_bases()
    if codes is None:
        return rules.bases_for(kind, on)
    codes = list(dict.fromkeys(str(c) for c in codes))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"bases": [_("Unknown legal basis: %(codes)s.") % {
            "codes": ", ".join(unknown)}]})
    lapsed = [c for c in codes if not rules.in_force(c, on)]
    if lapsed:
        raise ValidationError({"bases": [_("Not in force on the day of the finding: "
                                           "%(names)s.") % {"names": ", ".join(
                                               rules.text(known[c]["name"]) for c in lapsed)}]})
    return codes


def _limits(case: Case) -> None:
    found = rules.limits(discovered_on=case.discovered_on, opened_on=case.opened_on,
                         opening_days=conf.working_days("opening"),
                         decision_days=conf.working_days("decision"),
                         extension_days=case.extension_days)
    case.opening_due_on, case.opened_late = found.opening_due, found.opened_late
    case.decision_due_on = found.decision_due
    case.provisional_years = ",".join(str(y) for y in found.provisional_years)


@transaction.atomic
def open_case(
    actor: User | None,
    *,
    finding: models.Model | None = None,
    kind: str | None = None,
    bureau: Organisation | None = None,
    party: Organisation | None = None,
    party_kind: str = "",
    party_name: str = "",
    party_id_number: str = "",
    party_address: str = "",
    region_code: str = "",
    discovered_on: datetime.date | None = None,
    summary: str = "",
    bases: Sequence[str] | None = None,
    articles: str = "",
    facts: str = "",
    on: datetime.date | None = None,
) -> Case:
    """Open (立案) an enforcement case and return it.

    ``finding`` is a row of a registered kind (``jiliang.enforcement.findings``): a failed
    net-content lot, an overdue instrument, a special-inspection finding, a GB 17167 audit
    finding, a complaint, a tamper alert...; the case takes its party, region, day of discovery
    and summary from it (each may be given to override or complete it) and refuses a row that
    is not a finding (a passed lot) or that already has a live case; ``kind`` names the kind
    when several are registered on one model. Without ``finding`` the case is opened by hand
    (``kind`` "manual", the default, or another declared kind) and ``party`` or
    ``party_name``, ``discovered_on`` and ``summary`` are required.

    The handling bureau is the actor's (``bureau`` for the system); the legal bases default to
    those of the kind in force on the day of discovery. Time limits are counted in working days
    on the holiday calendar. ``on`` is the day of opening (today).
    """
    on = on or timezone.localdate()
    kind, facts_found = _finding_facts(finding, kind)
    bureau = _handling_bureau(actor, bureau, (facts_found.region_code if facts_found else "")
                              or region_code)
    if finding is not None:
        _refuse_a_second_case(kind, finding)
    party, party_kind, name = _party(facts_found, party, party_kind, party_name)
    discovered = _discovered(facts_found, discovered_on, on)
    summary = _text(summary or (facts_found.summary if facts_found else ""), "summary",
                    required=True, limit=500)
    case = Case(
        number="", bureau=bureau, region_code=bureau.region_code,
        province_code=bureau.region_code[:2], party_kind=party_kind, party=party,
        party_name=name,
        party_credit_code=(party.credit_code or "") if party is not None else (
            facts_found.party_credit_code if facts_found else ""),
        party_id_number=_text(party_id_number, "party_id_number", required=False, limit=30)
        if party_kind == PartyKind.PERSON else "",
        party_address=_text(party_address or (party.address if party is not None else ""),
                            "party_address", required=False, limit=300),
        finding_kind=kind, finding_id=finding.pk if finding is not None else None,
        finding_summary=summary, discovered_on=discovered,
        instrument_id=facts_found.instrument_id if facts_found else None,
        campaign_id=facts_found.campaign_id if facts_found else None,
        energy_unit_id=facts_found.energy_unit_id if facts_found else None,
        bases=_bases(bases, kind, discovered),
        articles=_text(articles, "articles", required=False, limit=300),
        facts=_text(facts, "facts", required=False), opened_on=on,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _limits(case)
    case.save()
    case.number = f"CF{case.province_code}-{on.year}-{case.pk:06d}"
    case.save(update_fields=["number"])
    _event(case, actor=actor, action="open", from_state="", on=on,
           data={"finding_kind": kind, "finding_id": case.finding_id,
                 "opening_due_on": case.opening_due_on.isoformat(),
                 "opened_late": case.opened_late})
    audit_record(actor=actor, action="enforcement.case.open", obj=case, after=_snapshot(case))
    return case


def _finding_facts(finding: models.Model | None,
                   kind: str | None) -> tuple[str, findings.Facts | None]:
    """The kind of finding a case opens on and what the finding says (None by hand)."""
    try:
        if finding is None:
            kind = kind or "manual"
            findings.kind_of(kind)
            return kind, None
        finding_kind = findings.kind_for(finding, kind)
    except RuleError as error:
        raise ValidationError({"finding": [_("This kind of finding is not known.")]}) from error
    if finding_kind.applies is not None and not finding_kind.applies(finding):
        raise ValidationError({"finding": [_("This record is not a finding: nothing "
                                             "to open a case on.")]})
    return finding_kind.code, finding_kind.facts(finding)


def _handling_bureau(actor: User | None, bureau: Organisation | None,
                     region: str) -> Organisation:
    """The bureau that handles the case: the actor's, which may open cases in ``region``."""
    if actor is not None:
        bureau = actor.organisation
    if bureau is None or not bureau.is_bureau:
        raise PermissionDenied(_("Only a bureau opens enforcement cases."))
    if not permissions.may_open(actor, region or bureau.region_code):
        raise PermissionDenied(_("A bureau opens cases on findings in its own region."))
    return bureau


def _refuse_a_second_case(kind: str, finding: models.Model) -> None:
    live = (Case.objects.select_for_update().filter(finding_kind=kind, finding_id=finding.pk)
            .exclude(state="dropped").first())
    if live is not None:
        raise ValidationError({"finding": [_("Case %(number)s is already open on this "
                                             "finding.") % {"number": live.number}]})


def _party(facts_found: findings.Facts | None, party: Organisation | None, party_kind: str,
           party_name: str) -> tuple[Organisation | None, str, str]:
    """The party (an organisation on file or not, or a natural person), its kind and name."""
    found_name = facts_found.party_name if facts_found else ""
    party = party or (facts_found.party if facts_found else None)
    if not party_kind and (party is not None or found_name):
        party_kind = PartyKind.ORGANISATION
    if party_kind not in PartyKind.values:
        raise ValidationError({"party_kind": [_("Say whether the party is an organisation or a "
                                                "natural person.")]})
    if party_kind == PartyKind.ORGANISATION and party is None and not (party_name or found_name):
        raise ValidationError({"party": [_("Name the party.")]})
    if party_kind == PartyKind.PERSON and party is not None:
        raise ValidationError({"party": [_("A natural person is not an organisation on file: "
                                           "give the name.")]})
    name = _text(party.name if party is not None else party_name or found_name,
                 "party_name", required=True, limit=200)
    return party, party_kind, name


def _discovered(facts_found: findings.Facts | None, discovered_on: datetime.date | None,
                on: datetime.date) -> datetime.date:
    discovered = discovered_on or (facts_found.discovered_on if facts_found else None)
    if discovered is None:
        raise ValidationError({"discovered_on": [_("Give the day the finding was discovered.")]})
    if discovered > on:
        raise ValidationError({"discovered_on": [_("The day of discovery cannot be after the "
                                                   "day of opening.")]})
    return discovered


@transaction.atomic
def case_act(
    *,
    actor: User | None,
    case: Case,
    action: str,
    version: int | None = None,
    payload: Mapping[str, Any] | None = None,
    on: datetime.date | None = None,
) -> Case:
    """Take the workflow step ``action`` on a case the caller last saw at ``version``.

    ``payload`` holds only the fields the step declares (required and optional); ``on`` is the
    day of the step (today). Two officials acting at once: exactly one step lands.
    """
    on = on or timezone.localdate()
    payload = dict(payload or {})
    case = Case.objects.select_for_update().select_related("bureau").get(pk=case.pk)
    if not permissions.sees(actor, case):
        raise PermissionDenied(_("This case is handled by another bureau."))
    flow = rules.workflow()
    try:
        step = flow.transition(action, case.state)
    except RuleError as error:
        raise ValidationError({"action": [_("This step is not possible now.")]}) from error
    if not permissions.may_act(actor, case, step.by):
        raise PermissionDenied(_("This step is for the head of the handling bureau.")
                               if step.by == "head" else
                               _("Only the handling bureau takes this step."))
    if version is not None and version != case.version:
        raise ValidationError({"version": [_("Someone else acted on this case first; it is "
                                             "now: %(state)s.") % {
                                                 "state": rules.text(flow.states[case.state]["label"],
                                                                     _lang())}]})
    unknown = sorted(set(payload) - step.accepts)
    if unknown:
        raise ValidationError({unknown[0]: [_("This step does not take this field.")]})
    if step.once and case.events.filter(action=action).exists():
        raise ValidationError({"action": [_("This step is taken only once.")]})
    before, from_state = _snapshot(case), case.state
    note, data = STEPS[action](case, payload, on)
    case.state = step.target or case.state
    case.version += 1
    case.save()
    _event(case, actor=actor, action=action, from_state=from_state, note=note, data=data, on=on)
    audit_record(actor=actor, action=f"enforcement.case.{action}", obj=case, before=before,
                 after=_snapshot(case))
    return case


def _lang() -> str:
    return get_language() or "zh-hans"


def _record_evidence(case: Case, p: Mapping[str, Any], on: datetime.date):
    return _text(p.get("note"), "note", required=True), {}


def _extend(case: Case, p: Mapping[str, Any], on: datetime.date):
    most = conf.working_days("extension")
    try:
        days = int(str(p.get("working_days", "")).strip())
    except ValueError:
        days = 0
    if not 1 <= days <= most:
        raise ValidationError({"working_days": [_("Give a number of working days from 1 to "
                                                  "%(n)s.") % {"n": most}]})
    reasons = _text(p.get("reasons"), "reasons", required=True)
    case.extension_days, case.extension_reasons = days, reasons
    _limits(case)
    return reasons, {"working_days": days, "decision_due_on": case.decision_due_on.isoformat()}


def _notify(case: Case, p: Mapping[str, Any], on: datetime.date):
    case.proposed_fine = _amount(p.get("proposed_fine"), "proposed_fine")
    case.proposed_measures = _text(p.get("proposed_measures"), "proposed_measures",
                                   required=True)
    case.facts = _text(p.get("facts"), "facts", required=True)
    case.notified_on = on
    case.statement_due_on = count_working_days(on, conf.working_days("statement")).date
    case.hearing_threshold = conf.hearing_threshold(
        "person" if case.is_person else "organisation")
    case.hearing_offered = rules.hearing_offered(case.proposed_fine, case.hearing_threshold)
    return "", {"proposed_fine": str(case.proposed_fine),
                "hearing_offered": case.hearing_offered,
                "hearing_threshold": str(case.hearing_threshold),
                "statement_due_on": case.statement_due_on.isoformat()}


def _record_statement(case: Case, p: Mapping[str, Any], on: datetime.date):
    statement = _text(p.get("statement"), "statement", required=True)
    requested = p.get("hearing_requested") in (True, "true", "on", "1", 1)
    if requested and not case.hearing_offered:
        raise ValidationError({"hearing_requested": [
            _("No hearing was offered: the proposed fine is below the threshold.")]})
    case.statement = statement
    case.hearing_requested = case.hearing_requested or requested
    return statement, {"hearing_requested": requested}


def _decide(case: Case, p: Mapping[str, Any], on: datetime.date):
    fine = _amount(p.get("fine"), "fine")
    if case.proposed_fine is not None and fine > case.proposed_fine:
        raise ValidationError({"fine": [_("A fine above the one proposed in the notice needs a "
                                          "new notice to the party.")]})
    if not case.statement and case.statement_due_on and on <= case.statement_due_on:
        raise ValidationError({"action": [_("The party may state its case until %(date)s: "
                                            "decide after that, or record its statement.") % {
                                                "date": case.statement_due_on.isoformat()}]})
    case.fine = fine
    case.decision_text = _text(p.get("decision_text"), "decision_text", required=True)
    case.decided_on = on
    case.decision_number = f"{case.number}-J"
    return "", {"fine": str(fine), "decision_number": case.decision_number,
                "late": on > case.decision_due_on}


def _execute(case: Case, p: Mapping[str, Any], on: datetime.date):
    kind = str(p.get("execution_kind") or "")
    if kind not in ExecutionKind.values:
        raise ValidationError({"execution_kind": [_("Say whether the fine was paid, the "
                                                    "matter corrected, or both.")]})
    executed = p.get("executed_on")
    if isinstance(executed, str):
        try:
            executed = datetime.date.fromisoformat(executed.strip())
        except ValueError:
            executed = None
    if not isinstance(executed, datetime.date):
        raise ValidationError({"executed_on": [_("Enter a date as YYYY-MM-DD.")]})
    if executed > on or (case.decided_on and executed < case.decided_on):
        raise ValidationError({"executed_on": [_("The day of execution lies between the "
                                                 "decision and today.")]})
    paid = None
    if kind in (ExecutionKind.PAID, ExecutionKind.PAID_AND_CORRECTED):
        paid = _amount(p.get("amount_paid"), "amount_paid")
        if case.fine is not None and paid != case.fine:
            raise ValidationError({"amount_paid": [_("The amount paid is not the fine decided "
                                                     "(%(fine)s).") % {"fine": case.fine}]})
    case.execution_kind, case.executed_on, case.amount_paid = kind, executed, paid
    return _text(p.get("note"), "note", required=False), {
        "execution_kind": kind, "executed_on": executed.isoformat(),
        "amount_paid": str(paid) if paid is not None else None}


def _close(case: Case, p: Mapping[str, Any], on: datetime.date):
    case.closed_on = on
    return _text(p.get("note"), "note", required=False), {}


def _drop(case: Case, p: Mapping[str, Any], on: datetime.date):
    case.closed_on = on
    return _text(p.get("reasons"), "reasons", required=True), {}


def _publish(case: Case, p: Mapping[str, Any], on: datetime.date):
    case.published_at = timezone.now()
    return "", {}


STEPS = {
    "record_evidence": _record_evidence,
    "extend": _extend,
    "notify": _notify,
    "record_statement": _record_statement,
    "decide": _decide,
    "execute": _execute,
    "close": _close,
    "drop": _drop,
    "publish": _publish,
}
