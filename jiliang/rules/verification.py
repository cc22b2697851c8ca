"""Compulsory verification: management modes, periods, service lives and due dates.

The rules and their sources are in data/verification_periods.json (derived
from data/verification_catalog.json, the shared reference). Notes of the
reference that these functions implement:

- "Verification period in months is the maximum interval (检定周期 '一般不超过');
  the verifying body may set a shorter one; certificate 'valid until'
  (有效期至) = verification date + period."
- "Service life for utility meters starts at the first (compulsory)
  verification date; at expiry the meter is replaced (到期轮换), not
  re-verified for the same purpose."
- A value the reference grades low (unconfirmed recollection) or leaves null
  is not applied: the province sets the value it uses.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from jiliang.rules import RuleError, editions, signoff, traceability
from jiliang.rules import evidence as evidence_rules
from jiliang.rules.months import add_months, add_years, month_start

DATA = Path(__file__).resolve().parent / "data"

PERIODIC = "periodic"
FIRST_ONLY_SCRAP = "first_only_scrap"
FIRST_ONLY_LIMITED_LIFE = "first_only_limited_life"
TYPE_APPROVAL_ONLY = "type_approval_only"
MODES = (PERIODIC, FIRST_ONLY_SCRAP, FIRST_ONLY_LIMITED_LIFE, TYPE_APPROVAL_ONLY)
CONFIRMED_GRADES = frozenset({"high", "medium"})

# What the owner must do next, and by when (Instrument.next_due_on).
DUE_FIRST = "first"  # filed but never verified: verify before (or at) first use
DUE_VERIFY = "verify"  # periodic: verify again by the end of the certificate's validity
DUE_REPLACE = "replace"  # limited life: replace at the end of the service life
DUE_FAILED = "failed"  # failed: may not be used until repaired and verified again
DUE_NONE = ""  # nothing due (first verification only, scrap when inaccurate; out of use)

# The due lists: next due date passed, or falling due within so many days.
OVERDUE = "overdue"
DUE_SOON_DAYS = (30, 60, 90)
DUE_WINDOWS = (OVERDUE, *(str(days) for days in DUE_SOON_DAYS))


@dataclass(frozen=True)
class PeriodRule:
    id: str
    kind: str
    regulations: tuple[str, ...]
    when: Mapping[str, object]
    mode: str
    period_months: int | None
    life_years: int | None
    confidence: str
    note: str = ""

    @property
    def needs_value(self) -> bool:
        return self.mode in (PERIODIC, FIRST_ONLY_LIMITED_LIFE)

    @property
    def reference_value(self) -> int | None:
        return self.period_months if self.mode == PERIODIC else self.life_years

    @property
    def confirmed(self) -> bool:
        """The reference gives a value it grades high or medium (or none is needed)."""
        if not self.needs_value:
            return True
        return self.reference_value is not None and self.confidence in CONFIRMED_GRADES


@dataclass(frozen=True)
class Facts:
    """What the rules look at about one instrument and one verification."""

    size: Decimal | None = None  # DN (mm) for water meters, G number for gas meters
    household: bool = False  # settled directly with a household (生活用)
    accuracy_class: str = ""
    medium: str = ""  # natural_gas / other_gas
    adjusted: bool = False  # adjusted before it passed


@dataclass(frozen=True)
class Term:
    """The mode and the value that decide an instrument's dates."""

    rule_id: str
    mode: str
    months: int | None = None  # period (periodic)
    years: int | None = None  # service life (limited life)
    confirmed: bool = True  # the value comes from the reference, graded high or medium
    province_set: bool = False  # the value comes from the province's setting

    @property
    def known(self) -> bool:
        if self.mode == PERIODIC:
            return self.months is not None
        if self.mode == FIRST_ONLY_LIMITED_LIFE:
            return self.years is not None
        return True


