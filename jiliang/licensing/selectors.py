"""Every read of the licensing app. Scoped reads take the user; public reads publish chosen
fields only (Art. 40), and ``authorisation_covers`` answers the registry (contracts item 2)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from jiliang.core.holidays import provisional_years
from jiliang.core.models import BUREAU_KINDS, Organisation, OrgKind, Region, User
from jiliang.licensing import conf, permissions
from jiliang.licensing.labels import action_label, label, language, state_label
from jiliang.licensing.models import (
    Application,
    Attachment,
    ClockStop,
    Licence,
    LicenceEvent,
    LicenceStatus,
    Notice,
)
from jiliang.licensing.notices import notice_text
from jiliang.rules import licensing as rules
from jiliang.rules import signoff
from jiliang.rules.deadlines import (
    CalendarNotCoveredError,
    Clock,
    stopped_working_days,
    working_days_between,
)

QUEUES = ("to_accept", "to_review", "to_decide", "due_soon", "late", "stopped")


# --- the registry's question (contracts item 2) -------------------------------------------


def authorisation_covers(
    *, institution_id: int, kind_code: str, region_code: str, on: datetime.date
) -> bool | None:
    """Does a metrology authorisation (计量授权) of the institution cover this work?

    True when one in force on ``on`` covers the kind code and the region (a prefix of its
    authorised region); False when the institution has authorisations on file but none
    covers it; None when it has none on file at all (records from before the system).
    """
    return authorisation_checker(institution_id)(kind_code, region_code, on)


def authorisation_checker(institution_id: int):
    """``authorisation_covers`` for one institution, its authorisations read once.

    For bulk paths (the registry's import) that check many rows of one institution.
    """
    scopes = authorisation_scopes(institution_id)

    def covers(kind_code: str, region_code: str, on: datetime.date) -> bool | None:
        if not scopes:
            return None
        return not signoff.check_scope(scopes, kind_code=kind_code, region_code=region_code,
                                       on=on)

    return covers


def authorisation_scopes(institution_id: int) -> list[signoff.Scope]:
    """The institution's metrology authorisations as effective-dated scopes (every licence,
    every version of its scope, each inside the licence's validity): the registry judges a
    verification date against the scope in force then."""
    return authorisation_scopes_by_holder(holder_id=institution_id).get(institution_id, [])


def authorisation_scopes_by_holder(*, holder_id: int | None = None,
                                   on: datetime.date | None = None) -> dict[int, list]:
    """Every institution's effective-dated scopes (one query and its prefetch); with ``on``,
    only the licences that may be in force that day. For the coverage of counties by kind."""
    qs = Licence.objects.filter(type_code="metrology_authorization")
    if holder_id is not None:
        qs = qs.filter(holder_id=holder_id)
    if on is not None:
        qs = qs.filter(issued_on__lte=on).filter(Q(valid_until__isnull=True)
                                                 | Q(valid_until__gte=on))
    out: dict[int, list[signoff.Scope]] = {}
    for licence in qs.prefetch_related("scopes"):
        versions = [(v.effective_from, frozenset(v.kinds or ()), v.region)
                    for v in licence.scopes.all()]
        if not versions:  # on file before scopes had a history
            versions = [(licence.issued_on, frozenset(licence.scope_kinds or ()),
                         licence.scope_region)]
        out.setdefault(licence.holder_id, []).extend(signoff.scopes_from_versions(
            versions, issued_on=licence.issued_on, valid_until=licence.valid_until,
            ended_on=licence.ended_on, number=licence.number))
    return out


# --- who the user is to the workflow ------------------------------------------------------


def authority_code_of(user) -> str | None:
    """The authority code of a bureau user's organisation (None for others)."""
    if not user.is_authenticated or not user.is_bureau or user.organisation is None:
        return None
    if user.organisation.kind == OrgKind.NATIONAL:
        return rules.NATIONAL_AUTHORITY
    return user.organisation.region_code


def authority_name(code: str) -> str:
    if code == rules.NATIONAL_AUTHORITY:
        org = Organisation.objects.filter(kind=OrgKind.NATIONAL).first()
    else:
        org = (Organisation.objects.filter(region_code=code, kind__in=BUREAU_KINDS)
               .exclude(kind=OrgKind.NATIONAL).first())
    if org is not None:
        return org.name
    region = Region.objects.filter(code=code).first()
    return f"{region.full_name}市场监督管理局" if region else code


# --- applications ---------------------------------------------------------------------------


def application_list(
    user: User,
    *,
    queue: str = "",
    state: str = "",
    type_code: str = "",
    q: str = "",
) -> QuerySet:
    # the stops are prefetched: each row's decision clock counts them (clock_info)
    qs = user.scope.filter(Application.objects.select_related("applicant").prefetch_related("stops"),
                           orgs=("applicant",))
    if user.is_bureau:  # a draft is the applicant's own until submitted (a bureau's too)
        qs = qs.exclude(Q(state="draft") & ~Q(applicant_id=user.organisation_id))
    if queue:
        code = authority_code_of(user)
        qs = qs.filter(authority_code=code) if code else qs.none()
        qs = qs.filter(_queue_q(queue))
    if state:
        qs = qs.filter(state=state)
    if type_code:
        qs = qs.filter(type_code=type_code)
    if q:
        qs = qs.filter(Q(number__startswith=q.upper()) | Q(applicant__name__contains=q)
                       | Q(voucher_number__startswith=q.upper()))
    if queue in ("due_soon", "late", "to_review", "to_decide"):
        return qs.order_by("decision_due", "id")
    return qs.order_by("-updated_at", "-id")


def _queue_q(queue: str) -> Q:
    return {
        "to_accept": Q(state="submitted"),
        "to_review": Q(state__in=("under_review", "suspended")),
        "to_decide": Q(state="awaiting_decision"),
        "due_soon": Q(flag="at_risk"),
        "late": Q(flag="late"),
        "stopped": Q(state="suspended"),
    }.get(queue, Q(pk__in=[]))


def application_detail(user: User, pk: int) -> Application:
    app = application_list(user).filter(pk=pk).first()
    if app is None:
        raise Http404
    return app


def queue_counts(user: User) -> dict[str, int]:
    code = authority_code_of(user)
    if code is None:
        return {}
    qs = user.scope.filter(Application.objects.filter(authority_code=code))
    counts = qs.aggregate(**{name: Count("pk", filter=_queue_q(name)) for name in QUEUES})
    return counts


def applicant_counts(user: User) -> dict[str, int]:
    qs = Application.objects.filter(applicant_id=user.organisation_id)
    rows = qs.values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def attachment_detail(user: User, application: Application, pk: int) -> Attachment:
    found = Attachment.objects.filter(application=application, pk=pk).first()
    if found is None:
        raise Http404
    return found


def application_actions(user: User, app: Application) -> list[rules.Transition]:
    """The transitions of the workflow ``user`` may take on ``app`` now: the one list the page,
    and its forms, come from. Those allowed once are checked in one query for all of them."""
    available = [t for t in app.workflow.available(app.state)
                 if t.by != "system" and permissions.may_take(user, app, t)]
    once = [t.action for t in available if t.once]
    if once:
        done = set(app.events.filter(action__in=once).values_list("action", flat=True))
        available = [t for t in available if t.action not in done]
    return available


def application_page(user: User, app: Application, on: datetime.date) -> dict:
    """What the page of one application shows ``user``: its particulars, materials, clock,
    history and notices, and what the user may do with it (the actions, edit, upload)."""
    lt = app.licence_type
    by_material: dict[str, list[Attachment]] = {}
    for a in app.attachments.all():
        by_material.setdefault(a.material, []).append(a)
    missing = app.missing.get("materials", [])
    applicant = permissions.is_applicant(user, app)
    return {
        "app": app, "lt": lt, "type_name": label(lt["name"]), "state_label": state_label(app),
        "particulars": lt.particular_rows(app.particulars, language()),
        "checklist": [{"code": m["code"], "name": label(m["name"]), "types": m["types"],
                       "required": m["required"], "files": by_material.get(m["code"], []),
                       "missing": m["code"] in missing} for m in lt.materials],
        "actions": application_actions(user, app),
        "may_upload": permissions.may_upload(user, app),
        "may_edit": permissions.may_edit(user, app),
        "clock": clock_info(app, on),
        "stops": list(app.stops.all()), "assignments": list(app.assignments.all()),
        "events": [{"e": e, "label": action_label(app, e.action) if e.action != "create"
                    else _("draft created"), "to": state_label(app, e.to_state)}
                   for e in app.events.order_by("at", "id")],
        "notices": [(n, notice_text(n)) for n in app.notices.all()[:20]] if applicant else [],
        "authority": authority_name(app.authority_code),
        "is_authority": permissions.is_authority(user, app.authority_code),
    }


def reviewers_for(app: Application) -> QuerySet:
    """The members of the deciding bureau, who may be assigned to review."""
    if app.authority_code == rules.NATIONAL_AUTHORITY:
        orgs = Organisation.objects.filter(kind=OrgKind.NATIONAL)
    else:
        orgs = Organisation.objects.filter(region_code=app.authority_code,
                                           kind__in=BUREAU_KINDS).exclude(kind=OrgKind.NATIONAL)
    return User.objects.filter(organisation__in=orgs, is_active=True).order_by("username")


def notice_list(user: User) -> QuerySet:
    if not user.is_authenticated or user.is_bureau or user.organisation_id is None:
        return Notice.objects.none()
    return Notice.objects.filter(organisation_id=user.organisation_id).select_related(
        "application", "licence")


# --- licences ---------------------------------------------------------------------------------


def licence_list(user: User, *, type_code: str = "", status: str = "", q: str = "") -> QuerySet:
    qs = user.scope.filter(Licence.objects.select_related("holder"), orgs=("holder",))
    if type_code:
        qs = qs.filter(type_code=type_code)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(holder__name__contains=q))
    return qs.order_by("-issued_on", "-id")


