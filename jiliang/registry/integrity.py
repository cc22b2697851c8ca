"""The instrument's state, checked against what it derives from.

An instrument's due date, validity, last conclusion and due action are copies, for the lists,
of what its effective verification records say (``services.refresh_state``); the records are
chained. Its status changes only through services that write the status into the chained
ledger. ``verify_ledger`` calls ``instrument_state_check`` (the app's ``integrity_checks``):
a state edited behind the services' back no longer matches its source and is named.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from jiliang.audit.models import LedgerEntry
from jiliang.registry.models import Instrument, Status, VerificationRecord
from jiliang.rules import verification as rules

CHECKED = ("next_due_on", "valid_until", "last_conclusion", "due_action")
CHUNK = 2000


def _derived(instrument: Instrument, latest: VerificationRecord | None) -> dict:
    if latest is None:
        return {"next_due_on": instrument.first_use_on or timezone.localtime(
                    instrument.filed_at or timezone.now()).date(),
                "valid_until": None, "last_conclusion": "", "due_action": rules.DUE_FIRST}
    due, action, _replace = rules.due_after(
        mode=latest.management_mode, passed=latest.passed, verified_on=latest.verified_on,
        valid_until=latest.valid_until)
    return {"next_due_on": due, "valid_until": latest.valid_until,
            "last_conclusion": latest.conclusion, "due_action": action}


def _statuses(pks: list[int]) -> dict[str, str]:
    """The last status the chained ledger recorded for each instrument (by id as text)."""
    label = Instrument._meta.label_lower
    out: dict[str, str] = {}
    entries = (LedgerEntry.objects.filter(object_type=label, object_id__in=[str(p) for p in pks])
               .order_by("chain_key", "chain_seq").values_list("object_id", "after"))
    for object_id, after in entries.iterator():
        if isinstance(after, dict) and "status" in after:
            out[object_id] = after["status"]
    return out


def instrument_state_check() -> Iterator[str]:
    """One line per instrument whose stored state differs from its chained sources."""
    fields = ("pk", "public_code", "status", "first_use_on", "filed_at", *CHECKED)
    last_pk = 0
    while True:
        chunk = list(Instrument.objects.filter(pk__gt=last_pk).order_by("pk").only(*fields)[:CHUNK])
        if not chunk:
            return
        last_pk = chunk[-1].pk
        latest: dict[int, VerificationRecord] = {}
        records = (VerificationRecord.objects.filter(instrument__in=chunk,
                                                     corrections__isnull=True)
                   .order_by("instrument_id", "verified_on", "id")
                   .only("instrument_id", "verified_on", "valid_until", "conclusion",
                         "management_mode"))
        for record in records.iterator():
            latest[record.instrument_id] = record  # the last one of each is the latest
        statuses = _statuses([i.pk for i in chunk])
        for inst in chunk:
            expected = _derived(inst, latest.get(inst.pk))
            for name in CHECKED:
                if getattr(inst, name) != expected[name]:
                    yield (f"registry.Instrument {inst.pk} ({inst.public_code}): {name} is "
                           f"{getattr(inst, name)}, its verification records give "
                           f"{expected[name]}")
            status = statuses.get(str(inst.pk), Status.IN_USE)
            if inst.status != status:
                yield (f"registry.Instrument {inst.pk} ({inst.public_code}): status is "
                       f"{inst.status}, the ledger last recorded {status}")
