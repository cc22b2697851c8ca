"""Every read of the supervision app, narrowed to the caller's scope.

Campaigns: the national administration sees all; a bureau sees national campaigns,
those of its region and those of the regions above it (a city bureau works in its
province's campaigns); an institution sees the campaigns it has tasks in.
Tasks and records: a bureau sees its region's; an institution the tasks assigned
to it; an enterprise the records in which it is the packer (manufacturer, enterprise).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from jiliang.catalog import selectors as catalog
from jiliang.core.models import Region, User
from jiliang.rules.netcontent import plain
from jiliang.supervision.models import (
    Campaign,
    CampaignKind,
    CampaignTask,
    EnergyLabelCheck,
    InspectedInstrument,
    InspectionVisit,
    LabelFinding,
    NetContentRecord,
    ProductSample,
    UploadBatch,
    Verdict,
)

MAX_CHAIN = 10  # campaigns followed back through ``continues``


def _ancestors(prefix: str) -> list[str]:
    """The codes of the divisions above a bureau's: 4401 -> [440000]."""
    codes = []
    if len(prefix) >= 4:
        codes.append(prefix[:2] + "0000")
    if len(prefix) >= 6:
        codes.append(prefix[:4] + "00")
    return codes


# ---------------------------------------------------------------------------------------------
# Campaigns and tasks



def _one(qs: QuerySet, pk: int):
    """The row ``pk`` of a scoped list, or 404: outside the scope is the same as absent."""
    row = qs.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def _in(qs: QuerySet, **parents) -> QuerySet:
    """Narrow a list to the given campaign and/or task (None: not narrowed)."""
    return qs.filter(**{k: v for k, v in parents.items() if v is not None})

def campaign_list(user: User, *, kind: str = "", year: int | None = None, status: str = "",
                  q: str = "") -> QuerySet:
    scope = user.scope
    qs = Campaign.objects.select_related("organiser", "continues")
    if scope.everything:
        pass
    elif scope.region_prefix is not None:
        prefix = scope.region_prefix
        qs = qs.filter(Q(region_code="") | Q(region_code__startswith=prefix)
                       | Q(region_code__in=_ancestors(prefix)))
    elif scope.organisation_id is not None:
        qs = qs.filter(pk__in=CampaignTask.objects.filter(
            institution_id=scope.organisation_id).values("campaign_id"))
    else:
        qs = qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(title__contains=q)
    return qs.order_by("-year", "kind", "title", "pk")


def campaign_detail(user: User, pk: int) -> Campaign:
    return _one(campaign_list(user), pk)


def task_list(user: User, *, campaign: Campaign | None = None) -> QuerySet:
    qs = _in(CampaignTask.objects.select_related("campaign", "region", "institution"),
             campaign=campaign)
    return user.scope.filter(qs, orgs=("institution",)).order_by("region_code", "pk")


def task_detail(user: User, pk: int) -> CampaignTask:
    return _one(task_list(user), pk)


# ---------------------------------------------------------------------------------------------
# Records


def netcontent_list(user: User, *, campaign: Campaign | None = None,
                    task: CampaignTask | None = None, packer_code: str = "", verdict: str = "",
                    q: str = "") -> QuerySet:
    qs = NetContentRecord.objects.select_related("campaign", "task", "reinspection_of")
    qs = _in(qs, campaign=campaign, task=task)
    if packer_code:
        qs = qs.filter(packer_credit_code=packer_code.upper())
    if verdict:
        qs = qs.filter(verdict=verdict)
    if q:
        qs = qs.filter(Q(packer_name__contains=q) | Q(product__contains=q)
                       | Q(notice_number=q.upper()) | Q(brand__contains=q))
    return user.scope.filter(qs, orgs=("task__institution", "packer")).order_by(
        "-sampled_on", "-pk")


def netcontent_detail(user: User, pk: int) -> NetContentRecord:
    return _one(netcontent_list(user), pk)


def netcontent_by_notice(user: User | None, number: str) -> NetContentRecord | None:
    qs = NetContentRecord.objects.filter(notice_number=number.upper())
    if user is not None:
        qs = user.scope.filter(qs, orgs=("task__institution", "packer"))
    return qs.first()


def reinspections(user: User, record: NetContentRecord) -> QuerySet:
    return netcontent_list(user).filter(reinspection_of=record)


