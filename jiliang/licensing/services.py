"""Every write of the licensing app: one transaction each, validated, audited.

``application_act`` is the one service that moves an application from state to state.
The states and transitions are data (jiliang/rules/data/licensing_workflows.json): it
looks the transition up, checks who may take it, applies the transition's effects,
and writes the new state with the row's version checked in the UPDATE, so that of two
officials acting at once exactly one transition lands and the other is told why.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_append
from jiliang.audit.services import audit_record
from jiliang.core.models import Organisation, OrgKind, Region, Role, User
from jiliang.core.params import is_id
from jiliang.core.templatetags.law import article as article_words
from jiliang.core.uploads import check_upload
from jiliang.core.validation import IDENTIFIER_MESSAGES
from jiliang.licensing import conf
from jiliang.licensing.models import (
    Application,
    ApplicationEvent,
    Assignment,
    Attachment,
    ClockStop,
    Licence,
    LicenceEvent,
    LicenceScope,
    LicenceStatus,
    Notice,
    Purpose,
    Sequence,
    StopKind,
)
from jiliang.licensing.signals import licence_changed
from jiliang.rules import RuleError
from jiliang.rules import licensing as rules
from jiliang.rules.deadlines import (
    CalendarNotCoveredError,
    Clock,
    add_working_days,
    count_working_days,
    validity_end,
)
from jiliang.rules.identifiers import region_prefix

CLERK_ROLES = frozenset({Role.BUREAU_CLERK, Role.BUREAU_HEAD, Role.NATIONAL_ADMIN})
HEAD_ROLES = frozenset({Role.BUREAU_HEAD, Role.NATIONAL_ADMIN})
# Pending renewals that Art. 50 counts as granted when the licence expires undecided: those
# with a clock running or stopped (an application still waiting for its missing materials
# has none: it is not complete, so not counted).
RENEWAL_PENDING = rules.workflows()["licence"].clock_states("acceptance", "decision", "stopped")
DECISION_CLOCK = rules.workflows()["licence"].clock_states("decision")


def _lang() -> str:
    return get_language() or "zh-hans"


def label(value) -> str:
    """A bilingual label of the data, in the current language."""
    return rules.text(value, _lang())


# --- messages for the rules' errors --------------------------------------------------------


def particulars_message(error: RuleError) -> str:
    messages = {
        "particulars.required": _("This field is required."),
        "particulars.choice": _("Choose one of the options."),
        "particulars.kind_code": _(
            "“%(code)s” is not an instrument kind code (lower-case letters, digits and _)."),
        "particulars.letter": _(
            "Give one capital letter A–Z (the category letter X of the CPA number)."),
        "particulars.length": _("This text is too long."),
    }
    template = messages.get(error.code) or IDENTIFIER_MESSAGES.get(error.code)
    if template is None:
        return str(error)
    return str(template) % error.params if error.params else str(template)


def calendar_message(year: str | int) -> str:
    from jiliang.rules.deadlines import covered_years

    years = covered_years()
    return _("The official holiday calendar for %(year)s is not available yet, so the date "
             "cannot be counted in working days (the calendar covers %(first)s–%(last)s).") % {
        "year": year, "first": years[0], "last": years[-1]}


def _due(start: datetime.date, days: int, stops=()) -> tuple[datetime.date | None, str]:
    """A due date in working days and the years it was counted through provisionally
    ("2027": the notice for 2027 is not entered yet), or (None, a year it cannot count)."""
    try:
        due = count_working_days(start, days, stops=stops)
    except CalendarNotCoveredError as error:
        return None, str(error.params["year"])
    return due.date, ",".join(str(y) for y in due.provisional_years)


# --- who may do what -------------------------------------------------------------------------


def is_authority(user, code: str) -> bool:
    """True when ``user`` works at the bureau that decides items of authority ``code``."""
    if user is None or not user.is_authenticated or not user.is_bureau:
        return False
    org = user.organisation
    if org is None:
        return False
    if code == rules.NATIONAL_AUTHORITY:
        return org.kind == OrgKind.NATIONAL
    return org.kind != OrgKind.NATIONAL and org.region_code == code


def is_applicant(user, app: Application) -> bool:
    return (user is not None and user.is_authenticated and not user.is_bureau
            and user.organisation_id == app.applicant_id)


def may_take(user, app: Application, transition: rules.Transition) -> bool:
    by = transition.by
    if by == "system":
        return user is None
    if by == "applicant":
        return is_applicant(user, app)
    if not is_authority(user, app.authority_code):
        return False
    if by == "head":
        return user.role in HEAD_ROLES
    return user.role in CLERK_ROLES  # clerk, reviewer


def may_act_on_licence(user, licence: Licence, action: str) -> bool:
    spec = rules.licence_actions().get(action)
    if spec is None or not is_authority(user, licence.authority_code):
        return False
    return user.role in (HEAD_ROLES if spec["by"] == "head" else CLERK_ROLES)


def _org_of(actor: User) -> Organisation:
    if actor is None or not actor.is_authenticated or actor.organisation_id is None:
        raise PermissionDenied(_("Your account has no organisation."))
    return actor.organisation


# --- numbering ------------------------------------------------------------------------------


def _next_in(series: str, start: int = 1) -> int:
    Sequence.objects.bulk_create([Sequence(name=series, last=start - 1)], ignore_conflicts=True)
    row = Sequence.objects.select_for_update().get(name=series)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def _application_number(app: Application, on: datetime.date) -> str:
    seq = _next_in(f"application:{app.authority_code}:{on.year}")
    return f"SQ{app.authority_code}{on.year}{seq:06d}"


def _voucher_number(app: Application, on: datetime.date) -> str:
    seq = _next_in(f"voucher:{app.authority_code}:{on.year}")
    return f"SL{app.authority_code}{on.year}{seq:06d}"


def _licence_number(lt: rules.LicenceType, *, authority: str, issued: datetime.date,
                    letter: str) -> str:
    series = rules.number_series(lt, authority=authority, issued=issued, letter=letter)
    while True:
        seq = _next_in(series, lt["number"].get("start", 1))
        number = rules.format_number(lt, seq, authority=authority, issued=issued, letter=letter)
        if not Licence.objects.filter(number=number).exists():  # a recorded old number
            return number


# --- particulars --------------------------------------------------------------------------


def _clean_particulars(lt: rules.LicenceType, data: Mapping[str, Any], *,
                       authority_code: str | None = None) -> dict[str, Any]:
    try:
        cleaned = rules.clean_particulars(lt, data)
    except rules.ParticularsError as error:
        raise ValidationError({name: [particulars_message(e)]
                               for name, e in error.errors.items()}) from None
    scope = lt.scope_fields()
    for p in lt.particulars:
        value = cleaned.get(p["name"])
        if p["type"] == "region" and value and not Region.objects.filter(code=value).exists():
            raise ValidationError({p["name"]: [_(
                "%(code)s is not in the table of divisions.") % {"code": value}]})
        if p["type"] == "kinds" and value and apps.is_installed("jiliang.catalog"):
            from jiliang.catalog.models import InstrumentKind

            known = set(InstrumentKind.objects.filter(code__in=value)
                        .values_list("code", flat=True))
            unknown = [c for c in value if c not in known]
            if unknown:
                raise ValidationError({p["name"]: [_(
                    "Not in the instrument catalogue: %(codes)s.") % {
                    "codes": ", ".join(unknown)}]})
    region_field = scope.get("region")
    if region_field and authority_code and authority_code != rules.NATIONAL_AUTHORITY:
        value = cleaned.get(region_field, "")
        if value and not value.startswith(region_prefix(authority_code)):
            raise ValidationError({region_field: [_(
                "An authority authorises only within its own area: %(code)s is outside "
                "%(authority)s.") % {"code": value, "authority": authority_code}]})
    return cleaned


def _authority(lt: rules.LicenceType, particulars: Mapping[str, Any],
               region_code: str) -> tuple[str, str]:
    try:
        level = lt.decide_level(particulars)
        return level, rules.authority_code(level, region_code)
    except RuleError as error:
        name = error.params.get("field") if error.code == "licence.level" else None
        if name:
            raise ValidationError({name: [_("Choose one of the options.")]}) from None
        raise ValidationError({"type_code": [_(
            "An authority of this level cannot decide for an applicant in %(code)s.") % {
            "code": region_code}]}) from None


def _type_or_error(type_code: str) -> rules.LicenceType:
    try:
        return rules.licence_type(type_code)
    except RuleError:
        raise ValidationError({"type_code": [_("There is no such licence type.")]}) from None


def closed_message(lt: rules.LicenceType) -> str:
    return _("“%(type)s” takes no new applications since %(date)s: %(reason)s") % {
        "type": label(lt["name"]), "date": lt.get("closed_since") or "—",
        "reason": label(lt.get("closed_reason"))}


# --- the events, notices and disclosures ------------------------------------------------------


def _log(app: Application, *, actor, action: str, from_state: str, to_state: str,
         on: datetime.date, note: str = "", data: dict | None = None) -> ApplicationEvent:
    authenticated = actor is not None and actor.is_authenticated
    event = ApplicationEvent(
        application=app, at=timezone.now(), on=on,
        actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else "",
        action=action, from_state=from_state, to_state=to_state, note=note,
        data=data or {}, region_code=app.region_code,
    )
    chain_append([event])
    return event


def _notify(org_id: int, region_code: str, notice_kind: str, /, *,
            application: Application | None = None, licence: Licence | None = None,
            **params) -> Notice:
    return Notice.objects.create(organisation_id=org_id, region_code=region_code, kind=notice_kind,
                                 application=application, licence=licence, params=params)


def licence_summary(licence: Licence) -> dict[str, Any]:
    """What is published about a licence (Art. 40): the type's published particulars only."""
    lt = licence.licence_type
    return {
        "number": licence.number,
        "type_code": licence.type_code,
        "holder": licence.holder.name,
        "credit_code": licence.holder.credit_code or "",
        "region_code": licence.region_code,
        "authority_code": licence.authority_code,
        "issued_on": licence.issued_on.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "status": licence.status,
        "particulars": {p["name"]: licence.particulars.get(p["name"])
                        for p in lt.published_particulars()},
    }


