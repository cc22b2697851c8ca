"""Every write of the supervision app: one transaction, validated, audited."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_lock
from jiliang.audit.services import audit_record, snapshot
from jiliang.core.models import Organisation, OrgKind, Role, User
from jiliang.core.services import credit_code_clean, region_get
from jiliang.rules.identifiers import region_prefix
from jiliang.supervision import judging, workflow
from jiliang.supervision.models import (
    Campaign,
    CampaignEvent,
    CampaignKind,
    CampaignLevel,
    CampaignStatus,
    CampaignTask,
    EnergyLabelCheck,
    EnforcementAction,
    InspectedInstrument,
    InspectionVisit,
    InstrumentSource,
    LabelFinding,
    NetContentRecord,
    ProductSample,
    TareMethod,
    UploadBatch,
    Verdict,
)

CAMPAIGN_FIELDS = ("title", "kind", "year", "level", "organiser", "region_code", "products",
                   "kind_codes", "regions", "description", "starts_on", "field_deadline",
                   "report_deadline", "status", "continues")
TASK_FIELDS = ("campaign", "region_code", "institution", "target", "due_on", "note")


# ---------------------------------------------------------------------------------------------
# Who may do what


def may_plan(actor: User | None, campaign: Campaign) -> bool:
    """The organising level plans, edits and moves a campaign: national for national ones."""
    if actor is None:
        return True
    if not actor.is_bureau:
        return False
    if campaign.is_national:
        return actor.scope.everything
    return actor.scope.covers_region(campaign.region_code)


def may_record(actor: User | None, task: CampaignTask) -> bool:
    """Bureaus of the task's region and the members of the task's institution record."""
    if actor is None:
        return True
    if actor.is_bureau:
        return actor.scope.covers_region(task.region_code)
    return (actor.role in (Role.VERIFIER, Role.INSTITUTION_MANAGER)
            and task.institution_id is not None
            and actor.organisation_id == task.institution_id)


def _require_record(actor: User | None, task: CampaignTask, *, statuses=workflow.RECORDING) -> None:
    if not may_record(actor, task):
        raise PermissionDenied(_("You may record only for tasks of your region or institution."))
    if task.campaign.status not in statuses:
        raise ValidationError({"__all__": [_(
            "The campaign is %(status)s: records are taken only while field work runs.") % {
            "status": CampaignStatus(task.campaign.status).label}]})


def _fresh(task: CampaignTask) -> CampaignTask:
    """The task with its campaign as stored now: the status decides what may be recorded."""
    return CampaignTask.objects.select_related("campaign", "region", "institution").get(
        pk=task.pk)


def _require_kind(task: CampaignTask, kind: str) -> None:
    if task.campaign.kind != kind:
        raise ValidationError({"__all__": [_("This task belongs to a campaign of another kind.")]})


def _recordable(actor: User | None, task: CampaignTask, kind: str, *,
                statuses=workflow.RECORDING) -> CampaignTask:
    """The task as stored now, once it is of ``kind`` and ``actor`` may record on it."""
    task = _fresh(task)
    _require_kind(task, kind)
    _require_record(actor, task, statuses=statuses)
    return task


def _record_region(task: CampaignTask, region_code: str, field: str = "region_code") -> str:
    """A record's division: the task's, or a division inside it."""
    code = (region_code or "").strip() or task.region_code
    region = region_get(code, field=field)
    if not region.code.startswith(region_prefix(task.region_code)):
        raise ValidationError({field: [_(
            "%(code)s is outside the task's region %(task)s.") % {
            "code": region.code, "task": task.region_code}]})
    return region.code


def _date(value, field: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]}) from None


def _not_future(day: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: [_("This date is in the future.")]})


def _organisation_by_code(code: str | None) -> Organisation | None:
    return Organisation.objects.filter(credit_code=code).first() if code else None


# ---------------------------------------------------------------------------------------------
# Campaigns


def _clean_list(values, field: str, *, max_items: int = 200) -> list[str]:
    """A list typed one per line or separated by commas (the forms) or given as a list (API)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[\n\r,，、;；]+", values)
    out = []
    for value in values:
        text = str(value).strip()
        if text and text not in out:
            out.append(text[:100])
    if len(out) > max_items:
        raise ValidationError({field: [_("At most %(n)s entries.") % {"n": max_items}]})
    return out


def _catalogue_kinds(values: list[str]) -> list[str]:
    """Instrument kinds as catalogue codes; a kind's Chinese name is taken for its code, and
    anything the catalogue does not hold is refused (records are later checked against it)."""
    from jiliang.catalog.models import InstrumentKind

    known = dict(InstrumentKind.objects.filter(Q(code__in=values) | Q(name_zh__in=values))
                 .values_list("code", "name_zh"))
    by_name = {name: code for code, name in known.items()}
    out = []
    for value in values:
        code = value if value in known else by_name.get(value)
        if code is None:
            raise ValidationError({"kind_codes": [_(
                "“%(value)s” is not an instrument kind of the catalogue.") % {"value": value}]})
        if code not in out:
            out.append(code)
    return out