def packer_history(user: User, credit_code: str) -> dict:
    """A packer's net-content records in the caller's scope, and its pass rate per year (五.7)."""
    records = netcontent_list(user, packer_code=credit_code)
    years = []
    for row in (records.filter(reinspection_of__isnull=True).values("campaign__year")
                .annotate(total=Count("pk"), passed=Count("pk", filter=Q(verdict=Verdict.PASS)))
                .order_by("campaign__year")):
        years.append(_rate_row(row["campaign__year"], row["total"], row["passed"]))
    latest = records.first()
    return {"records": records, "years": years,
            "name": latest.packer_name if latest else "", "credit_code": credit_code.upper()}


def visit_list(user: User, *, campaign: Campaign | None = None,
               task: CampaignTask | None = None) -> QuerySet:
    qs = InspectionVisit.objects.select_related("campaign", "task")
    qs = _in(qs, campaign=campaign, task=task)
    return user.scope.filter(qs, orgs=("task__institution", "institution")).order_by(
        "-visited_on", "-pk")


def visit_detail(user: User, pk: int) -> InspectionVisit:
    return _one(visit_list(user), pk)


def product_sample_list(user: User, *, campaign: Campaign | None = None,
                        task: CampaignTask | None = None) -> QuerySet:
    qs = ProductSample.objects.select_related("campaign", "task")
    qs = _in(qs, campaign=campaign, task=task)
    return user.scope.filter(qs, orgs=("task__institution", "manufacturer")).order_by(
        "-sampled_on", "-pk")


def product_sample_detail(user: User, pk: int) -> ProductSample:
    return _one(product_sample_list(user), pk)


def label_check_list(user: User, *, campaign: Campaign | None = None,
                     task: CampaignTask | None = None) -> QuerySet:
    qs = EnergyLabelCheck.objects.select_related("campaign", "task")
    qs = _in(qs, campaign=campaign, task=task)
    return user.scope.filter(qs, orgs=("task__institution", "enterprise")).order_by(
        "-checked_on", "-pk")


def label_check_detail(user: User, pk: int) -> EnergyLabelCheck:
    return _one(label_check_list(user), pk)


def upload_detail(user: User, pk: int) -> UploadBatch:
    qs = user.scope.filter(UploadBatch.objects.select_related("task", "campaign"),
                           orgs=("task__institution",))
    return _one(qs, pk)


def records_of(user: User, campaign: Campaign) -> QuerySet:
    """The campaign's records of its kind, in scope."""
    return {
        CampaignKind.NET_CONTENT: netcontent_list,
        CampaignKind.SPECIAL_INSPECTION: visit_list,
        CampaignKind.PRODUCT_SAMPLING: product_sample_list,
        CampaignKind.ENERGY_LABEL: label_check_list,
    }[campaign.kind](user, campaign=campaign)


# ---------------------------------------------------------------------------------------------
# Reports


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _rate_row(key, total: int, passed: int, **extra) -> dict:
    return {"key": key, "total": total, "passed": passed, "failed": total - passed,
            "rate": _rate(passed, total), **extra}


def region_names(codes) -> dict[str, str]:
    found = {r.code: r for r in Region.objects.select_related("parent__parent").filter(
        code__in=set(codes))}
    return {code: (found[code].full_name if code in found else code) for code in codes}


def city_of(code: str) -> str:
    """The prefecture-level division of a code (a province's own code stays)."""
    return code if code.endswith("0000") else code[:4] + "00"


def completion(user: User, campaign: Campaign) -> list[dict]:
    """Per region: the target of its tasks against the records taken, in scope."""
    tasks = task_list(user, campaign=campaign)
    records = records_of(user, campaign)
    if campaign.kind == CampaignKind.NET_CONTENT:  # re-inspections do not count to the target
        records = records.filter(reinspection_of__isnull=True)
    done_by_task = dict(records.order_by().values("task_id").annotate(n=Count("pk"))
                        .values_list("task_id", "n"))
    by_region: dict[str, dict] = {}
    for task in tasks:
        row = by_region.setdefault(task.region_code, {"region_code": task.region_code,
                                                      "target": 0, "done": 0, "tasks": 0})
        row["target"] += task.target
        row["done"] += done_by_task.get(task.pk, 0)
        row["tasks"] += 1
    names = region_names(by_region)
    rows = []
    for code in sorted(by_region):
        row = by_region[code]
        row["region"] = names[code]
        row["rate"] = _rate(min(row["done"], row["target"]), row["target"])
        rows.append(row)
    return rows


