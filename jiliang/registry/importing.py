"""Bulk import of instruments and their verifications: one interface, two loaders.

Every row is checked in Python as it is read (division code, credit codes,
organisations on file, catalogue kind, use, dates, the standard's validity,
the period, duplicates in the file). Good rows are merged chunk by chunk,
each chunk in its own transaction:

- PostgreSQL: the chunk is loaded with COPY into a temporary staging table;
  instruments are merged with one set-based INSERT ... SELECT ... ON CONFLICT
  DO NOTHING and one join gives every staged instrument its id; a second
  join finds the certificates already on file; the new verification records
  are chained as they stream into the records table with COPY; the rate
  cells are updated with one COPY and one set-based upsert.
- SQLite: the same merge with batched look-ups and batched inserts.

Outside a transaction a reading thread (with its own connection) parses,
checks and prepares the next chunk while this thread merges the previous
one; inside a transaction (a test, a caller's atomic block) both run here.

Idempotent: an instrument is identified by owner + kind + serial number and a
record by institution + certificate number, so importing a file again lands
nothing twice, and an import killed half-way can be run again (the chunks it
committed are found on file, the rest land).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field, replace

import psycopg
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.audit.chain import canonical, chain_lock
from jiliang.audit.services import audit_record
from jiliang.catalog import type_approval
from jiliang.catalog.models import InstrumentKind
from jiliang.catalog.selectors import TermResolver, catalogue_version_code
from jiliang.core import tabular
from jiliang.core.models import BUREAU_KINDS, Organisation, OrgKind, Region, Role
from jiliang.core.observability import IMPORT_ROWS
from jiliang.core.tabular import Column, HeaderError, RowError, UnreadableError, read_rows
from jiliang.core.validation import IDENTIFIER_MESSAGES, rule_message
from jiliang.people.signing import BulkSignoff, signed
from jiliang.registry import copytext, hooks, recordcheck, services
from jiliang.registry.models import (
    Status,
    VerificationRecord,
    new_public_codes,
)
from jiliang.rules import RuleError, signoff
from jiliang.rules import verification as rules
from jiliang.rules.identifiers import uscc_validate

CHUNK = 50_000

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
    Column("approver_name", "批准人", aliases=("approver",), example="王五",
           help=gettext_lazy("The verifier, the checker and the approver are named as on the "
                             "institution's list of people.")),
]
TITLES = {c.key: c.title for c in COLUMNS}


def columns_for_template() -> list[Column]:
    """The columns with their notes in the current language (plain text for the workbook)."""
    return [replace(c, help=str(c.help)) for c in COLUMNS]
RECORD_KEYS = ("institution_credit_code", "verified_on", "verification_type", "regulation_code",
               "standard_identifier", "standard_valid_until", "conclusion", "failed_items",
               "certificate_no", "valid_until", "verifier_name", "checker_name", "adjusted",
               "approver_name")

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
    "replacement_due_on", "term_rule", "term_province_set", "catalogue_version",
)
# Who signed (issue 13), after the chain columns: not chained, set from the sign-off check.
SIGN_COLS = ("verifier_person_id", "checker_person_id", "approver_person_id", "approver_name",
             "authorisation_no")
REC_COLS = (
    "public_code", "instrument_id", "owner_id", "institution_id", "region_code", "province_code",
    "batch_id", "verified_on", "verification_type", "regulation_code", "standard_identifier",
    "standard_valid_until", "as_found", "adjusted", "conclusion", "failed_items", "certificate_no",
    "valid_until", "management_mode", "periodic_due_on", "term_rule", "term_province_set",
    "verifier_name", "checker_name", "supersedes_id", "correction_reason", "recorded_at",
    "recorded_by_id", "chain_key", "chain_seq", "prev_hash", "row_hash",
    "standard_id",  # traceability (issue 12)
    *SIGN_COLS,
)


INST_SPEC = "siistttttnbstsstsDDNsDDsntDDsDsbs"
REC_SPEC = "siiissNdsttdtbsjtDsDsbttNtsnsiss" + "n" + "iiitt"  # ... standard_id, sign-off
assert len(INST_SPEC) == len(INST_COLS) and len(REC_SPEC) == len(REC_COLS)
SIGN_LINE = copytext.row_formatter(REC_SPEC[-len(SIGN_COLS):])
INST_LINE = copytext.row_formatter(INST_SPEC)
REC_MIDDLE = copytext.row_formatter(REC_SPEC[2:28])  # owner .. recorded_by



@dataclass
class ImportResult:
    rows: int = 0
    instruments_added: int = 0
    records_added: int = 0
    already_on_file: int = 0
    errors: list[RowError] = field(default_factory=list)
    bad_rows: dict[int, dict[str, str]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


class Good:
    """A row that passed every check made in Python."""

    __slots__ = ("row", "owner_code", "inst_code", "owner_id", "key", "kind", "use", "serial",
                 "values", "size", "household", "medium", "region", "status", "first_use_on",
                 "rec", "term", "rule", "outcome", "rec_values", "json_head", "json_tail",
                 "line_head", "line_tail", "sign_values", "sign_line")

    def __init__(self, row: int) -> None:
        self.row = row
        self.rec: dict | None = None
        self.outcome: rules.Outcome | None = None
        self.inst_code: str | None = None


class BadRowError(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors


def _date(text: str, key: str, errors: list) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        try:
            parts = [int(p) for p in text.replace("/", "-").split("-")]
            return datetime.date(*parts)
        except (TypeError, ValueError):
            errors.append((key, _("Enter a date as YYYY-MM-DD.")))
            return None


# Where the one record check's fields land among the import's columns.
IMPORT_FIELDS = {"standard": "standard_identifier", "reference_lots": "standard_identifier",
                 "verifier": "verifier_name", "checker": "checker_name",
                 "approver": "approver_name", "institution": "institution_credit_code"}


def _read_record(raw: dict, errors: list) -> dict:
    """A row's verification cells as values (a cell that cannot be read is an error here; a
    value the rules refuse is for the record check)."""
    text = raw["conclusion"].strip()
    items = raw["failed_items"]
    adjusted = raw["adjusted"].strip().lower()
    if adjusted not in YES and adjusted not in NO:
        errors.append(("adjusted", _("Enter yes or no.")))
    return {
        "verified_on": _date(raw["verified_on"].strip(), "verified_on", errors),
        "verification_type": TYPES.get(raw["verification_type"].strip() or "subsequent"),
        "regulation_code": raw["regulation_code"].strip(),
        "standard_identifier": raw["standard_identifier"].strip()[:100],
        "standard_valid_until": _date(raw["standard_valid_until"].strip(),
                                      "standard_valid_until", errors),
        "conclusion": CONCLUSIONS.get(text) or CONCLUSIONS.get(text.lower()),
        "failed_items": [i.strip() for i in items.replace("；", ";").split(";") if i.strip()]
        if items else [],
        "certificate_no": raw["certificate_no"].strip(),
        "valid_until": _date(raw["valid_until"].strip(), "valid_until", errors),
        # The people are found and judged against the register in check_orgs (issue 13).
        "names": {role: raw[f"{role}_name"].strip()[:60]
                  for role in ("verifier", "checker", "approver")},
        "adjusted": adjusted in YES,
    }


class Checker:
    """Checks rows against everything known without touching the tables being loaded.

    ``check_local`` needs no database (it runs in the reading thread);
    ``check_orgs`` looks up the organisations named by credit code.
    """

    def __init__(self, actor) -> None:
        self.actor = actor
        self.today = timezone.localdate()
        self.regions = dict(Region.objects.values_list("code", "level"))
        self.kinds = {k.code: k for k in InstrumentKind.objects.all()}
        self.resolver = TermResolver()
        self.catalogue_version = catalogue_version_code(self.today)  # catalogue (#14)
        self.orgs: dict[str, tuple[int, str, str] | None] = {}
        self.valid_codes: dict[str, str | None] = {}
        self.raw_codes: dict[str, str] = {}
        self.seen_records: dict[tuple, int] = {}
        self.seen_instruments: dict[tuple, int] = {}
        self.signoff = BulkSignoff()
        # Traceability (issue 12): each institution's standards, loaded once per import.
        self.registered = apps.is_installed("jiliang.traceability")
        self.registers: dict[int, object] = {}
        self.mode, self.own_org = self._mode(actor)
        self.own_code = self.own_org.credit_code if self.own_org else None
        self.scope = actor.scope if actor is not None else None

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

    # In the reading thread ----------------------------------------------------------------
    def _credit(self, text: str, key: str, errors: list) -> str:
        code = self.raw_codes.get(text)
        if code is None:
            code = self.raw_codes[text] = text.strip().upper()
        problem = self.valid_codes.get(code, False)
        if problem is False:
            try:
                uscc_validate(code)
                problem = None
            except RuleError as error:
                problem = rule_message(error, IDENTIFIER_MESSAGES)
            self.valid_codes[code] = problem
        if problem:
            errors.append((key, problem))
        return code

    def check_local(self, row: int, raw: dict[str, str]) -> Good:
        """Every check of a row that needs no database, in named steps; the row's errors
        together, or a Good."""
        for key, value in raw.items():
            if "\x00" in value:
                raise BadRowError([(key, _("This cell holds a NUL character."))])
        errors: list[tuple[str, str]] = []
        good = Good(row)
        self._owner_kind_use(raw, good, errors)
        self._place(raw, good, errors)
        self._particulars(raw, good, errors)
        if any(raw[k] for k in RECORD_KEYS):
            good.rec = self._check_record(raw, good, errors)
        elif self.mode == "institution":
            errors.append(("verified_on", _("An institution imports its verifications: fill in "
                                            "the verification columns.")))
        if errors:
            raise BadRowError(errors)
        good.key = (good.owner_code, good.kind.pk, good.serial)
        self._first_in_file(good)
        return good

    def _owner_kind_use(self, raw: dict, good: Good, errors: list) -> None:
        good.owner_code = self._credit(raw["owner_credit_code"], "owner_credit_code", errors)
        if self.mode == "enterprise" and good.owner_code != self.own_code:
            errors.append(("owner_credit_code", _("An enterprise imports only its own "
                                                  "instruments.")))
        kind = good.kind = self.kinds.get(raw["kind"].strip())
        if kind is None:
            errors.append(("kind", _("Not a kind of the catalogue (use the codes on the catalogue "
                                     "page, e.g. water_meter).")))
        text = raw["use"].strip()
        use = good.use = USES.get(text) or USES.get(text.lower())
        if use is None:
            errors.append(("use", _("Choose the use: trade settlement, safety protection, medical "
                                    "care or environmental monitoring.")))
        elif kind is not None and kind.uses and use not in kind.uses:
            errors.append(("use", _("A %(kind)s is under compulsory verification only when used "
                                    "for %(uses)s.") % {"kind": kind.name,
                                                        "uses": ", ".join(kind.use_labels())}))
        good.serial = raw["serial_number"].strip()
        if not good.serial or len(good.serial) > 64:
            errors.append(("serial_number", _("Give the serial number (at most 64 characters).")))

    def _place(self, raw: dict, good: Good, errors: list) -> None:
        region = good.region = raw["region_code"].strip()
        level = self.regions.get(region)
        if level is None:
            errors.append(("region_code", _("Not a division code of the GB/T 2260 table.")))
        elif level == 1:
            errors.append(("region_code", _("Give the city or county division, not the "
                                            "province.")))
        elif self.mode == "bureau" and not self.scope.covers_region(region):
            errors.append(("region_code", _("Outside your region.")))

    def _particulars(self, raw: dict, good: Good, errors: list) -> None:
        kind = good.kind
        size = raw["nominal_size"].strip()
        good.size = None
        if size:
            try:
                good.size = services.parse_size(size)
            except ValidationError as error:
                errors.append(("nominal_size", error.message_dict["nominal_size"][0]))
        elif kind is not None and kind.size_param:
            errors.append(("nominal_size", _("Give the nominal size (%(param)s): the mode and "
                                             "period depend on it.") % {"param": kind.size_param}))
        household = raw["household"].strip().lower()
        if household not in YES and household not in NO:
            errors.append(("household", _("Enter yes or no.")))
        good.household = household in YES
        medium = MEDIUMS.get(raw["medium"].strip())
        if medium is None:
            errors.append(("medium", _("Choose natural_gas or other_gas.")))
        elif kind is not None and not medium and self.resolver.needs_medium(kind.code):
            errors.append(("medium", _("Say whether the gas meter measures natural gas or another "
                                       "gas.")))
        good.medium = medium or ""
        status = STATUSES.get(raw["status"].strip().lower())
        if status is None:
            errors.append(("status", _("Choose in_use, stopped, scrapped or replaced.")))
        good.status = status or "in_use"
        good.first_use_on = _date(raw["first_use_on"].strip(), "first_use_on", errors)
        if good.first_use_on and good.first_use_on > self.today:
            errors.append(("first_use_on", _("The date of first use cannot be in the future.")))
        approval_no = " ".join(raw["type_approval_no"].split()).upper()
        if approval_no and (problem := type_approval.check_number(approval_no)):  # catalogue (#14)
            errors.append(("type_approval_no", str(type_approval.NUMBER_MESSAGES[problem])))
        good.values = (raw["manufacturer"][:200], raw["model"][:100], raw["measuring_range"][:100],
                       raw["accuracy_class"][:20], approval_no[:40], raw["address"][:300])

    def _first_in_file(self, good: Good) -> None:
        """An instrument, or an institution's certificate number, once in the file."""
        if good.rec is None:
            earlier = self.seen_instruments.get(good.key)
            if earlier is not None:
                raise BadRowError([("serial_number", _("The same instrument is on row %(row)s "
                                                       "already.") % {"row": earlier})])
            self.seen_instruments[good.key] = good.row
            return
        cert_key = (good.inst_code, good.rec["certificate_no"])
        earlier = self.seen_records.get(cert_key)
        if earlier is not None:
            raise BadRowError([("certificate_no", _(
                "Certificate number %(no)s of this institution is on row %(row)s "
                "already.") % {"no": good.rec["certificate_no"], "row": earlier})])
        self.seen_records[cert_key] = good.row

    def _institution(self, raw: dict, good: Good, errors: list) -> None:
        code = raw["institution_credit_code"].strip()
        if not code and self.mode == "institution":
            good.inst_code = self.own_code
        elif not code:
            errors.append(("institution_credit_code", _("Name the verification institution.")))
        else:
            good.inst_code = self._credit(code, "institution_credit_code", errors)
            if self.mode == "institution" and good.inst_code != self.own_code:
                errors.append(("institution_credit_code", _(
                    "An institution imports only its own verifications.")))

    def _check_record(self, raw: dict, good: Good, errors: list) -> dict | None:
        """The row's verification read from its cells, and judged by the one record check
        (``rules.verification.check_record``) on its own fields; the standard and the sign-off
        are judged in ``check_orgs``, once the institution's register is loaded."""
        if self.mode == "enterprise":
            errors.append(("institution_credit_code", _(
                "Verifications are recorded by verification institutions; leave these columns "
                "empty.")))
            return None
        self._institution(raw, good, errors)
        unreadable: list[tuple[str, str]] = []
        rec = _read_record(raw, unreadable)
        errors += unreadable
        kind = good.kind
        facts = rules.RecordFacts(
            today=self.today, verified_on=rec["verified_on"],
            verification_type=rec["verification_type"], conclusion=rec["conclusion"],
            failed_items=rec["failed_items"], certificate_no=rec["certificate_no"],
            valid_until=rec["valid_until"], regulation_code=rec["regulation_code"],
            regulations=frozenset(self.resolver.regulations.get(kind.code, ()))
            if kind is not None else None,
            edition=self.resolver.editions.get((kind.code, rec["regulation_code"]))
            if kind is not None else None,
            free_text_standard=not self.registered,
            standard_identifier=rec["standard_identifier"],
            standard_valid_until=rec["standard_valid_until"])
        read_badly = {key for key, _message in unreadable}
        errors += [e for e in recordcheck.row_errors(rules.check_record(facts), IMPORT_FIELDS)
                   if e[0] not in read_badly]
        return rec

    def decide(self, good: Good, first_verified_on: datetime.date) -> None:
        """The period rule and the dates of a row's verification."""
        rec = good.rec
        facts = rules.Facts(size=good.size, household=good.household,
                            accuracy_class=good.values[3], medium=good.medium,
                            adjusted=rec["adjusted"])
        found = self.resolver.resolve(good.kind.code, rec["regulation_code"], facts,
                                      good.region[:2])
        if found.rule is None:
            raise BadRowError([("regulation_code", _("No period rule of the catalogue covers "
                                                     "this instrument under this regulation."))])
        passed = rec["conclusion"] == "pass"
        try:
            good.outcome = rules.outcome(term=found.term, verified_on=rec["verified_on"],
                                         passed=passed, first_verified_on=first_verified_on,
                                         shortened_to=rec["valid_until"] if passed else None)
        except RuleError as error:
            raise BadRowError([("valid_until", rule_message(error, services.RULE_MESSAGES))]) from None
        good.rule, good.term = found.rule, found.term

    # In the merging thread ----------------------------------------------------------------
    def prefetch(self, goods: Iterable[Good]) -> None:
        wanted = set()
        for good in goods:
            for code in (good.owner_code, good.inst_code):
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

    def check_orgs(self, good: Good) -> None:
        errors = []
        owner = self.orgs.get(good.owner_code)
        if owner is None:
            errors.append(("owner_credit_code", _("No organisation with this credit code is on "
                                                  "file; register it first.")))
        elif owner[1] in BUREAU_KINDS:
            errors.append(("owner_credit_code", _("A bureau does not own instruments in this "
                                                  "registry.")))
        else:
            good.owner_id = owner[0]
        if good.rec is not None:
            errors += self._check_institution(good)
        if errors:
            raise BadRowError(errors)

    def _check_institution(self, good: Good) -> list[tuple[str, str]]:
        institution = self.orgs.get(good.inst_code)
        if institution is None:
            return [("institution_credit_code", _(
                "No organisation with this credit code is on file; register it first."))]
        if institution[1] != OrgKind.VERIFICATION_INSTITUTION:
            return [("institution_credit_code", _("Not a legal verification institution."))]
        good.rec["institution_id"] = institution[0]
        if good.kind is None or good.rec.get("verified_on") is None:
            return []
        return self._check_standard_and_signers(institution[0], good)

    def _check_standard_and_signers(self, institution_id: int,
                                    good: Good) -> list[tuple[str, str]]:
        """The one record check's register parts, per row: the standard (traceability, issue
        12: by its code or assessment certificate number among the institution's registered
        standards) and who signs (issue 13: people and authorised scope)."""
        rec, on, kind_code = good.rec, good.rec["verified_on"], good.kind.code
        missing, people, scopes = self.signoff.facts(institution_id=institution_id,
                                                     names=rec["names"])
        signers = rules.SignoffCheck(
            on=on, kind_code=kind_code, regulation_code=rec["regulation_code"],
            region_code=good.region, institution_id=institution_id, scopes=scopes,
            verifier=people[signoff.VERIFIER], checker=people[signoff.CHECKER],
            approver=people[signoff.APPROVER])
        reg = standard_id = standard = None
        if self.registered:
            reg = self.registers.get(institution_id)
            if reg is None:
                reg = self.registers[institution_id] = hooks.standards().Register.load(
                    owner_id=institution_id)
            standard_id = reg.find(rec["standard_identifier"])
            standard = rules.StandardCheck(
                facts=reg.facts(standard_id, on) if standard_id else None,
                institution_id=institution_id, kind_code=kind_code,
                instrument_range=good.values[2], on=on)
        errors = missing + recordcheck.row_errors(
            rules.check_record(standard=standard, signers=signers), IMPORT_FIELDS)
        if errors:
            return errors
        rec["sign"] = signed(people, scopes, kind_code=kind_code, region_code=good.region, on=on)
        if reg is not None:
            rec["standard_id"] = standard_id
            rec["standard_identifier"], rec["standard_valid_until"] = reg.identifier(
                standard_id, on)
        return []