def _publish(licence: Licence, kind: str, *, actor, on: datetime.date, reasons: str = "",
             article: str = "") -> LicenceEvent:
    authenticated = actor is not None and actor.is_authenticated
    event = LicenceEvent(
        licence=licence, kind=kind, on=on, at=timezone.now(),
        actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else "",
        type_code=licence.type_code, region_code=licence.region_code,
        province_code=licence.province_code, reasons=reasons, article=article,
        summary=licence_summary(licence),
    )
    chain_append([event])
    return event


def _scope_of(lt: rules.LicenceType, particulars: Mapping[str, Any]) -> tuple[list[str], str]:
    fields = lt.scope_fields()
    kinds = list(particulars.get(fields["kinds"], [])) if "kinds" in fields else []
    region = particulars.get(fields["region"], "") if "region" in fields else ""
    return kinds, region


# --- applications: create, edit, upload -----------------------------------------------------


@transaction.atomic
def application_create(
    *,
    actor: User,
    type_code: str,
    particulars: Mapping[str, Any] | None = None,
    purpose: str = Purpose.NEW,
    licence: Licence | None = None,
    on: datetime.date | None = None,
) -> Application:
    """A draft application of ``actor``'s organisation: new, or a change or renewal of a licence."""
    on = on or timezone.localdate()
    if actor.is_bureau:
        raise PermissionDenied(_("Bureaus decide applications; enterprises and institutions "
                                 "apply."))
    org = _org_of(actor)
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": [_("Choose one of the options.")]})
    if purpose != Purpose.NEW:
        if licence is None or licence.holder_id != org.pk:
            raise ValidationError({"licence": [_("Choose a licence your organisation holds.")]})
        type_code = licence.type_code
    lt = _type_or_error(type_code)
    if not lt.open_now:
        raise ValidationError({"type_code": [closed_message(lt)]})
    if purpose == Purpose.NEW and not lt.may_apply(org.kind, org.enterprise_roles):
        raise ValidationError({"type_code": [_(
            "Your organisation may not apply for this licence: %(who)s") % {
            "who": label(lt["applicants"]["text"])}]})
    if purpose != Purpose.NEW:
        _check_licence_for(purpose, lt, licence, on)
        if purpose == Purpose.RENEWAL:
            particulars = dict(licence.particulars)
    level, authority = _authority(lt, particulars or {}, org.region_code)
    if purpose != Purpose.NEW:
        level, authority = licence.authority_level, licence.authority_code
    cleaned = _clean_particulars(lt, particulars or {}, authority_code=authority)
    app = Application.objects.create(
        type_code=lt.code, purpose=purpose, licence=licence, applicant=org, created_by=actor,
        region_code=org.region_code, province_code=org.region_code[:2],
        authority_level=level, authority_code=authority, particulars=cleaned,
    )
    _log(app, actor=actor, action="create", from_state="", to_state="draft", on=on)
    audit_record(actor=actor, action="licensing.application.create", obj=app,
                 after={"type_code": app.type_code, "purpose": purpose,
                        "particulars": cleaned, "authority_code": authority})
    return app