@transaction.atomic
def campaign_plan(
    *,
    actor: User | None,
    title: str,
    kind: str,
    year: int,
    level: str,
    starts_on: datetime.date,
    field_deadline: datetime.date,
    report_deadline: datetime.date,
    organiser: Organisation | None = None,
    products: list[str] | None = None,
    kind_codes: list[str] | None = None,
    regions: list[str] | None = None,
    description: str = "",
    continues: Campaign | None = None,
) -> Campaign:
    """Plan a campaign. A national one is planned by the national administration, a
    provincial one by a bureau for its own region."""
    if actor is not None and not actor.is_bureau:
        raise PermissionDenied(_("Only bureaus plan campaigns."))
    organiser = organiser or (actor.organisation if actor else None)
    if organiser is None or not organiser.is_bureau:
        raise ValidationError({"organiser": [_("A campaign is organised by a bureau.")]})
    if kind not in CampaignKind.values:
        raise ValidationError({"kind": [_("Choose a kind of campaign from the list.")]})
    if level not in CampaignLevel.values:
        raise ValidationError({"level": [_("Choose national or provincial.")]})
    if level == CampaignLevel.NATIONAL:
        if organiser.kind != OrgKind.NATIONAL:
            raise ValidationError({"level": [_(
                "Only the national administration organises a national campaign.")]})
        area = ""
    else:
        area = organiser.region_code
    campaign = Campaign(
        title=(title or "").strip(), kind=kind, level=level, organiser=organiser,
        region_code=area, description=(description or "").strip(),
    )
    if actor is not None and not may_plan(actor, campaign):
        raise PermissionDenied(_("You may plan campaigns only for your own region."))
    _apply_campaign(campaign, year=year, starts_on=starts_on, field_deadline=field_deadline,
                    report_deadline=report_deadline, products=products, kind_codes=kind_codes,
                    regions=regions, continues=continues, actor=actor)
    campaign.created_by = actor if actor and actor.is_authenticated else None
    campaign.save()
    audit_record(actor=actor, action="campaign.plan", obj=campaign,
                 region_code=campaign.region_code or organiser.region_code,
                 after=snapshot(campaign, CAMPAIGN_FIELDS))
    return campaign


def _apply_campaign(campaign: Campaign, *, year, starts_on, field_deadline, report_deadline,
                    products, kind_codes, regions, continues, actor) -> None:
    if not campaign.title:
        raise ValidationError({"title": [_("Give the campaign a title.")]})
    try:
        campaign.year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": [_("Enter a year such as 2024.")]}) from None
    if not 2000 <= campaign.year <= 2100:
        raise ValidationError({"year": [_("Enter a year such as 2024.")]})
    campaign.starts_on = _date(starts_on, "starts_on")
    campaign.field_deadline = _date(field_deadline, "field_deadline")
    campaign.report_deadline = _date(report_deadline, "report_deadline")
    if campaign.field_deadline < campaign.starts_on:
        raise ValidationError({"field_deadline": [_(
            "Field work cannot be due before the campaign starts.")]})
    if campaign.report_deadline < campaign.field_deadline:
        raise ValidationError({"report_deadline": [_(
            "The report cannot be due before field work is.")]})
    campaign.products = _clean_list(products, "products")
    campaign.kind_codes = _catalogue_kinds(_clean_list(kind_codes, "kind_codes"))
    codes = []
    for code in _clean_list(regions, "regions", max_items=400):
        region = region_get(code, field="regions")
        if campaign.region_code and not region.code.startswith(
                region_prefix(campaign.region_code)):
            raise ValidationError({"regions": [_(
                "%(code)s is outside the campaign's area.") % {"code": region.code}]})
        codes.append(region.code)
    campaign.regions = codes
    if continues is not None:
        if actor is not None:
            from jiliang.supervision.selectors import campaign_detail

            continues = campaign_detail(actor, continues.pk)
        if continues.pk == campaign.pk or continues.kind != campaign.kind:
            raise ValidationError({"continues": [_(
                "A campaign continues an earlier campaign of the same kind.")]})
        if continues.year >= campaign.year:
            raise ValidationError({"continues": [_(
                "The campaign continued must be of an earlier year.")]})
    campaign.continues = continues