@dataclass
class Group:
    """The rows of one instrument in a chunk."""

    rows: list[Good]
    recs: list[Good] = field(default_factory=list)  # rows with a verification, oldest first
    inst_values: tuple = ()
    inst_line: str = ""
    cells: dict[tuple, list[int]] = field(default_factory=dict)
    instrument_id: int | None = None
    inserted: bool = False

    @property
    def first(self) -> Good:
        return self.rows[0]

    @property
    def public_code(self) -> str:
        return self.inst_values[0]


@dataclass
class Prepared:
    """A chunk ready to merge: its raw rows, its bad rows, its instruments."""

    rows: list[tuple[int, dict[str, str]]]
    bad: list[tuple[int, BadRowError]]
    groups: dict[tuple, Group]
    cells: dict[tuple, list[int]]
    recorded_at: datetime.datetime


def _add_cells(into: dict[tuple, list[int]], cells: dict[tuple, list[int]], sign: int = 1) -> None:
    for key, values in cells.items():
        cell = into.setdefault(key, [0, 0, 0, 0])
        for i in range(4):
            cell[i] += sign * values[i]


_MEASURE = {"verified": 0, "passed": 1, "due": 2, "due_verified": 3}


class _OnFile(Exception):  # noqa: N818 - control flow: part of the chunk is on file already
    pass


