"""Every read of the registry, narrowed to the caller's scope; the public look-ups; contract 3.

Bureaus see their region (the province as an equality on ``province_code``,
so the indexes read in order); an enterprise its own instruments; an
institution the instruments it verified last and the records it issued.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from jiliang.catalog.models import InstrumentKind, Use
from jiliang.catalog.selectors import left_kind_ids
from jiliang.core.lists import owner_filter, text_search
from jiliang.core.models import Region, Role, User
from jiliang.registry import hooks
from jiliang.registry.models import (
    Conclusion,
    ImportJob,
    Instrument,
    LabelSheet,
    MeterBatch,
    RateCell,
    RateDelta,
    Reminder,
    Status,
    VerificationRecord,
)
from jiliang.rules import verification as rules

INSTRUMENT_ORGS = ("owner", "last_institution")
RECORD_ORGS = ("owner", "institution")


def _scoped_instruments(user: User) -> QuerySet:
    return user.scope.filter(Instrument.objects.all(), orgs=INSTRUMENT_ORGS)


def instrument_list(
    user: User,
    *,
    kind: str = "",
    use: str = "",
    status: str = "",
    region: str = "",
    owner: int | Sequence[int] | None = None,
    q: str = "",
) -> QuerySet:
    qs = _scoped_instruments(user).select_related("kind", "owner")
    qs = _filters(qs, kind=kind, use=use, region=region, owner=owner)
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(_instrument_search(user, q))
    return qs.order_by("-id")


def kind_id(code: str) -> int:
    """The kind's key, so the filter is an equality the (province, kind, due) index can use."""
    found = InstrumentKind.objects.filter(code=code).values_list("pk", flat=True).first()
    return found or 0


def _filters(qs: QuerySet, *, kind: str = "", use: str = "", region: str = "",
             owner: int | Sequence[int] | None = None) -> QuerySet:
    if kind:
        qs = qs.filter(kind_id=kind_id(kind))
    if use:
        qs = qs.filter(use=use)
    if region and region.isdigit():
        if len(region) >= 2:
            qs = qs.filter(province_code=region[:2])
        qs = qs.filter(region_code__startswith=region)
    if isinstance(owner, list | tuple):
        qs = qs.filter(owner_id__in=owner) if owner else qs.none()
    elif owner:
        qs = qs.filter(owner_id=owner)
    return qs


def _instrument_search(user: User, q: str) -> Q:
    """``q`` on instruments: the serial number, the public (label) code, or the owner by
    credit code or name (the owners the user may see)."""
    cond = text_search(q, exact=["serial_number"], upper=["public_code"])
    owners = owner_filter(user, q)
    if owners.ids:
        cond |= Q(owner_id__in=owners.ids)
    return cond


def instrument_detail(user: User, pk: int) -> Instrument:
    found = _scoped_instruments(user).select_related("kind", "owner", "last_institution", "batch") \
        .filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def instrument_for_verification(user: User, *, public_code: str) -> Instrument | None:
    """The instrument a verifier has in front of them, by its label code.

    Verifiers find instruments outside their scope this way (they verify what
    is brought to them); the lookup needs the unguessable code.
    """
    if user.role not in (Role.VERIFIER, Role.INSTITUTION_MANAGER) or not public_code:
        return None
    return Instrument.objects.select_related("kind", "owner").filter(
        public_code=public_code.strip().upper()).first()


def instrument_records(user: User, instrument: Instrument) -> QuerySet:
    """The records of an instrument the caller may see (already scoped through the instrument)."""
    return VerificationRecord.objects.filter(instrument=instrument).select_related(
        "institution", "supersedes").order_by("-verified_on", "-id")


def due_list(
    user: User,
    *,
    window: str = "overdue",
    kind: str = "",
    use: str = "",
    region: str = "",
    owner: int | Sequence[int] | None = None,
    q: str = "",
    today: datetime.date | None = None,
) -> QuerySet:
    """Overdue (next due date passed) or due within 30/60/90 days; in due-date order.

    Read through the partial indexes (province_code, next_due_on, id) and
    (province_code, kind_id, next_due_on, id) WHERE status = 'in_use'.
    """
    today = today or timezone.localdate()
    start, end = rules.due_window(today, window)
    qs = _scoped_instruments(user).filter(status=Status.IN_USE, next_due_on__isnull=False)
    if left := left_kind_ids(today):  # catalogue (#14): kinds no longer under compulsory verification
        qs = qs.exclude(kind_id__in=left)
    if start is not None:
        qs = qs.filter(next_due_on__gte=start)
    qs = qs.filter(next_due_on__lte=end)
    qs = _filters(qs, kind=kind, use=use, region=region, owner=owner)
    if q.strip():
        qs = qs.filter(_instrument_search(user, q))
    return qs.select_related("kind", "owner").order_by("next_due_on", "id")