@transaction.atomic
def campaign_update(*, actor: User | None, campaign: Campaign, **changes) -> Campaign:
    """Change a planned or running campaign's plan (not its kind, level or status)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not may_plan(actor, campaign):
        raise PermissionDenied(_("You may change campaigns only of your own region."))
    if campaign.status not in workflow.EDITABLE:
        raise ValidationError({"__all__": [_(
            "A campaign that is %(status)s can no longer be changed.") % {
            "status": CampaignStatus(campaign.status).label}]})
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    allowed = {"title", "description", "year", "starts_on", "field_deadline", "report_deadline",
               "products", "kind_codes", "regions", "continues"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    if "title" in changes:
        campaign.title = (changes["title"] or "").strip()
    if "description" in changes:
        campaign.description = (changes["description"] or "").strip()
    _apply_campaign(
        campaign, actor=actor,
        **{k: changes.get(k, getattr(campaign, k)) for k in (
            "year", "starts_on", "field_deadline", "report_deadline", "products", "kind_codes",
            "regions", "continues")},
    )
    campaign.save()
    audit_record(actor=actor, action="campaign.update", obj=campaign,
                 region_code=campaign.region_code or campaign.organiser.region_code,
                 before=before, after=snapshot(campaign, CAMPAIGN_FIELDS))
    return campaign


def _when(actor: User | None, at: datetime.datetime | None) -> datetime.datetime:
    """The time of a step: now, or, for the system entering history (no actor), a past time."""
    if at is None:
        return timezone.now()
    if actor is not None or at > timezone.now():
        raise PermissionDenied(_("Only the system enters past steps, and never future ones."))
    return at


@transaction.atomic
def campaign_transition(*, actor: User | None, campaign: Campaign, action: str,
                        note: str = "", at: datetime.datetime | None = None) -> Campaign:
    """Move a campaign along its workflow (see workflow.TRANSITIONS); logged twice over.

    ``at`` dates a step of the past (the demo, archives); only the system (no actor) gives it.
    """
    at = _when(actor, at)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    move = workflow.transition(action)
    if move is None:
        raise ValidationError({"action": [_("“%(action)s” is not a step of the workflow.") % {
            "action": action}]})
    if not may_plan(actor, campaign):
        raise PermissionDenied(_("You may move only the campaigns of your own region."))
    if actor is not None and actor.role not in move.roles:
        raise PermissionDenied(_("Your role cannot take this step: %(step)s.") % {
            "step": move.label})
    if campaign.status != move.source:
        raise ValidationError({"action": [_(
            "A campaign that is %(status)s cannot go to %(target)s.") % {
            "status": CampaignStatus(campaign.status).label,
            "target": CampaignStatus(move.target).label}]})
    before = campaign.status
    campaign.status = move.target
    campaign.save(update_fields=["status"])
    CampaignEvent.objects.create(campaign=campaign, action=move.action, from_status=before,
                                 to_status=move.target, actor=_user(actor), at=at,
                                 note=(note or "")[:300])
    audit_record(actor=actor, action=f"campaign.{move.action}", obj=campaign,
                 region_code=campaign.region_code or campaign.organiser.region_code,
                 before={"status": before}, after={"status": move.target, "note": note})
    return campaign


@transaction.atomic
def campaign_release(*, actor: User | None, campaign: Campaign, note: str = "",
                     at: datetime.datetime | None = None) -> Campaign:
    """A bureau head releases the failing enterprises and products for the public portal."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not may_plan(actor, campaign) or (actor is not None and
                                          actor.role not in workflow.RELEASERS):
        raise PermissionDenied(_("Only a bureau head of the organising bureau releases results "
                                 "for publication."))
    if campaign.status not in workflow.RELEASABLE:
        raise ValidationError({"__all__": [_(
            "Results are released only after field work has ended.")]})
    if campaign.published_at is not None:
        raise ValidationError({"__all__": [_("The results are already released.")]})
    campaign.published_at = _when(actor, at)
    campaign.published_by = _user(actor)
    campaign.save(update_fields=["published_at", "published_by"])
    CampaignEvent.objects.create(campaign=campaign, action="release", from_status=campaign.status,
                                 to_status=campaign.status, actor=_user(actor),
                                 at=campaign.published_at, note=(note or "")[:300])
    audit_record(actor=actor, action="campaign.release", obj=campaign,
                 region_code=campaign.region_code or campaign.organiser.region_code,
                 after={"published_at": campaign.published_at.isoformat(), "note": note})
    return campaign


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


# ---------------------------------------------------------------------------------------------
# Tasks