def psycopg_errors() -> type[Exception]:
    return psycopg.errors.IntegrityError


def _cells(base: tuple, recs: list[Good], status: str, filed_on: datetime.date) -> dict:
    """What a new instrument's imported verifications add to the rate cells."""
    if not recs:
        return {}
    if len(recs) == 1:  # the common case, without building a tally
        rec, out = recs[0].rec, recs[0].outcome
        cells = {(*base, rec["verified_on"].replace(day=1)): [1, rec["conclusion"] == "pass", 0, 0]}
        due = out.periodic_due_on
        if due is not None and (status == Status.IN_USE or filed_on >= due):
            cells.setdefault((*base, due.replace(day=1)), [0, 0, 0, 0])[2] += 1
        return cells
    left = None if status == Status.IN_USE else filed_on
    tally = rules.contributions(
        [rules.Rec(g.rec["verified_on"], g.rec["conclusion"] == "pass", g.outcome.periodic_due_on)
         for g in recs], left_use_on=left)
    cells = {}
    for (month, measure), n in tally.counts.items():
        cells.setdefault((*base, month), [0, 0, 0, 0])[_MEASURE[measure]] += n
    return cells


def prepare(rows: list[tuple[int, dict[str, str]]], checker: Checker, actor_id: int | None,
            now: datetime.datetime) -> Prepared:
    """Check a chunk and compute everything that does not need the tables being loaded."""
    bad: list[tuple[int, BadRowError]] = []
    goods: list[Good] = []
    for row, raw in rows:
        try:
            goods.append(checker.check_local(row, raw))
        except BadRowError as error:
            bad.append((row, error))
    checker.prefetch(goods)
    groups: dict[tuple, Group] = {}
    for good in goods:
        try:
            checker.check_orgs(good)
        except BadRowError as error:
            bad.append((good.row, error))
            continue
        key = (good.owner_id, good.kind.pk, good.serial)
        group = groups.get(key)
        if group is None:
            groups[key] = Group([good])
        else:
            group.rows.append(good)
    filed_on = timezone.localtime(now).date()
    recorded_at = canonical(now)
    codes = iter(new_public_codes(len(groups) + sum(1 for g in goods if g.rec is not None)))
    chunk_cells: dict[tuple, list[int]] = {}
    for key, group in list(groups.items()):
        recs = sorted((g for g in group.rows if g.rec is not None),
                      key=lambda g: (g.rec["verified_on"], g.row))
        kept = []
        for good in recs:
            try:
                checker.decide(good, recs[0].rec["verified_on"])
            except BadRowError as error:
                bad.append((good.row, error))
                group.rows.remove(good)
                continue
            kept.append(good)
        group.recs = kept
        if not group.rows:
            del groups[key]
            continue
        first = group.first
        group.inst_values = (
            next(codes), key[0], key[1], first.use, first.serial, *first.values[:4], first.size,
            first.household, first.medium, first.values[4], first.region, first.region[:2],
            first.values[5], first.status, None if first.status == Status.IN_USE else filed_on,
            first.first_use_on, None, now, *_state(group, filed_on), checker.catalogue_version,
        )
        group.inst_line = INST_LINE(group.inst_values)
        for good in kept:
            _record_parts(good, next(codes), actor_id, now, recorded_at)
        group.cells = _cells((first.region, key[1], first.use), kept, first.status, filed_on)
        _add_cells(chunk_cells, group.cells)
    return Prepared(rows, bad, groups, chunk_cells, now)