def _grouped(qs: QuerySet, field: str, passed: Q) -> list[dict]:
    rows = (qs.order_by().values(field).annotate(total=Count("pk"), passed=Count("pk", filter=passed))
            .order_by(field))
    return [_rate_row(r[field], r["total"], r["passed"]) for r in rows]


def netcontent_report(user: User, campaign: Campaign) -> dict:
    """Pass rates of first inspections by product, city and packer; the failing lots."""
    records = netcontent_list(user, campaign=campaign)
    first = records.filter(reinspection_of__isnull=True)
    passed = Q(verdict=Verdict.PASS)
    by_city = _grouped(first.annotate(city=Substr("region_code", 1, 4)), "city", passed)
    names = region_names([city_of(r["key"] + "00") for r in by_city])
    for row in by_city:
        row["key"] = names[city_of(row["key"] + "00")]
    by_packer = []
    for r in (first.order_by().values("packer_credit_code", "packer_name")
              .annotate(total=Count("pk"), passed=Count("pk", filter=passed))
              .order_by("packer_credit_code")):
        by_packer.append(_rate_row(r["packer_name"], r["total"], r["passed"],
                                   credit_code=r["packer_credit_code"]))
    total = first.count()
    ok = first.filter(passed).count()
    return {
        "overall": _rate_row("", total, ok),
        "by_product": _grouped(first, "product", passed),
        "by_region": by_city,
        "by_packer": by_packer,
        "failing": list(records.filter(verdict=Verdict.FAIL).select_related("task")[:500]),
        "reinspections": records.filter(reinspection_of__isnull=False).count(),
    }


def inspection_report(user: User, campaign: Campaign) -> dict:
    """受检率 (share verified in time) and 检定合格率 (share conforming of those checked) per
    institution, city and kind; visits with enforcement actions."""
    instruments = user.scope.filter(
        InspectedInstrument.objects.filter(visit__campaign=campaign),
        orgs=("visit__task__institution", "visit__institution"))

    def rates(field: str) -> list[dict]:
        rows = (instruments.order_by().values(field).annotate(
            total=Count("pk"), verified=Count("pk", filter=Q(verified_in_time=True)),
            checked=Count("pk", filter=Q(conforms__isnull=False)),
            conforming=Count("pk", filter=Q(conforms=True))).order_by(field))
        return [{"key": r[field], "total": r["total"], "verified": r["verified"],
                 "verified_rate": _rate(r["verified"], r["total"]), "checked": r["checked"],
                 "conforming": r["conforming"], "conforming_rate": _rate(r["conforming"],
                                                                          r["checked"])}
                for r in rows]

    merged: dict[str, dict] = {}
    for row in rates("region_code"):
        code = city_of(row["key"])
        target = merged.setdefault(code, {k: 0 for k in ("total", "verified", "checked",
                                                         "conforming")})
        for k in ("total", "verified", "checked", "conforming"):
            target[k] += row[k]
    names = region_names(merged)
    by_city = [{"key": names[code], **v, "verified_rate": _rate(v["verified"], v["total"]),
                "conforming_rate": _rate(v["conforming"], v["checked"])}
               for code, v in sorted(merged.items())]
    overall = rates_total(instruments)
    by_kind = rates("kind_code")
    kinds = catalog.kind_names(r["key"] for r in by_kind)
    for row in by_kind:
        row["code"], row["key"] = row["key"], kinds.get(row["key"], row["key"])
    return {
        "overall": overall,
        "by_institution": rates("visit__institution_name"),
        "by_region": by_city,
        "by_kind": by_kind,
        "actions": list(visit_list(user, campaign=campaign).exclude(action="none")[:500]),
    }


def rates_total(instruments: QuerySet) -> dict:
    agg = instruments.aggregate(
        total=Count("pk"), verified=Count("pk", filter=Q(verified_in_time=True)),
        checked=Count("pk", filter=Q(conforms__isnull=False)),
        conforming=Count("pk", filter=Q(conforms=True)))
    agg["verified_rate"] = _rate(agg["verified"], agg["total"])
    agg["conforming_rate"] = _rate(agg["conforming"], agg["checked"])
    return agg


def product_sampling_report(user: User, campaign: Campaign) -> dict:
    samples = product_sample_list(user, campaign=campaign)
    passed = Q(conclusion=Verdict.PASS)
    return {
        "overall": _rate_row("", samples.count(), samples.filter(passed).count()),
        "by_product": _grouped(samples, "product", passed),
        "by_manufacturer": _grouped(samples, "manufacturer_name", passed),
        "failing": list(samples.filter(conclusion=Verdict.FAIL)[:500]),
    }