def _check_licence_for(purpose: str, lt: rules.LicenceType, licence: Licence,
                       on: datetime.date) -> None:
    if licence.status != LicenceStatus.VALID:
        raise ValidationError({"licence": [_("This licence is no longer in force.")]})
    open_states = rules.workflows()[lt["workflow"]].open_states
    pending = licence.applications.filter(state__in=(*open_states, "draft"))
    if pending.exists():
        raise ValidationError({"licence": [_(
            "An application about this licence is already under way: %(number)s.") % {
            "number": pending.first()}]})
    if purpose == Purpose.CHANGE and not lt.get("changes"):
        raise ValidationError({"purpose": [_("This type of licence takes no changes; apply "
                                             "for a new one.")]})
    if purpose == Purpose.RENEWAL:
        renewal_window_check(lt, licence, on)


def renewal_window_check(lt: rules.LicenceType, licence: Licence, on: datetime.date) -> None:
    """Renewal is applied for inside the type's window before expiry (Art. 50)."""
    window = lt.renewal_window(licence.valid_until, opens_days=conf.renewal_opens_days())
    if window is None:
        raise ValidationError({"purpose": [_("This licence has no expiry, so it is not "
                                             "renewed.")]})
    opens, closes = window
    if on < opens:
        raise ValidationError({"purpose": [_(
            "Too early: renewal of this licence (valid until %(until)s) may be applied for "
            "from %(opens)s to %(closes)s.") % {
            "until": licence.valid_until, "opens": opens, "closes": closes}]})
    if on > closes:
        raise ValidationError({"purpose": [_(
            "Too late: renewal had to be applied for by %(closes)s (%(rule)s); apply for a new "
            "licence instead.") % {"closes": closes, "rule": label(_renewal_rule_text(lt))}]})


def _renewal_rule_text(lt: rules.LicenceType) -> dict[str, str]:
    by = lt["renewal"]["apply_by"]
    if "months" in by:
        return {"zh": f"有效期届满{by['months']}个月前", "en": f"{by['months']} months before expiry"}
    return {"zh": f"有效期届满{by['days']}日前", "en": f"{by['days']} days before expiry"}


def _lock(app: Application, version: int, action: str) -> Application:
    locked = Application.objects.select_for_update().select_related("applicant").get(pk=app.pk)
    if locked.version != version:
        raise conflict_error(locked, action)
    return locked


def conflict_error(app: Application, action: str) -> ValidationError:
    last = app.events.order_by("-at", "-id").first()
    state = label(app.workflow.states[app.state]["label"])
    return ValidationError({"version": [_(
        "Someone else acted on this application first (%(who)s: “%(what)s”; it is now "
        "“%(state)s”). Your “%(action)s” was not applied: reload the page and check.") % {
        "who": last.actor_name if last and last.actor_name else _("the system"),
        "what": _action_label(app, last.action) if last else "—",
        "state": state, "action": _action_label(app, action)}]})


def _action_label(app: Application, action: str) -> str:
    if action == "edit":
        return _("change the draft")
    transition = app.workflow.transitions.get(action)
    return label(transition.label) if transition else action