def _state(group: Group, filed_on: datetime.date) -> tuple:
    """The instrument's state after its imported verifications (INST_COLS from first_verified_on)."""
    first = group.first
    if not group.recs:
        return (None, None, "", None, "", None, first.first_use_on or filed_on, rules.DUE_FIRST,
                None, "", False)
    latest = group.recs[-1]
    rec = latest.rec
    due, action, replace_by = rules.due_after(
        mode=latest.term.mode, passed=rec["conclusion"] == "pass",
        verified_on=rec["verified_on"], valid_until=latest.outcome.valid_until)
    return (group.recs[0].rec["verified_on"], rec["verified_on"], rec["conclusion"],
            rec["institution_id"], rec["certificate_no"], latest.outcome.valid_until, due, action,
            replace_by, latest.rule.id, latest.term.province_set)


def _rebuild(group: Group, filed_on: datetime.date, now: datetime.datetime) -> None:
    """The instrument's row and cells again, after some of its rows turned out bad."""
    first = group.first
    group.inst_values = (*group.inst_values[:21], *_state(group, filed_on),
                         *group.inst_values[32:])
    group.inst_line = INST_LINE(group.inst_values)
    group.cells = _cells((first.region, first.kind.pk, first.use), group.recs, first.status,
                         filed_on)