def label_report(user: User, campaign: Campaign) -> dict:
    checks = label_check_list(user, campaign=campaign)
    correct = Q(finding=LabelFinding.CORRECT)
    counts = dict(checks.order_by().values("finding").annotate(n=Count("pk"))
                  .values_list("finding", "n"))
    return {
        "overall": _rate_row("", checks.count(), checks.filter(correct).count()),
        "by_finding": [{"key": label, "finding": value, "total": counts.get(value, 0)}
                       for value, label in LabelFinding.choices],
        "by_product": _grouped(checks, "product", correct),
        "failing": list(checks.exclude(correct)[:500]),
    }


def campaign_report(user: User, campaign: Campaign) -> dict:
    body = {
        CampaignKind.NET_CONTENT: netcontent_report,
        CampaignKind.SPECIAL_INSPECTION: inspection_report,
        CampaignKind.PRODUCT_SAMPLING: product_sampling_report,
        CampaignKind.ENERGY_LABEL: label_report,
    }[campaign.kind](user, campaign)
    return {"campaign": campaign, "completion": completion(user, campaign), **body}


# ---------------------------------------------------------------------------------------------
# Year-on-year tracking (一.4)


def campaign_chain(user: User, campaign: Campaign) -> list[Campaign]:
    """The campaign and those it continues, oldest first (those in the caller's scope)."""
    chain = [campaign]
    seen = {campaign.pk}
    current = campaign
    visible = campaign_list(user)
    while current.continues_id and len(chain) < MAX_CHAIN:
        current = visible.filter(pk=current.continues_id).first()
        if current is None or current.pk in seen:
            break
        chain.append(current)
        seen.add(current.pk)
    return list(reversed(chain))


def tracking(user: User, campaign: Campaign, *, city: str = "", every_year: bool = True) -> dict:
    """For each city and product followed: the pass rate of first inspections per year; the
    packers that failed more than once over the chain."""
    chain = campaign_chain(user, campaign)
    years = [c.year for c in chain]
    records = user.scope.filter(
        NetContentRecord.objects.filter(campaign__in=chain),
        orgs=("task__institution", "packer"))
    first = records.filter(reinspection_of__isnull=True)
    if city:
        first = first.filter(region_code__startswith=city[:4])
    grouped = (first.annotate(city=Substr("region_code", 1, 4)).order_by()
               .values("campaign__year", "city", "product")
               .annotate(total=Count("pk"), passed=Count("pk", filter=Q(verdict=Verdict.PASS))))
    cells: dict[tuple[str, str], dict[int, dict]] = defaultdict(dict)
    by_product: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in grouped:
        key = (row["city"] + "00", row["product"])
        cells[key][row["campaign__year"]] = _rate_row(row["campaign__year"], row["total"],
                                                      row["passed"])
    names = region_names({city_of(k[0]) for k in cells})
    rows = []
    for (city_code, product), per_year in sorted(cells.items()):
        followed = len(per_year)
        if every_year and followed < len(years):
            continue
        rows.append({"city_code": city_of(city_code), "city": names[city_of(city_code)],
                     "product": product, "followed": followed,
                     "years": [per_year.get(y) for y in years]})
        for y, cell in per_year.items():
            by_product[product][y][0] += cell["total"]
            by_product[product][y][1] += cell["passed"]
    series = [{"name": product, "data": [
        float(_rate(by_product[product][y][1], by_product[product][y][0]) or 0)
        if by_product[product][y][0] else None for y in years]}
        for product in sorted(by_product)]
    repeat = []
    for r in (records.filter(verdict=Verdict.FAIL).order_by()
              .values("packer_credit_code", "packer_name")
              .annotate(fails=Count("pk"), years=Count("campaign__year", distinct=True))
              .filter(fails__gt=1).order_by("-fails", "packer_credit_code")):
        repeat.append(r)
    return {"chain": chain, "years": years, "rows": rows, "series": series,
            "repeat_failures": repeat, "city": city, "every_year": every_year}


# ---------------------------------------------------------------------------------------------
# Public (portal): released campaigns only, chosen fields only


def published_campaigns() -> QuerySet:
    return Campaign.objects.filter(published_at__isnull=False).order_by("-published_at", "-pk")


