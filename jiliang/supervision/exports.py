"""The report's tables, once: the page, the xlsx workbook and the PDF all read them from here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiliang.core.tabular import Percent, number
from jiliang.rules.netcontent import plain
from jiliang.supervision.models import CampaignKind


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[object]]


def _pct(value) -> Percent:
    return Percent(value)


def rate_table(key: str, title: str, first: str, rows: Sequence[dict], *,
               passed: str | None = None) -> Table:
    return Table(key, title, [first, _("Total"), passed or _("Passed"), _("Failed"),
                              _("Pass rate")],
                 [[r["key"], r["total"], r["passed"], r["failed"], _pct(r["rate"])]
                  for r in rows])


def inspection_table(key: str, title: str, first: str, rows: Sequence[dict]) -> Table:
    return Table(key, title, [first, pgettext("count", "Instruments"), _("Verified in time"),
                              _("Inspection rate (受检率)"), _("Checked"), _("Conforming"),
                              _("Verification pass rate (检定合格率)")],
                 [[r["key"], r["total"], r["verified"], _pct(r["verified_rate"]), r["checked"],
                   r["conforming"], _pct(r["conforming_rate"])] for r in rows])


def report_tables(report: dict) -> list[Table]:
    campaign = report["campaign"]
    tables = [Table("completion", _("Completion against targets by region"),
                    [_("Region"), _("Division code"), _("Tasks"), _("Target"), _("Done"),
                     _("Completion")],
                    [[r["region"], r["region_code"], r["tasks"], r["target"], r["done"],
                      _pct(r["rate"])] for r in report["completion"]])]
    if campaign.kind == CampaignKind.NET_CONTENT:
        tables += [
            rate_table("by_product", _("Pass rate by product"), _("Product"),
                       report["by_product"]),
            rate_table("by_region", _("Pass rate by region"), _("Region"), report["by_region"]),
            Table("by_packer", _("Pass rate by packer"),
                  [_("Packer"), _("Unified social credit code"), _("Total"), _("Passed"),
                   _("Failed"), _("Pass rate")],
                  [[r["key"], r["credit_code"], r["total"], r["passed"], r["failed"],
                    _pct(r["rate"])] for r in report["by_packer"]]),
            Table("failing", _("Failing lots"),
                  [_("Notice number"), _("Packer"), _("Unified social credit code"),
                   _("Product"), _("Brand"), _("Nominal quantity"), _("Division code"),
                   _("Sampled on"), _("Failed on")],
                  [[r.notice_number, r.packer_name, r.packer_credit_code, r.product, r.brand,
                    f"{plain(r.nominal)} {r.unit}", r.region_code,
                    r.sampled_on, "; ".join(r.failed_labels)]
                   for r in report["failing"]]),
        ]
    elif campaign.kind == CampaignKind.SPECIAL_INSPECTION:
        tables += [
            inspection_table("by_institution", _("Rates by institution"), _("Institution"),
                             report["by_institution"]),
            inspection_table("by_region", _("Rates by region"), _("Region"),
                             report["by_region"]),
            inspection_table("by_kind", _("Rates by instrument kind"), _("Instrument kind"),
                             report["by_kind"]),
            Table("actions", _("Findings and enforcement actions"),
                  [_("Institution visited"), _("Visited on"), _("Findings"),
                   _("Enforcement action"), _("Details of the action")],
                  [[v.institution_name, v.visited_on, v.findings,
                    str(v.get_action_display()), v.action_note] for v in report["actions"]]),
        ]
    elif campaign.kind == CampaignKind.PRODUCT_SAMPLING:
        tables += [
            rate_table("by_product", _("Pass rate by product"), _("Product"),
                       report["by_product"]),
            rate_table("by_manufacturer", _("Pass rate by manufacturer"), _("Manufacturer"),
                       report["by_manufacturer"]),
            Table("failing", _("Failing samples"),
                  [_("Sample number"), _("Manufacturer"), _("Product"), _("Model"),
                   _("Sampled on"), _("Failed items")],
                  [[s.sample_number, s.manufacturer_name, s.product, s.model,
                    s.sampled_on,
                    "; ".join(i["item"] for i in s.items if not i["passed"])]
                   for s in report["failing"]]),
        ]
    else:
        tables += [
            Table("by_finding", _("Findings"), [_("Finding"), _("Products")],
                  [[str(r["key"]), r["total"]] for r in report["by_finding"]]),
            rate_table("by_product", _("Correctly labelled by product"), _("Product"),
                       report["by_product"], passed=_("Labelled correctly")),
            Table("failing", _("Products with findings"),
                  [_("Producer or seller"), _("Product"), _("Brand"), _("Model"),
                   _("Checked on"), _("Finding"), _("Handling")],
                  [[c.enterprise_name, c.product, c.brand, c.model, c.checked_on,
                    str(c.get_finding_display()), str(c.get_handling_display())]
                   for c in report["failing"]]),
        ]
    return tables


def tracking_tables(data: dict) -> list[Table]:
    years = data["years"]
    rows = []
    for row in data["rows"]:
        cells = []
        for cell in row["years"]:
            cells.append("—" if cell is None else
                         f"{_pct(cell['rate'])} ({cell['passed']}/{cell['total']})")
        rows.append([row["city"], row["product"], *cells])
    return [
        Table("tracking", _("Pass rate per year by city and product"),
              [_("City"), _("Product"), *[str(y) for y in years]], rows),
        Table("repeat", _("Packers that failed more than once"),
              [_("Packer"), _("Unified social credit code"), _("Failed lots"), _("Years"),
               _("Penalty decisions")],
              [[r["packer_name"], r["packer_credit_code"], r["fails"], r["years"],
                r.get("penalties", "—")] for r in data["repeat_failures"]]),
    ]


def sheets(tables: Sequence[Table]) -> list[tuple[str, list[str], list[list[object]]]]:
    """Every table as a (title, headers, rows) sheet of one workbook."""
    return [(table.title, table.headers, table.rows) for table in tables]


FIGURES = ("n", "T", "mean", "s", "mean_limit")  # a net-content record's figures, exported


def record_rows(campaign, records) -> tuple[list[str], Iterable[Sequence[object]]]:
    """The headers and the rows (streamed) of every record of a campaign, by its kind."""
    if campaign.kind == CampaignKind.NET_CONTENT:
        headers = [_("Notice number"), _("Packer"), _("Unified social credit code"),
                   _("Product"), _("Brand"), _("Nominal quantity"), _("Lot size"),
                   _("Place of sampling"), _("Division code"), _("Sampled on"), _("n"), "T",
                   _("Mean"), "s", _("Limit Qn − λ·s"), _("Verdict"), _("Re-inspection of")]
        rows = ((r.notice_number, r.packer_name, r.packer_credit_code, r.product, r.brand,
                 f"{plain(r.nominal)} {r.unit}", r.lot_size, r.place, r.region_code,
                 r.sampled_on, *(number(r.figures.get(k)) for k in FIGURES),
                 str(r.get_verdict_display()),
                 r.reinspection_of.notice_number if r.reinspection_of else "")
                for r in records.iterator(chunk_size=2000))
    elif campaign.kind == CampaignKind.SPECIAL_INSPECTION:
        headers = [_("Institution visited"), _("Visited on"), _("Division code"),
                   _("Findings"), _("Enforcement action")]
        rows = ((v.institution_name, v.visited_on, v.region_code, v.findings,
                 str(v.get_action_display())) for v in records.iterator(chunk_size=2000))
    elif campaign.kind == CampaignKind.PRODUCT_SAMPLING:
        headers = [_("Sample number"), _("Manufacturer"), _("Product"), _("Model"),
                   _("Sampled on"), _("Division code"), _("Conclusion")]
        rows = ((s.sample_number, s.manufacturer_name, s.product, s.model,
                 s.sampled_on, s.region_code, str(s.get_conclusion_display()))
                for s in records.iterator(chunk_size=2000))
    else:
        headers = [_("Producer or seller"), _("Product"), _("Brand"), _("Model"),
                   _("Checked on"), _("Division code"), _("Finding"), _("Handling")]
        rows = ((c.enterprise_name, c.product, c.brand, c.model, c.checked_on,
                 c.region_code, str(c.get_finding_display()), str(c.get_handling_display()))
                for c in records.iterator(chunk_size=2000))
    return headers, rows
