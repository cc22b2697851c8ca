"""Evidence on verification records (issue 18): checked with the record, written with it.

``evidence_given`` turns what the form, the API or a caller gives into ``rules.evidence.Evidence``;
``evidence_facts`` is the part of the one record check (``rules.verification.check_record``) that
judges it, worded by ``MESSAGES`` (``registry.recordcheck``); ``evidence_write`` writes the evidence in the record's transaction and files a finding for each
thing that changed since the verification before (the counter, the checksum, the software
version, the seals), with its ledger entry.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy

from jiliang.audit.chain import chain_append
from jiliang.audit.services import audit_record
from jiliang.registry.models import (
    EvidenceFinding,
    RemoteVerificationAllowance,
    VerificationEvidence,
    VerificationRecord,
)
from jiliang.rules import evidence as rules
from jiliang.rules.verification import EvidenceCheck

FIELDS = ("method", "remote_data", "remote_standard", "mark", "seal_form", "audit_trail",
          "seals_found", "seals_left", "software_version_found", "software_version_left",
          "checksum_found", "checksum_left", "counter_found", "counter_left")
TEXT_LIMITS = {"remote_data": 200, "remote_standard": 100, "mark": 100, "audit_trail": 300}

MESSAGES = {
    "evidence.method": gettext_lazy("Choose where and how: in the laboratory, on site or remote."),
    "evidence.seal_form": gettext_lazy("Choose the form of the mark from the list."),
    "evidence.remote_not_allowed": gettext_lazy(
        "Remote verification is not allowed for %(kind)s under %(regulation)s: no basis for it "
        "is on file (the national administrator keeps the list of kinds and regulations that "
        "allow it)."),
    "evidence.remote_data": gettext_lazy(
        "A remote verification names the remote data it rests on."),
    "evidence.remote_standard": gettext_lazy(
        "A remote verification names the standard used at the other end."),
    "evidence.not_remote": gettext_lazy(
        "Remote data and the standard at the other end belong to a remote verification."),
    "evidence.found_on_first": gettext_lazy(
        "A first verification has no values found before it; give the values left."),
    "evidence.seals_many": gettext_lazy("At most %(n)s seals."),
    "evidence.seal": gettext_lazy("A seal number has 1 to 40 characters, one a line."),
    "evidence.checksum": gettext_lazy(
        "A checksum is 4 to 128 letters, digits or + / = : _ -, as the instrument shows it."),
    "evidence.version": gettext_lazy("A software version has at most 60 characters."),
    "evidence.counter": gettext_lazy("A counter is a whole number, 0 or more."),
    "evidence.counter_down": gettext_lazy(
        "The counter left (%(left)s) is below the counter found (%(found)s): an event counter "
        "does not go back."),
    "evidence.unsealed": gettext_lazy(
        "A pass leaves the instrument sealed: give the seal numbers or the mark."),
}


def _seals(value) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.splitlines() if isinstance(value, str) else list(value)
    return tuple(" ".join(str(s).split()) for s in items if str(s).strip())


def _counter(value, name: str, problems: list[tuple[str, str]]) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if number < 0 or number > 10**15:
        problems.append((name, str(MESSAGES["evidence.counter"])))
        return None
    return number


def given(values: Mapping | None) -> bool:
    return bool(values) and any(values.get(f) not in (None, "", [], ()) for f in FIELDS)


def remote_allowed(kind, regulation: str) -> bool:
    return RemoteVerificationAllowance.objects.filter(kind=kind).filter(
        Q(regulation_code="") | Q(regulation_code=regulation)).exists()


def remote_allowances() -> dict[str, frozenset[str]]:
    """Kind code -> the regulations it may be verified remotely under ("" for every one): the
    whole list at once, for the bulk import."""
    out: dict[str, set[str]] = {}
    for kind, regulation in RemoteVerificationAllowance.objects.values_list(
            "kind__code", "regulation_code"):
        out.setdefault(kind, set()).add(regulation)
    return {kind: frozenset(regs) for kind, regs in out.items()}


def evidence_read(values: Mapping | None) -> tuple[rules.Evidence | None, list[tuple[str, str]]]:
    """The evidence given (None when none is) and, field by field, what could not be read: a
    counter that is not a whole number, a text too long. The rest is for the one record check
    (``rules.verification.check_record``, its ``evidence`` part)."""
    if not given(values):
        return None, []
    problems: list[tuple[str, str]] = []
    text = {}
    for name, limit in TEXT_LIMITS.items():
        value = " ".join(str(values.get(name) or "").split())
        if len(value) > limit:
            problems.append((name, str(gettext_lazy("At most %(n)s characters.") % {
                "n": limit})))
        text[name] = value[:limit]
    ev = rules.Evidence(
        method=str(values.get("method") or rules.LABORATORY),
        seal_form=str(values.get("seal_form") or ""), **text,
        found=rules.Reading(_seals(values.get("seals_found")),
                            str(values.get("software_version_found") or "").strip(),
                            str(values.get("checksum_found") or "").strip(),
                            _counter(values.get("counter_found"), "counter_found", problems)),
        left=rules.Reading(_seals(values.get("seals_left")),
                           str(values.get("software_version_left") or "").strip(),
                           str(values.get("checksum_left") or "").strip(),
                           _counter(values.get("counter_left"), "counter_left", problems)))
    return ev, problems


def evidence_given(values: Mapping | None) -> rules.Evidence | None:
    """The evidence given by the form, the API or a caller (None when none is); a counter that
    is not a whole number or a text too long is refused here, the rest by the one record check
    (``rules.verification.check_record``, its ``evidence`` part)."""
    ev, problems = evidence_read(values)
    if problems:
        errors: dict[str, list[str]] = {}
        for name, problem in problems:
            errors.setdefault(name, []).append(problem)
        raise ValidationError(errors)
    return ev


def evidence_values(row: VerificationEvidence | None) -> dict | None:
    """A record's evidence as the form, the API and ``evidence_given`` take it (None: none), so
    a correction carries it forward."""
    if row is None:
        return None
    return {name: list(getattr(row, name)) if name.startswith("seals_") else getattr(row, name)
            for name in FIELDS}


def evidence_facts(ev: rules.Evidence | None, *, kind, regulation: str, verification_type: str,
                   passed: bool) -> EvidenceCheck | None:
    """What the one record check needs to judge the evidence (None: no evidence given)."""
    if ev is None:
        return None
    allowed = ev.method != rules.REMOTE or remote_allowed(kind, regulation)
    return EvidenceCheck(ev, verification_type=verification_type, passed=passed,
                         remote_allowed=allowed, kind=kind.name_zh, regulation=regulation)


def previous_left(instrument_id: int, *, before: VerificationRecord | None = None
                  ) -> tuple[VerificationRecord, rules.Reading] | None:
    """The values the instrument's latest verification in force left (its evidence), if any;
    ``before``: the latest before that record (a correction takes its place in the history)."""
    qs = VerificationRecord.objects.filter(instrument_id=instrument_id, corrections__isnull=True)
    if before is not None:  # a correction: what the records before the corrected one left
        qs = qs.exclude(pk=before.pk).filter(
            Q(verified_on__lt=before.verified_on) | Q(verified_on=before.verified_on,
                                                      id__lt=before.id))
    record = qs.order_by("-verified_on", "-id").select_related("evidence").first()
    ev = getattr(record, "evidence", None) if record is not None else None
    if ev is None:
        return None
    return record, rules.Reading(tuple(ev.seals_left), ev.software_version_left,
                                 ev.checksum_left, ev.counter_left)


def evidence_row(record: VerificationRecord, ev: rules.Evidence) -> VerificationEvidence:
    """The evidence row of ``record``, not yet saved (it is chained when written)."""
    return VerificationEvidence(
        record=record, instrument_id=record.instrument_id, region_code=record.region_code,
        province_code=record.province_code, method=ev.method, remote_data=ev.remote_data,
        remote_standard=ev.remote_standard, mark=ev.mark, seal_form=ev.seal_form,
        audit_trail=ev.audit_trail, seals_found=list(ev.found.seals),
        seals_left=list(ev.left.seals), software_version_found=ev.found.software_version,
        software_version_left=ev.left.software_version, checksum_found=ev.found.checksum,
        checksum_left=ev.left.checksum, counter_found=ev.found.counter,
        counter_left=ev.left.counter)

def evidence_write(*, actor, record: VerificationRecord, ev: rules.Evidence | None,
                   previous: tuple | None) -> list[EvidenceFinding]:
    """Write the record's evidence and the findings against the verification before."""
    if ev is None:
        return []
    row = evidence_row(record, ev)
    chain_append([row])
    findings = []
    if previous is not None:
        before_record, left = previous
        findings = [EvidenceFinding(
            instrument_id=record.instrument_id, owner_id=record.owner_id, record=record,
            previous=before_record, kind=f.kind, before=f.before, after=f.after,
            region_code=record.region_code, province_code=record.province_code,
            found_on=record.verified_on) for f in rules.evidence_findings(left, ev.found)]
        EvidenceFinding.objects.bulk_create(findings)
    audit_record(actor=actor, action="registry.verification.evidence", obj=row,
                 after={"record": record.pk, "method": ev.method,
                        "findings": [f.kind for f in findings]})
    return findings