@transaction.atomic
def application_update(*, actor: User, application: Application, version: int,
                       particulars: Mapping[str, Any]) -> Application:
    """Change the particulars of a draft."""
    app = _lock(application, version, "edit")
    if not is_applicant(actor, app):
        raise PermissionDenied(_("Only the applicant changes its application."))
    if app.state != "draft":
        raise ValidationError({"state": [_("Only a draft can be changed.")]})
    lt = app.licence_type
    if app.purpose == Purpose.NEW:
        level, authority = _authority(lt, particulars, app.region_code)
    else:
        level, authority = app.authority_level, app.authority_code
    cleaned = _clean_particulars(lt, particulars, authority_code=authority)
    before = {"particulars": app.particulars, "authority_code": app.authority_code}
    Application.objects.filter(pk=app.pk, version=version).update(
        particulars=cleaned, authority_level=level, authority_code=authority,
        version=version + 1, updated_at=timezone.now())
    app.refresh_from_db()
    audit_record(actor=actor, action="licensing.application.update", obj=app, before=before,
                 after={"particulars": cleaned, "authority_code": authority})
    return app


@transaction.atomic
def attachment_add(*, actor: User, application: Application, material: str, upload) -> Attachment:
    """Attach a document to a draft, or to an application whose materials are to be completed.

    The file is judged by its content (PDF, PNG, JPEG, as the checklist allows), not its name.
    """
    app = Application.objects.select_for_update().get(pk=application.pk)
    if not is_applicant(actor, app):
        raise PermissionDenied(_("Only the applicant uploads its materials."))
    if app.state not in ("draft", "correction_requested"):
        raise ValidationError({"file": [_(
            "Materials are added to a draft, or when the bureau asks for them.")]})
    spec = app.licence_type.material(material)
    if spec is None:
        raise ValidationError({"material": [_("Choose a material from the checklist.")]})
    kind = check_upload(upload, allowed=tuple(spec["types"]), max_bytes=conf.max_upload_bytes(),
                        field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(application=app, material=material, original_name=upload.name[:255],
                            content_kind=kind, size=upload.size, sha256=digest.hexdigest(),
                            uploaded_by=actor)
    attachment.file.save(f"{app.public_code}-{material}.{'jpg' if kind == 'jpeg' else kind}",
                         upload, save=False)
    attachment.save()
    audit_record(actor=actor, action="licensing.attachment.add", obj=app,
                 after={"material": material, "name": attachment.original_name,
                        "sha256": attachment.sha256, "size": attachment.size})
    return attachment


def missing_materials(app: Application) -> list[Mapping[str, Any]]:
    have = set(app.attachments.values_list("material", flat=True))
    return [m for m in app.licence_type.materials if m["required"] and m["code"] not in have]


# --- the workflow ---------------------------------------------------------------------------


@dataclass
class _Act:
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


def _stops(app: Application, *, extra: ClockStop | None = None) -> list[tuple]:
    stops = [(s.started_on, s.ended_on) for s in app.stops.all() if extra is None
             or s.pk != extra.pk]
    if extra is not None:
        stops.append((extra.started_on, extra.ended_on))
    return stops


def decision_clock(app: Application, stops=None) -> Clock | None:
    if app.accepted_on is None or not app.decision_limit:
        return None
    stops = _stops(app) if stops is None else stops
    return Clock(start=app.accepted_on, limit=app.decision_limit, stops=tuple(stops))


def _set_decision_due(act: _Act, *, limit: int | None = None, stops=None) -> None:
    app = act.app
    limit = limit if limit is not None else app.decision_limit
    stops = _stops(app) if stops is None else stops
    start = act.changes.get("accepted_on", app.accepted_on)
    if any(end is None for _s, end in stops):
        act.changes.update(decision_due=None, promised_due=None, calendar_gap="")
        return
    due, gap = _due(start, limit, stops)
    act.changes.update(decision_due=due, calendar_gap=gap)
    promised = act.limits.get("promised")
    if promised:
        act.changes["promised_due"] = _due(start, promised, stops)[0]


def _submit(act: _Act) -> None:
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
        act.changes["number"] = _application_number(app, act.on)
    if lt.is_filing:
        return
    due, gap = _due(act.on, act.limits["acceptance"])
    act.changes.update(acceptance_start=act.on, acceptance_due=due, calendar_gap=gap)


def _request_correction(act: _Act) -> None:
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


def _answer_correction(act: _Act) -> None:
    due, gap = _due(act.on, act.limits["acceptance"])
    act.changes.update(answered_on=act.on, acceptance_start=act.on, acceptance_due=due,
                       calendar_gap=gap)


def _accept(act: _Act, *, deemed: bool = False) -> None:
    app = act.app
    accepted_on = app.acceptance_start if deemed else act.on
    act.changes.update(accepted_on=accepted_on, deemed_accepted=deemed,
                       voucher_number=_voucher_number(app, act.on),
                       decision_limit=act.limits["decision"], acceptance_due=None)
    _set_decision_due(act, limit=act.limits["decision"], stops=[])
    act.data = {"voucher": act.changes["voucher_number"], "deemed": deemed,
                "accepted_on": accepted_on.isoformat()}
    act.notices.append(("accepted", {"voucher": act.changes["voucher_number"],
                                     "deemed": deemed}))


def _not_accept(act: _Act) -> None:
    act.note = act.text("reasons")
    act.changes.update(not_accepted_reasons=act.note, acceptance_due=None, decided_on=act.on)
    act.notices.append(("not_accepted", {"reasons": act.note}))


def _assign(act: _Act) -> None:
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


def _record_opinion(act: _Act) -> None:
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


def _stop_clock(act: _Act) -> None:
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
    expected, _gap = _due(act.on, days)
    stop = ClockStop.objects.create(application=act.app, kind=kind, started_on=act.on,
                                    announced_working_days=days, expected_end=expected,
                                    reasons=act.text("reasons"))
    act.changes.update(decision_due=None, promised_due=None, flag="")
    act.note = stop.reasons
    act.data = {"kind": kind, "working_days": days,
                "expected_end": expected.isoformat() if expected else None}
    act.notices.append(("clock_stopped", dict(act.data)))


def _resume_clock(act: _Act) -> None:
    stop = act.app.stops.filter(ended_on__isnull=True).first()
    if stop is None or act.on < stop.started_on:
        raise ValidationError({"result": [_("The clock can resume only after it stopped.")]})
    stop.ended_on = act.on
    stop.result = act.text("result")
    stop.save(update_fields=["ended_on", "result"])
    _set_decision_due(act)
    act.note = stop.result
    act.data = {"stopped": stop.started_on.isoformat(), "resumed": act.on.isoformat()}
    act.notices.append(("clock_resumed", {"due": _iso(act.changes.get("decision_due")),
                                          "provisional": act.changes.get("calendar_gap", "")}))


def _propose(act: _Act) -> None:
    recommendation = act.text("recommendation")
    if recommendation not in ("approve", "deny"):
        raise ValidationError({"recommendation": [_("Choose one of the options.")]})
    act.changes.update(recommendation=recommendation, recommendation_note=act.text("note"))
    act.note = act.text("note")
    act.data = {"recommendation": recommendation}


def _extend(act: _Act) -> None:
    limit = act.app.decision_limit + act.limits["extension"]
    act.changes.update(decision_limit=limit, extended_on=act.on,
                       extension_reasons=act.text("reasons"))
    _set_decision_due(act, limit=limit)
    act.note = act.text("reasons")
    act.data = {"limit": limit, "due": _iso(act.changes.get("decision_due"))}
    act.notices.append(("extended", {"reasons": act.note, "due": act.data["due"],
                                   "provisional": act.changes.get("calendar_gap", ""),
                                     "days": act.limits["extension"]}))


def _approve(act: _Act) -> None:
    act.changes.update(decided_on=act.on, decided_by=act.actor, flag="",
                       decision_reasons=act.text("note"))
    act.after.append(lambda app: _grant(app, act))


def _deny(act: _Act) -> None:
    act.note = act.text("reasons")
    act.changes.update(decided_on=act.on, decided_by=act.actor, decision_reasons=act.note,
                       flag="")
    act.notices.append(("denied", {"reasons": act.note}))


def _withdraw(act: _Act) -> None:
    act.changes.update(withdrawn_on=act.on, flag="", acceptance_due=None)
    act.note = act.text("reasons")


def _deem_renew(act: _Act) -> None:
    act.changes.update(decided_on=act.on, flag="")
    act.after.append(lambda app: _grant(app, act, deemed=True))


EFFECTS: dict[str, Callable[[_Act], None]] = {
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


def _iso(value) -> str | None:
    return value.isoformat() if value else None


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
        app = _lock(application, version, action)
        workflow = app.workflow
        try:
            transition = workflow.transition(action, app.state)
        except RuleError:
            raise ValidationError({"action": [_(
                "“%(action)s” is not possible now: the application is “%(state)s”.") % {
                "action": _action_label(app, action),
                "state": label(workflow.states[app.state]["label"])}]}) from None
        if not may_take(actor, app, transition):
            raise PermissionDenied(_("“%(action)s” is for %(who)s.") % {
                "action": label(transition.label), "who": _role_words(transition.by)})
        if transition.once and app.events.filter(action=action).exists():
            raise ValidationError({"action": [_(
                "“%(action)s” can be done only once for an application (%(article)s).") % {
                "action": label(transition.label),
                "article": article_words(transition.article)}]})
        unknown = sorted(set(payload) - transition.accepts)
        if unknown:
            raise ValidationError({str(name): [_("“%(action)s” does not take this field.") % {
                "action": label(transition.label)}] for name in unknown})
        for name in transition.requires:
            value = payload.get(name)
            if value is None or (isinstance(value, str | list | tuple) and not value):
                raise ValidationError({name: [_("This field is required.")]})
        act = _Act(app=app, actor=actor, on=on, payload=payload)
        effect = EFFECTS.get(action)
        if effect is not None:
            effect(act)
        before_state = app.state
        target = transition.target or app.state
        if target == "filed":
            act.after.append(lambda a: _grant(a, act))
        changes = {**act.changes, "state": target, "version": version + 1,
                   "updated_at": timezone.now()}
        if Application.objects.filter(pk=app.pk, version=version).update(**changes) != 1:
            raise conflict_error(app, action)
        for name, value in changes.items():
            setattr(app, name, value)
        for step in act.after:
            step(app)
        _log(app, actor=actor, action=action, from_state=before_state, to_state=target, on=on,
             note=act.note, data=act.data)
        for kind, params in act.notices:
            _notify(app.applicant_id, app.region_code, kind, application=app,
                    number=app.number, **params)
        audit_record(actor=actor, action=f"licensing.application.{action}", obj=app,
                     before={"state": before_state, "version": version},
                     after={"state": target, "version": version + 1, "note": act.note,
                            **{k: v for k, v in act.data.items() if k != "assignment"}})
    return app


def _role_words(by: str) -> str:
    return {
        "applicant": _("the applicant"),
        "clerk": _("the clerks of the deciding bureau"),
        "reviewer": _("the clerks of the deciding bureau"),
        "head": _("the head of the deciding bureau"),
        "system": _("the system"),
    }.get(by, by)


# --- licences: grant, change, renew ---------------------------------------------------------


def _scope_version(licence: Licence, on: datetime.date) -> None:
    """Keep the scope's history: the scope as granted or changed holds from ``on``."""
    if licence.scope_kinds or licence.scope_region:
        LicenceScope.objects.create(licence=licence, effective_from=on,
                                    kinds=list(licence.scope_kinds), region=licence.scope_region)
    licence_changed.send(sender=Licence, licence=licence, on=on)



def _grant(app: Application, act: _Act, *, deemed: bool = False) -> None:
    """The effect of an approval (or a filing) on the licence register, published (Art. 40)."""
    lt = app.licence_type
    on = act.on
    if app.purpose == Purpose.NEW:
        letter = app.particulars.get("category_letter", "")
        number = _licence_number(lt, authority=app.authority_code, issued=on, letter=letter)
        years = lt.validity_years("now")
        kinds, region = _scope_of(lt, app.particulars)
        licence = Licence.objects.create(
            number=number, type_code=lt.code, holder_id=app.applicant_id,
            region_code=app.region_code, province_code=app.province_code,
            authority_level=app.authority_level, authority_code=app.authority_code,
            particulars=app.particulars, scope_kinds=kinds, scope_region=region,
            issued_on=on, valid_until=validity_end(on, years) if years else None,
            application=app,
        )
        Application.objects.filter(pk=app.pk).update(licence=licence)
        app.licence = licence
        _scope_version(licence, on)
        kind = "filed" if lt.is_filing else "granted"
        _publish(licence, kind, actor=act.actor, on=on, article="Art. 40")
        _notify(app.applicant_id, app.region_code, kind, application=app, licence=licence,
                number=app.number, certificate=number)
        audit_record(actor=act.actor, action=f"licensing.licence.{kind}", obj=licence,
                     after=licence_summary(licence))
        _standard_certificate(licence, act, renewal=False)
        return
    licence = Licence.objects.select_for_update().get(pk=app.licence_id)
    before = licence_summary(licence)
    if app.purpose == Purpose.CHANGE:
        kinds, region = _scope_of(lt, app.particulars)
        licence.particulars = app.particulars
        licence.scope_kinds, licence.scope_region = kinds, region
        _scope_version(licence, on)
        kind, article = "changed", ""
    else:
        years = lt.validity_years("now")
        licence.valid_until = validity_end(licence.valid_until + datetime.timedelta(days=1),
                                           years)
        kind, article = "renewed", "Art. 50"
    licence.version += 1
    licence.save()
    if app.purpose != Purpose.CHANGE:
        licence_changed.send(sender=Licence, licence=licence, on=on)
    reasons = _("No decision was made before expiry: the renewal counts as granted "
                "(Art. 50).") if deemed else ""
    _publish(licence, kind, actor=act.actor, on=on, reasons=reasons, article=article)
    _notify(app.applicant_id, app.region_code, kind, application=app, licence=licence,
            number=app.number, certificate=licence.number, deemed=deemed,
            valid_until=_iso(licence.valid_until))
    audit_record(actor=act.actor, action=f"licensing.licence.{kind}", obj=licence,
                 before=before, after=licence_summary(licence))
    if kind == "renewed":
        _standard_certificate(licence, act, renewal=True)


def _standard_certificate(licence: Licence, act: _Act, *, renewal: bool) -> None:
    """Traceability (issue 12): a standards-assessment grant or renewal creates or renews the
    standard's certificate in the register, when that app is installed."""
    if licence.type_code != "measurement_standard_assessment" or \
            not apps.is_installed("jiliang.traceability"):
        return
    from jiliang.traceability.services import certificate_from_licence

    certificate_from_licence(actor=act.actor, licence=licence, on=act.on, renewal=renewal)


@transaction.atomic
def licence_act(
    *,
    actor: User,
    licence: Licence,
    action: str,
    version: int,
    reasons: str = "",
    on: datetime.date | None = None,
) -> Licence:
    """Withdraw (撤回, Art. 8), revoke (撤销, Art. 69) or cancel (注销, Art. 70) a licence,
    or prohibit a self-declared mark; by the head of the issuing bureau, with reasons, published."""
    on = on or timezone.localdate()
    spec = rules.licence_actions().get(action)
    if spec is None:
        raise ValidationError({"action": [_("There is no such action.")]})
    locked = Licence.objects.select_for_update().select_related("holder").get(pk=licence.pk)
    if locked.version != version:
        raise ValidationError({"version": [_(
            "Someone else changed this licence first (it is now “%(status)s”): reload the page "
            "and check.") % {"status": locked.get_status_display()}]})
    if not may_act_on_licence(actor, locked, action):
        raise PermissionDenied(_("“%(action)s” is for %(who)s.") % {
            "action": label(spec["label"]), "who": _role_words(spec["by"])})
    lt = locked.licence_type
    kinds = spec.get("kinds")
    if kinds and lt["kind"] not in kinds:
        raise ValidationError({"action": [_("This action does not apply to this licence.")]})
    allowed = (LicenceStatus.VALID, LicenceStatus.EXPIRED) if action == "cancel" else (
        LicenceStatus.VALID,)
    if locked.status not in allowed:
        raise ValidationError({"action": [_("The licence is already “%(status)s”.") % {
            "status": locked.get_status_display()}]})
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": [_("Give the reasons; they are told to the holder "
                                             "and published.")]})
    before = licence_summary(locked)
    status = {"withdrawn": LicenceStatus.WITHDRAWN, "revoked": LicenceStatus.REVOKED,
              "cancelled": LicenceStatus.CANCELLED}[spec["event"]]
    Licence.objects.filter(pk=locked.pk, version=version).update(
        status=status, ended_on=locked.ended_on or on, version=version + 1)
    locked.refresh_from_db()
    licence_changed.send(sender=Licence, licence=locked, on=on)
    _publish(locked, spec["event"], actor=actor, on=on, reasons=reasons,
             article=spec.get("article", ""))
    _notify(locked.holder_id, locked.region_code, spec["event"], licence=locked,
            certificate=locked.number, reasons=reasons)
    audit_record(actor=actor, action=f"licensing.licence.{action}", obj=locked, before=before,
                 after={**licence_summary(locked), "reasons": reasons})
    return locked