@transaction.atomic
def task_assign(
    *,
    actor: User | None,
    campaign: Campaign,
    region_code: str,
    target: int,
    institution: Organisation | None = None,
    due_on: datetime.date | None = None,
    note: str = "",
) -> CampaignTask:
    """Give a region (and an institution) its share of a campaign, with a target."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    region = region_get(region_code)
    if actor is not None and not (actor.is_bureau and actor.scope.covers_region(region.code)):
        raise PermissionDenied(_("You may assign tasks only within your own region."))
    if campaign.region_code and not region.code.startswith(region_prefix(campaign.region_code)):
        raise ValidationError({"region_code": [_("%(code)s is outside the campaign's area.") % {
            "code": region.code}]})
    if campaign.status not in workflow.TASKS_OPEN:
        raise ValidationError({"__all__": [_("Tasks are assigned before field work ends.")]})
    try:
        target = int(target)
    except (TypeError, ValueError):
        raise ValidationError({"target": [_("The target is a whole number.")]}) from None
    if not 1 <= target <= 100000:
        raise ValidationError({"target": [_("The target is between 1 and 100000.")]})
    if institution is not None and not institution.is_institution:
        raise ValidationError({"institution": [_(
            "Tasks go to verification or technical institutions.")]})
    if CampaignTask.objects.filter(campaign=campaign, region=region,
                                   institution=institution).exists():
        raise ValidationError({"region_code": [_(
            "This region already has a task for this institution in the campaign.")]})
    task = CampaignTask.objects.create(
        campaign=campaign, region=region, region_code=region.code, institution=institution,
        target=target, due_on=_date(due_on, "due_on") if due_on else campaign.field_deadline,
        note=(note or "").strip()[:300],
    )
    audit_record(actor=actor, action="campaign_task.assign", obj=task,
                 after=snapshot(task, TASK_FIELDS))
    return task


# ---------------------------------------------------------------------------------------------
# Net content


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationError({field: [_("Enter a number.")]})
    return number


def netcontent_build(
    *,
    actor: User | None,
    task: CampaignTask,
    packer_credit_code: str,
    packer_name: str,
    product: str,
    nominal,
    unit: str,
    lot_size,
    place: str,
    sampled_on,
    values,
    brand: str = "",
    tare_method: str = TareMethod.EACH,
    values_unit: str = "",
    region_code: str = "",
    reinspection_of: NetContentRecord | str | None = None,
) -> NetContentRecord:
    """Validate and judge one sample: an unsaved record, or a ValidationError naming the field."""
    _require_kind(task, CampaignKind.NET_CONTENT)
    _require_record(actor, task, statuses=workflow.REINSPECTING if reinspection_of
                    else workflow.RECORDING)
    campaign = task.campaign
    code = credit_code_clean(packer_credit_code, required=True, field="packer_credit_code")
    name = (packer_name or "").strip()
    packer = _organisation_by_code(code)
    if not name and packer is not None:
        name = packer.name
    if not name:
        raise ValidationError({"packer_name": [_("Give the packer's name.")]})
    product = (product or "").strip()
    if not product:
        raise ValidationError({"product": [_("Name the product.")]})
    if campaign.products and product not in campaign.products:
        raise ValidationError({"product": [_(
            "“%(product)s” is not one of the campaign's products: %(products)s.") % {
            "product": product, "products": "、".join(campaign.products)}]})
    place = (place or "").strip()
    if not place:
        raise ValidationError({"place": [_("Give the place of sampling.")]})
    day = _date(sampled_on, "sampled_on")
    _not_future(day, "sampled_on")
    if day < campaign.starts_on:
        raise ValidationError({"sampled_on": [_(
            "The campaign starts on %(day)s; this sample is dated before it.") % {
            "day": campaign.starts_on.isoformat()}]})
    if tare_method not in TareMethod.values:
        raise ValidationError({"tare_method": [_("Choose a tare method from the list.")]})
    if isinstance(values, str):
        values = judging.split_values(values)
    values = [str(v).strip() for v in values]
    if not values:
        raise ValidationError({"values": [_("Give the measured values.")]})
    figures = judging.judge(sampled_on=day, nominal=nominal, unit=unit, lot_size=lot_size,
                            values=values, values_unit=values_unit)
    nominal_value = _decimal(nominal, "nominal")
    if nominal_value != nominal_value.quantize(Decimal("0.0001")) or nominal_value >= 10 ** 10:
        raise ValidationError({"nominal": [_("At most 4 decimal places.")]})
    region = _record_region(task, region_code)
    first = None
    if reinspection_of:
        from jiliang.supervision.selectors import netcontent_by_notice

        first = reinspection_of if isinstance(reinspection_of, NetContentRecord) else \
            netcontent_by_notice(actor, str(reinspection_of).strip())
        if first is None:
            raise ValidationError({"reinspection_of": [_(
                "No net-content record with this notice number is in your scope.")]})
        if first.packer_credit_code != code:
            raise ValidationError({"reinspection_of": [_(
                "A re-inspection is of the same packer's goods.")]})
    return NetContentRecord(
        campaign=campaign, task=task, region_code=region, packer=packer,
        packer_credit_code=code, packer_name=name[:200], product=product[:100],
        brand=(brand or "").strip()[:100], nominal=nominal_value.quantize(Decimal("0.0001")),
        unit=figures["unit"], lot_size=figures["lot_size"], place=place[:200], sampled_on=day,
        tare_method=tare_method, values=values,
        values_unit=judging.rules.parse_unit(values_unit) if values_unit else figures["unit"],
        rule_set=figures["rule_set"], verdict=figures["verdict"], figures=figures,
        reinspection_of=first, recorded_by=_user(actor), recorded_at=timezone.now(),
    )


def netcontent_save(*, actor: User | None, records: list[NetContentRecord]) -> list[NetContentRecord]:
    """Number, chain and insert built records (one lock per province), with their ledger entries."""
    by_key: dict[str, list[NetContentRecord]] = {}
    for record in records:
        by_key.setdefault(record.chain_key_value(), []).append(record)
    with transaction.atomic():
        for key in sorted(by_key):
            with chain_lock(NetContentRecord.chain_name(), key) as writer:
                for record in by_key[key]:
                    # The notice number follows the province's chain: unique and gap-free.
                    record.notice_number = f"NC{key}-{writer.head.last_seq + 1:07d}"
                    writer.stamp(record, key)
            NetContentRecord.objects.bulk_create(by_key[key], batch_size=500)
        for record in records:
            audit_record(actor=actor, action="net_content.record", obj=record, after={
                "notice_number": record.notice_number, "packer": record.packer_credit_code,
                "product": record.product, "verdict": record.verdict,
                "reinspection_of": record.reinspection_of.notice_number
                if record.reinspection_of else None})
    return records


def netcontent_record(*, actor: User | None, task: CampaignTask, **data) -> NetContentRecord:
    """Record and judge one net-content sample (the web form, the API and the demo)."""
    with transaction.atomic():
        record = netcontent_build(actor=actor, task=_fresh(task), **data)
        netcontent_save(actor=actor, records=[record])
    return record


# ---------------------------------------------------------------------------------------------
# Special inspections of instruments in use


VISIT_FIELDS = ("task", "region_code", "institution_name", "institution_credit_code",
                "visited_on", "inspectors", "findings", "action", "action_note")


@transaction.atomic
def visit_record(
    *,
    actor: User | None,
    task: CampaignTask,
    institution_name: str,
    visited_on,
    institution_credit_code: str = "",
    inspectors: str = "",
    findings: str = "",
    action: str = EnforcementAction.NONE,
    action_note: str = "",
    region_code: str = "",
) -> InspectionVisit:
    """Record a visit to an institution (a hospital, a market...) in a special inspection."""
    task = _recordable(actor, task, CampaignKind.SPECIAL_INSPECTION)
    code = credit_code_clean(institution_credit_code, required=False,
                             field="institution_credit_code")
    org = _organisation_by_code(code)
    name = (institution_name or "").strip() or (org.name if org else "")
    if not name:
        raise ValidationError({"institution_name": [_("Name the institution visited.")]})
    day = _date(visited_on, "visited_on")
    _not_future(day, "visited_on")
    if action not in EnforcementAction.values:
        raise ValidationError({"action": [_("Choose an action from the list.")]})
    visit = InspectionVisit.objects.create(
        campaign=task.campaign, task=task, region_code=_record_region(task, region_code),
        institution=org, institution_name=name[:200], institution_credit_code=code or "",
        visited_on=day, inspectors=(inspectors or "").strip()[:200],
        findings=(findings or "").strip(), action=action,
        action_note=(action_note or "").strip()[:300], recorded_by=_user(actor),
    )
    audit_record(actor=actor, action="inspection_visit.record", obj=visit,
                 after=snapshot(visit, VISIT_FIELDS))
    return visit


@transaction.atomic
def visit_update(*, actor: User | None, visit: InspectionVisit, findings: str,
                 action: str, action_note: str = "") -> InspectionVisit:
    """Write up the findings and the enforcement action of a visit."""
    visit = InspectionVisit.objects.select_for_update().select_related("task__campaign").get(
        pk=visit.pk)
    _require_record(actor, visit.task, statuses=workflow.REINSPECTING)
    if action not in EnforcementAction.values:
        raise ValidationError({"action": [_("Choose an action from the list.")]})
    before = snapshot(visit, VISIT_FIELDS)
    visit.findings = (findings or "").strip()
    visit.action = action
    visit.action_note = (action_note or "").strip()[:300]
    visit.save(update_fields=["findings", "action", "action_note"])
    audit_record(actor=actor, action="inspection_visit.update", obj=visit, before=before,
                 after=snapshot(visit, VISIT_FIELDS))
    return visit


class _VisitLookups:
    """What instrument rows of a visit need from the database, read once for all of them:
    the owners named by credit code, the registry's status of their instruments and the
    (kind, serial) pairs the visit already has."""

    def __init__(self, visit: InspectionVisit, rows: list[tuple[str, str]]) -> None:
        cleaned = []  # (owner's credit code or None, serial number)
        for code, serial in rows:
            try:
                code = credit_code_clean(code, required=False, field="owner_credit_code")
            except ValidationError:
                code = None  # the row is refused when it is built
            cleaned.append((code, (serial or "").strip()))
        codes = {code for code, _serial in cleaned if code}
        self.visit = visit
        self.owners = {o.credit_code: o for o in
                       Organisation.objects.filter(credit_code__in=codes)} if codes else {}
        recorded = InspectedInstrument.objects.filter(visit=visit)
        if len(cleaned) == 1:
            recorded = recorded.filter(serial_number=cleaned[0][1][:100])
        self.recorded = set(recorded.values_list("kind_code", "serial_number"))
        serials: dict[Organisation, set[str]] = {}
        for code, serial in cleaned:
            owner = self.owner(code)
            if owner is not None and serial:
                serials.setdefault(owner, set()).add(serial)
        self.statuses = {owner.pk: registry_statuses(owner=owner, serial_numbers=numbers,
                                                     on=visit.visited_on)
                         for owner, numbers in serials.items()}

    def owner(self, code: str | None) -> Organisation | None:
        return self.owners.get(code) if code else self.visit.institution

    def status(self, owner: Organisation | None, serial: str) -> dict | None:
        return self.statuses.get(owner.pk, {}).get(serial) if owner is not None else None


def registry_statuses(*, owner: Organisation | None, serial_numbers, on: datetime.date
                      ) -> dict[str, dict]:
    """What the registry (contract item 3) has on file for an owner's instruments, by serial
    number, if installed."""
    if owner is None or not apps.is_installed("jiliang.registry"):
        return {}
    from jiliang.registry import selectors as registry  # an optional app: imported on use

    return registry.instrument_status(owner_id=owner.pk, serial_numbers=serial_numbers, on=on)


def instrument_build(
    *,
    visit: InspectionVisit,
    lookups: _VisitLookups,
    kind_code: str,
    serial_number: str,
    owner_name: str = "",
    owner_credit_code: str = "",
    verified_in_time: bool | None = None,
    valid_until: datetime.date | str | None = None,
    conforms: bool | None = None,
    note: str = "",
) -> InspectedInstrument:
    """Validate one instrument found on a visit: an unsaved row, or a ValidationError naming
    the field. Filed in the registry: its status is read from there; otherwise what the
    inspector found on the spot is recorded."""
    kind_code = (kind_code or "").strip().lower()
    serial = (serial_number or "").strip()
    if not kind_code:
        raise ValidationError({"kind_code": [_("Give the instrument's kind.")]})
    campaign = visit.campaign
    if campaign.kind_codes and kind_code not in campaign.kind_codes:
        raise ValidationError({"kind_code": [_(
            "“%(kind)s” is not one of the campaign's instrument kinds: %(kinds)s.") % {
            "kind": kind_code, "kinds": ", ".join(campaign.kind_codes)}]})
    if not serial:
        raise ValidationError({"serial_number": [_("Give the serial number.")]})
    code = credit_code_clean(owner_credit_code, required=False, field="owner_credit_code")
    owner = lookups.owner(code)
    name = (owner_name or "").strip() or (owner.name if owner else visit.institution_name)
    key = (kind_code[:64], serial[:100])  # as stored
    if key in lookups.recorded:
        raise ValidationError({"serial_number": [_(
            "This instrument is already recorded on this visit.")]})
    until = _date(valid_until, "valid_until") if valid_until else None
    status = lookups.status(owner, serial)
    source, public_code = InstrumentSource.ON_SPOT, ""
    if status:
        source, public_code = InstrumentSource.REGISTRY, str(status.get("public_code") or "")
        until = status.get("valid_until") or until
        if verified_in_time is None:
            verified_in_time = not status.get("overdue") and until is not None
        if conforms is None and status.get("last_conclusion") in ("pass", "fail"):
            conforms = status["last_conclusion"] == "pass"
    if verified_in_time is None:
        if until is None:
            raise ValidationError({"verified_in_time": [_(
                "Say whether the instrument was verified in time, or give the date its "
                "verification is valid until.")]})
        verified_in_time = until >= visit.visited_on
    lookups.recorded.add(key)  # a sheet names an instrument once
    return InspectedInstrument(
        visit=visit, region_code=visit.region_code, kind_code=kind_code[:64],
        serial_number=serial[:100], owner=owner, owner_name=name[:200],
        owner_credit_code=code or (owner.credit_code if owner and owner.credit_code else ""),
        source=source, public_code=public_code[:64], verified_in_time=bool(verified_in_time),
        valid_until=until, conforms=conforms, note=(note or "").strip()[:300],
    )


def _recordable_visit(actor: User | None, visit: InspectionVisit) -> InspectionVisit:
    """The visit as stored now, once ``actor`` may record on its task."""
    visit = InspectionVisit.objects.select_related("task__campaign", "institution").get(
        pk=visit.pk)
    _require_record(actor, visit.task)
    return visit


@transaction.atomic
def instrument_record(*, actor: User | None, visit: InspectionVisit, **data
                      ) -> InspectedInstrument:
    """An instrument found on a visit (the fields of ``instrument_build``)."""
    visit = _recordable_visit(actor, visit)
    lookups = _VisitLookups(visit, [(data.get("owner_credit_code", ""),
                                     data.get("serial_number", ""))])
    instrument = instrument_build(visit=visit, lookups=lookups, **data)
    instrument.save()
    audit_record(actor=actor, action="inspected_instrument.record", obj=instrument,
                 after=snapshot(instrument, ("visit", "kind_code", "serial_number", "owner_name",
                                             "source", "verified_in_time", "valid_until",
                                             "conforms")))
    return instrument


# ---------------------------------------------------------------------------------------------
# Product-quality sampling and energy labels


@transaction.atomic
def product_sample_record(
    *,
    actor: User | None,
    task: CampaignTask,
    manufacturer_name: str,
    product: str,
    model: str,
    sample_number: str,
    sampled_on,
    items: list[dict],
    manufacturer_credit_code: str = "",
    kind_code: str = "",
    note: str = "",
    region_code: str = "",
    type_approval_no: str = "",
    key_parts_consistent: bool | None = None,
    key_parts_note: str = "",
) -> ProductSample:
    """A sampled instrument with its test items; the conclusion fails when any item fails, or
    when its key parts are not those of the approved type it names."""
    from jiliang.supervision.sheets import yes_no

    task = _recordable(actor, task, CampaignKind.PRODUCT_SAMPLING)
    code = credit_code_clean(manufacturer_credit_code, required=False,
                             field="manufacturer_credit_code")
    org = _organisation_by_code(code)
    name = (manufacturer_name or "").strip() or (org.name if org else "")
    for field, value in (("manufacturer_name", name), ("product", product), ("model", model),
                         ("sample_number", sample_number)):
        if not (value or "").strip():
            raise ValidationError({field: [_("This field is required.")]})
    day = _date(sampled_on, "sampled_on")
    _not_future(day, "sampled_on")
    clean_items = []
    for i, item in enumerate(items or [], start=1):
        title = str(item.get("item", "")).strip()
        if not title:
            continue
        passed = item.get("passed")
        if isinstance(passed, str):
            try:
                passed = yes_no(passed, verdicts=True)
            except ValueError:
                passed = None
        if passed is None:
            raise ValidationError({"items": [_("Item %(n)s: say whether it passed.") % {"n": i}]})
        clean_items.append({"item": title[:100],
                            "requirement": str(item.get("requirement", "")).strip()[:200],
                            "result": str(item.get("result", "")).strip()[:200],
                            "passed": bool(passed)})
    if not clean_items:
        raise ValidationError({"items": [_("Give at least one test item and its result.")]})
    approval_no = approved_model_check(type_approval_no, model, key_parts_consistent)  # #14
    if ProductSample.objects.filter(campaign=task.campaign,
                                    sample_number=sample_number.strip()).exists():
        raise ValidationError({"sample_number": [_(
            "This sample number is already used in the campaign.")]})
    sample = ProductSample.objects.create(
        campaign=task.campaign, task=task, region_code=_record_region(task, region_code),
        manufacturer=org, manufacturer_name=name[:200], manufacturer_credit_code=code or "",
        product=product.strip()[:100], model=model.strip()[:100],
        kind_code=(kind_code or "").strip().lower()[:64],
        sample_number=sample_number.strip()[:64], sampled_on=day, items=clean_items,
        conclusion=Verdict.PASS if all(i["passed"] for i in clean_items)
        and key_parts_consistent is not False else Verdict.FAIL,
        note=(note or "").strip()[:300], recorded_by=_user(actor),
        type_approval_no=approval_no, key_parts_consistent=key_parts_consistent,
        key_parts_note=(key_parts_note or "").strip()[:300],
    )
    audit_record(actor=actor, action="product_sample.record", obj=sample,
                 after=snapshot(sample, ("task", "manufacturer_name", "product", "model",
                                         "sample_number", "sampled_on", "items", "conclusion",
                                         "type_approval_no", "key_parts_consistent")))
    return sample


def approved_model_check(number: str, model: str, key_parts_consistent: bool | None) -> str:
    """The type approval a sample is checked against: a CPA number of an approval in force whose
    model is the sample's; the key-part check needs one."""
    from jiliang.catalog import type_approval

    number = type_approval.clean_number(number)
    if not number:
        if key_parts_consistent is not None:
            raise ValidationError({"type_approval_no": [_(
                "Name the type approval whose key parts the sample was checked against.")]})
        return ""
    licence = type_approval.approval(number)
    if licence is None:
        raise ValidationError({"type_approval_no": [_(
            "No type approval in force is on file under this number.")]})
    approved = type_approval.approval_summary(licence)["model"]
    if approved and approved.strip().upper() != (model or "").strip().upper():
        raise ValidationError({"model": [_(
            "The approval %(no)s is for model %(model)s, not this one.") % {
            "no": number, "model": approved}]})
    return number


