"""Open statistics and open data (work plan 七.1, 七.2): what every dataset is, its schema, its
rows for a period and a region, and the suppression of small cells.

A dataset is a statistic (counts per province, kind, product or type, from the apps' maintained
aggregates and published records) or a disclosure list (rows the apps already publish one by
one). Each names its fields with a type and a meaning in Chinese and English; the CSV, the JSON,
the schema, the dataset page and the DCAT catalogue are all read off the same definition, so
they cannot disagree.

Suppression: a statistic's cell that counts fewer records than the threshold (a setting, see
``conf.min_cell``) is withheld with every figure derived from it, so that no single enterprise
can be read off a table. Totals add up the cells shown only (a withheld cell cannot be found
by subtracting the others from a total).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.apps import apps
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from jiliang.core.hooks import optional
from jiliang.core.params import BadParameter
from jiliang.portal import conf, selectors
from jiliang.portal.public import label
from jiliang.rules import licensing
from jiliang.rules.identifiers import PROVINCE_CODES

STATISTIC, DISCLOSURE = "statistic", "disclosure"
MAX_MONTHS = 120  # the longest period one request covers (ten years)
FIRST_YEAR = 2000


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema types: string, integer, number, date, boolean
    title: Promise  # what the column holds, translated (Chinese: the catalogue's zh)


@dataclass(frozen=True)
class Cut:
    """When ``count`` is above zero and below the threshold, ``fields`` are withheld."""

    count: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    start: datetime.date
    end: datetime.date
    province: str = ""

    @property
    def params(self) -> dict[str, str]:
        out = {"from": self.start.strftime("%Y-%m"), "to": self.end.strftime("%Y-%m")}
        if self.province:
            out["province"] = self.province
        return out


@dataclass(frozen=True)
class Dataset:
    slug: str
    kind: str
    title: Promise
    description: Promise
    fields: tuple[Field, ...]
    rows: Callable[[Query], Iterable[dict]]
    updated: Callable[[], datetime.date | datetime.datetime | None]
    cuts: tuple[Cut, ...] = ()
    keywords: tuple[Promise, ...] = field(default_factory=tuple)
    app: str = ""  # the app it reads; the dataset exists only where that app is installed

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def updated_on(self) -> datetime.date:
        stamp = self.updated()
        if stamp is None:
            return timezone.localdate()
        if isinstance(stamp, datetime.datetime):
            return timezone.localdate(stamp)
        return stamp


# --- the request's period and region -----------------------------------------------------------


def _month(raw: str, *, name: str, default: datetime.date) -> datetime.date:
    text = (raw or "").strip()
    if not text:
        return default
    parts = text.split("-")
    if (len(parts) not in (2, 3) or not all(p.isascii() and p.isdigit() for p in parts)
            or len(parts[0]) != 4 or not 1 <= len(parts[1]) <= 2):
        raise BadParameter(name, gettext("“%(name)s” is a month written as YYYY-MM, such as "
                                         "2025-06.") % {"name": name})
    year, month = int(parts[0]), int(parts[1])
    today = timezone.localdate()
    if not (FIRST_YEAR <= year <= today.year + 1 and 1 <= month <= 12):
        raise BadParameter(name, gettext("“%(name)s” is a month from %(lo)s-01 to %(hi)s-12.")
                           % {"name": name, "lo": FIRST_YEAR, "hi": today.year + 1})
    return datetime.date(year, month, 1)


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def parse_query(get) -> Query:
    """``from`` and ``to`` (months, YYYY-MM; this year by default) and ``province`` (two
    digits, or nothing for the whole country); a bad one is a 400 naming the parameter."""
    today = timezone.localdate()
    start = _month(get.get("from", ""), name="from", default=datetime.date(today.year, 1, 1))
    last = _month(get.get("to", ""), name="to", default=today.replace(day=1))
    if last < start:
        raise BadParameter("to", gettext("“to” is a month on or after “from”."))
    if (last.year - start.year) * 12 + last.month - start.month >= MAX_MONTHS:
        raise BadParameter("to", gettext("One request covers at most %(n)s months; narrow the "
                                         "period.") % {"n": MAX_MONTHS})
    province = (get.get("province", "") or "").strip()
    if province and province not in PROVINCE_CODES:
        raise BadParameter("province", gettext("“province” is the two-digit code of a "
                                               "province, or empty for the whole country."))
    return Query(start=start, end=_month_end(last), province=province)


# --- suppression and totals ---------------------------------------------------------------------


def rate(part: int | None, whole: int | None) -> Decimal | None:
    if not whole or part is None:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def suppress(rows: Iterable[dict], cuts: Iterable[Cut], threshold: int | None = None) -> list[dict]:
    """Withhold (None) every cut whose count is above zero and below the threshold."""
    threshold = conf.min_cell() if threshold is None else threshold
    cuts = tuple(cuts)
    out = []
    for row in rows:
        row = dict(row)
        hidden = False
        for cut in cuts:
            n = row.get(cut.count)
            if n is not None and 0 < n < threshold:
                hidden = True
                for name in cut.fields:
                    row[name] = None
        row["suppressed"] = hidden
        out.append(row)
    return out


def totals(rows: Iterable[dict], key: str, measures: Iterable[str]) -> dict[str, dict]:
    """Sums of the cells shown, per ``key`` (a withheld figure adds nothing)."""
    measures = tuple(measures)
    out: dict[str, dict] = {}
    for row in rows:
        total = out.setdefault(row[key], dict.fromkeys(measures, 0))
        for m in measures:
            total[m] += row.get(m) or 0
    return out


# --- the statistics -------------------------------------------------------------------------------


def _province_names() -> dict[str, str]:
    return dict(selectors.provinces())


def _province(row: dict, names: dict[str, str]) -> dict[str, str]:
    """The row's province code and its name (the code where no name is known)."""
    code = row["province_code"]
    return {"province_code": code, "province": names.get(code, code)}


