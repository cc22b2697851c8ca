"""Bulk import of instruments and their verifications: one interface, two loaders.

Every row is checked in Python as it is read (division code, credit codes,
catalogue kind, use, dates, the standard's validity, the period, duplicates
in the file); good rows are merged chunk by chunk, each chunk in its own
transaction:

- PostgreSQL: the chunk is loaded with COPY into a temporary staging table;
  instruments are merged with one set-based INSERT ... SELECT ... ON CONFLICT
  DO NOTHING, and one join tells, for every staged row, its instrument and
  whether its certificate is already on file; the new verification records
  are chained in Python as they stream into the records table with COPY.
- SQLite: the same merge with batched look-ups and batched inserts.

Idempotent: an instrument is identified by owner + kind + serial number and a
record by institution + certificate number, so importing a file again lands
nothing twice, and an import killed half-way can be run again (the chunks it
committed are found on file, the rest land).
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.audit.chain import canonical, chain_lock
from jiliang.audit.services import audit_record
from jiliang.catalog.models import InstrumentKind
from jiliang.catalog.selectors import TermResolver
from jiliang.core.models import BUREAU_KINDS, Organisation, OrgKind, Region, Role
from jiliang.core.tabular import Column, HeaderError, RowError, read_rows
from jiliang.core.validation import rule_message
from jiliang.registry import services
from jiliang.registry.models import (
    Conclusion,
    Instrument,
    Status,
    VerificationRecord,
    new_public_code,
)
from jiliang.rules import RuleError
from jiliang.rules import verification as rules
from jiliang.rules.chain import link_hash
from jiliang.rules.identifiers import uscc_validate

CHUNK = 20_000

COLUMNS = [
    Column("owner_credit_code", "所有者统一社会信用代码", required=True,
           aliases=("owner credit code",), example="91440106MA59ACME1X",
           help=gettext_lazy("The owner's unified social credit code (18 characters).")),
    Column("kind", "器具种类代码", required=True, aliases=("kind code",), example="scale_digital_indicating",
           help=gettext_lazy("The catalogue code of the kind, e.g. water_meter (see the catalogue).")),
    Column("use", "用途", required=True, example="trade",
           help=gettext_lazy("trade / safety / medical / environment (or 贸易结算, 安全防护, 医疗卫生, 环境监测).")),
    Column("serial_number", "出厂编号", required=True, aliases=("serial number",), example="SC-0001"),
    Column("region_code", "使用地区代码", required=True, aliases=("region code", "division code"),
           example="440106", help=gettext_lazy("The 6-digit GB/T 2260 code where it is used.")),
    Column("manufacturer", "制造单位", example="广州某衡器厂"),
    Column("model", "型号规格", example="ACS-30"),
    Column("measuring_range", "测量范围", aliases=("measuring range",), example="(0~30) kg"),
    Column("accuracy_class", "准确度等级", aliases=("accuracy class",), example="III"),
    Column("nominal_size", "公称尺寸", aliases=("nominal size",),
           help=gettext_lazy("DN of a water meter, G of a gas meter (a number).")),
    Column("household", "居民结算", help=gettext_lazy("yes/no: settled directly with a household.")),
    Column("medium", "介质", help=gettext_lazy("Gas meters: natural_gas or other_gas.")),
    Column("type_approval_no", "型式批准编号", aliases=("type approval number",)),
    Column("address", "使用地点"),
    Column("status", "状态", help=gettext_lazy("in_use (default), stopped, scrapped, replaced.")),
    Column("first_use_on", "启用日期", aliases=("first use",), help=gettext_lazy("YYYY-MM-DD")),
    Column("institution_credit_code", "检定机构统一社会信用代码",
           aliases=("institution credit code",),
           help=gettext_lazy("Leave the verification columns empty to file the instrument only.")),
    Column("verified_on", "检定日期", aliases=("verification date",), example="2025-03-01"),
    Column("verification_type", "检定类别", aliases=("verification type",), example="subsequent",
           help=gettext_lazy("first / subsequent / in_use")),
    Column("regulation_code", "检定规程", aliases=("regulation",), example="JJG 539-2016"),
    Column("standard_identifier", "计量标准", aliases=("standard used",), example="[2019]粤量标证字第001号"),
    Column("standard_valid_until", "计量标准有效期至", aliases=("standard valid until",),
           example="2027-12-31"),
    Column("adjusted", "经调整", help=gettext_lazy("yes/no: adjusted before it passed.")),
    Column("conclusion", "检定结论", aliases=("conclusion",), example="pass",
           help=gettext_lazy("pass / fail (or 合格 / 不合格)")),
    Column("failed_items", "不合格项目", aliases=("failed items",),
           help=gettext_lazy("For a fail: the failed items, separated by semicolons.")),
    Column("certificate_no", "证书编号", aliases=("certificate number",), example="GDJL-2025-000001"),
    Column("valid_until", "有效期至", aliases=("valid until",),
           help=gettext_lazy("Only to shorten the period (or where the period is not confirmed).")),
    Column("verifier_name", "检定员", aliases=("verifier",), example="张三"),
    Column("checker_name", "核验员", aliases=("checker",), example="李四"),
]
TITLES = {c.key: c.title for c in COLUMNS}
RECORD_KEYS = ("institution_credit_code", "verified_on", "verification_type", "regulation_code",
               "standard_identifier", "standard_valid_until", "conclusion", "failed_items",
               "certificate_no", "valid_until", "verifier_name", "checker_name", "adjusted")

USES = {"trade": "trade", "贸易结算": "trade", "safety": "safety", "安全防护": "safety",
        "medical": "medical", "医疗卫生": "medical", "environment": "environment",
        "环境监测": "environment"}
STATUSES = {"": Status.IN_USE, "in_use": Status.IN_USE, "在用": Status.IN_USE,
            "stopped": Status.STOPPED, "停用": Status.STOPPED, "scrapped": Status.SCRAPPED,
            "报废": Status.SCRAPPED, "replaced": Status.REPLACED, "已更换": Status.REPLACED}
TYPES = {"first": "first", "首次检定": "first", "subsequent": "subsequent", "后续检定": "subsequent",
         "in_use": "in_use", "使用中检查": "in_use"}
CONCLUSIONS = {"pass": "pass", "合格": "pass", "fail": "fail", "不合格": "fail"}
YES = {"yes", "y", "true", "1", "是"}
NO = {"", "no", "n", "false", "0", "否"}
MEDIUMS = {"": "", "natural_gas": "natural_gas", "天然气": "natural_gas", "other_gas": "other_gas",
           "其他燃气": "other_gas"}

INST_COLS = (
    "public_code", "owner_id", "kind_id", "use", "serial_number", "manufacturer", "model",
    "measuring_range", "accuracy_class", "nominal_size", "household", "medium", "type_approval_no",
    "region_code", "province_code", "address", "status", "status_changed_on", "first_use_on",
    "batch_id", "filed_at", "first_verified_on", "last_verified_on", "last_conclusion",
    "last_institution_id", "last_certificate_no", "valid_until", "next_due_on", "due_action",
    "replacement_due_on", "term_rule", "term_province_set",
)
REC_COLS = (
    "public_code", "instrument_id", "owner_id", "institution_id", "region_code", "province_code",
    "batch_id", "verified_on", "verification_type", "regulation_code", "standard_identifier",
    "standard_valid_until", "as_found", "adjusted", "conclusion", "failed_items", "certificate_no",
    "valid_until", "management_mode", "periodic_due_on", "term_rule", "term_province_set",
    "verifier_name", "checker_name", "supersedes_id", "correction_reason", "recorded_at",
    "recorded_by_id", "chain_key", "chain_seq", "prev_hash", "row_hash",
)


@dataclass
class ImportResult:
    rows: int = 0
    instruments_added: int = 0
    records_added: int = 0
    already_on_file: int = 0
    errors: list[RowError] = field(default_factory=list)
    bad_rows: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


class Good:
    """A row that passed every check made in Python."""

    __slots__ = ("row", "key", "owner_id", "kind", "use", "serial", "values", "size", "household",
                 "medium", "region", "status", "first_use_on", "rec", "term", "rule",
                 "outcome", "regulation")

    def __init__(self, row: int) -> None:
        self.row = row
        self.rec: dict | None = None
        self.outcome: rules.Outcome | None = None


class BadRowError(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors


def _date(text: str, key: str, errors: list) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text.replace("/", "-")[:10])
    except ValueError:
        try:
            parts = [int(p) for p in text.replace("/", "-").split("-")]
            return datetime.date(*parts)
        except (TypeError, ValueError):
            errors.append((key, _("Enter a date as YYYY-MM-DD.")))
            return None


class Checker:
    """Checks rows against everything known without touching the tables being loaded."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.today = timezone.localdate()
        self.regions = dict(Region.objects.values_list("code", "level"))
        self.kinds = {k.code: k for k in InstrumentKind.objects.all()}
        self.resolver = TermResolver()
        self.orgs: dict[str, tuple[int, str, str] | None] = {}
        self.valid_codes: dict[str, str | None] = {}
        self.seen_records: dict[tuple, int] = {}
        self.seen_instruments: dict[tuple, int] = {}
        self.mode, self.own_org = self._mode(actor)

    @staticmethod
    def _mode(actor) -> tuple[str, Organisation | None]:
        if actor is None:
            return "system", None
        org = actor.organisation
        if actor.role == Role.NATIONAL_ADMIN or (actor.is_bureau and org is not None):
            return "bureau", org
        if actor.role == Role.ENTERPRISE_USER and org is not None:
            return "enterprise", org
        if actor.role in (Role.VERIFIER, Role.INSTITUTION_MANAGER) and services.is_legal_institution(org):
            return "institution", org
        raise PermissionDenied(_("Your role does not import into the registry."))

    def prefetch(self, raws: list[tuple[int, dict]]) -> None:
        wanted = set()
        for _row, raw in raws:
            for key in ("owner_credit_code", "institution_credit_code"):
                code = raw.get(key, "").strip().upper()
                if code and code not in self.orgs:
                    wanted.add(code)
        wanted = sorted(wanted)
        for start in range(0, len(wanted), 900):
            part = wanted[start:start + 900]
            for org in Organisation.objects.filter(credit_code__in=part).values(
                    "credit_code", "pk", "kind", "region_code"):
                self.orgs[org["credit_code"]] = (org["pk"], org["kind"], org["region_code"])
            for code in part:
                self.orgs.setdefault(code, None)

    def _credit(self, text: str, key: str, errors: list) -> tuple[int, str, str] | None:
        code = text.strip().upper()
        if code not in self.valid_codes:
            try:
                uscc_validate(code)
                self.valid_codes[code] = None
            except RuleError as error:
                from jiliang.core.validation import IDENTIFIER_MESSAGES

                self.valid_codes[code] = rule_message(error, IDENTIFIER_MESSAGES)
        problem = self.valid_codes[code]
        if problem:
            errors.append((key, problem))
            return None
        org = self.orgs.get(code)
        if org is None:
            errors.append((key, _("No organisation with this credit code is on file; register it "
                                  "first.")))
        return org

    def check(self, row: int, raw: dict[str, str]) -> Good:
        errors: list[tuple[str, str]] = []
        good = Good(row)
        owner = self._credit(raw["owner_credit_code"], "owner_credit_code", errors)
        if owner is not None:
            if owner[1] in BUREAU_KINDS:
                errors.append(("owner_credit_code", _("A bureau does not own instruments in this "
                                                      "registry.")))
            elif self.mode == "enterprise" and owner[0] != self.own_org.pk:
                errors.append(("owner_credit_code", _("An enterprise imports only its own "
                                                      "instruments.")))
            good.owner_id = owner[0]
        kind = self.kinds.get(raw["kind"].strip())
        if kind is None:
            errors.append(("kind", _("Not a kind of the catalogue (use the codes on the catalogue "
                                     "page, e.g. water_meter).")))
        good.kind = kind
        use = USES.get(raw["use"].strip().lower()) or USES.get(raw["use"].strip())
        if use is None:
            errors.append(("use", _("Choose the use: trade settlement, safety protection, medical "
                                    "care or environmental monitoring.")))
        elif kind is not None and kind.uses and use not in kind.uses:
            errors.append(("use", _("A %(kind)s is under compulsory verification only when used "
                                    "for %(uses)s.") % {"kind": kind.name,
                                                        "uses": ", ".join(kind.use_labels())}))
        good.use = use
        serial = raw["serial_number"].strip()
        if not serial or len(serial) > 64:
            errors.append(("serial_number", _("Give the serial number (at most 64 characters).")))
        good.serial = serial
        region = raw["region_code"].strip()
        level = self.regions.get(region)
        if level is None:
            errors.append(("region_code", _("Not a division code of the GB/T 2260 table.")))
        elif level == 1:
            errors.append(("region_code", _("Give the city or county division, not the "
                                            "province.")))
        elif self.mode == "bureau" and not self.actor.scope.covers_region(region):
            errors.append(("region_code", _("Outside your region.")))
        good.region = region
        try:
            good.size = services.parse_size(raw["nominal_size"])
        except ValidationError as error:
            errors.append(("nominal_size", error.message_dict["nominal_size"][0]))
            good.size = None
        household = raw["household"].strip().lower()
        if household not in YES and household not in NO:
            errors.append(("household", _("Enter yes or no.")))
        good.household = household in YES
        medium = MEDIUMS.get(raw["medium"].strip())
        if medium is None:
            errors.append(("medium", _("Choose natural_gas or other_gas.")))
        good.medium = medium or ""
        if kind is not None and kind.size_param and good.size is None and "nominal_size" not in \
                {e[0] for e in errors}:
            errors.append(("nominal_size", _("Give the nominal size (%(param)s): the mode and "
                                             "period depend on it.") % {"param": kind.size_param}))
        if kind is not None and kind.code == "gas_meter" and not good.medium:
            errors.append(("medium", _("Say whether the gas meter measures natural gas or another "
                                       "gas.")))
        status = STATUSES.get(raw["status"].strip().lower())
        if status is None:
            errors.append(("status", _("Choose in_use, stopped, scrapped or replaced.")))
        good.status = status or Status.IN_USE
        good.first_use_on = _date(raw["first_use_on"].strip(), "first_use_on", errors)
        if good.first_use_on and good.first_use_on > self.today:
            errors.append(("first_use_on", _("The date of first use cannot be in the future.")))
        good.values = (raw["manufacturer"][:200], raw["model"][:100], raw["measuring_range"][:100],
                       raw["accuracy_class"][:20], raw["type_approval_no"][:40],
                       raw["address"][:300])
        if any(raw.get(k, "").strip() for k in RECORD_KEYS if k != "adjusted"):
            good.rec = self._check_record(raw, good, errors)
        elif self.mode == "institution":
            errors.append(("verified_on", _("An institution imports its verifications: fill in "
                                            "the verification columns.")))
        if errors:
            raise BadRowError(errors)
        good.key = (good.owner_id, kind.pk, serial)
        if good.rec is None:
            earlier = self.seen_instruments.get(good.key)
            if earlier is not None:
                raise BadRowError([("serial_number", _("The same instrument is on row %(row)s "
                                                  "already.") % {"row": earlier})])
            self.seen_instruments[good.key] = row
        else:
            cert_key = (good.rec["institution_id"], good.rec["certificate_no"])
            earlier = self.seen_records.get(cert_key)
            if earlier is not None:
                raise BadRowError([("certificate_no", _("Certificate number %(no)s of this institution "
                                                   "is on row %(row)s already.") % {
                    "no": good.rec["certificate_no"], "row": earlier})])
            self.seen_records[cert_key] = row
        return good

    def _check_record(self, raw: dict, good: Good, errors: list) -> dict | None:
        if self.mode == "enterprise":
            errors.append(("institution_credit_code", _(
                "Verifications are recorded by verification institutions; leave these columns "
                "empty.")))
            return None
        rec: dict = {}
        code = raw["institution_credit_code"].strip()
        if not code and self.mode == "institution":
            rec["institution_id"] = self.own_org.pk
        elif not code:
            errors.append(("institution_credit_code", _("Name the verification institution.")))
        else:
            org = self._credit(code, "institution_credit_code", errors)
            if org is not None:
                if org[1] != OrgKind.VERIFICATION_INSTITUTION:
                    errors.append(("institution_credit_code", _(
                        "Not a legal verification institution.")))
                elif self.mode == "institution" and org[0] != self.own_org.pk:
                    errors.append(("institution_credit_code", _(
                        "An institution imports only its own verifications.")))
                rec["institution_id"] = org[0]
        verified_on = _date(raw["verified_on"].strip(), "verified_on", errors)
        if verified_on is None and not any(e[0] == "verified_on" for e in errors):
            errors.append(("verified_on", _("Give the verification date.")))
        elif verified_on is not None and verified_on > self.today:
            errors.append(("verified_on", _("The verification date cannot be in the future.")))
        rec["verified_on"] = verified_on
        vtype = TYPES.get(raw["verification_type"].strip() or "subsequent")
        if vtype is None:
            errors.append(("verification_type", _("Choose first, subsequent or in_use.")))
        rec["verification_type"] = vtype
        regulation = raw["regulation_code"].strip()
        if good.kind is not None and regulation not in self.resolver.regulations.get(good.kind.code, ()):
            errors.append(("regulation_code", _("Not a regulation of this kind in the catalogue.")))
        rec["regulation_code"] = regulation
        standard = raw["standard_identifier"].strip()
        if not standard:
            errors.append(("standard_identifier", _("Identify the standard used.")))
        rec["standard_identifier"] = standard[:100]
        standard_until = _date(raw["standard_valid_until"].strip(), "standard_valid_until", errors)
        if standard_until is None and not any(e[0] == "standard_valid_until" for e in errors):
            errors.append(("standard_valid_until", _("Give the validity date of the standard used.")))
        elif standard_until is not None and verified_on is not None and standard_until < verified_on:
            errors.append(("standard_valid_until", _(
                "The standard used was valid only until %(until)s, before the verification date: "
                "a verification made with an expired standard is refused.") % {
                "until": standard_until.isoformat()}))
        rec["standard_valid_until"] = standard_until
        conclusion = CONCLUSIONS.get(raw["conclusion"].strip().lower()) or \
            CONCLUSIONS.get(raw["conclusion"].strip())
        if conclusion is None:
            errors.append(("conclusion", _("Choose pass or fail.")))
        rec["conclusion"] = conclusion
        items = [i.strip() for i in raw["failed_items"].replace("；", ";").split(";") if i.strip()]
        if conclusion == Conclusion.FAIL and not items:
            errors.append(("failed_items", _("A result notice lists the items that failed.")))
        if conclusion == Conclusion.PASS and items:
            errors.append(("failed_items", _("A pass lists no failed items.")))
        rec["failed_items"] = items
        number = raw["certificate_no"].strip()
        if not number or len(number) > 60:
            errors.append(("certificate_no", _("Give the certificate number (at most 60 "
                                               "characters).")))
        rec["certificate_no"] = number
        rec["valid_until"] = _date(raw["valid_until"].strip(), "valid_until", errors)
        if conclusion == Conclusion.FAIL and rec["valid_until"] is not None:
            errors.append(("valid_until", _("A result notice has no valid-until date.")))
        verifier, checker = raw["verifier_name"].strip(), raw["checker_name"].strip()
        if not verifier:
            errors.append(("verifier_name", _("Give the verifier's name.")))
        if not checker:
            errors.append(("checker_name", _("Give the checker's name.")))
        elif checker == verifier:
            errors.append(("checker_name", _("The checker must be another person than the "
                                             "verifier.")))
        rec["verifier_name"], rec["checker_name"] = verifier[:60], checker[:60]
        adjusted = raw["adjusted"].strip().lower()
        if adjusted not in YES and adjusted not in NO:
            errors.append(("adjusted", _("Enter yes or no.")))
        rec["adjusted"] = adjusted in YES
        return rec

    def decide(self, good: Good, first_verified_on: datetime.date) -> None:
        """The period rule and the dates of a row's verification (RuleError names the problem)."""
        rec = good.rec
        facts = rules.Facts(size=good.size, household=good.household,
                            accuracy_class=good.values[3], medium=good.medium,
                            adjusted=rec["adjusted"])
        found = self.resolver.resolve(good.kind.code, rec["regulation_code"], facts,
                                      good.region[:2])
        if found.rule is None:
            raise BadRowError([("regulation_code", _("No period rule of the catalogue covers this "
                                                "instrument under this regulation."))])
        passed = rec["conclusion"] == Conclusion.PASS
        try:
            good.outcome = rules.outcome(term=found.term, verified_on=rec["verified_on"],
                                         passed=passed, first_verified_on=first_verified_on,
                                         shortened_to=rec["valid_until"] if passed else None)
        except RuleError as error:
            raise BadRowError([("valid_until", rule_message(error, services.RULE_MESSAGES))]) from None
        good.rule, good.term = found.rule, found.term