def label_check_build(
    *,
    actor: User | None,
    task: CampaignTask,
    enterprise_name: str,
    product: str,
    model: str,
    checked_on,
    finding: str,
    enterprise_credit_code: str = "",
    brand: str = "",
    labelled_grade: int | None = None,
    measured_grade: int | None = None,
    handling: str = EnforcementAction.NONE,
    handling_note: str = "",
    region_code: str = "",
) -> EnergyLabelCheck:
    """Validate one product checked for its energy label, in one of the four findings of 二.8:
    an unsaved check, or a ValidationError naming the field. ``task`` is a recordable one."""
    code = credit_code_clean(enterprise_credit_code, required=False,
                             field="enterprise_credit_code")
    org = _organisation_by_code(code)
    name = (enterprise_name or "").strip() or (org.name if org else "")
    for field, value in (("enterprise_name", name), ("product", product), ("model", model)):
        if not (value or "").strip():
            raise ValidationError({field: [_("This field is required.")]})
    if finding not in LabelFinding.values:
        raise ValidationError({"finding": [_("Choose a finding from the list.")]})
    if handling not in EnforcementAction.values:
        raise ValidationError({"handling": [_("Choose a handling from the list.")]})
    day = _date(checked_on, "checked_on")
    _not_future(day, "checked_on")
    grades = {}
    for field, value in (("labelled_grade", labelled_grade), ("measured_grade", measured_grade)):
        if value in (None, ""):
            grades[field] = None
            continue
        try:
            grade = int(value)
        except (TypeError, ValueError):
            grade = 0
        if not 1 <= grade <= 5:
            raise ValidationError({field: [_("An energy-efficiency grade is 1 to 5.")]})
        grades[field] = grade
    if finding == LabelFinding.FALSE_CLAIM:
        # 二.8: a false claim is a measured efficiency below the labelled grade (grade 1 is best).
        if grades["labelled_grade"] is None or grades["measured_grade"] is None:
            raise ValidationError({"measured_grade": [_(
                "A false claim needs the labelled and the measured grade.")]})
        if grades["measured_grade"] <= grades["labelled_grade"]:
            raise ValidationError({"measured_grade": [_(
                "A false claim means the measured grade is worse (higher) than the labelled "
                "one.")]})
    if finding != LabelFinding.CORRECT and handling == EnforcementAction.NONE:
        raise ValidationError({"handling": [_("Say how the finding is handled.")]})
    return EnergyLabelCheck(
        campaign=task.campaign, task=task, region_code=_record_region(task, region_code),
        enterprise=org, enterprise_name=name[:200], enterprise_credit_code=code or "",
        product=product.strip()[:100], brand=(brand or "").strip()[:100],
        model=model.strip()[:100], checked_on=day, finding=finding, handling=handling,
        handling_note=(handling_note or "").strip()[:300], recorded_by=_user(actor), **grades,
    )


