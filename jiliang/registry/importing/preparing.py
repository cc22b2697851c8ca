"""A chunk checked and made ready to merge: its instruments grouped, their state and rate cells
computed, each record's COPY line and chain payload written out."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.utils import timezone

from jiliang.audit.chain import canonical
from jiliang.registry import copytext
from jiliang.registry.importing.checking import Checker
from jiliang.registry.importing.reading import BadRowError, Good
from jiliang.registry.models import Status, new_public_codes
from jiliang.rules import verification as rules

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


def add_cells(into: dict[tuple, list[int]], cells: dict[tuple, list[int]], sign: int = 1) -> None:
    for key, values in cells.items():
        cell = into.setdefault(key, [0, 0, 0, 0])
        for i in range(4):
            cell[i] += sign * values[i]


_MEASURE = {"verified": 0, "passed": 1, "due": 2, "due_verified": 3}


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
        add_cells(chunk_cells, group.cells)
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


def rebuild_group(group: Group, filed_on: datetime.date, now: datetime.datetime) -> None:
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


def chain_link(writer, good: Good, instrument_id: int) -> tuple[int, str, str]:
    """Chain one record: SHA-256 over the previous hash and the canonical payload."""
    head = writer.head
    payload = good.json_head + str(instrument_id) + good.json_tail
    digest = hashlib.sha256(
        head.last_hash.encode() + b"\n" + payload.encode()).hexdigest()
    seq, prev = head.last_seq + 1, head.last_hash
    head.last_seq, head.last_hash = seq, digest
    return seq, prev, digest