def _rates_rows(q: Query) -> list[dict]:
    names = _province_names()
    rows = []
    registry = optional("registry", "selectors")
    for r in registry.public_rates(start=q.start, end=q.end, province=q.province):
        rows.append({**_province(r, names), "kind_code": r["kind_code"], "kind": r["kind"],
                     "due": r["due"], "due_verified": r["due_verified"],
                     "inspection_rate": rate(r["due_verified"], r["due"]),
                     "verified": r["verified"], "passed": r["passed"],
                     "pass_rate": rate(r["passed"], r["verified"])})
    return rows


def _netcontent_rows(q: Query) -> list[dict]:
    supervision = optional("supervision", "selectors")
    return [{**r, "pass_rate": rate(r["passed"], r["lots"])} for r in
            supervision.published_netcontent_rates(start=q.start, end=q.end, province=q.province)]


def _licence_type_name(code: str) -> str:
    lt = licensing.licence_types().get(code)
    return label(lt["name"]) if lt else code


def _licensing_rows(q: Query) -> list[dict]:
    names = _province_names()
    rows = []
    licences = optional("licensing", "selectors")
    for r in licences.public_decision_stats(start=q.start, end=q.end, province=q.province):
        average = (Decimal(r["days"]) / r["timed"]).quantize(Decimal("0.1")) if r["timed"] \
            else None
        rows.append({"type_code": r["type_code"],
                     "licence_type": _licence_type_name(r["type_code"]),
                     **_province(r, names), "granted": r["granted"], "decided": r["decided"],
                     "on_time": r["on_time"], "on_time_rate": rate(r["on_time"], r["decided"]),
                     "average_working_days": average})
    return rows


def _energy_unit_rows(q: Query) -> list[dict]:
    energy = optional("energy", "selectors")
    names, tiers = _province_names(), dict(optional("energy", "models").EnergyUnit.Tier.choices)
    return [{**_province(r, names), "tier": r["tier"],
             "tier_name": str(tiers.get(r["tier"], r["tier"])), "units": r["units"]}
            for r in energy.public_unit_counts(province=q.province)]


def _energy_audit_rows(q: Query) -> list[dict]:
    energy = optional("energy", "selectors")
    names = _province_names()
    return [{**_province(r, names), "audits": r["audits"], "compliant": r["compliant"],
             "compliance_rate": rate(r["compliant"], r["audits"])}
            for r in energy.public_audit_counts(start=q.start, end=q.end, province=q.province)]


# --- the disclosure lists ---------------------------------------------------------------------------


def _licence_rows(q: Query) -> Iterator[dict]:
    disclosures = optional("licensing", "selectors")
    events = disclosures.public_events(region=q.province, date_from=q.start, date_to=q.end)
    events = events.filter(kind__in=disclosures.PUBLIC_KINDS).order_by("on", "id")
    for e in events.iterator(chunk_size=500):
        s = e.summary
        yield {"disclosed_on": e.on,
               "event": label(licensing.event_labels().get(e.kind, {"zh": e.kind, "en": e.kind})),
               "number": s.get("number", ""), "licence_type": _licence_type_name(e.type_code),
               "holder": s.get("holder", ""), "credit_code": s.get("credit_code", ""),
               "region_code": e.region_code,
               "region": selectors.region_names([e.region_code])[e.region_code],
               "issued_on": _date(s.get("issued_on")), "valid_until": _date(s.get("valid_until"))}