def record_list(user: User, *, conclusion: str = "", kind: str = "", q: str = "") -> QuerySet:
    """Records; ``q`` is a certificate number, a serial or public code, or the owner."""
    qs = user.scope.filter(VerificationRecord.objects.all(), orgs=RECORD_ORGS)
    if conclusion:
        qs = qs.filter(conclusion=conclusion)
    if kind:
        qs = qs.filter(instrument__kind__code=kind)
    if q.strip():
        cond = text_search(q, exact=["certificate_no", "instrument__serial_number"],
                           upper=["instrument__public_code"])
        owners = owner_filter(user, q)
        if owners.ids:
            cond |= Q(owner_id__in=owners.ids)
        qs = qs.filter(cond)
    return qs.select_related("instrument__kind", "institution", "owner").order_by("-id")


def record_detail(user: User, pk: int) -> VerificationRecord:
    found = user.scope.filter(VerificationRecord.objects.all(), orgs=RECORD_ORGS).select_related(
        "instrument__kind", "institution", "owner", "supersedes", "batch").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def batch_list(user: User) -> QuerySet:
    return user.scope.filter(MeterBatch.objects.all(), orgs=("owner", "institution")) \
        .select_related("kind", "owner", "institution").order_by("-id")


def batch_detail(user: User, pk: int) -> MeterBatch:
    found = batch_list(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def reminder_list(user: User, *, unread: bool = False, kind: str = "", due_action: str = "",
                  q: str = "") -> QuerySet:
    """The reminders addressed to the user's organisation; ``q`` a serial, code or owner."""
    if not user.is_authenticated or user.organisation_id is None:
        return Reminder.objects.none()
    qs = Reminder.objects.filter(organisation_id=user.organisation_id)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if due_action:
        qs = qs.filter(due_action=due_action)
    if q.strip():
        qs = qs.filter(text_search(q, exact=["instrument__serial_number"],
                                   upper=["instrument__public_code",
                                          "instrument__owner__credit_code"],
                                   contains=["instrument__owner__name"]))
    return qs.select_related("instrument__kind", "instrument__owner").order_by("-id")


def label_sheet(user: User, pk: int):
    """A label sheet the user asked for (404 otherwise)."""
    found = LabelSheet.objects.filter(created_by=user, pk=pk).defer("pdf").first()
    if found is None:
        raise Http404
    return found


def import_jobs(user: User) -> QuerySet:
    return ImportJob.objects.filter(created_by=user).defer("data", "errors_xlsx").order_by("-id")


def import_job(user: User, pk: int) -> ImportJob:
    found = ImportJob.objects.filter(created_by=user, pk=pk).defer("data").first()
    if found is None:
        raise Http404
    return found


# --- certificates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateState:
    state: str  # valid, expired, cancelled, renewed, superseded, notice, out_of_use, no_validity
    by: VerificationRecord | None = None


def certificate_state(record: VerificationRecord, today: datetime.date | None = None) -> CertificateState:
    """What a certificate (or notice) is worth today; derived, since records never change."""
    today = today or timezone.localdate()
    correction = VerificationRecord.objects.filter(supersedes=record).first()
    if correction is not None:
        return CertificateState("superseded", correction)
    if record.conclusion == Conclusion.FAIL:
        return CertificateState("notice")
    later = (VerificationRecord.objects.filter(instrument_id=record.instrument_id,
                                               corrections__isnull=True)
             .filter(Q(verified_on__gt=record.verified_on)
                     | Q(verified_on=record.verified_on, id__gt=record.id))
             .exclude(pk=record.pk).order_by("verified_on", "id").first())
    if later is not None:
        return CertificateState("cancelled" if later.conclusion == Conclusion.FAIL else "renewed",
                                later)
    if record.instrument.status in (Status.SCRAPPED, Status.REPLACED):
        return CertificateState("out_of_use")
    if record.valid_until is None:
        return CertificateState("no_validity")
    if record.valid_until < today:
        return CertificateState("expired")
    return CertificateState("valid")


def cancelled_certificate(notice: VerificationRecord) -> VerificationRecord | None:
    """The certificate a result notice cancelled: the effective pass just before it."""
    if notice.conclusion != Conclusion.FAIL:
        return None
    before = (VerificationRecord.objects.filter(instrument_id=notice.instrument_id,
                                                corrections__isnull=True)
              .filter(Q(verified_on__lt=notice.verified_on)
                      | Q(verified_on=notice.verified_on, id__lt=notice.id))
              .exclude(pk=notice.pk).order_by("-verified_on", "-id").first())
    if before is not None and before.conclusion == Conclusion.PASS:
        return before
    return None


# --- public look-ups (no scope: chosen fields only, each view logged) -------------------------


_CODE_SEPARATORS = re.compile(r"[\s\-_.·/]+")


def normalise_public_code(text: str) -> str:
    """A code as a person types it from a label: full-width letters, spaces, dashes, any case."""
    return _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).upper()