def _record_parts(good: Good, code: str, actor_id: int | None, now: datetime.datetime,
                  recorded_at: str) -> None:
    """The record's values, its COPY line and its chain payload, but for the instrument's id."""
    rec, out = good.rec, good.outcome
    province = good.region[:2]
    good.rec_values = (
        code, None, good.owner_id, rec["institution_id"], good.region, province, None,
        rec["verified_on"], rec["verification_type"], rec["regulation_code"],
        rec["standard_identifier"], rec["standard_valid_until"], "", rec["adjusted"],
        rec["conclusion"], rec["failed_items"], rec["certificate_no"], out.valid_until,
        good.term.mode, out.periodic_due_on, good.rule.id, good.term.province_set,
        rec["sign"].verifier_name, rec["sign"].checker_name, None, "", now, actor_id, province,
    )
    sign = rec["sign"]
    good.sign_values = (sign.verifier_id, sign.checker_id, sign.approver_id, sign.approver_name,
                        sign.authorisation_no)
    good.sign_line = "\t" + SIGN_LINE(good.sign_values)
    good.line_head = code + "\t"
    good.line_tail = "\t" + REC_MIDDLE(good.rec_values[2:28]) + "\t" + province + "\t"
    good.json_head, good.json_tail = payload_parts(
        code=code, owner=good.owner_id, institution=rec["institution_id"], region=good.region,
        verified_on=rec["verified_on"], verification_type=rec["verification_type"],
        regulation=rec["regulation_code"], standard=rec["standard_identifier"],
        standard_valid_until=rec["standard_valid_until"], adjusted=rec["adjusted"],
        conclusion=rec["conclusion"], failed_items=rec["failed_items"],
        certificate_no=rec["certificate_no"], valid_until=out.valid_until, mode=good.term.mode,
        periodic_due_on=out.periodic_due_on, rule=good.rule.id,
        verifier=rec["sign"].verifier_name, checker=rec["sign"].checker_name,
        recorded_at=recorded_at,
        recorded_by=actor_id)


_enc = json.encoder.encode_basestring  # the string encoder json.dumps uses with ensure_ascii=False


def _opt_date(day: datetime.date | None) -> str:
    return f'"{day.isoformat()}"' if day is not None else "null"


def payload_parts(*, code: str, owner: int, institution: int, region: str,
                  verified_on: datetime.date, verification_type: str, regulation: str,
                  standard: str, standard_valid_until: datetime.date, adjusted: bool,
                  conclusion: str, failed_items: list[str], certificate_no: str,
                  valid_until: datetime.date | None, mode: str,
                  periodic_due_on: datetime.date | None, rule: str, verifier: str, checker: str,
                  recorded_at: str, recorded_by: int | None) -> tuple[str, str]:
    """A record's chain payload as canonical JSON (jiliang.rules.chain.canonical_json: keys
    sorted, no spaces, non-ASCII kept), split where the instrument's id goes.

    Written out key by key because the import encodes a payload per row; a test checks it
    against canonical_json of the stored record.
    """
    items = "[" + ",".join(map(_enc, failed_items)) + "]"
    head = (f'{{"adjusted":{"true" if adjusted else "false"},"as_found":"","batch":null,'
            f'"certificate_no":{_enc(certificate_no)},"checker_name":{_enc(checker)},'
            f'"conclusion":{_enc(conclusion)},"correction_reason":"","failed_items":{items},'
            f'"institution":{institution},"instrument":')
    tail = (f',"management_mode":{_enc(mode)},"owner":{owner},'
            f'"periodic_due_on":{_opt_date(periodic_due_on)},"public_code":{_enc(code)},'
            f'"recorded_at":{_enc(recorded_at)},'
            f'"recorded_by":{"null" if recorded_by is None else recorded_by},'
            f'"region_code":{_enc(region)},"regulation_code":{_enc(regulation)},'
            f'"standard_identifier":{_enc(standard)},'
            f'"standard_valid_until":"{standard_valid_until.isoformat()}","supersedes":null,'
            f'"term_rule":{_enc(rule)},"valid_until":{_opt_date(valid_until)},'
            f'"verification_type":{_enc(verification_type)},'
            f'"verified_on":"{verified_on.isoformat()}","verifier_name":{_enc(verifier)}}}')
    return head, tail


def _link(writer, good: Good, instrument_id: int) -> tuple[int, str, str]:
    """Chain one record: SHA-256 over the previous hash and the canonical payload."""
    head = writer.head
    payload = good.json_head + str(instrument_id) + good.json_tail
    digest = hashlib.sha256(
        head.last_hash.encode() + b"\n" + payload.encode()).hexdigest()
    seq, prev = head.last_seq + 1, head.last_hash
    head.last_seq, head.last_hash = seq, digest
    return seq, prev, digest