@dataclass
class Group:
    """The rows of one instrument in a chunk."""

    rows: list[Good]
    public_code: str = ""
    instrument_id: int | None = None
    inserted: bool = False

    @property
    def first(self) -> Good:
        return self.rows[0]

    def records(self) -> list[Good]:
        return sorted((g for g in self.rows if g.rec is not None),
                      key=lambda g: (g.rec["verified_on"], g.row))


def _state(group: Group, today: datetime.date, filed_on: datetime.date) -> dict:
    first = group.first
    recs = group.records()
    state = {"first_verified_on": None, "last_verified_on": None, "last_conclusion": "",
             "last_institution_id": None, "last_certificate_no": "", "valid_until": None,
             "next_due_on": first.first_use_on or filed_on, "due_action": rules.DUE_FIRST,
             "replacement_due_on": None, "term_rule": "", "term_province_set": False}
    if recs:
        latest = recs[-1]
        rec = latest.rec
        due, action, replace_by = rules.due_after(
            mode=latest.term.mode, passed=rec["conclusion"] == Conclusion.PASS,
            verified_on=rec["verified_on"], valid_until=latest.outcome.valid_until)
        state.update(first_verified_on=recs[0].rec["verified_on"],
                     last_verified_on=rec["verified_on"], last_conclusion=rec["conclusion"],
                     last_institution_id=rec["institution_id"],
                     last_certificate_no=rec["certificate_no"],
                     valid_until=latest.outcome.valid_until, next_due_on=due, due_action=action,
                     replacement_due_on=replace_by, term_rule=latest.rule.id,
                     term_province_set=latest.term.province_set)
    return state