def _date(value) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _campaign_result_rows(q: Query) -> Iterator[dict]:
    supervision = optional("supervision", "selectors")
    for r in supervision.published_results(start=q.start, end=q.end, province=q.province):
        yield {"campaign_id": r["campaign_id"], "campaign": r["campaign"], "year": r["year"],
               "campaign_kind": r["campaign_kind"], "published_on": r["published_on"],
               "enterprise": r["enterprise"], "credit_code": r["credit_code"],
               "product": r["product"], "brand": r["brand"], "specification": r["spec"],
               "region": r["region"], "sampled_on": r["date"], "finding": r["finding"]}


def _certificate_rows(q: Query) -> Iterator[dict]:
    certificates = optional("traceability", "selectors").public_certificates(
        start=q.start, end=q.end, province=q.province)
    for c in certificates.iterator(chunk_size=500):
        s = c.standard
        yield {"number": c.number, "standard": s.name, "standard_code": s.code,
               "measurand": s.measurand, "owner": s.owner.name,
               "region_code": s.region_code,
               "region": selectors.region_names([s.region_code])[s.region_code],
               "issuer": c.issuer, "issued_on": c.issued_on, "valid_until": c.valid_until,
               "in_service": s.status == "active"}


def _penalty_rows(q: Query) -> Iterator[dict]:
    """Published penalty decisions, as the enforcement app publishes them (a natural person's
    name masked, their identity number, address and phone taken out)."""
    enforcement = optional("enforcement", "selectors")
    lo = timezone.make_aware(datetime.datetime.combine(q.start, datetime.time.min))
    hi = timezone.make_aware(datetime.datetime.combine(q.end + datetime.timedelta(days=1),
                                                       datetime.time.min))
    cases = enforcement.published_cases().filter(published_at__gte=lo, published_at__lt=hi)
    if q.province:
        cases = cases.filter(region_code__startswith=q.province)
    for case in cases.order_by("published_at", "pk").iterator(chunk_size=500):
        r = enforcement.public_record(case)
        code = r.get("region_code") or ""
        yield {"number": r.get("number", ""), "bureau": r.get("bureau", ""),
               "party": r.get("party", ""), "credit_code": r.get("credit_code", ""),
               "articles": r.get("articles", ""), "decision": r.get("decision", ""),
               "fine": r.get("fine"), "decided_on": r.get("decided_on"),
               "published_on": timezone.localdate(r["published_at"]) if r.get("published_at")
               else None,
               "region_code": code,
               "region": selectors.region_names([code])[code] if code else ""}


def _last_penalty():
    cases = optional("enforcement", "selectors").published_cases()
    return cases.values_list("published_at", flat=True).first()


@functools.cache  # one reader per selector, so version() sees the datasets sharing it
def _last(app: str, name: str) -> Callable[[], object]:
    """The date of the newest row of ``app``'s selector ``name`` (read only where the app is
    installed: ``datasets()`` leaves the others out)."""
    def read():
        return getattr(optional(app, "selectors"), name)()

    return read


SUPPRESSED = Field("suppressed", "boolean", _("true when figures of the row are withheld "
                                              "because they count too few records"))
PROVINCE = (Field("province_code", "string", _("province code (GB/T 2260, two digits)")),
            Field("province", "string", _("province")))