def evidence_write_many(given: Mapping[int, rules.Evidence]) -> tuple[int, int]:
    """The bulk import's evidence: ``given`` maps a record just inserted to its evidence. Each is
    written, chained, and compared with what the instrument's record before it left (a record of
    the same file or one on file), as ``evidence_write`` does for one; the import's ledger entry
    for the chunk counts them. Returns (evidence rows, findings)."""
    if not given:
        return 0, 0
    records = {r.pk: r for r in VerificationRecord.objects.filter(pk__in=list(given)).only(
        "id", "instrument_id", "owner_id", "region_code", "province_code", "verified_on")}
    rows = [evidence_row(records[pk], ev) for pk, ev in sorted(given.items())]
    chain_append(rows)
    findings = _findings_of_many(records, given)
    EvidenceFinding.objects.bulk_create(findings, batch_size=1000)
    return len(rows), len(findings)


LEFT = ("evidence__id", "evidence__seals_left", "evidence__software_version_left",
        "evidence__checksum_left", "evidence__counter_left")


def _findings_of_many(records: Mapping[int, VerificationRecord],
                      given: Mapping[int, rules.Evidence]) -> list[EvidenceFinding]:
    """Each new record's findings against the instrument's record in force just before it
    (what it left: its evidence, written before or in this import; nothing without one)."""
    instruments = sorted({r.instrument_id for r in records.values()})
    out = []
    for start in range(0, len(instruments), 500):
        history = (VerificationRecord.objects
                   .filter(instrument_id__in=instruments[start:start + 500],
                           corrections__isnull=True)
                   .order_by("instrument_id", "verified_on", "id")
                   .values_list("id", "instrument_id", *LEFT))
        before = None
        for pk, instrument_id, *left in history:
            if before is not None and before[1] == instrument_id and pk in given:
                out += _findings(records[pk], before, given)
            before = (pk, instrument_id, left)
    return out


def _findings(record: VerificationRecord, before: tuple,
              given: Mapping[int, rules.Evidence]) -> list[EvidenceFinding]:
    pk, _instrument_id, (evidence_id, seals, version, checksum, counter) = before
    if pk in given:
        left = given[pk].left
    elif evidence_id is not None:
        left = rules.Reading(tuple(seals or ()), version, checksum, counter)
    else:
        return []
    return [EvidenceFinding(
        instrument_id=record.instrument_id, owner_id=record.owner_id, record=record,
        previous_id=pk, kind=f.kind, before=f.before, after=f.after,
        region_code=record.region_code, province_code=record.province_code,
        found_on=record.verified_on) for f in rules.evidence_findings(left, given[record.pk].found)]