@cache
def load_rules(path: Path = DATA / "verification_periods.json") -> tuple[PeriodRule, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for r in raw["rules"]:
        if r["mode"] not in MODES:
            raise ValueError(f"rule {r['id']}: unknown mode {r['mode']}")
        out.append(PeriodRule(
            id=r["id"], kind=r["kind"], regulations=tuple(r["regulations"]), when=r["when"],
            mode=r["mode"], period_months=r["period_months"], life_years=r["life_years"],
            confidence=r["confidence"], note=r.get("note", ""),
        ))
    return tuple(out)


def matches(when: Mapping[str, object], facts: Facts) -> bool:
    for key, want in when.items():
        if key == "size_max":
            if facts.size is None or facts.size > Decimal(str(want)):
                return False
        elif key == "size_over":
            if facts.size is None or facts.size <= Decimal(str(want)):
                return False
        elif key == "household":
            if facts.household != bool(want):
                return False
        elif key == "accuracy_class_in":
            if facts.accuracy_class.strip().upper() not in {str(c).upper() for c in want}:
                return False
        elif key == "medium":
            if facts.medium != want:
                return False
        elif key == "adjusted":
            if facts.adjusted != bool(want):
                return False
        else:
            raise ValueError(f"unknown condition {key}")
    return True


def needs_medium(kind_rules: Iterable[PeriodRule]) -> bool:
    """Whether a kind's rules look at the medium (gas meters), so it must be given on filing."""
    return any("medium" in rule.when for rule in kind_rules)


def select_rule(rules: Iterable[PeriodRule], regulation: str, facts: Facts) -> PeriodRule | None:
    """The first rule of ``regulation`` whose conditions hold, or None."""
    for rule in rules:
        if regulation in rule.regulations and matches(rule.when, facts):
            return rule
    return None


def term_of(rule: PeriodRule, province_value: int | None = None) -> Term:
    """The term a rule gives, with the province's value where the reference has none."""
    if rule.confirmed:
        return Term(rule.id, rule.mode, months=rule.period_months if rule.mode == PERIODIC else None,
                    years=rule.life_years if rule.mode == FIRST_ONLY_LIMITED_LIFE else None)
    if province_value is None:
        return Term(rule.id, rule.mode, confirmed=False)
    if rule.mode == PERIODIC:
        return Term(rule.id, rule.mode, months=province_value, confirmed=False, province_set=True)
    return Term(rule.id, rule.mode, years=province_value, confirmed=False, province_set=True)


@dataclass(frozen=True)
class Outcome:
    """What one verification decides about the instrument's dates."""

    valid_until: datetime.date | None  # 有效期至 on the certificate (None on a result notice)
    next_due_on: datetime.date | None
    due_action: str
    replacement_due_on: datetime.date | None = None
    periodic_due_on: datetime.date | None = None  # the due date the 受检率 counts


def outcome(
    *,
    term: Term,
    verified_on: datetime.date,
    passed: bool,
    first_verified_on: datetime.date | None = None,
    shortened_to: datetime.date | None = None,
) -> Outcome:
    """Dates after a verification on ``verified_on``.

    ``shortened_to`` is the 有效期至 the institution writes when it sets a
    shorter period; it may not be later than the period allows. Raises
    RuleError when the date is out of bounds, or when the term's value is
    unknown and no date is given.
    """
    if not passed:
        return Outcome(None, verified_on, DUE_FAILED)
    if shortened_to is not None and shortened_to <= verified_on:
        raise RuleError("valid_until.before", "the valid-until date must be after the verification date")
    if term.mode == PERIODIC:
        if term.months is None:
            if shortened_to is None:
                raise RuleError("period.unknown", "the period is not confirmed: give the valid-until date")
            limit = shortened_to
        else:
            limit = add_months(verified_on, term.months)
            if shortened_to is not None and shortened_to > limit:
                raise RuleError("valid_until.too_late",
                                "the valid-until date is later than the period allows ({limit})",
                                limit=limit.isoformat())
        until = shortened_to or limit
        return Outcome(until, until, DUE_VERIFY, periodic_due_on=until)
    if term.mode == FIRST_ONLY_LIMITED_LIFE:
        start = first_verified_on or verified_on
        if term.years is None:
            if shortened_to is None:
                raise RuleError("life.unknown", "the service life is not confirmed: give the replacement date")
            limit = shortened_to
        else:
            limit = add_years(start, term.years)
            if shortened_to is not None and shortened_to > limit:
                raise RuleError("valid_until.too_late",
                                "the valid-until date is later than the service life allows ({limit})",
                                limit=limit.isoformat())
        until = shortened_to or limit
        return Outcome(until, until, DUE_REPLACE, replacement_due_on=until)
    # First verification only, scrap when inaccurate; type approval only: nothing falls due.
    if shortened_to is not None:
        raise RuleError("valid_until.none", "this kind of instrument has no valid-until date")
    return Outcome(None, None, DUE_NONE)


def due_after(*, mode: str, passed: bool, verified_on: datetime.date,
              valid_until: datetime.date | None) -> tuple[datetime.date | None, str, datetime.date | None]:
    """(next due date, what is due, replacement date) after the latest effective verification."""
    if not passed:
        return verified_on, DUE_FAILED, None
    if mode == PERIODIC:
        return valid_until, DUE_VERIFY if valid_until else DUE_NONE, None
    if mode == FIRST_ONLY_LIMITED_LIFE:
        return valid_until, DUE_REPLACE if valid_until else DUE_NONE, valid_until
    return None, DUE_NONE, None


def due_window(today: datetime.date, window: str) -> tuple[datetime.date | None, datetime.date | None]:
    """The [from, to] range of next_due_on for 'overdue' or a due-soon window of N days."""
    if window == OVERDUE:
        return None, today - datetime.timedelta(days=1)
    if window not in DUE_WINDOWS:
        raise RuleError("window", "choose overdue or 30, 60 or 90 days")
    return today, today + datetime.timedelta(days=int(window))


# --- Rates (受检率, 检定合格率) -------------------------------------------------------


@dataclass(frozen=True)
class Rec:
    """One effective verification of an instrument, as the rates see it."""

    verified_on: datetime.date
    passed: bool
    periodic_due_on: datetime.date | None = None  # the due date a periodic pass opens


@dataclass
class Tally:
    """Counts per (month, measure); measures: verified, passed, due, due_verified."""

    counts: dict[tuple[datetime.date, str], int] = field(default_factory=dict)

    def add(self, month: datetime.date, measure: str, n: int = 1) -> None:
        key = (month, measure)
        self.counts[key] = self.counts.get(key, 0) + n
        if not self.counts[key]:
            del self.counts[key]


def contributions(records: Sequence[Rec], *, left_use_on: datetime.date | None = None) -> Tally:
    """What one instrument's effective verifications add to the rates.

    - 检定合格率: each verification counts once as verified in its month, and as
      passed when it passed.
    - 受检率: each periodic pass opens a due date; the instrument counts as due
      in that date's month, and as verified in time when its next
      verification is on or before the date. A due date that had not come
      when the instrument left use (stopped, scrapped, replaced) is not
      counted.
    """
    tally = Tally()
    ordered = sorted(records, key=lambda r: r.verified_on)
    for i, rec in enumerate(ordered):
        tally.add(month_start(rec.verified_on), "verified")
        if rec.passed:
            tally.add(month_start(rec.verified_on), "passed")
        due = rec.periodic_due_on
        if due is None:
            continue
        following = ordered[i + 1] if i + 1 < len(ordered) else None
        if following is None and left_use_on is not None and left_use_on < due:
            continue
        tally.add(month_start(due), "due")
        if following is not None and following.verified_on <= due:
            tally.add(month_start(due), "due_verified")
    return tally


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with one decimal, or None when nothing was counted."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))


# --- the one record check -----------------------------------------------------------------------
#
# Every check of a verification record is written here, once: the web form and the API (through
# ``registry.services.verification_record``), the batch of utility meters (``batch_record``) and
# the bulk import (``registry.importing``) call ``check_record`` and word its codes in the user's
# language. A new check of a record (of its standard, its people, its authorisation, its seals)
# is a new fact in ``RecordFacts`` (or a new part) and a new code here.

CERTIFICATE_NO_MAX = 60
FIRST = "first"
VERIFICATION_TYPES = (FIRST, "subsequent", "in_use")
PASS, FAIL = "pass", "fail"


class RecordError(RuleError):
    """One reason a record cannot stand, on the field it concerns (``field``)."""

    def __init__(self, field: str, code: str, message: str = "", **params: object) -> None:
        self.field = field
        super().__init__(code, message or code, **params)


@dataclass(frozen=True)
class RecordFacts:
    """A verification record's own fields, and what the check needs to know around them."""

    today: datetime.date
    verified_on: datetime.date | None
    verification_type: str | None  # None: not one of the types
    conclusion: str | None  # None: not pass or fail
    failed_items: Sequence[str] = ()
    certificate_no: str = ""
    certificate_no_taken: bool = False  # the institution has issued this number already
    valid_until: datetime.date | None = None
    regulation_code: str = ""
    regulations: frozenset[str] | None = None  # the kind's regulations (None: kind not known)
    edition: editions.Edition | None = None  # the regulation's edition (None: dates not known)
    # A standard named in free text (no register of standards, or a record from before it).
    free_text_standard: bool = True
    standard_identifier: str = ""
    standard_valid_until: datetime.date | None = None
    # The instrument's effective records before this one.
    latest_on: datetime.date | None = None
    verified_before: bool = False


@dataclass(frozen=True)
class StandardCheck:
    """The registered standard (and reference-material lots) a record stands on."""

    facts: traceability.StandardFacts | None  # None: no standard chosen, or not on file
    institution_id: int
    kind_code: str
    instrument_range: str
    on: datetime.date
    lots: Sequence[traceability.LotFacts] = ()


@dataclass(frozen=True)
class SignoffCheck:
    """Who signs the record, and the institution's authorised scope (rules.signoff)."""

    on: datetime.date
    kind_code: str
    regulation_code: str
    region_code: str
    institution_id: int
    scopes: Sequence[signoff.Scope]
    verifier: signoff.Person | None
    checker: signoff.Person | None
    approver: signoff.Person | None


@dataclass(frozen=True)
class EvidenceCheck:
    """The record's evidence (issue 18, ``rules.evidence``) and what judging it needs."""

    evidence: evidence_rules.Evidence
    verification_type: str
    passed: bool
    remote_allowed: bool  # the kind and regulation are on the remote-verification list
    kind: str = ""  # the kind's name and the regulation, for the refusal's words
    regulation: str = ""


def check_record(record: RecordFacts | None = None, *, standard: StandardCheck | None = None,
                 signers: SignoffCheck | None = None,
                 evidence: EvidenceCheck | None = None) -> list[RuleError]:
    """Every reason a verification record cannot stand; an empty list when it can.

    Each part whose facts are given is judged: the record's own fields, its registered
    standard, its sign-off. The form, the API and a batch give every part at once; the bulk
    import gives the record's own fields as it reads a row and the standard and the sign-off
    once it has loaded the institution's register (the same rules and codes, row by row).
    """
    errors: list[RuleError] = []
    if record is not None:
        errors += _date_errors(record)
        errors += _result_errors(record)
        errors += _regulation_errors(record)
        if record.free_text_standard:
            errors += _free_standard_errors(record)
    if standard is not None:
        problems = traceability.record_errors(
            standard.facts, institution_id=standard.institution_id, kind_code=standard.kind_code,
            instrument_range=standard.instrument_range, on=standard.on)
        problems += traceability.lot_errors(standard.lots, institution_id=standard.institution_id,
                                            on=standard.on)
        errors += [RecordError(p.field, p.code, **p.params) for p in problems]
    if signers is not None:
        problems = signoff.check_signoff(
            on=signers.on, kind_code=signers.kind_code, regulation_code=signers.regulation_code,
            region_code=signers.region_code, institution_id=signers.institution_id,
            scopes=signers.scopes, verifier=signers.verifier, checker=signers.checker,
            approver=signers.approver)
        errors += [RecordError(p.field, p.code, **p.params) for p in problems]
    if evidence is not None:  # seals, software and counters; where and how (issue 18)
        errors += [RecordError(name, e.code, str(e), **e.params)
                   for name, e in evidence_rules.evidence_errors(
                       evidence.evidence, verification_type=evidence.verification_type,
                       passed=evidence.passed, remote_allowed=evidence.remote_allowed,
                       kind=evidence.kind, regulation=evidence.regulation)]
    return errors


def _date_errors(r: RecordFacts) -> list[RuleError]:
    out: list[RuleError] = []
    if r.verified_on is None:
        out.append(RecordError("verified_on", "verified_on.missing"))
    elif r.verified_on > r.today:
        out.append(RecordError("verified_on", "verified_on.future"))
    elif r.latest_on is not None and r.verified_on < r.latest_on:
        out.append(RecordError("verified_on", "verified_on.before_latest",
                               date=r.latest_on.isoformat()))
    if r.verification_type not in VERIFICATION_TYPES:
        out.append(RecordError("verification_type", "verification_type.unknown"))
    elif r.verification_type == FIRST and r.verified_before:
        out.append(RecordError("verification_type", "verification_type.not_first"))
    return out


def _result_errors(r: RecordFacts) -> list[RuleError]:
    out: list[RuleError] = []
    items = [i for i in r.failed_items if str(i).strip()]
    if r.conclusion not in (PASS, FAIL):
        out.append(RecordError("conclusion", "conclusion.unknown"))
    elif r.conclusion == FAIL and not items:
        out.append(RecordError("failed_items", "failed_items.missing"))
    elif r.conclusion == PASS and items:
        out.append(RecordError("failed_items", "failed_items.on_pass"))
    number = (r.certificate_no or "").strip()
    if not number:
        out.append(RecordError("certificate_no", "certificate_no.missing"))
    elif len(number) > CERTIFICATE_NO_MAX:
        out.append(RecordError("certificate_no", "certificate_no.too_long", n=CERTIFICATE_NO_MAX))
    elif r.certificate_no_taken:
        out.append(RecordError("certificate_no", "certificate_no.taken", no=number))
    if r.conclusion == FAIL and r.valid_until is not None:
        out.append(RecordError("valid_until", "valid_until.on_fail"))
    return out


def _regulation_errors(r: RecordFacts) -> list[RuleError]:
    if r.regulations is None:
        return []
    if r.regulation_code not in r.regulations:
        return [RecordError("regulation_code", "regulation_code.unknown",
                            regulation=r.regulation_code or "—")]
    if r.verified_on is None:
        return []
    # Catalogue (#14): only the edition in force on the verification date.
    return [RecordError("regulation_code", e.code, **e.params)
            for e in editions.edition_errors(r.edition, r.verified_on)]


def _free_standard_errors(r: RecordFacts) -> list[RuleError]:
    out: list[RuleError] = []
    if not (r.standard_identifier or "").strip():
        out.append(RecordError("standard_identifier", "standard_identifier.missing"))
    if r.standard_valid_until is None:
        out.append(RecordError("standard_valid_until", "standard_valid_until.missing"))
    elif r.verified_on is not None and r.standard_valid_until < r.verified_on:
        out.append(RecordError("standard_valid_until", "standard_valid_until.expired",
                               until=r.standard_valid_until.isoformat()))
    return out