@transaction.atomic
def licence_record(
    *,
    actor: User,
    type_code: str,
    holder: Organisation,
    number: str,
    issued_on: datetime.date,
    valid_until: datetime.date | None = None,
    particulars: Mapping[str, Any] | None = None,
    regime: str = "2008",
) -> Licence:
    """Put on file a certificate issued before the system (e.g. under the 2008 regime).

    Kept so that holders, the public and the registry can look it up; a type approval
    number must read CPA YY-Xnnn.
    """
    lt = _type_or_error(type_code)
    if regime not in ("2008", "now"):
        raise ValidationError({"regime": [_("Choose one of the options.")]})
    number = " ".join((number or "").split())
    if not number:
        raise ValidationError({"number": [_("Give the certificate number.")]})
    if lt.code == "type_approval":
        try:
            rules.cpa_check(number)
        except RuleError as error:
            message = {
                "cpa.format": _("A type approval number reads CPA YY-Xnnn, e.g. CPA 99-F166."),
                "cpa.serial": _("The serial of a CPA number starts at 101."),
            }[error.code]
            raise ValidationError({"number": [message]}) from None
        number = number.upper()
    if Licence.objects.filter(number=number).exists():
        raise ValidationError({"number": [_("A certificate with this number is on file.")]})
    if holder.is_bureau:
        raise ValidationError({"holder": [_("A bureau holds no licence here.")]})
    particulars = dict(particulars or {})
    try:
        level = lt.decide_level(particulars)
    except RuleError:
        level = "provincial"
    try:
        authority = rules.authority_code(level, holder.region_code)
    except RuleError:
        raise ValidationError({"holder": [_("The holder's division does not fit this "
                                            "licence's deciding level.")]}) from None
    if not is_authority(actor, authority) or actor.role not in CLERK_ROLES:
        raise PermissionDenied(_("Certificates are put on file by the bureau that issued "
                                 "them."))
    cleaned = _clean_particulars(lt, particulars, authority_code=authority)
    if valid_until is None:
        years = lt.validity_years(regime)
        valid_until = validity_end(issued_on, years) if years else None
    if valid_until is not None and valid_until < issued_on:
        raise ValidationError({"valid_until": [_("The validity ends before the issue date.")]})
    kinds, region = _scope_of(lt, cleaned)
    licence = Licence.objects.create(
        number=number, type_code=lt.code, holder=holder, region_code=holder.region_code,
        province_code=holder.region_code[:2], authority_level=level, authority_code=authority,
        particulars=cleaned, scope_kinds=kinds, scope_region=region, regime=regime,
        issued_on=issued_on, valid_until=valid_until,
    )
    _scope_version(licence, issued_on)
    _publish(licence, "recorded", actor=actor, on=timezone.localdate())
    audit_record(actor=actor, action="licensing.licence.record", obj=licence,
                 after=licence_summary(licence))
    return licence


