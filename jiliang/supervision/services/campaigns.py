"""Campaigns: planned, changed, moved along their workflow and released."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.catalog import selectors as catalog
from jiliang.core.models import Organisation, OrgKind, User
from jiliang.core.services import region_get
from jiliang.rules.identifiers import region_prefix
from jiliang.supervision import workflow
from jiliang.supervision.models import (
    Campaign,
    CampaignEvent,
    CampaignKind,
    CampaignLevel,
    CampaignStatus,
)
from jiliang.supervision.permissions import may_plan, may_take
from jiliang.supervision.selectors import campaign_detail
from jiliang.supervision.services.common import (
    parse_date,
    user_or_none,
)

CAMPAIGN_FIELDS = ("title", "kind", "year", "level", "organiser", "region_code", "products",
                   "kind_codes", "regions", "description", "starts_on", "field_deadline",
                   "report_deadline", "status", "continues")


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
    known = catalog.kinds_named(values)
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
    campaign.starts_on = parse_date(starts_on, "starts_on")
    campaign.field_deadline = parse_date(field_deadline, "field_deadline")
    campaign.report_deadline = parse_date(report_deadline, "report_deadline")
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
    """Move a campaign along its workflow (rules/data/campaign_workflow.json); logged twice
    over.

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
    if not may_take(actor, campaign, move):
        raise PermissionDenied(_("Your role cannot take this step: %(step)s.") % {
            "step": workflow.label(move)})
    if campaign.status not in move.sources:
        raise ValidationError({"action": [_(
            "A campaign that is %(status)s cannot go to %(target)s.") % {
            "status": CampaignStatus(campaign.status).label,
            "target": CampaignStatus(move.target).label}]})
    before = campaign.status
    campaign.status = move.target
    campaign.save(update_fields=["status"])
    CampaignEvent.objects.create(campaign=campaign, action=move.action, from_status=before,
                                 to_status=move.target, actor=user_or_none(actor), at=at,
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
    campaign.published_by = user_or_none(actor)
    campaign.save(update_fields=["published_at", "published_by"])
    CampaignEvent.objects.create(campaign=campaign, action="release", from_status=campaign.status,
                                 to_status=campaign.status, actor=user_or_none(actor),
                                 at=campaign.published_at, note=(note or "")[:300])
    audit_record(actor=actor, action="campaign.release", obj=campaign,
                 region_code=campaign.region_code or campaign.organiser.region_code,
                 after={"published_at": campaign.published_at.isoformat(), "note": note})
    return campaign


