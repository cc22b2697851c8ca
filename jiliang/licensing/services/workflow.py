"""``application_act``: the one service that moves an application from state to state.

The states and transitions are data (jiliang/rules/data/licensing_workflows.json): it
looks the transition up, checks who may take it, applies the transition's effects,
and writes the new state with the row's version checked in the UPDATE, so that of two
officials acting at once exactly one transition lands and the other is told why.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import User
from jiliang.core.params import is_id
from jiliang.core.templatetags.law import article as article_words
from jiliang.licensing.labels import action_label, label
from jiliang.licensing.models import (
    Application,
    Assignment,
    ClockStop,
    Purpose,
    StopKind,
)
from jiliang.licensing.permissions import is_authority, may_take, role_words
from jiliang.licensing.selectors import clock_stops
from jiliang.licensing.services.applications import (
    conflict_error,
    lock_application,
    missing_materials,
)
from jiliang.licensing.services.common import closed_message, iso, working_due
from jiliang.licensing.services.events import log_event, notify
from jiliang.licensing.services.licences import licence_grant
from jiliang.licensing.services.numbering import application_number, voucher_number
from jiliang.licensing.services.particulars import renewal_window_check
from jiliang.rules import RuleError
from jiliang.rules import licensing as rules

# --- the workflow ---------------------------------------------------------------------------


@dataclass
class Act:
    app: Application
    actor: User | None
    on: datetime.date
    payload: dict[str, Any]
    changes: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    after: list[Callable[[Application], None]] = field(default_factory=list)
    notices: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def limits(self) -> Mapping[str, Any]:
        return self.app.licence_type.limits()

    def text(self, name: str) -> str:
        return str(self.payload.get(name) or "").strip()


def set_decision_due(act: Act, *, limit: int | None = None, stops=None) -> None:
    app = act.app
    limit = limit if limit is not None else app.decision_limit
    stops = clock_stops(app) if stops is None else stops
    start = act.changes.get("accepted_on", app.accepted_on)
    if any(end is None for _s, end in stops):
        act.changes.update(decision_due=None, promised_due=None, calendar_gap="")
        return
    due, gap = working_due(start, limit, stops)
    act.changes.update(decision_due=due, calendar_gap=gap)
    promised = act.limits.get("promised")
    if promised:
        act.changes["promised_due"] = working_due(start, promised, stops)[0]


def _submit(act: Act) -> None:
    app, lt = act.app, act.app.licence_type
    if not lt.open_now:
        raise ValidationError({"type_code": [closed_message(lt)]})
    missing = missing_materials(app)
    if missing:
        raise ValidationError({"file": [_("Upload the required materials first: %(list)s.") % {
            "list": "; ".join(label(m["name"]) for m in missing)}]})
    if app.purpose == Purpose.RENEWAL:
        renewal_window_check(lt, app.licence, act.on)
    act.changes["received_on"] = act.on
    if not app.number:
        act.changes["number"] = application_number(app, act.on)
    if lt.is_filing:
        return
    due, gap = working_due(act.on, act.limits["acceptance"])
    act.changes.update(acceptance_start=act.on, acceptance_due=due, calendar_gap=gap)


def _request_correction(act: Act) -> None:
    app = act.app
    raw = act.payload.get("missing") or []
    codes = [raw] if isinstance(raw, str) else list(raw)
    known = {m["code"] for m in app.licence_type.materials}
    bad = [c for c in codes if c not in known]
    if bad or not codes:
        raise ValidationError({"missing": [_("Tick the materials that are missing or "
                                             "deficient, from the checklist.")]})
    due = app.acceptance_due
    if due is not None and act.on > due:
        raise ValidationError({"missing": [_(
            "The %(n)s working days for a correction notice ended on %(due)s: the application "
            "counts as accepted from its receipt (Art. 32).") % {
            "n": act.limits["acceptance"], "due": due}]})
    note = act.text("note")
    act.changes.update(correction_notice_on=act.on, acceptance_due=None,
                       missing={"materials": codes, "note": note})
    act.data = {"missing": codes}
    act.note = note
    act.notices.append(("correction", {"materials": codes, "note": note}))


def _answer_correction(act: Act) -> None:
    due, gap = working_due(act.on, act.limits["acceptance"])
    act.changes.update(answered_on=act.on, acceptance_start=act.on, acceptance_due=due,
                       calendar_gap=gap)


def _accept(act: Act, *, deemed: bool = False) -> None:
    app = act.app
    accepted_on = app.acceptance_start if deemed else act.on
    act.changes.update(accepted_on=accepted_on, deemed_accepted=deemed,
                       voucher_number=voucher_number(app, act.on),
                       decision_limit=act.limits["decision"], acceptance_due=None)
    set_decision_due(act, limit=act.limits["decision"], stops=[])
    act.data = {"voucher": act.changes["voucher_number"], "deemed": deemed,
                "accepted_on": accepted_on.isoformat()}
    act.notices.append(("accepted", {"voucher": act.changes["voucher_number"],
                                     "deemed": deemed}))


def _not_accept(act: Act) -> None:
    act.note = act.text("reasons")
    act.changes.update(not_accepted_reasons=act.note, acceptance_due=None, decided_on=act.on)
    act.notices.append(("not_accepted", {"reasons": act.note}))


def _assign(act: Act) -> None:
    app = act.app
    reviewer_id = str(act.payload.get("reviewer") or "").strip()
    expert = act.text("expert_name")
    reviewer = None
    if reviewer_id and is_id(reviewer_id):
        reviewer = User.objects.filter(pk=int(reviewer_id)).select_related("organisation").first()
        if reviewer is None or not is_authority(reviewer, app.authority_code):
            raise ValidationError({"reviewer": [_(
                "A reviewer is a member of the deciding bureau; name an outside expert "
                "instead.")]})
    elif reviewer_id:
        expert = reviewer_id
    if reviewer is None and not expert:
        raise ValidationError({"reviewer": [_("Choose a reviewer or name an expert.")]})
    assignment = Assignment.objects.create(application=app, reviewer=reviewer,
                                           expert_name=expert[:100], assigned_on=act.on)
    act.data = {"assignment": assignment.pk, "reviewer": assignment.who}


def _record_opinion(act: Act) -> None:
    app = act.app
    recommendation = act.text("recommendation")
    if recommendation not in ("", "approve", "deny"):
        raise ValidationError({"recommendation": [_("Choose one of the options.")]})
    chosen = str(act.payload.get("assignment") or "").strip()
    assignments = app.assignments.filter(opinion="")
    assignment = None
    if is_id(chosen):
        assignment = assignments.filter(pk=int(chosen)).first()
    if assignment is None:
        assignment = assignments.filter(reviewer=act.actor).first()
    if assignment is None:
        assignment = Assignment(application=app, reviewer=act.actor, assigned_on=act.on)
    assignment.opinion = act.text("opinion")
    assignment.recommendation = recommendation
    assignment.opinion_on = act.on
    assignment.save()
    act.note = assignment.opinion
    act.data = {"assignment": assignment.pk, "by": assignment.who,
                "recommendation": recommendation}


def _stop_clock(act: Act) -> None:
    kind = act.text("stop_kind")
    if kind not in StopKind.values:
        raise ValidationError({"stop_kind": [_("Choose one of the options.")]})
    try:
        days = int(str(act.payload.get("working_days")).strip())
    except ValueError:
        days = 0
    if not 1 <= days <= 250:
        raise ValidationError({"working_days": [_(
            "Tell the applicant how long it takes: 1 to 250 working days (Art. 45).")]})
    expected, _gap = working_due(act.on, days)
    stop = ClockStop.objects.create(application=act.app, kind=kind, started_on=act.on,
                                    announced_working_days=days, expected_end=expected,
                                    reasons=act.text("reasons"))
    act.changes.update(decision_due=None, promised_due=None, flag="")
    act.note = stop.reasons
    act.data = {"kind": kind, "working_days": days,
                "expected_end": expected.isoformat() if expected else None}
    act.notices.append(("clock_stopped", dict(act.data)))


def _resume_clock(act: Act) -> None:
    stop = act.app.stops.filter(ended_on__isnull=True).first()
    if stop is None or act.on < stop.started_on:
        raise ValidationError({"result": [_("The clock can resume only after it stopped.")]})
    stop.ended_on = act.on
    stop.result = act.text("result")
    stop.save(update_fields=["ended_on", "result"])
    set_decision_due(act)
    act.note = stop.result
    act.data = {"stopped": stop.started_on.isoformat(), "resumed": act.on.isoformat()}
    act.notices.append(("clock_resumed", {"due": iso(act.changes.get("decision_due")),
                                          "provisional": act.changes.get("calendar_gap", "")}))


def _propose(act: Act) -> None:
    recommendation = act.text("recommendation")
    if recommendation not in ("approve", "deny"):
        raise ValidationError({"recommendation": [_("Choose one of the options.")]})
    act.changes.update(recommendation=recommendation, recommendation_note=act.text("note"))
    act.note = act.text("note")
    act.data = {"recommendation": recommendation}


def _extend(act: Act) -> None:
    limit = act.app.decision_limit + act.limits["extension"]
    act.changes.update(decision_limit=limit, extended_on=act.on,
                       extension_reasons=act.text("reasons"))
    set_decision_due(act, limit=limit)
    act.note = act.text("reasons")
    act.data = {"limit": limit, "due": iso(act.changes.get("decision_due"))}
    act.notices.append(("extended", {"reasons": act.note, "due": act.data["due"],
                                   "provisional": act.changes.get("calendar_gap", ""),
                                     "days": act.limits["extension"]}))


def _approve(act: Act) -> None:
    act.changes.update(decided_on=act.on, decided_by=act.actor, flag="",
                       decision_reasons=act.text("note"))
    act.after.append(lambda app: licence_grant(app, actor=act.actor, on=act.on))


def _deny(act: Act) -> None:
    act.note = act.text("reasons")
    act.changes.update(decided_on=act.on, decided_by=act.actor, decision_reasons=act.note,
                       flag="")
    act.notices.append(("denied", {"reasons": act.note}))


def _withdraw(act: Act) -> None:
    act.changes.update(withdrawn_on=act.on, flag="", acceptance_due=None)
    act.note = act.text("reasons")


def _deem_renew(act: Act) -> None:
    act.changes.update(decided_on=act.on, flag="")
    act.after.append(lambda app: licence_grant(app, actor=act.actor, on=act.on, deemed=True))


EFFECTS: dict[str, Callable[[Act], None]] = {
    "submit": _submit,
    "file": _submit,
    "request_correction": _request_correction,
    "answer_correction": _answer_correction,
    "accept": _accept,
    "deem_accept": lambda act: _accept(act, deemed=True),
    "not_accept": _not_accept,
    "assign": _assign,
    "record_opinion": _record_opinion,
    "stop_clock": _stop_clock,
    "resume_clock": _resume_clock,
    "propose": _propose,
    "extend": _extend,
    "approve": _approve,
    "deny": _deny,
    "withdraw": _withdraw,
    "deem_renew": _deem_renew,
}



def application_act(
    *,
    actor: User | None,
    application: Application,
    action: str,
    version: int,
    payload: Mapping[str, Any] | None = None,
    on: datetime.date | None = None,
) -> Application:
    """Take the workflow transition ``action`` on an application the caller last saw at ``version``.

    ``actor`` None is the system (the daily task). ``on`` is the date of the act (today).
    ``payload`` holds what the caller typed: only the fields the transition declares
    (``requires`` and ``optional``) are taken, so a payload cannot set the date, the actor
    or anything else of the act.
    """
    on = on or timezone.localdate()
    payload = dict(payload or {})
    with transaction.atomic():
        app = lock_application(application, version, action)
        transition = _transition_allowed(app, action, actor)
        _payload_check(transition, payload)
        act = Act(app=app, actor=actor, on=on, payload=payload)
        effect = EFFECTS.get(action)
        if effect is not None:
            effect(act)
        before_state = app.state
        target = transition.target or app.state
        if target == "filed":
            act.after.append(lambda a: licence_grant(a, actor=act.actor, on=act.on))
        changes = {**act.changes, "state": target, "version": version + 1,
                   "updated_at": timezone.now()}
        if Application.objects.filter(pk=app.pk, version=version).update(**changes) != 1:
            raise conflict_error(app, action)
        for name, value in changes.items():
            setattr(app, name, value)
        for step in act.after:
            step(app)
        _record(act, action=action, from_state=before_state, to_state=target, version=version)
    return app


def _transition_allowed(app: Application, action: str, actor: User | None) -> rules.Transition:
    """The transition ``action`` from the application's state, if ``actor`` may take it now."""
    workflow = app.workflow
    try:
        transition = workflow.transition(action, app.state)
    except RuleError:
        raise ValidationError({"action": [_(
            "“%(action)s” is not possible now: the application is “%(state)s”.") % {
            "action": action_label(app, action),
            "state": label(workflow.states[app.state]["label"])}]}) from None
    if not may_take(actor, app, transition):
        raise PermissionDenied(_("“%(action)s” is for %(who)s.") % {
            "action": label(transition.label), "who": role_words(transition.by)})
    if transition.once and app.events.filter(action=action).exists():
        raise ValidationError({"action": [_(
            "“%(action)s” can be done only once for an application (%(article)s).") % {
            "action": label(transition.label),
            "article": article_words(transition.article)}]})
    return transition


def _payload_check(transition: rules.Transition, payload: Mapping[str, Any]) -> None:
    """Only the fields the transition declares, and every field it requires."""
    unknown = sorted(set(payload) - transition.accepts)
    if unknown:
        raise ValidationError({str(name): [_("“%(action)s” does not take this field.") % {
            "action": label(transition.label)}] for name in unknown})
    for name in transition.requires:
        value = payload.get(name)
        if value is None or (isinstance(value, str | list | tuple) and not value):
            raise ValidationError({name: [_("This field is required.")]})


def _record(act: Act, *, action: str, from_state: str, to_state: str, version: int) -> None:
    """The act in the application's log, its notices to the applicant, and the ledger."""
    app, actor, on = act.app, act.actor, act.on
    log_event(app, actor=actor, action=action, from_state=from_state, to_state=to_state, on=on,
              note=act.note, data=act.data)
    for kind, params in act.notices:
        notify(app.applicant_id, app.region_code, kind, application=app,
               number=app.number, **params)
    audit_record(actor=actor, action=f"licensing.application.{action}", obj=app,
                 before={"state": from_state, "version": version},
                 after={"state": to_state, "version": version + 1, "note": act.note,
                        **{k: v for k, v in act.data.items() if k != "assignment"}})