class Loader:
    """Merges the good rows of a chunk; the subclasses load and look up."""

    def __init__(self, actor, now: datetime.datetime) -> None:
        self.actor = actor
        self.now = now
        self.actor_id = actor.pk if actor is not None else None

    # Hooks --------------------------------------------------------------------------------
    def merge_instruments(self, groups: dict[tuple, Group], inst_rows: list[tuple]) -> None:
        raise NotImplementedError

    def existing_records(self, wanted: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
        raise NotImplementedError

    def insert_records(self, rows: Iterator[tuple]) -> None:
        raise NotImplementedError

    # Shared -------------------------------------------------------------------------------
    def merge(self, groups: dict[tuple, Group], checker: Checker, result: ImportResult) -> None:
        filed_on = timezone.localtime(self.now).date()
        inst_rows = []
        for key, group in groups.items():
            group.public_code = new_public_code()
            first = group.first
            state = _state(group, checker.today, filed_on)
            inst_rows.append((
                group.public_code, key[0], key[1], first.use, first.serial, *first.values[:4],
                first.size, first.household, first.medium, first.values[4], first.region,
                first.region[:2], first.values[5], first.status,
                None if first.status == Status.IN_USE else filed_on, first.first_use_on, None,
                self.now, *state.values(),
            ))
        self.merge_instruments(groups, inst_rows)
        added = sum(1 for g in groups.values() if g.inserted)
        result.instruments_added += added
        # Instrument-only rows of instruments already on file are on file.
        result.already_on_file += sum(
            1 for g in groups.values() if not g.inserted for r in g.rows if r.rec is None)
        wanted = [(r.rec["institution_id"], r.rec["certificate_no"])
                  for g in groups.values() for r in g.rows if r.rec is not None]
        existing = self.existing_records(wanted) if wanted else {}
        new: list[tuple[Group, Good]] = []
        for group in groups.values():
            for good in group.records():
                on_file = existing.get((good.rec["institution_id"], good.rec["certificate_no"]))
                if on_file is None:
                    new.append((group, good))
                elif on_file == group.instrument_id:
                    result.already_on_file += 1
                else:
                    result.errors.append(RowError(good.row, TITLES["certificate_no"], _(
                        "This institution has issued number %(no)s for another instrument.") % {
                        "no": good.rec["certificate_no"]}))
        if new:
            self._records(new, result)
        self._rates_and_state(groups, new)

    def _records(self, new: list[tuple[Group, Good]], result: ImportResult) -> None:
        new.sort(key=lambda gg: (gg[1].region[:2], gg[0].instrument_id, gg[1].rec["verified_on"],
                                 gg[1].row))
        provinces = sorted({g.region[:2] for _grp, g in new})
        recorded_at = canonical(self.now)
        with ExitStack() as stack:
            writers = {p: stack.enter_context(chain_lock(VerificationRecord.chain_name(), p))
                       for p in provinces}

            def rows() -> Iterator[tuple]:
                for group, good in new:
                    yield self._record_row(group, good, writers[good.region[:2]], recorded_at)

            self.insert_records(rows())
        result.records_added += len(new)

    def _record_row(self, group: Group, good: Good, writer, recorded_at: str) -> tuple:
        rec, out = good.rec, good.outcome
        province = good.region[:2]
        code = new_public_code()
        verified = rec["verified_on"].isoformat()
        standard_until = rec["standard_valid_until"].isoformat()
        valid_until = out.valid_until.isoformat() if out.valid_until else None
        periodic = out.periodic_due_on.isoformat() if out.periodic_due_on else None
        payload = {
            "public_code": code, "instrument": group.instrument_id, "owner": good.owner_id,
            "institution": rec["institution_id"], "region_code": good.region, "batch": None,
            "verified_on": verified, "verification_type": rec["verification_type"],
            "regulation_code": rec["regulation_code"],
            "standard_identifier": rec["standard_identifier"],
            "standard_valid_until": standard_until, "as_found": "", "adjusted": rec["adjusted"],
            "conclusion": rec["conclusion"], "failed_items": rec["failed_items"],
            "certificate_no": rec["certificate_no"], "valid_until": valid_until,
            "management_mode": good.term.mode, "periodic_due_on": periodic,
            "term_rule": good.rule.id, "verifier_name": rec["verifier_name"],
            "checker_name": rec["checker_name"], "supersedes": None, "correction_reason": "",
            "recorded_at": recorded_at, "recorded_by": self.actor_id,
        }
        head = writer.head
        digest = link_hash(head.last_hash, payload)
        seq, prev = head.last_seq + 1, head.last_hash
        head.last_seq, head.last_hash = seq, digest
        return (code, group.instrument_id, good.owner_id, rec["institution_id"], good.region,
                province, None, rec["verified_on"], rec["verification_type"],
                rec["regulation_code"], rec["standard_identifier"], rec["standard_valid_until"],
                "", rec["adjusted"], rec["conclusion"], rec["failed_items"],
                rec["certificate_no"], out.valid_until, good.term.mode, out.periodic_due_on,
                good.rule.id, good.term.province_set, rec["verifier_name"], rec["checker_name"],
                None, "", self.now, self.actor_id, province, seq, prev, digest)

    def _rates_and_state(self, groups: dict[tuple, Group], new: list[tuple[Group, Good]]) -> None:
        deltas: dict = {}
        by_group: dict[int, list[Good]] = {}
        for group, good in new:
            by_group.setdefault(id(group), []).append(good)
        filed_on = timezone.localtime(self.now).date()
        touched: dict[int, Group] = {}
        for group in groups.values():
            if not group.inserted:
                if id(group) in by_group:
                    touched[group.instrument_id] = group
                continue
            first = group.first
            recs = [rules.Rec(g.rec["verified_on"], g.rec["conclusion"] == Conclusion.PASS,
                              g.outcome.periodic_due_on) for g in by_group.get(id(group), ())]
            left = None if first.status == Status.IN_USE else filed_on
            services.add_tally(deltas, (first.region, first.kind.pk, first.use),
                               rules.contributions(recs, left_use_on=left))
        # Instruments already on file that received records: their contribution before and
        # after, and the state the lists read.
        ids = sorted(touched)
        for start in range(0, len(ids), 500):
            for inst in Instrument.objects.filter(pk__in=ids[start:start + 500]):
                mine = {(g.rec["institution_id"], g.rec["certificate_no"])
                        for g in by_group[id(touched[inst.pk])]}
                records = VerificationRecord.objects.filter(instrument=inst,
                                                            corrections__isnull=True)
                after, before = [], []
                for r in records.only("verified_on", "conclusion", "periodic_due_on",
                                      "institution_id", "certificate_no", "batch_id"):
                    rec = rules.Rec(r.verified_on, r.conclusion == Conclusion.PASS,
                                    r.periodic_due_on)
                    after.append(rec)
                    if r.batch_id is not None or (r.institution_id, r.certificate_no) not in mine:
                        before.append(rec)
                left = inst.status_changed_on if inst.status != Status.IN_USE else None
                key = services._cell_key(inst)
                services.add_tally(deltas, key, rules.contributions(before, left_use_on=left), -1)
                services.add_tally(deltas, key, rules.contributions(after, left_use_on=left))
                services.refresh_state(inst)
                inst.save(update_fields=services.STATE_FIELDS)
        services.rates_apply(deltas)


# --- PostgreSQL -------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date | int | Decimal):
        return str(value)
    return str(value).translate(_ESCAPES)


def copy_lines(rows: Iterable[tuple], size: int = 1 << 20) -> Iterator[bytes]:
    """Rows as COPY text, in blocks of about ``size`` bytes."""
    buffer: list[str] = []
    length = 0
    for row in rows:
        line = "\t".join(map(_copy_text, row)) + "\n"
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer).encode()
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode()


