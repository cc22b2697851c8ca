"""Campaigns, tasks and records set up through the services, as the users make them."""

from __future__ import annotations

import datetime

from jiliang.core.demo import credit_code
from jiliang.supervision import services
from jiliang.supervision.models import Campaign, CampaignKind, CampaignTask

PACKER_GZ = credit_code("91440101MA5ABCDE1")
PACKER_SZ = credit_code("91440300MA5FGHJK2")
PACKER_BJ = credit_code("91110105MA0LMNPQ3")
SAMPLED = datetime.date(2024, 5, 20)


def campaign(p, *, kind=CampaignKind.NET_CONTENT, year=2024, actor=None, level="provincial",
             products=("大米", "食用油"), kind_codes=(), continues=None, start=True,
             title="") -> Campaign:
    actor = actor or p.gd_clerk
    c = services.campaign_plan(
        actor=actor, title=title or f"{year} net content", kind=kind, year=year, level=level,
        starts_on=datetime.date(year, 3, 1), field_deadline=datetime.date(year, 9, 30),
        report_deadline=datetime.date(year, 11, 30), products=list(products),
        kind_codes=list(kind_codes), continues=continues)
    if start:
        c = services.campaign_transition(actor=actor, campaign=c, action="start")
    return c


def task(p, c, region_code="440100", *, target=10, institution=None, actor=None) -> CampaignTask:
    return services.task_assign(actor=actor or p.gd_clerk, campaign=c, region_code=region_code,
                                target=target, institution=institution)


def sample(p, t, *, values=None, actor=None, packer=PACKER_GZ, product="大米", nominal="500",
           unit="g", lot_size=30, sampled_on=None, **extra):
    return services.netcontent_record(
        actor=actor or p.gd_clerk, task=t, packer_credit_code=packer,
        packer_name=extra.pop("packer_name", "广州示例食品有限公司"), product=product,
        nominal=nominal, unit=unit, lot_size=lot_size, place="天河区某超市",
        sampled_on=sampled_on or datetime.date(t.campaign.year, 5, 20),
        values=values if values is not None else ["501"] * 10, **extra)