# --- the daily work --------------------------------------------------------------------------


def licensing_daily(*, on: datetime.date | None = None) -> dict[str, int]:
    """Deemed acceptances and renewals, dates the calendar now covers, risk flags, expiries
    and renewal reminders. Idempotent for a day: run it twice and nothing more happens."""
    on = on or timezone.localdate()
    done = {"deemed_accepted": 0, "recomputed": 0, "deemed_renewed": 0, "expired": 0,
            "reminded": 0, "at_risk": 0, "late": 0}
    # Art. 32: no notice of missing materials within the limit -> accepted from receipt.
    for app in Application.objects.filter(state="submitted", acceptance_due__lt=on).iterator():
        try:
            application_act(actor=None, application=app, action="deem_accept",
                            version=app.version, on=on)
            done["deemed_accepted"] += 1
        except ValidationError:
            continue
    done["recomputed"] = _recompute_calendar_gaps()
    # Art. 50: a renewal undecided when the licence expires counts as granted.
    pending = Application.objects.filter(purpose=Purpose.RENEWAL, state__in=RENEWAL_PENDING,
                                         licence__valid_until__lt=on,
                                         licence__status=LicenceStatus.VALID)
    for app in pending.iterator():
        try:
            application_act(actor=None, application=app, action="deem_renew",
                            version=app.version, on=on)
            done["deemed_renewed"] += 1
        except ValidationError:
            continue
    for licence in Licence.objects.filter(status=LicenceStatus.VALID,
                                          valid_until__lt=on).iterator():
        _expire(licence, on)
        done["expired"] += 1
    done.update(_flag(on))
    done["reminded"] = _remind(on)
    return done