def licence_detail(user: User, pk: int) -> Licence:
    licence = licence_list(user).filter(pk=pk).first()
    if licence is None:
        raise Http404
    return licence


# --- public: disclosures and queries (no user scope; published fields only) -----------------


PUBLIC_KINDS = ("granted", "filed", "changed", "renewed", "withdrawn", "revoked", "cancelled",
                "expired", "recorded")


def disclosures_version() -> int:
    """Changes whenever a disclosure is published (the table is append-only): the cache
    version of the public disclosure list and its feeds (jiliang.core.caching)."""
    return LicenceEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def public_events(
    *,
    kind: str = "",
    type_code: str = "",
    region: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    q: str = "",
) -> QuerySet:
    qs = LicenceEvent.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if type_code:
        qs = qs.filter(type_code=type_code)
    if region:
        qs = qs.filter(province_code=region[:2], region_code__startswith=region)
    if date_from:
        qs = qs.filter(on__gte=date_from)
    if date_to:
        qs = qs.filter(on__lte=date_to)
    if q:
        qs = qs.filter(Q(licence__number__icontains=q) | Q(licence__holder__name__contains=q))
    return qs.order_by("-on", "-id")


def normalise_number(number: str) -> str:
    return " ".join((number or "").split())


def licence_by_number(number: str) -> Licence | None:
    number = normalise_number(number)
    if not number:
        return None
    found = Licence.objects.select_related("holder").filter(number=number).first()
    return found or Licence.objects.select_related("holder").filter(
        number__iexact=number).first()