def _typed_variants(text: str) -> list[str]:
    """A number as printed, in the ways it may be typed: as is, upper-case, without spaces.

    Matching the variants with ``IN`` keeps the look-up on the index (``iexact`` would not)."""
    text = unicodedata.normalize("NFKC", text or "").strip()[:60]
    squeezed = re.sub(r"\s+", "", text)
    return list(dict.fromkeys(v for v in (text, text.upper(), squeezed, squeezed.upper(),
                                          re.sub(r"\s+", " ", text)) if v))


def public_instrument(code: str) -> Instrument:
    found = Instrument.objects.select_related("kind", "owner", "last_institution").filter(
        public_code=normalise_public_code(code)[:16]).first()
    if found is None:
        raise Http404
    return found


def public_latest_record(instrument: Instrument) -> VerificationRecord | None:
    return (VerificationRecord.objects.filter(instrument=instrument, corrections__isnull=True)
            .select_related("institution").order_by("-verified_on", "-id").first())


def public_certificate(code: str) -> VerificationRecord:
    found = VerificationRecord.objects.select_related("instrument__kind", "instrument__owner",
                                                      "institution", "batch").filter(
        public_code=normalise_public_code(code)[:16]).first()
    if found is None:
        raise Http404
    return found


def public_certificate_search(number: str) -> list[VerificationRecord]:
    variants = _typed_variants(number)
    if not variants:
        return []
    found = list(VerificationRecord.objects.select_related("instrument__kind", "owner",
                                                           "institution")
                 .filter(certificate_no__in=variants).order_by("-verified_on", "-id")[:20])
    return found


@dataclass
class PublicCheck:
    """What the public check found for one query; ``how`` says by which key it matched."""

    how: str = ""  # "code", "certificate", "serial" or "" (nothing)
    instrument: Instrument | None = None
    record: VerificationRecord | None = None
    records: list[VerificationRecord] = None  # type: ignore[assignment]
    instruments: list[Instrument] = None  # type: ignore[assignment]
    needs_owner: bool = False  # a serial was found, but only with its owner is it shown

    def __post_init__(self) -> None:
        self.records = self.records or []
        self.instruments = self.instruments or []


def public_check_version() -> tuple:
    """What the public check's answers depend on, in one round trip: the newest ledger entry
    (every service write leaves one: a record corrected, an organisation or kind renamed, an
    instrument edited) and the newest record and instrument (the bulk import adds rows before
    its ledger entry). The cached check pages are keyed by it (``core.caching``)."""
    from jiliang.audit.models import LedgerEntry

    connection = connections[router.db_for_read(Instrument)]  # the replica's, when it serves
    tables = [m._meta.db_table for m in (LedgerEntry, VerificationRecord, Instrument)]
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT MAX(id) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def public_check(text: str, *, owner: str = "") -> PublicCheck:
    """The one public look-up: the 16-character code printed on a label (an instrument's or a
    certificate's), a certificate number, or a serial number with its owner's name or credit
    code. Case, spacing and full-width characters do not matter. A serial alone is not enough:
    serials repeat across makers, and an owner's instruments are not listed to anyone who asks.
    """
    code = normalise_public_code(text)
    result = PublicCheck()
    if len(code) == 16:
        inst = Instrument.objects.select_related("kind", "owner").filter(public_code=code).first()
        record = None if inst else VerificationRecord.objects.filter(public_code=code).first()
        if inst or record:
            result = PublicCheck(how="code", instrument=inst, record=record)
    if not result.how:
        records = public_certificate_search(text)
        if records:
            return PublicCheck(how="certificate", records=records)
        serials = _typed_variants(text)
        owner = unicodedata.normalize("NFKC", owner or "").strip()[:200]
        if serials:
            qs = Instrument.objects.select_related("kind", "owner").filter(
                serial_number__in=serials)
            if owner:
                owners = Q(owner__credit_code__in=_typed_variants(owner)) | Q(
                    owner__name__icontains=owner)
                found = list(qs.filter(owners).order_by("id")[:20])
                if found:
                    result = PublicCheck(how="serial", instruments=found)
            elif qs.exists():
                result = PublicCheck(needs_owner=True)
    return result