@transaction.atomic
def label_check_record(*, actor: User | None, task: CampaignTask, **data) -> EnergyLabelCheck:
    """One product checked for its energy label (the fields of ``label_check_build``)."""
    task = _recordable(actor, task, CampaignKind.ENERGY_LABEL)
    check = label_check_build(actor=actor, task=task, **data)
    check.save()
    audit_record(actor=actor, action="energy_label.record", obj=check,
                 after=snapshot(check, ("task", "enterprise_name", "product", "brand", "model",
                                        "checked_on", "finding", "labelled_grade",
                                        "measured_grade", "handling")))
    return check


# ---------------------------------------------------------------------------------------------
# Field sheets


MAX_SHEET_ROWS = 5000


def _read_sheet(upload, kind: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of an uploaded sheet (xlsx or csv, judged by content), or a ValidationError.

    Read as a stream: the first row past MAX_SHEET_ROWS comes out (for ``_Sheet.too_long``)
    and nothing after it is read; a workbook that unpacks too far is refused unopened."""
    from jiliang.core.tabular import HeaderError, TooManyRowsError, UnreadableError, read_rows
    from jiliang.core.uploads import check_upload
    from jiliang.supervision.sheets import columns_for

    file_kind = check_upload(upload, allowed=("xlsx", "csv"), max_bytes=5 * 1024 * 1024)
    try:
        yield from read_rows(upload.read(), file_kind, columns_for(kind),
                             max_rows=MAX_SHEET_ROWS)
    except TooManyRowsError as error:
        yield error.row, {}
    except HeaderError as error:
        raise ValidationError({"file": [_(
            "The sheet lacks the columns: %(columns)s. Download the template and fill it in.") %
            {"columns": ", ".join(error.missing)}]}) from None
    except UnreadableError as error:
        raise ValidationError({"file": [error.message]}) from None
    except Exception:  # a corrupt workbook: openpyxl and zipfile raise many kinds
        raise ValidationError({"file": [_("The file cannot be read as a spreadsheet.")]}) from None


class _Sheet:
    """Collects the refused rows of one upload, each with its column and reason."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.errors: list[dict] = []
        self.refused: dict[str, dict] = {}
        self.saved = 0

    def too_long(self, number: int) -> bool:
        if number <= MAX_SHEET_ROWS + 1:
            return False
        self.errors.append({"row": number, "column": "", "reason": _(
            "A sheet holds at most %(n)s rows; the rest were not read.") % {"n": MAX_SHEET_ROWS}})
        return True

    def refuse(self, number: int, row: dict, error: ValidationError) -> None:
        from jiliang.supervision.sheets import column_title

        self.refused[str(number)] = row
        for field, messages in _messages(error):
            for message in messages:
                self.errors.append({"row": number, "column": column_title(self.kind, field),
                                    "reason": message})

    def batch(self, *, actor, task: CampaignTask, upload, visit=None,
              saved: list | None = None) -> UploadBatch:
        """The upload's record and its one ledger entry, naming the rows ``saved`` in bulk."""
        batch = UploadBatch.objects.create(
            campaign=task.campaign, task=task, visit=visit, kind=self.kind,
            region_code=visit.region_code if visit else task.region_code,
            filename=(getattr(upload, "name", "") or "")[:200], uploaded_by=_user(actor),
            rows_saved=self.saved, rows_refused=len(self.refused), errors=self.errors,
            refused_rows=self.refused)
        after = {"file": batch.filename, "saved": self.saved, "refused": len(self.refused)}
        if saved is not None:
            after["ids"] = [row.pk for row in saved]
        audit_record(actor=actor, action=f"{self.kind}.import", obj=batch, after=after)
        return batch


def netcontent_import(*, actor: User | None, task: CampaignTask, upload) -> UploadBatch:
    """Read an uploaded field sheet: save every good row, report every bad one with its row,
    column and reason (and keep them for the errors workbook)."""
    from jiliang.supervision.sheets import SPECS

    task = _recordable(actor, task, CampaignKind.NET_CONTENT)
    sheet = _Sheet(UploadBatch.Kind.NET_CONTENT)
    keys = {spec[0] for spec in SPECS[sheet.kind]}
    good: list[NetContentRecord] = []
    for number, row in _read_sheet(upload, sheet.kind):
        if sheet.too_long(number):
            break
        data = {k: v for k, v in row.items() if k in keys}
        data["tare_method"] = data.get("tare_method") or TareMethod.EACH
        try:
            good.append(netcontent_build(actor=actor, task=task, **data))
        except ValidationError as error:
            sheet.refuse(number, row, error)
    with transaction.atomic():
        netcontent_save(actor=actor, records=good)  # one chain lock for the whole sheet
        sheet.saved = len(good)
        return sheet.batch(actor=actor, task=task, upload=upload)


def label_check_import(*, actor: User | None, task: CampaignTask, upload) -> UploadBatch:
    """An energy-label field sheet: one check per row, the good rows saved together."""
    task = _recordable(actor, task, CampaignKind.ENERGY_LABEL)
    sheet = _Sheet(UploadBatch.Kind.ENERGY_LABEL)
    good: list[EnergyLabelCheck] = []
    for number, row in _read_sheet(upload, sheet.kind):
        if sheet.too_long(number):
            break
        data = dict(row)
        data["handling"] = data.get("handling") or EnforcementAction.NONE
        try:
            good.append(label_check_build(actor=actor, task=task, **data))
        except ValidationError as error:
            sheet.refuse(number, row, error)
    with transaction.atomic():
        EnergyLabelCheck.objects.bulk_create(good, batch_size=500)
        sheet.saved = len(good)
        return sheet.batch(actor=actor, task=task, upload=upload, saved=good)


def instrument_import(*, actor: User | None, visit: InspectionVisit, upload) -> UploadBatch:
    """The instruments found on a visit, one per row, the good rows saved together."""
    from jiliang.supervision.sheets import yes_no

    visit = _recordable_visit(actor, visit)
    sheet = _Sheet(UploadBatch.Kind.INSTRUMENTS)
    rows, overflow = [], None
    for number, row in _read_sheet(upload, sheet.kind):
        if number > MAX_SHEET_ROWS + 1:
            overflow = number
            break
        rows.append((number, row))
    lookups = _VisitLookups(visit, [(row.get("owner_credit_code", ""),
                                     row.get("serial_number", "")) for _number, row in rows])
    good: list[InspectedInstrument] = []
    for number, row in rows:
        data = dict(row)
        try:
            for field, verdicts in (("verified_in_time", False), ("conforms", True)):
                try:
                    data[field] = yes_no(data.get(field, ""), verdicts=verdicts)
                except ValueError:
                    raise ValidationError({field: [_("Write yes or no.")]}) from None
            good.append(instrument_build(visit=visit, lookups=lookups, **data))
        except ValidationError as error:
            sheet.refuse(number, row, error)
    if overflow is not None:
        sheet.too_long(overflow)
    with transaction.atomic():
        InspectedInstrument.objects.bulk_create(good, batch_size=500)
        sheet.saved = len(good)
        return sheet.batch(actor=actor, task=visit.task, upload=upload, visit=visit, saved=good)


# The field sheet a task takes, by the kind of its campaign, and the service that reads it.
# (A special inspection's sheet, UploadBatch.Kind.INSTRUMENTS, is uploaded to a visit.)
TASK_SHEETS = {
    CampaignKind.NET_CONTENT: (UploadBatch.Kind.NET_CONTENT, netcontent_import),
    CampaignKind.ENERGY_LABEL: (UploadBatch.Kind.ENERGY_LABEL, label_check_import),
}


def _messages(error: ValidationError):
    if hasattr(error, "error_dict"):
        return error.message_dict.items()
    return [("", error.messages)]