STAGE = "registry_import_stage"


class PostgresLoader(Loader):
    def __init__(self, actor, now) -> None:
        super().__init__(actor, now)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE} (LIKE registry_instrument INCLUDING DEFAULTS) "
                f"ON COMMIT DELETE ROWS")
            cursor.execute(f"ALTER TABLE {STAGE} DROP COLUMN id")
            cursor.execute(f"ALTER TABLE {STAGE} ADD COLUMN stage_group integer")

    def merge_instruments(self, groups: dict[tuple, Group], inst_rows: list[tuple]) -> None:
        cols = ", ".join(INST_COLS)
        ordered = list(groups.values())
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {STAGE} ({cols}, stage_group) FROM STDIN") as copy:
                for block in copy_lines(row + (i,) for i, row in enumerate(inst_rows)):
                    copy.write(block)
            cursor.execute(
                f"INSERT INTO registry_instrument ({cols}) SELECT {cols} FROM {STAGE} "
                f"ON CONFLICT (owner_id, kind_id, serial_number) DO NOTHING")
            cursor.execute(
                f"SELECT s.stage_group, i.id, i.public_code = s.public_code FROM {STAGE} s "
                f"JOIN registry_instrument i ON i.owner_id = s.owner_id AND i.kind_id = s.kind_id "
                f"AND i.serial_number = s.serial_number")
            for index, instrument_id, inserted in cursor.fetchall():
                ordered[index].instrument_id = instrument_id
                ordered[index].inserted = inserted

    def existing_records(self, wanted):
        found = {}
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS registry_import_keys "
                           "(institution_id bigint, certificate_no varchar(60)) "
                           "ON COMMIT DELETE ROWS")
            with cursor.cursor.copy("COPY registry_import_keys FROM STDIN") as copy:
                for block in copy_lines(wanted):
                    copy.write(block)
            cursor.execute(
                "SELECT r.institution_id, r.certificate_no, r.instrument_id "
                "FROM registry_import_keys k JOIN registry_verificationrecord r "
                "ON r.institution_id = k.institution_id AND r.certificate_no = k.certificate_no "
                "AND r.batch_id IS NULL")
            for institution_id, number, instrument_id in cursor.fetchall():
                found[(institution_id, number)] = instrument_id
        return found

    def insert_records(self, rows):
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY registry_verificationrecord ({', '.join(REC_COLS)}) FROM STDIN") as copy:
            for block in copy_lines(rows):
                copy.write(block)


