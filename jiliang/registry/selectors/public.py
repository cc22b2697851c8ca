"""What a certificate is worth today, and the public look-ups (no scope: chosen fields only)."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from jiliang.registry.models import Conclusion, Instrument, Status, VerificationRecord

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