# --- rates ------------------------------------------------------------------------------------

_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")


def short_province_name(name: str) -> str:
    """广东省 -> 广东, as the ECharts China map names provinces."""
    return _SUFFIX.sub("", name)


def _rate_filter(user: User, *, start: datetime.date, end: datetime.date, kind: str = "",
                 use: str = "", region: str = "") -> Q | None:
    scope = user.scope
    q = Q(month__gte=start.replace(day=1), month__lte=end)
    if scope.region_prefix is not None and not scope.everything:
        q &= Q(province_code=scope.region_prefix[:2], region_code__startswith=scope.region_prefix)
    elif not scope.everything:
        return None
    if region and region.isdigit():
        q &= Q(province_code=region[:2], region_code__startswith=region)
    if kind:
        q &= Q(kind_id=kind_id(kind))
    if use:
        q &= Q(use=use)
    return q


MEASURES = ("verified", "passed", "due", "due_verified")


def _with_rates(row: dict) -> dict:
    row["inspection_rate"] = rules.rate(row["due_verified"], row["due"])
    row["pass_rate"] = rules.rate(row["passed"], row["verified"])
    return row


GROUPS = ("kind", "use", "province", "region")


def _grouped(user: User, width: int, **filters) -> dict[str, dict[str, dict]]:
    """Sums per group, for every group at once: one statement over the rate cells and the
    deltas not folded yet, grouped by (kind, use, region prefix of ``width``) — a few hundred
    rows — and added up here per kind, use, province and region. (Four statements, one a
    group, read the same cells four times: 4 × 80 ms nationally at 10^6 instruments.)"""
    q = _rate_filter(user, **filters)
    out: dict[str, dict[str, dict]] = {g: {} for g in GROUPS}
    if q is None:
        return out
    sums = {m: Sum(m) for m in MEASURES}
    parts = [model.objects.filter(q).annotate(r=Substr("region_code", 1, width))
             .values("kind_id", "use", "r").annotate(**sums).order_by()
             for model in (RateCell, RateDelta)]
    for row in parts[0].union(parts[1], all=True):
        keys = {"kind": str(row["kind_id"]), "use": row["use"], "province": row["r"][:2],
                "region": row["r"]}
        for group, key in keys.items():
            total = out[group].setdefault(key, dict.fromkeys(MEASURES, 0))
            for m in MEASURES:
                total[m] += row[m] or 0
    return out


def rates_by(user: User, *, group: str, start: datetime.date, end: datetime.date, kind: str = "",
             use: str = "", region: str = "") -> list[dict]:
    """Totals and rates grouped by kind, use, province, or the next region level down."""
    return rates_by_groups(user, groups=(group,), start=start, end=end, kind=kind, use=use,
                           region=region)[group]


def rates_by_groups(user: User, *, groups: Sequence[str], start: datetime.date,
                    end: datetime.date, kind: str = "", use: str = "",
                    region: str = "") -> dict[str, list[dict]]:
    """``rates_by`` for several groupings from one reading of the cells."""
    prefix = region or (user.scope.region_prefix or "")
    width = 2 if not prefix else (4 if len(prefix) <= 2 else 6)
    grouped = _grouped(user, width, start=start, end=end, kind=kind, use=use, region=region)
    return {group: _rate_rows(group, grouped[group]) for group in groups}


def _rate_rows(group: str, sums: dict[str, dict]) -> list[dict]:
    rows = []
    if group == "kind":
        names = {str(k.pk): k for k in InstrumentKind.objects.all()}
        for key, total in sums.items():
            k = names.get(key)
            rows.append({"key": k.code if k else key, "label": k.name if k else key, **total})
    elif group == "use":
        for key, total in sums.items():
            rows.append({"key": key, "label": str(Use(key).label) if key in Use.values else key,
                         **total})
    elif group == "province":
        names = dict(Region.objects.filter(level=1).values_list("code", "name"))
        for key, total in sums.items():
            name = names.get(key + "0000", key)
            rows.append({"key": key, "label": name, "map_name": short_province_name(name),
                         **total})
    else:
        codes = [key.ljust(6, "0") for key in sums]
        names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
        for key, total in sums.items():
            code = key.ljust(6, "0")
            rows.append({"key": code, "label": names.get(code, code), **total})
    rows.sort(key=lambda r: r["key"])
    return [_with_rates(r) for r in rows]


def rates_total(rows: list[dict]) -> dict:
    total = {m: sum(r[m] for r in rows) for m in MEASURES}
    return _with_rates(total)