REGION = (Field("region_code", "string", _("division code (GB/T 2260)")),
          Field("region", "string", _("region")))

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        slug="verification-rates", kind=STATISTIC, app="jiliang.registry",
        title=_("Inspection rate and pass rate of compulsorily verified instruments"),
        description=_("受检率 and 检定合格率 by province and instrument kind, counted from the "
                      "archives of instruments under compulsory verification as records are "
                      "made. Inspection rate: instruments that fell due in the period and were "
                      "verified by the due date, over those that fell due. Pass rate: "
                      "verifications that passed, over all verifications in the period."),
        fields=(*PROVINCE,
                Field("kind_code", "string", _("instrument kind code")),
                Field("kind", "string", _("instrument kind")),
                Field("due", "integer", _("instruments that fell due in the period")),
                Field("due_verified", "integer", _("of these, verified by the due date")),
                Field("inspection_rate", "number", _("inspection rate (受检率), per cent")),
                Field("verified", "integer", _("verifications in the period")),
                Field("passed", "integer", _("verifications that passed")),
                Field("pass_rate", "number", _("pass rate (检定合格率), per cent")),
                SUPPRESSED),
        rows=_rates_rows, updated=_last("registry", "last_recorded"),
        cuts=(Cut("due", ("due", "due_verified", "inspection_rate")),
              Cut("verified", ("verified", "passed", "pass_rate"))),
        keywords=(_("compulsory verification"), _("inspection rate"), _("pass rate"))),
    Dataset(
        slug="net-content-pass-rates", kind=STATISTIC, app="jiliang.supervision",
        title=_("Net content of prepackaged goods: pass rates"),
        description=_("Lots of prepackaged goods sampled in the period by campaigns whose "
                      "results are published, judged by JJF 1070, by the campaign's year and "
                      "the product. Re-inspections are not counted."),
        fields=(Field("year", "integer", _("year of the campaign")),
                Field("product", "string", _("product")),
                Field("lots", "integer", _("lots inspected")),
                Field("passed", "integer", _("lots that passed")),
                Field("pass_rate", "number", _("pass rate, per cent")),
                SUPPRESSED),
        rows=_netcontent_rows, updated=_last("supervision", "last_published"),
        cuts=(Cut("lots", ("lots", "passed", "pass_rate")),),
        keywords=(_("net content"), _("prepackaged goods"))),
    Dataset(
        slug="licensing-decisions", kind=STATISTIC, app="jiliang.licensing",
        title=_("Administrative licences: granted, decided on time, working days"),
        description=_("By licence type and province: licences granted in the period (as "
                      "disclosed), applications decided in the period, those decided by their "
                      "statutory due date, and the average working days from acceptance to "
                      "decision, the time the clock was stopped by law not counted."),
        fields=(Field("type_code", "string", _("licence type code")),
                Field("licence_type", "string", _("licence type")),
                *PROVINCE,
                Field("granted", "integer", _("licences granted")),
                Field("decided", "integer", _("applications decided")),
                Field("on_time", "integer", _("decided by the due date")),
                Field("on_time_rate", "number", _("share decided on time, per cent")),
                Field("average_working_days", "number",
                      _("average working days from acceptance to decision")),
                SUPPRESSED),
        rows=_licensing_rows, updated=_last("licensing", "last_disclosed"),
        cuts=(Cut("granted", ("granted",)),
              Cut("decided", ("decided", "on_time", "on_time_rate", "average_working_days"))),
        keywords=(_("administrative licensing"), _("time limits"))),
    Dataset(
        slug="energy-units", kind=STATISTIC, app="jiliang.energy",
        title=_("Key energy-using units by tier"),
        description=_("Key energy-using units on the register, by province and tier of annual "
                      "comprehensive energy consumption (Energy Conservation Law, art. 52). "
                      "The register as it stands; the period does not apply."),
        fields=(*PROVINCE,
                Field("tier", "string", _("tier code")),
                Field("tier_name", "string", _("tier")),
                Field("units", "integer", _("units on the register")),
                SUPPRESSED),
        rows=_energy_unit_rows, updated=lambda: None,
        cuts=(Cut("units", ("units",)),), keywords=(_("energy metering"),)),
    Dataset(
        slug="energy-audits", kind=STATISTIC, app="jiliang.energy",
        title=_("Energy metering audits (GB 17167)"),
        description=_("Audits of key energy-using units' metering completed in the period, by "
                      "province, and how many found the metering equipped as GB 17167 "
                      "requires."),
        fields=(*PROVINCE,
                Field("audits", "integer", _("audits completed")),
                Field("compliant", "integer", _("audits that found the metering compliant")),
                Field("compliance_rate", "number", _("compliance rate, per cent")),
                SUPPRESSED),
        rows=_energy_audit_rows, updated=lambda: None,
        cuts=(Cut("audits", ("audits", "compliant", "compliance_rate")),),
        keywords=(_("energy metering"), _("GB 17167"))),
    Dataset(
        slug="licences", kind=DISCLOSURE, app="jiliang.licensing",
        title=_("Licence disclosures"),
        description=_("Every licence granted, changed, renewed, withdrawn, revoked, cancelled "
                      "or expired, as disclosed under the Administrative Licensing Law "
                      "(art. 40), by the date of disclosure."),
        fields=(Field("disclosed_on", "date", _("date of disclosure")),
                Field("event", "string", _("what was disclosed")),
                Field("number", "string", _("certificate number")),
                Field("licence_type", "string", _("licence type")),
                Field("holder", "string", _("holder")),
                Field("credit_code", "string", _("unified social credit code of the holder")),
                *REGION,
                Field("issued_on", "date", _("issued on")),
                Field("valid_until", "date", _("valid until"))),
        rows=_licence_rows, updated=_last("licensing", "last_disclosed"),
        keywords=(_("administrative licensing"),)),
    Dataset(
        slug="standard-certificates", kind=DISCLOSURE, app="jiliang.traceability",
        title=_("Certificates of social public measurement standards"),
        description=_("Assessment certificates (计量标准考核证书) of the social public "
                      "measurement standards, by the date of issue."),
        fields=(Field("number", "string", _("certificate number")),
                Field("standard", "string", _("measurement standard")),
                Field("standard_code", "string", _("code of the standard")),
                Field("measurand", "string", _("measurand")),
                Field("owner", "string", _("institution holding the standard")),
                *REGION,
                Field("issuer", "string", _("issued by")),
                Field("issued_on", "date", _("issued on")),
                Field("valid_until", "date", _("valid until")),
                Field("in_service", "boolean", _("the standard is in service"))),
        rows=_certificate_rows, updated=_last("traceability", "last_certificate"),
        keywords=(_("measurement standards"),)),
    Dataset(
        slug="campaign-results", kind=DISCLOSURE, app="jiliang.supervision",
        title=_("Published results of supervision campaigns"),
        description=_("The enterprises and products found not to conform in the supervision "
                      "campaigns whose results are published, by the date of publication."),
        fields=(Field("campaign_id", "integer", _("campaign number")),
                Field("campaign", "string", _("campaign")),
                Field("year", "integer", _("year of the campaign")),
                Field("campaign_kind", "string", _("kind of campaign")),
                Field("published_on", "date", _("published on")),
                Field("enterprise", "string", _("enterprise")),
                Field("credit_code", "string", _("unified social credit code of the enterprise")),
                Field("product", "string", _("product")),
                Field("brand", "string", _("brand")),
                Field("specification", "string", _("specification or model")),
                Field("region", "string", _("region")),
                Field("sampled_on", "date", _("date of sampling or inspection")),
                Field("finding", "string", _("finding"))),
        rows=_campaign_result_rows,
        updated=_last("supervision", "last_published"),
        keywords=(_("metrological supervision"), _("net content"))),
    Dataset(
        slug="penalty-decisions", kind=DISCLOSURE, app="jiliang.enforcement",
        title=_("Administrative penalty decisions"),
        description=_("Penalty decisions in metrology cases as published, by the date of "
                      "publication; a natural person's name is masked and their identity "
                      "number, address and phone are left out."),
        fields=(Field("number", "string", _("decision number")),
                Field("bureau", "string", _("deciding bureau")),
                Field("party", "string", _("party")),
                Field("credit_code", "string", _("unified social credit code of the party")),
                Field("articles", "string", _("articles applied")),
                Field("decision", "string", _("decision")),
                Field("fine", "number", _("fine (yuan)")),
                Field("decided_on", "date", _("date of decision")),
                Field("published_on", "date", _("published on")),
                *REGION),
        rows=_penalty_rows, updated=_last_penalty,
        keywords=(_("metrological supervision"),)),
)