class Loader:
    """Merges prepared chunks; the subclasses load and look up."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.timings: dict[str, float] = {}  # seconds per phase, for the benchmark's report

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start

    # Hooks --------------------------------------------------------------------------------
    def merge_instruments(self, groups: dict[tuple, Group]) -> None:
        """Insert the instruments not on file; set every group's instrument_id and inserted."""
        raise NotImplementedError

    def existing_records(self, wanted: list[tuple[int, str]]) -> dict[tuple[int, str], tuple]:
        """(institution, number) -> (instrument id, owner id, kind id, serial) of records on file."""
        raise NotImplementedError

    def insert_records(self, new: list[tuple[Group, Good]], writers: dict) -> None:
        raise NotImplementedError

    def apply_cells(self, cells: dict[tuple, list[int]]) -> None:
        services.rates_add_deltas(cells)

    # Shared -------------------------------------------------------------------------------
    optimistic = False  # the loader may try a chunk assuming nothing of it is on file yet

    def merge(self, prep: Prepared, result: ImportResult) -> None:
        """Merge a chunk: optimistically when the previous one found nothing on file (a fresh
        load), falling back to the careful path, inside the same transaction, the moment an
        instrument or a certificate of the chunk turns out to be on file."""
        if self.optimistic and self.fresh:
            attempt = ImportResult()
            try:
                with transaction.atomic():
                    self._merge_fresh(prep, attempt)
            except _OnFile:
                self.fresh = False
                for group in prep.groups.values():
                    group.instrument_id, group.inserted = None, False
            else:
                result.instruments_added += attempt.instruments_added
                result.records_added += attempt.records_added
                return
        before = result.already_on_file
        self._merge_careful(prep, result)
        self.fresh = result.already_on_file == before

    fresh = True

    fresh_attempt = False

    def _merge_fresh(self, prep: Prepared, result: ImportResult) -> None:
        groups = prep.groups
        self.fresh_attempt = True
        try:
            self.merge_instruments(groups)
        except (IntegrityError, psycopg_errors()) as error:
            raise _OnFile from error
        finally:
            self.fresh_attempt = False
        if not all(g.inserted for g in groups.values()):
            raise _OnFile
        result.instruments_added += len(groups)
        new = [(group, good) for group in groups.values() for good in group.recs]
        if new:
            try:
                self._chain_and_insert(new)
            except (IntegrityError, psycopg_errors()) as error:
                raise _OnFile from error
            result.records_added += len(new)
        with self.phase("rate deltas (COPY)"):
            self.apply_cells({k: v for k, v in prep.cells.items() if any(v)})

    def _chain_and_insert(self, new: list[tuple[Group, Good]]) -> None:
        new.sort(key=lambda gg: (gg[1].region[:2], gg[0].instrument_id,
                                 gg[1].rec["verified_on"], gg[1].row))
        with ExitStack() as stack:
            writers = {p: stack.enter_context(chain_lock(VerificationRecord.chain_name(), p))
                       for p in sorted({g.region[:2] for _grp, g in new})}
            self.insert_records(new, writers)

    def _merge_careful(self, prep: Prepared, result: ImportResult) -> None:
        # Certificates already on file: the same instrument's are on file already; another
        # instrument's make the row bad, before anything of it lands.
        wanted = [(r.rec["institution_id"], r.rec["certificate_no"])
                  for g in prep.groups.values() for r in g.recs]
        existing = self.existing_records(wanted) if wanted else {}
        cells = prep.cells
        filed_on = timezone.localtime(prep.recorded_at).date()
        on_file: set[int] = set()
        for key, group in list(prep.groups.items()):
            bad = []
            for good in group.recs:
                found = existing.get((good.rec["institution_id"], good.rec["certificate_no"]))
                if found is None:
                    continue
                if found[1:] == key:
                    on_file.add(id(good))
                else:
                    bad.append(good)
                    result.errors.append(RowError(good.row, TITLES["certificate_no"], _(
                        "This institution has issued number %(no)s for another instrument.") % {
                        "no": good.rec["certificate_no"]}))
            if bad:
                _add_cells(cells, group.cells, -1)
                group.rows = [g for g in group.rows if g not in bad]
                group.recs = [g for g in group.recs if g not in bad]
                if not group.rows:
                    del prep.groups[key]
                    continue
                _rebuild(group, filed_on, prep.recorded_at)
                _add_cells(cells, group.cells)
        groups = prep.groups
        self.merge_instruments(groups)
        result.instruments_added += sum(1 for g in groups.values() if g.inserted)
        new: list[tuple[Group, Good]] = []
        touched: dict[int, tuple[Group, list[Good]]] = {}
        for group in groups.values():
            # Rows of instruments already on file without a verification are on file.
            result.already_on_file += sum(1 for r in group.rows if r.rec is None
                                          and not group.inserted)
            result.already_on_file += sum(1 for r in group.recs if id(r) in on_file)
            fresh = [g for g in group.recs if id(g) not in on_file]
            new.extend((group, good) for good in fresh)
            if not group.inserted:
                _add_cells(cells, group.cells, -1)  # counted below, from the table
                if fresh:
                    touched[group.instrument_id] = (group, fresh)
        if new:
            self._chain_and_insert(new)
            result.records_added += len(new)
        if touched:
            self._instruments_on_file(touched, cells)
        with self.phase("rate deltas (COPY)"):
            self.apply_cells({k: v for k, v in cells.items() if any(v)})

    def _instruments_on_file(self, touched: dict, cells: dict) -> None:
        """Instruments already on file that received records: rates before and after, state."""
        services.import_instruments_refresh(mine={
            pk: {(g.rec["institution_id"], g.rec["certificate_no"]) for g in goods}
            for pk, (_group, goods) in touched.items()}, cells=cells)


STAGE = "registry_import_stage"