def _recompute_calendar_gaps() -> int:
    """Dates counted provisionally, counted again on the years entered since.

    A date that moves is told to the applicant; a date still provisional keeps its mark.
    """
    count = 0
    for app in Application.objects.exclude(calendar_gap="").iterator():
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=app.pk)
            act = _Act(app=locked, actor=None, on=timezone.localdate(), payload={})
            if locked.state == "submitted" and locked.acceptance_start:
                due, gap = _due(locked.acceptance_start, act.limits["acceptance"])
                act.changes.update(acceptance_due=due, calendar_gap=gap)
                field = "acceptance_due"
            elif locked.state in (*DECISION_CLOCK, "suspended"):
                _set_decision_due(act)
                field = "decision_due"
            else:
                act.changes["calendar_gap"] = ""
                field = ""
            if act.changes.get("calendar_gap", "") == locked.calendar_gap:
                continue
            Application.objects.filter(pk=locked.pk).update(**act.changes)
            count += 1
            old, new = getattr(locked, field) if field else None, act.changes.get(field)
            if field and old != new:
                _notify(locked.applicant_id, locked.region_code, "due_moved", application=locked,
                        number=locked.number, old=_iso(old), due=_iso(new),
                        provisional=act.changes.get("calendar_gap", ""))
            audit_record(actor=None, action="licensing.application.recount", obj=locked,
                         before={field: _iso(old), "provisional": locked.calendar_gap}
                         if field else {"provisional": locked.calendar_gap},
                         after={field: _iso(new), "provisional": act.changes.get("calendar_gap")}
                         if field else {"provisional": ""})
    return count