def licence_public(code: str) -> Licence:
    found = Licence.objects.select_related("holder").filter(public_code=code).first()
    if found is None:
        raise Http404
    return found


def licence_public_events(licence: Licence) -> QuerySet:
    return licence.events.order_by("on", "id")


def application_track(code: str) -> Application:
    found = Application.objects.filter(public_code=code).exclude(state="draft").first()
    if found is None:
        raise Http404
    return found


def licence_status_words(licence: Licence, on: datetime.date) -> str:
    """The state of a licence in plain words, for the public query."""
    if licence.status == LicenceStatus.VALID:
        if licence.valid_until is None:
            return _("In force; it has no expiry date.")
        if licence.valid_until < on:
            return _("Expired on %(date)s.") % {"date": licence.valid_until}
        return _("In force until %(date)s.") % {"date": licence.valid_until}
    words = {
        LicenceStatus.EXPIRED: _("Expired: it was valid until %(date)s and was not renewed."),
        LicenceStatus.WITHDRAWN: _("Withdrawn by the issuing bureau on %(date)s (撤回); no "
                                   "longer in force."),
        LicenceStatus.REVOKED: _("Revoked by the issuing bureau on %(date)s (撤销); no longer "
                                 "in force."),
        LicenceStatus.CANCELLED: _("Cancelled on %(date)s (注销); no longer in force."),
    }
    date = licence.valid_until if licence.status == LicenceStatus.EXPIRED else licence.ended_on
    return words[licence.status] % {"date": date}


