"""The registry as other areas read it: contract 3 (supervision and energy), the
traceability of a record's standard (issue 12) and the evidence findings (issue 18)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet

from jiliang.core.models import User
from jiliang.registry import hooks
from jiliang.registry.models import EvidenceFinding, Instrument, Status, VerificationRecord

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
    # A finding stands on a record in force: a corrected record's findings give way to those of
    # its correction (which carries its evidence forward, issue 18).
    qs = user.scope.filter(EvidenceFinding.objects.filter(record__corrections__isnull=True),
                           orgs=FINDING_ORGS)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("instrument__kind", "owner", "record", "previous").order_by("-id")


def evidence_findings_of(user: User, instrument: Instrument) -> list:
    return list(evidence_findings(user).filter(instrument=instrument)[:50])