def calendar_entered(**_kwargs) -> None:
    """A year of the holiday notice was entered: count the provisional dates again now."""
    _recompute_calendar_gaps()


def _flag(on: datetime.date) -> dict[str, int]:
    """Set-based: "late" past the decision due date, "at_risk" within the warning days."""
    try:
        bound = add_working_days(on, conf.at_risk_days())
    except CalendarNotCoveredError:
        bound = on + datetime.timedelta(days=conf.at_risk_days())
    running = Application.objects.filter(state__in=DECISION_CLOCK, decision_due__isnull=False)
    late = running.filter(decision_due__lt=on).exclude(flag="late").update(flag="late")
    at_risk = (running.filter(decision_due__gte=on, decision_due__lte=bound)
               .exclude(flag="at_risk").update(flag="at_risk"))
    Application.objects.exclude(flag="").filter(
        ~Q(state__in=DECISION_CLOCK) | Q(decision_due__isnull=True) | Q(decision_due__gt=bound)
    ).update(flag="")
    return {"late": late, "at_risk": at_risk}


# How late the daily task may find an expiry and still tell the holder (days it did not run).
EXPIRY_NOTICE_SLACK = datetime.timedelta(days=30)


@transaction.atomic
def _expire(licence: Licence, on: datetime.date) -> None:
    locked = Licence.objects.select_for_update().get(pk=licence.pk)
    if locked.status != LicenceStatus.VALID or locked.valid_until is None:
        return
    Licence.objects.filter(pk=locked.pk).update(
        status=LicenceStatus.EXPIRED, ended_on=locked.valid_until + datetime.timedelta(days=1),
        version=locked.version + 1)
    locked.refresh_from_db()
    # published on the day it expired, not the day the daily task noticed it
    _publish(locked, "expired", actor=None, on=locked.ended_on, article="Art. 70")
    if on - locked.valid_until <= EXPIRY_NOTICE_SLACK:
        # A certificate put on file from the archives long after it ended is published and
        # audited as expired, but its holder is not told news that is years old.
        _notify(locked.holder_id, locked.region_code, "expired", licence=locked,
                certificate=locked.number)
    audit_record(actor=None, action="licensing.licence.expire", obj=locked,
                 after=licence_summary(locked))


def _remind(on: datetime.date) -> int:
    """Remind holders by each type's renewal window: when it opens, and 30 days before it closes."""
    count = 0
    opens_days = conf.renewal_opens_days()
    for code, lt in rules.licence_types().items():
        if not lt.get("renewal") or not lt.open_now:
            continue
        # The latest expiry whose window could be open today.
        horizon = on + datetime.timedelta(days=opens_days + 400)
        candidates = Licence.objects.filter(type_code=code, status=LicenceStatus.VALID,
                                            valid_until__gte=on, valid_until__lte=horizon)
        for licence in candidates.iterator():
            opens, closes = lt.renewal_window(licence.valid_until, opens_days=opens_days)
            stage = None
            if closes - datetime.timedelta(days=30) <= on <= closes:
                stage = "closing"
            elif opens <= on <= closes:
                stage = "open"
            if stage is None or stage in licence.reminded:
                continue
            with transaction.atomic():
                Licence.objects.filter(pk=licence.pk).update(
                    reminded=[*licence.reminded, stage])
                _notify(licence.holder_id, licence.region_code, f"renewal_{stage}",
                        licence=licence, certificate=licence.number,
                        opens=opens.isoformat(), closes=closes.isoformat(),
                        valid_until=licence.valid_until.isoformat())
            count += 1
    return count