class PostgresLoader(Loader):
    optimistic = True

    def __init__(self, actor) -> None:
        super().__init__(actor)
        with connection.cursor() as cursor:
            # Room for a chunk in memory; allowed only before the session's first temporary table.
            cursor.execute("SELECT count(*) FROM pg_class WHERE relpersistence = 't' "
                           "AND pg_table_is_visible(oid)")
            if not cursor.fetchone()[0]:
                cursor.execute("SET temp_buffers = '256MB'")
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE} (LIKE registry_instrument INCLUDING DEFAULTS) "
                f"ON COMMIT DELETE ROWS")
            cursor.execute(f"ALTER TABLE {STAGE} DROP COLUMN id")
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS registry_import_keys "
                           "(institution_id bigint, certificate_no varchar(60)) "
                           "ON COMMIT DELETE ROWS")

    def merge(self, prep: Prepared, result: ImportResult) -> None:
        with connection.cursor() as cursor:
            # A chunk is a few thousand keys against tables that grow by millions during the
            # import, faster than their statistics: with stale statistics the planner scans
            # the whole table for every chunk (or, worse, for every key). Look each key up in
            # the unique indexes instead (this transaction only).
            for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
                cursor.execute(f"SET LOCAL {setting} = off")
        super().merge(prep, result)

    def merge_instruments(self, groups):
        cols = ", ".join(INST_COLS)
        with connection.cursor() as cursor:
            with self.phase("copy into staging"):
                # Empty already after a commit; not inside a caller's transaction.
                cursor.execute(f"TRUNCATE {STAGE}")
                copytext.copy_lines(cursor.cursor, f"COPY {STAGE} ({cols}) FROM STDIN",
                                    (g.inst_line for g in groups.values()))
            # A fresh chunk inserts plainly (a unique violation sends it down the careful
            # path); the careful path skips the instruments on file.
            conflict = "" if self.fresh_attempt else \
                "ON CONFLICT (owner_id, kind_id, serial_number) DO NOTHING "
            with self.phase("merge instruments (INSERT ... SELECT)"):
                cursor.execute(
                    f"INSERT INTO registry_instrument ({cols}) SELECT {cols} FROM {STAGE} "
                    f"{conflict}RETURNING owner_id, kind_id, serial_number, id")
                inserted = cursor.fetchall()
            for owner_id, kind_id, serial, instrument_id in inserted:
                group = groups[(owner_id, kind_id, serial)]
                group.instrument_id, group.inserted = instrument_id, True
            if len(inserted) == len(groups):
                return
            with self.phase("resolve instruments (join)"):
                cursor.execute(f"ANALYZE {STAGE}")
                # LATERAL ... LIMIT 1: one look-up in the unique index per staged row, which
                # no stale statistic can turn into a scan of the table.
                cursor.execute(
                    f"SELECT s.owner_id, s.kind_id, s.serial_number, x.id, "
                    f"x.public_code = s.public_code FROM {STAGE} s CROSS JOIN LATERAL ("
                    f"SELECT i.id, i.public_code FROM registry_instrument i "
                    f"WHERE i.owner_id = s.owner_id AND i.kind_id = s.kind_id "
                    f"AND i.serial_number = s.serial_number LIMIT 1) x")
                found = cursor.fetchall()
        for owner_id, kind_id, serial, instrument_id, inserted in found:
            group = groups[(owner_id, kind_id, serial)]
            group.instrument_id, group.inserted = instrument_id, inserted

    def existing_records(self, wanted):
        with self.phase("find certificates on file (join)"), connection.cursor() as cursor:
            cursor.execute("TRUNCATE registry_import_keys")
            copytext.copy_rows(cursor.cursor, "COPY registry_import_keys FROM STDIN", wanted,
                               line=copytext.row_formatter("it"))
            cursor.execute("ANALYZE registry_import_keys")
            cursor.execute(
                "SELECT k.institution_id, k.certificate_no, x.* FROM registry_import_keys k "
                "CROSS JOIN LATERAL (SELECT r.instrument_id, i.owner_id, i.kind_id, "
                "i.serial_number FROM registry_verificationrecord r "
                "JOIN registry_instrument i ON i.id = r.instrument_id "
                "WHERE r.institution_id = k.institution_id AND r.certificate_no = k.certificate_no "
                "AND r.batch_id IS NULL LIMIT 1) x")
            return {(row[0], row[1]): row[2:] for row in cursor.fetchall()}

    def insert_records(self, new, writers):
        def lines() -> Iterator[str]:
            for group, good in new:
                seq, prev, digest = _link(writers[good.region[:2]], good, group.instrument_id)
                yield (f"{good.line_head}{group.instrument_id}{good.line_tail}{seq}\t{prev}\t"
                       f"{digest}\t{good.rec.get('standard_id') or copytext.NULL}"
                       f"{good.sign_line}")

        with self.phase("chain + COPY records"), connection.cursor() as cursor:
            copytext.copy_lines(
                cursor.cursor, f"COPY registry_verificationrecord ({', '.join(REC_COLS)}) FROM STDIN",
                lines())