def published_campaign(pk: int) -> Campaign:
    return _one(published_campaigns(), pk)


def published_failures(campaign: Campaign) -> list[dict]:
    """The failing enterprises and products of a released campaign, as the public reads them."""
    rows: list[dict] = []
    if campaign.kind == CampaignKind.NET_CONTENT:
        qs = (NetContentRecord.objects.filter(campaign=campaign, verdict=Verdict.FAIL)
              .order_by("region_code", "packer_name", "product"))
        names = region_names({city_of(c) for c in qs.values_list("region_code", flat=True)})
        for r in qs:
            rows.append({"enterprise": r.packer_name, "credit_code": r.packer_credit_code,
                         "product": r.product, "brand": r.brand,
                         "spec": f"{plain(r.nominal)} {r.unit}",
                         "region": names[city_of(r.region_code)], "date": r.sampled_on,
                         "finding": "; ".join(r.failed_labels)})
    elif campaign.kind == CampaignKind.PRODUCT_SAMPLING:
        qs = ProductSample.objects.filter(campaign=campaign, conclusion=Verdict.FAIL)
        names = region_names({city_of(c) for c in qs.values_list("region_code", flat=True)})
        for s in qs.order_by("manufacturer_name", "product"):
            rows.append({"enterprise": s.manufacturer_name, "credit_code":
                         s.manufacturer_credit_code, "product": s.product, "brand": "",
                         "spec": s.model, "region": names[city_of(s.region_code)],
                         "date": s.sampled_on,
                         "finding": "; ".join(i["item"] for i in s.items if not i["passed"])})
    elif campaign.kind == CampaignKind.ENERGY_LABEL:
        qs = EnergyLabelCheck.objects.filter(campaign=campaign).exclude(
            finding=LabelFinding.CORRECT)
        names = region_names({city_of(c) for c in qs.values_list("region_code", flat=True)})
        for c in qs.order_by("enterprise_name", "product"):
            rows.append({"enterprise": c.enterprise_name, "credit_code": c.enterprise_credit_code,
                         "product": c.product, "brand": c.brand, "spec": c.model,
                         "region": names[city_of(c.region_code)], "date": c.checked_on,
                         "finding": str(c.get_finding_display())})
    else:
        qs = InspectionVisit.objects.filter(campaign=campaign).exclude(action="none")
        names = region_names({city_of(c) for c in qs.values_list("region_code", flat=True)})
        for v in qs.order_by("institution_name"):
            rows.append({"enterprise": v.institution_name, "credit_code":
                         v.institution_credit_code, "product": "", "brand": "", "spec": "",
                         "region": names[city_of(v.region_code)], "date": v.visited_on,
                         "finding": str(v.get_action_display())})
    return rows


# Open statistics and open data (portal): released campaigns only, counts and published rows


def published_netcontent_rates(*, start, end, province: str = "") -> list[dict]:
    """First inspections of released net-content campaigns, sampled between ``start`` and
    ``end``, by the campaign's year and the product: lots and lots passed."""
    qs = NetContentRecord.objects.filter(campaign__published_at__isnull=False,
                                         reinspection_of__isnull=True,
                                         sampled_on__gte=start, sampled_on__lte=end)
    if province:
        qs = qs.filter(region_code__startswith=province)
    rows = (qs.order_by().values("campaign__year", "product")
            .annotate(lots=Count("pk"), passed=Count("pk", filter=Q(verdict=Verdict.PASS)))
            .order_by("campaign__year", "product"))
    return [{"year": r["campaign__year"], "product": r["product"], "lots": r["lots"],
             "passed": r["passed"]} for r in rows]


def published_results(*, start, end, province: str = ""):
    """The failing enterprises and products of the campaigns released between ``start`` and
    ``end`` (their local dates), campaign by campaign, as their public pages show them."""
    campaigns = published_campaigns().order_by("published_at", "pk")
    for campaign in campaigns.iterator(chunk_size=200):
        day = timezone.localdate(campaign.published_at)
        if not start <= day <= end:
            continue
        if province and campaign.region_code and not campaign.region_code.startswith(province):
            continue
        for row in published_failures(campaign):
            yield {"campaign_id": campaign.pk, "campaign": campaign.title, "year": campaign.year,
                   "campaign_kind": str(campaign.get_kind_display()), "published_on": day, **row}


def last_published():
    return published_campaigns().values_list("published_at", flat=True).first()