def public_rates(*, start: datetime.date, end: datetime.date, province: str = "") -> list[dict]:
    """The open statistics' counts (no user scope: counts only, no rows): sums per province
    and kind over the rate cells and the deltas not folded yet, like ``rates_by``."""
    q = Q(month__gte=start.replace(day=1), month__lte=end)
    if province:
        q &= Q(province_code=province)
    sums = {m: Sum(m) for m in MEASURES}
    parts = [model.objects.filter(q).values("province_code", "kind_id").annotate(**sums)
             .order_by() for model in (RateCell, RateDelta)]
    out: dict[tuple[str, int], dict] = {}
    for row in parts[0].union(parts[1], all=True):
        total = out.setdefault((row["province_code"], row["kind_id"]), dict.fromkeys(MEASURES, 0))
        for m in MEASURES:
            total[m] += row[m] or 0
    kinds = {k.pk: k for k in InstrumentKind.objects.filter(pk__in={k for _p, k in out})}
    rows = []
    for (code, kind_pk), total in sorted(out.items()):
        kind = kinds.get(kind_pk)
        rows.append({"province_code": code, "kind_code": kind.code if kind else str(kind_pk),
                     "kind": kind.name if kind else str(kind_pk), **total})
    return rows


def last_recorded() -> datetime.datetime | None:
    """When the last verification was recorded (the open statistics' date of update)."""
    return VerificationRecord.objects.order_by("-id").values_list("recorded_at", flat=True).first()


# --- contract 3: registry look-ups for supervision and energy --------------------------------


def instrument_status(*, owner_id: int, serial_numbers: Iterable[str],
                      on: datetime.date) -> dict[str, dict]:
    """The registry's view of an owner's instruments, keyed by serial number (no user scope)."""
    serials = sorted({s for s in serial_numbers if s})
    out: dict[str, dict] = {}
    for start in range(0, len(serials), 500):
        chunk = serials[start:start + 500]
        for inst in (Instrument.objects.filter(owner_id=owner_id, serial_number__in=chunk)
                     .select_related("kind").order_by("serial_number", "-id")):
            if inst.serial_number in out:
                continue
            out[inst.serial_number] = {
                "public_code": inst.public_code,
                "kind_code": inst.kind.code,
                "status": inst.status,
                "status_label": str(inst.get_status_display()),
                "last_conclusion": inst.last_conclusion or None,
                "valid_until": inst.valid_until,
                "overdue": bool(inst.status == Status.IN_USE and inst.next_due_on is not None
                                and inst.next_due_on < on),
            }
    return out


def instruments_of_owner(*, owner_id: int, kind_codes: Iterable[str] | None = None) -> QuerySet:
    qs = Instrument.objects.filter(owner_id=owner_id).select_related("kind")
    if kind_codes is not None:
        qs = qs.filter(kind__code__in=list(kind_codes))
    return qs.order_by("kind_id", "serial_number")


# --- traceability (issue 12) ------------------------------------------------------------------


def record_standard(record: VerificationRecord) -> dict | None:
    """The registered standard behind a record (``on_file`` False: "standard not on file");
    None without the traceability app."""
    found = hooks.traceability("selectors")
    return found.record_standard(record) if found is not None else None


def under_review(instrument: Instrument) -> bool:
    """A certificate of the instrument was issued with a standard later found wrong."""
    found = hooks.traceability("selectors")
    return found.under_review(instrument.pk) if found is not None else False


def standard_choices(institution_id: int | None, kind_code: str = "") -> tuple[list, list] | None:
    """(standards, reference-material lots) of the institution for the record form; None without
    the traceability app (the form then asks for the standard as free text)."""
    found = hooks.traceability("selectors")
    if found is None:
        return None
    if institution_id is None:
        return [], []
    return ([(s.pk, f"{s.code} {s.name}") for s in found.standards_for(institution_id, kind_code)],
            [(lot.pk, str(lot)) for lot in found.lots_for(institution_id)])



# --- evidence on records (issue 18) ------------------------------------------------------------

FINDING_ORGS = ("owner_id",)


def evidence_findings(user: User, *, kind: str = "") -> QuerySet:
    """Counters that moved, checksums that changed... between two verifications, scoped."""
    from jiliang.registry.models import EvidenceFinding

    qs = user.scope.filter(EvidenceFinding.objects.all(), orgs=FINDING_ORGS)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("instrument__kind", "owner", "record", "previous").order_by("-id")


def evidence_findings_of(user: User, instrument: Instrument) -> list:
    return list(evidence_findings(user).filter(instrument=instrument)[:50])
