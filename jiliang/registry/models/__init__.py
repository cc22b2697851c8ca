"""Instruments in use under compulsory verification (强检建档) and their verifications.

Scale: a national deployment files ~10^8 instruments. Every list is read
through an index that puts the province first as an equality
(``province_code`` beside ``region_code``) so a province's overdue page is
read in due-date order, never sorted; the rates come from ``RateCell``,
kept up to date by the services and the bulk import.

The models live in modules by area (``instruments``: instruments, records and meter batches;
``work``: rate cells, reminders, import jobs, look-up counts and label sheets; ``evidence``:
the evidence on records, issue 18), and are all importable from here.
"""

from jiliang.registry.models.evidence import (
    EvidenceFinding,
    RemoteVerificationAllowance,
    VerificationEvidence,
)
from jiliang.registry.models.instruments import (
    IN_USE,
    Conclusion,
    DueAction,
    Instrument,
    MeterBatch,
    Status,
    VerificationRecord,
    VerificationType,
    new_public_code,
    new_public_codes,
)
from jiliang.registry.models.work import (
    ImportJob,
    LabelSheet,
    PublicLookup,
    RateCell,
    RateDelta,
    Reminder,
)

__all__ = [
    "IN_USE", "Conclusion", "DueAction", "EvidenceFinding", "ImportJob", "Instrument",
    "LabelSheet", "MeterBatch", "PublicLookup", "RateCell", "RateDelta", "Reminder",
    "RemoteVerificationAllowance", "Status", "VerificationEvidence", "VerificationRecord",
    "VerificationType", "new_public_code", "new_public_codes",
]