def datasets() -> list[Dataset]:
    """The datasets of the apps installed here."""
    return [d for d in DATASETS if not d.app or apps.is_installed(d.app)]


def dataset(slug: str) -> Dataset | None:
    return next((d for d in datasets() if d.slug == slug), None)


def statistic_rows(ds: Dataset, q: Query, threshold: int | None = None) -> list[dict]:
    return suppress(ds.rows(q), ds.cuts, threshold) if ds.kind == STATISTIC else list(ds.rows(q))


def page_rows(ds: Dataset, q: Query, *, page: int, size: int) -> tuple[list[dict], bool]:
    """One page of a dataset's rows, and whether there is another (a statistic is one page)."""
    if ds.kind == STATISTIC:
        return statistic_rows(ds, q), False
    rows = list(islice(ds.rows(q), (page - 1) * size, page * size + 1))
    return rows[:size], len(rows) > size


def schema(ds: Dataset) -> dict:
    """A Table Schema (frictionless) of the dataset, each field's meaning in Chinese and English."""
    fields = []
    for f in ds.fields:
        with override("zh-hans"):
            zh = str(f.title)
        with override("en"):
            en = str(f.title)
        fields.append({"name": f.name, "type": f.type, "title": zh, "description": en})
    return {"fields": fields}


def version() -> str:
    """Changes when any dataset's date of update does, every day, and with the threshold of
    suppression (public caches)."""
    read: dict[Callable, object] = {}  # datasets sharing a date read it once
    for d in datasets():
        if d.updated not in read:
            read[d.updated] = d.updated()
    return "|".join([timezone.localdate().isoformat(), str(conf.min_cell())]
                    + [str(read[d.updated] or "") for d in datasets()])


def json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