class SqliteLoader(Loader):
    @staticmethod
    def _adapt(value):
        if isinstance(value, datetime.datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False)
        if value is not None and not isinstance(value, str | int | bool):
            return str(value)
        return value

    def merge_instruments(self, groups):
        by_key = groups
        keys = list(by_key)
        found: dict[tuple, tuple[int, str]] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(keys), 300):
                part = keys[start:start + 300]
                where = " OR ".join(
                    ["(owner_id = %s AND kind_id = %s AND serial_number = %s)"] * len(part))
                cursor.execute(f"SELECT owner_id, kind_id, serial_number, id, public_code "
                               f"FROM registry_instrument WHERE {where}",
                               [v for key in part for v in key])
                for owner_id, kind_id, serial, pk, code in cursor.fetchall():
                    found[(owner_id, kind_id, serial)] = (pk, code)
            fresh = [g for key, g in by_key.items() if key not in found]
            marks = ", ".join(["%s"] * len(INST_COLS))
            cursor.executemany(
                f"INSERT INTO registry_instrument ({', '.join(INST_COLS)}) VALUES ({marks})",
                [tuple(self._adapt(v) for v in g.inst_values) for g in fresh])
            codes = [g.public_code for g in fresh]
            for start in range(0, len(codes), 500):
                part = codes[start:start + 500]
                cursor.execute(
                    f"SELECT owner_id, kind_id, serial_number, id, public_code FROM "
                    f"registry_instrument WHERE public_code IN ({', '.join(['%s'] * len(part))})",
                    part)
                for owner_id, kind_id, serial, pk, code in cursor.fetchall():
                    found[(owner_id, kind_id, serial)] = (pk, code)
        for key, group in by_key.items():
            pk, code = found[key]
            group.instrument_id, group.inserted = pk, code == group.public_code

    def existing_records(self, wanted):
        found = {}
        numbers = sorted({n for _i, n in wanted})
        with connection.cursor() as cursor:
            for start in range(0, len(numbers), 500):
                part = numbers[start:start + 500]
                cursor.execute(
                    f"SELECT r.institution_id, r.certificate_no, r.instrument_id, i.owner_id, "
                    f"i.kind_id, i.serial_number FROM registry_verificationrecord r "
                    f"JOIN registry_instrument i ON i.id = r.instrument_id "
                    f"WHERE r.batch_id IS NULL AND r.certificate_no IN "
                    f"({', '.join(['%s'] * len(part))})", part)
                for row in cursor.fetchall():
                    found[(row[0], row[1])] = row[2:]
        return found

    def insert_records(self, new, writers):
        marks = ", ".join(["%s"] * len(REC_COLS))
        sql = f"INSERT INTO registry_verificationrecord ({', '.join(REC_COLS)}) VALUES ({marks})"
        batch = []
        with connection.cursor() as cursor:
            for group, good in new:
                seq, prev, digest = _link(writers[good.region[:2]], good, group.instrument_id)
                values = list(good.rec_values)
                values[1] = group.instrument_id
                batch.append(tuple(self._adapt(v) for v in values)
                             + (seq, prev, digest, good.rec.get("standard_id"))
                             + good.sign_values)
                if len(batch) >= 2000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


def loader_for(actor) -> Loader:
    if connection.vendor == "postgresql":
        return PostgresLoader(actor)
    return SqliteLoader(actor)


# --- the interface ----------------------------------------------------------------------------

_END = object()


def _chunks(rows: Iterable[tuple[int, dict[str, str]]], size: int) -> Iterator[list]:
    """Chunks of ``size`` rows; the first is small, so the merge starts while the rest is read."""
    chunk: list = []
    limit = min(size, 2000)
    for item in rows:
        chunk.append(item)
        if len(chunk) >= limit:
            yield chunk
            chunk, limit = [], size
    if chunk:
        yield chunk


def _prepared(rows, checker: Checker, actor_id, size: int) -> Iterator[Prepared]:
    for chunk in _chunks(rows, size):
        yield prepare(chunk, checker, actor_id, timezone.now())


def _read(rows, checker: Checker, actor_id, size: int, out: queue.Queue) -> None:
    """The reading thread: prepared chunks onto ``out``, then _END (or the error it met)."""
    started = time.thread_time()
    try:
        for prep in _prepared(rows, checker, actor_id, size):
            out.put(prep)
        checker.reading_cpu = time.thread_time() - started
        out.put(_END)
    except BaseException as error:  # handed to the merging thread, which raises it
        out.put(error)
    finally:
        connections.close_all()


def _threaded(rows, checker: Checker, actor_id, size: int, loader: Loader) -> Iterator[Prepared]:
    chunks: queue.Queue = queue.Queue(maxsize=2)
    reader = threading.Thread(target=_read, args=(rows, checker, actor_id, size, chunks),
                              daemon=True)
    reader.start()
    try:
        while True:
            with loader.phase("waiting for the reading thread"):
                item = chunks.get()
            if item is _END:
                loader.timings["reading thread: cpu (parse, check, prepare)"] = checker.reading_cpu
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        while reader.is_alive():
            with suppress(queue.Empty):
                chunks.get(timeout=0.1)
        reader.join()


def import_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    actor=None,
    chunk_size: int = CHUNK,
    progress: Callable[[int, ImportResult], None] | None = None,
) -> ImportResult:
    """Check and merge rows ``(row number, {column key: text})``; each chunk commits on its own."""
    checker = Checker(actor)
    actor_id = actor.pk if actor is not None else None
    result = ImportResult()
    loader = loader_for(actor)
    result.timings = loader.timings
    cpu = time.thread_time()
    if connection.in_atomic_block:
        chunks = _prepared(rows, checker, actor_id, chunk_size)
    else:
        chunks = _threaded(rows, checker, actor_id, chunk_size, loader)
    for prep in chunks:
        _merge_chunk(prep, checker, loader, result)
        if progress:
            progress(result.rows, result)
    with loader.phase("fold the rate deltas (set-based upsert)"):
        services.rates_fold()
    loader.timings["merging thread: cpu"] = time.thread_time() - cpu
    return result


def _merge_chunk(prep: Prepared, checker: Checker, loader: Loader, result: ImportResult) -> None:
    result.rows += len(prep.rows)
    IMPORT_ROWS.inc(len(prep.rows))
    raws = dict(prep.rows)
    for row, bad in prep.bad:
        _bad(result, row, raws[row], bad)
    if not prep.groups:
        return
    before = len(result.errors)
    with loader.phase("merge (total, with commit)"):
        with transaction.atomic():
            loader.merge(prep, result)
            audit_record(actor=loader.actor, action="registry.import",
                         object_type="registry.import",
                         object_id=f"{prep.rows[0][0]}-{prep.rows[-1][0]}",
                         region_code=checker.own_org.region_code if checker.own_org else "",
                         after={"rows": len(prep.rows), "errors": len(result.errors) - before})
            committing = time.perf_counter()
        loader.timings["commit (deferred foreign-key checks)"] = loader.timings.get(
            "commit (deferred foreign-key checks)", 0.0) + time.perf_counter() - committing
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
    except UnreadableError as error:  # a decompression bomb, bytes that are not text
        raise ValidationError({"file": [error.message]}) from None
    if first is None:
        return ImportResult()

    def all_rows():
        yield first
        yield from rows

    return import_rows(all_rows(), actor=actor, chunk_size=chunk_size, progress=progress)


def count_rows(data: bytes, file_kind: str) -> int:
    """About how many data rows a file has (for the progress bar). An xlsx that does not
    declare its dimension (write-only workbooks, many exporters) has its rows counted in the
    sheet's XML as it unpacks, without parsing it."""
    if file_kind == "xlsx":
        return max(0, tabular.xlsx_row_count(data) - 1)
    return max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))