# --- SQLite -----------------------------------------------------------------------------------


class SqliteLoader(Loader):
    def _adapt(self, value):
        if isinstance(value, datetime.datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False)
        return value

    def merge_instruments(self, groups, inst_rows):
        keys = list(groups)
        found: dict[tuple, tuple[int, str]] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(keys), 300):
                part = keys[start:start + 300]
                where = " OR ".join(["(owner_id = %s AND kind_id = %s AND serial_number = %s)"] * len(part))
                cursor.execute(f"SELECT owner_id, kind_id, serial_number, id, public_code "
                               f"FROM registry_instrument WHERE {where}",
                               [v for key in part for v in key])
                for owner_id, kind_id, serial, pk, code in cursor.fetchall():
                    found[(owner_id, kind_id, serial)] = (pk, code)
            fresh = [row for key, row in zip(keys, inst_rows, strict=True) if key not in found]
            marks = ", ".join(["%s"] * len(INST_COLS))
            cursor.executemany(
                f"INSERT INTO registry_instrument ({', '.join(INST_COLS)}) VALUES ({marks})",
                [tuple(self._adapt(v) for v in row) for row in fresh])
            codes = [row[0] for row in fresh]
            for start in range(0, len(codes), 500):
                part = codes[start:start + 500]
                cursor.execute(
                    f"SELECT owner_id, kind_id, serial_number, id, public_code FROM "
                    f"registry_instrument WHERE public_code IN ({', '.join(['%s'] * len(part))})",
                    part)
                for owner_id, kind_id, serial, pk, code in cursor.fetchall():
                    found[(owner_id, kind_id, serial)] = (pk, code)
        for key, group in groups.items():
            pk, code = found[key]
            group.instrument_id, group.inserted = pk, code == group.public_code

    def existing_records(self, wanted):
        found = {}
        numbers = sorted({n for _i, n in wanted})
        with connection.cursor() as cursor:
            for start in range(0, len(numbers), 500):
                part = numbers[start:start + 500]
                cursor.execute(
                    f"SELECT institution_id, certificate_no, instrument_id FROM "
                    f"registry_verificationrecord WHERE batch_id IS NULL AND certificate_no IN "
                    f"({', '.join(['%s'] * len(part))})", part)
                for institution_id, number, instrument_id in cursor.fetchall():
                    found[(institution_id, number)] = instrument_id
        return found

    def insert_records(self, rows):
        marks = ", ".join(["%s"] * len(REC_COLS))
        sql = f"INSERT INTO registry_verificationrecord ({', '.join(REC_COLS)}) VALUES ({marks})"
        with connection.cursor() as cursor:
            batch = []
            for row in rows:
                batch.append(tuple(self._adapt(v) for v in row))
                if len(batch) >= 2000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