# --- the clock, as shown on every application -------------------------------------------------


def clock_stops(app: Application, *, extra: ClockStop | None = None) -> list[tuple]:
    """The stopped periods of the decision clock, with ``extra`` in place of its saved self."""
    stops = [(s.started_on, s.ended_on) for s in app.stops.all() if extra is None
             or s.pk != extra.pk]
    if extra is not None:
        stops.append((extra.started_on, extra.ended_on))
    return stops


def decision_clock(app: Application, stops=None) -> Clock | None:
    if app.accepted_on is None or not app.decision_limit:
        return None
    stops = clock_stops(app) if stops is None else stops
    return Clock(start=app.accepted_on, limit=app.decision_limit, stops=tuple(stops))


def clock_info(app: Application, on: datetime.date) -> dict:
    """Which limit runs, its due date, the working days left, and the stopped time."""
    info: dict = {"kind": None, "due": None, "left": None, "status": "", "gap": "",
                  "promised_due": app.promised_due, "limit": app.decision_limit,
                  "stopped_days": 0, "extended": app.extended_on is not None}
    state_clock = app.workflow.clock(app.state) if app.state in app.workflow.states else None
    try:
        if state_clock == "acceptance":
            info["kind"], info["due"] = "acceptance", app.acceptance_due
            info["acceptance_limit"] = app.licence_type.limits().get("acceptance")
            if app.acceptance_due:
                left = working_days_between(on, app.acceptance_due) if on <= app.acceptance_due \
                    else -working_days_between(app.acceptance_due, on)
                info["left"] = left
                info["status"] = "late" if left < 0 else "running"
        elif state_clock in ("decision", "stopped"):
            clock = decision_clock(app)
            info["kind"] = "decision"
            if clock is not None:
                info["due"] = app.decision_due
                info["left"] = clock.left(on)
                # the same threshold as the daily task's "at risk" flag
                info["status"] = clock.status(on, warn=conf.at_risk_days())
                info["stopped_days"] = stopped_working_days(clock.stops, until=on)
    except CalendarNotCoveredError as error:
        info["gap"] = str(error.params["year"])
    # a due date counted through a year whose holiday notice is not entered is provisional
    info["provisional"] = ""
    if app.calendar_gap and not info["gap"]:
        if info["due"]:
            info["provisional"] = provisional_years(app.calendar_gap)
        else:
            info["gap"] = app.calendar_gap
    return info


# --- open statistics (portal): counts only ----------------------------------------------------


def public_decision_stats(*, start: datetime.date, end: datetime.date,
                          province: str = "") -> list[dict]:
    """Per licence type and province: licences granted (disclosed), applications accepted and
    decided between ``start`` and ``end``, decided by their due date, and the working days from
    acceptance to decision with the clock's stops left out (``days`` summed over ``timed``)."""
    out: dict[tuple[str, str], dict] = {}

    def cell(type_code: str, code: str) -> dict:
        return out.setdefault((type_code, code), {"granted": 0, "decided": 0, "on_time": 0,
                                                  "timed": 0, "days": 0})

    events = LicenceEvent.objects.filter(kind="granted", on__gte=start, on__lte=end)
    apps = Application.objects.filter(accepted_on__isnull=False, decided_on__gte=start,
                                      decided_on__lte=end)
    if province:
        events = events.filter(province_code=province)
        apps = apps.filter(province_code=province)
    for r in events.order_by().values("type_code", "province_code").annotate(n=Count("pk")):
        cell(r["type_code"], r["province_code"])["granted"] += r["n"]
    for app in apps.prefetch_related("stops").order_by("id").iterator(chunk_size=500):
        row = cell(app.type_code, app.province_code)
        row["decided"] += 1
        if app.decision_due is not None and app.decided_on <= app.decision_due:
            row["on_time"] += 1
        stops = [(s.started_on, s.ended_on) for s in app.stops.all()]
        try:
            row["days"] += working_days_between(app.accepted_on, app.decided_on, stops=stops)
        except CalendarNotCoveredError:
            continue  # a year whose holiday notice is not entered: not timed
        row["timed"] += 1
    return [{"type_code": t, "province_code": p, **v} for (t, p), v in sorted(out.items())]


def last_disclosed():
    return LicenceEvent.objects.order_by("-id").values_list("at", flat=True).first()