# --- the interface ----------------------------------------------------------------------------


def loader_for(actor, now: datetime.datetime) -> Loader:
    if connection.vendor == "postgresql":
        return PostgresLoader(actor, now)
    return SqliteLoader(actor, now)


def import_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    actor=None,
    chunk_size: int = CHUNK,
    progress: Callable[[int, ImportResult], None] | None = None,
) -> ImportResult:
    """Check and merge rows ``(row number, {column key: text})``; each chunk commits on its own."""
    checker = Checker(actor)
    result = ImportResult()
    now = timezone.now()
    with transaction.atomic():
        loader = loader_for(actor, now)
    chunk: list[tuple[int, dict]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= chunk_size:
            _chunk(chunk, checker, loader, result)
            chunk = []
            if progress:
                progress(result.rows, result)
    if chunk:
        _chunk(chunk, checker, loader, result)
    if progress:
        progress(result.rows, result)
    return result


def _chunk(chunk: list[tuple[int, dict]], checker: Checker, loader: Loader,
           result: ImportResult) -> None:
    checker.prefetch(chunk)
    groups: dict[tuple, Group] = {}
    raws = dict(chunk)
    for row, raw in chunk:
        result.rows += 1
        try:
            good = checker.check(row, raw)
        except BadRowError as bad:
            _bad(result, row, raw, bad)
            continue
        group = groups.get(good.key)
        if group is None:
            groups[good.key] = Group([good])
        else:
            group.rows.append(good)
    for key in list(groups):
        group = groups[key]
        recs = group.records()
        first_on = recs[0].rec["verified_on"] if recs else None
        kept = []
        for good in group.rows:
            if good.rec is not None:
                try:
                    checker.decide(good, first_on)
                except BadRowError as bad:
                    _bad(result, good.row, raws[good.row], bad)
                    continue
            kept.append(good)
        if kept:
            group.rows = kept
        else:
            del groups[key]
    if not groups:
        return
    before = len(result.errors)
    with transaction.atomic():
        loader.now = timezone.now()
        loader.merge(groups, checker, result)
        audit_record(actor=loader.actor, action="registry.import", object_type="registry.import",
                     object_id=f"{chunk[0][0]}-{chunk[-1][0]}",
                     region_code=checker.own_org.region_code if checker.own_org else "",
                     after={"rows": len(chunk), "errors": len(result.errors) - before})
    for error in result.errors[before:]:
        result.bad_rows.setdefault(error.row, raws.get(error.row, {}))


def _bad(result: ImportResult, row: int, raw: dict, bad: BadRowError) -> None:
    for key, reason in bad.errors:
        result.errors.append(RowError(row, TITLES.get(key, key), str(reason)))
    result.bad_rows[row] = raw


def import_file(data: bytes, file_kind: str, *, actor=None, chunk_size: int = CHUNK,
                progress: Callable[[int, ImportResult], None] | None = None) -> ImportResult:
    """Import an xlsx or csv file; a missing column raises a ValidationError naming it."""
    try:
        rows = read_rows(data, file_kind, COLUMNS)
        first = next(rows, None)
    except HeaderError as error:
        raise ValidationError({"file": [_("The file lacks the columns: %(columns)s.") % {
            "columns": ", ".join(error.missing)}]}) from None
    if first is None:
        return ImportResult()

    def all_rows():
        yield first
        yield from rows

    return import_rows(all_rows(), actor=actor, chunk_size=chunk_size, progress=progress)


def count_rows(data: bytes, file_kind: str) -> int:
    """About how many data rows a file has (for the progress bar)."""
    if file_kind == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        return max(0, (sheet.max_row or 1) - 1)
    return max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))

