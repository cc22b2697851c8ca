"""The ingest path of instrument events: parse, check, judge, chain, load.

``services.batch_ingest`` is the entry point (signature, chain of batches, idempotency, audit);
this module does the work behind it in one pass over the batch: each event is checked, judged
by the tamper rules (``jiliang.rules.tamper``) against the instrument's state and its
verifications, and handed to the shared chained loader (``jiliang.core.signed_batches``), which
COPYs it on PostgreSQL while the next ones are judged.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.core import signed_batches
from jiliang.core.params import json_loads
from jiliang.core.signed_batches import RowError
from jiliang.monitoring.models import DeviceState
from jiliang.rules import tamper as rules

UTC = datetime.UTC
NULL = signed_batches.NULL
COLUMNS = ("chain_key", "chain_seq", "prev_hash", "row_hash", "region_code", "occurred_at",
           "kind", "value", "sales", "detail", "gateway_id", "batch_id", "instrument_id")
GENESIS = "0" * 64
COUNTERS = rules.COUNTERS
VALUED = COUNTERS | {"totaliser"}  # events that carry a value


@dataclass(slots=True)
class Device:
    """What the ingest path needs of an instrument the gateway reports."""

    pk: int
    kind_code: str
    region_code: str
    events: frozenset[str]


@dataclass
class Raised:
    """A rule broken by one event: which, the event, and its place in the chain."""

    rule: str
    params: dict
    instrument_id: int
    occurred_at: datetime.datetime
    seq: int
    event: dict


@dataclass
class Written:
    accepted: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    raised: list[Raised] = field(default_factory=list)


def read_body(body: bytes) -> tuple[str, list]:
    """(previous batch's SHA-256, events) of a body {"previous": ..., "events": [...]}; raises
    ValueError when the body as a whole is unreadable."""
    try:
        data = json_loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise ValueError(_("The body needs a list “events” of {instrument, time, kind, value}."))
    previous = data.get("previous")
    if not isinstance(previous, str):
        raise ValueError(_("The body names the SHA-256 of the gateway's previous batch in "
                           "“previous” (64 zeros for its first batch)."))
    return previous.strip().lower(), events


def devices_of(organisation_id: int) -> dict[str, Device]:
    """The owner's instruments of a kind that reports events, by public code."""
    from jiliang.registry.models import Instrument

    classes = {item["code"]: item for item in rules.data()["device_classes"]}
    kinds = {kind: c for c in classes for kind in classes[c]["kinds"]}
    out = {}
    for pk, code, kind_code, region in (Instrument.objects.filter(
            owner_id=organisation_id, kind__code__in=list(kinds))
            .values_list("pk", "public_code", "kind__code", "region_code")):
        out[code] = Device(pk, kind_code, region, rules.events_of_class(kinds[kind_code]))
    return out


def verifications_of(instrument_ids) -> dict[int, list[rules.Verification]]:
    """The instruments' verifications in force (not corrected), by date, with the event counter
    each one left where its evidence records it. One index read by instrument; the corrected
    ones are dropped here (a join on the corrections would cost each batch more)."""
    from jiliang.registry.models import VerificationRecord

    if signed_batches.copies():  # one array parameter, not a thousand
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT instrument_id, verified_on, id, supersedes_id FROM "
                f"{VerificationRecord._meta.db_table} WHERE instrument_id = ANY(%s)",
                [list(instrument_ids)])
            rows = cursor.fetchall()
    else:
        rows = list(VerificationRecord.objects.filter(instrument_id__in=list(instrument_ids))
                    .values_list("instrument_id", "verified_on", "pk", "supersedes_id"))
    if not rows:
        return {}
    corrected = {row[3] for row in rows if row[3] is not None}
    rows = sorted((r for r in rows if r[2] not in corrected), key=lambda r: (r[1], r[2]))
    counters = counters_left([pk for _i, _on, pk, _s in rows])
    out: dict[int, list[rules.Verification]] = {}
    for instrument_id, on, pk, _s in rows:
        out.setdefault(instrument_id, []).append(rules.Verification(on, counters.get(pk)))
    return out


def counters_left(record_ids: list[int]) -> dict[int, int]:
    """The event counter each record left, where its evidence records one."""
    try:
        from jiliang.registry.models import VerificationEvidence
    except ImportError:  # the evidence on records comes with its own step
        return {}
    return dict(VerificationEvidence.objects.filter(record_id__in=record_ids,
                                                    counter_left__isnull=False)
                .values_list("record_id", "counter_left"))


# Times and decimals read as text and parsed here: psycopg's loaders (Django's for times) cost
# ~40 ms for a batch's thousand rows, the text a millisecond.
STATE_SQL = ("SELECT instrument_id, counter, counter_at::text, totaliser::text, sales::text, "
             "totaliser_at::text, last_event_at::text FROM monitoring_devicestate "
             "WHERE instrument_id = ANY(%s) ORDER BY instrument_id FOR UPDATE")


def _state_of(row: tuple) -> tuple[int, tuple[rules.State, datetime.datetime | None]]:
    """A STATE_SQL row (times in UTC, as the connection's time zone gives them)."""
    pk, counter, counter_at, totaliser, sales, totaliser_at, last = row
    when = datetime.datetime.fromisoformat
    return pk, (rules.State(counter, counter_at and when(counter_at),
                            totaliser and Decimal(totaliser), sales and Decimal(sales),
                            totaliser_at and when(totaliser_at)), last and when(last))


def _array(values) -> str:
    """A PostgreSQL array literal of numbers and aware datetimes (none needs quoting). A batch's
    instruments share a few times, so each time is formatted once."""
    texts: dict = {None: "NULL"}
    out = []
    for v in values:
        text = texts.get(v)
        if text is None:
            text = texts[v] = v.isoformat() if type(v) is datetime.datetime else str(v)
        out.append(text)
    return "{" + ",".join(out) + "}"


def states_of(instrument_ids) -> dict[int, tuple[rules.State, datetime.datetime | None]]:
    """Each instrument's state before the batch, and the time of its latest event on file.

    On PostgreSQL the instruments' rows are locked (made first where missing), in one order: two
    batches reporting one instrument (two gateways of its owner) take turns, and the second
    judges and de-duplicates against what the first wrote. SQLite writes one transaction at a
    time."""
    ids = sorted(instrument_ids)
    if not signed_batches.copies():
        return {row[0]: (rules.State(*row[1:6]), row[6]) for row in DeviceState.objects.filter(
            instrument_id__in=ids).values_list(
            "instrument_id", "counter", "counter_at", "totaliser", "sales", "totaliser_at",
            "last_event_at")}
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL, [ids])
        found = dict(map(_state_of, cursor.fetchall()))
        missing = [pk for pk in ids if pk not in found]
        if missing:  # an instrument's first events: its row, to lock
            cursor.execute("INSERT INTO monitoring_devicestate (instrument_id) "
                           "SELECT unnest(%s::bigint[]) ON CONFLICT DO NOTHING", [missing])
            cursor.execute(STATE_SQL, [missing])
            found.update(map(_state_of, cursor.fetchall()))
    return found


def stored_events(rows: list[tuple]) -> dict[tuple, tuple]:
    """The events on file with the identity of one of ``rows`` (instrument, kind, time):
    identity → (value, sales, detail)."""
    if not rows:
        return {}
    if signed_batches.copies():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.instrument_id, e.kind, e.occurred_at, e.value, e.sales, e.detail "
                "FROM monitoring_event e JOIN unnest(%s::bigint[], %s::text[], "
                "%s::timestamptz[]) AS k(i, c, t) ON e.instrument_id = k.i AND e.kind = k.c "
                "AND e.occurred_at = k.t",
                [[r[3].pk for r in rows], [r[4] for r in rows], [r[0] for r in rows]])
            found = cursor.fetchall()
    else:
        from jiliang.monitoring.models import Event

        found = []
        for i in range(0, len(rows), 200):  # a superset by instrument and time, then exactly
            chunk = rows[i:i + 200]
            found += Event.objects.filter(
                instrument_id__in={r[3].pk for r in chunk}, occurred_at__in={r[0] for r in chunk}
            ).values_list("instrument_id", "kind", "occurred_at", "value", "sales", "detail")
    return {(pk, kind, at.astimezone(UTC)): (value, sales, detail)
            for pk, kind, at, value, sales, detail in found}


FIGURES = ("value", "sales", "detail")


def once(rows: list[tuple], states: dict, out: Written) -> list[tuple]:
    """The rows that are new: an event already on file or earlier in the batch (same instrument,
    kind and time) is a duplicate, counted in ``out`` and dropped, so it is neither stored nor
    judged twice; sent again with other figures, it is a row error (an event never changes).

    Only rows no later than the instrument's latest event on file are looked up: a stream moving
    forward costs no query."""
    first = rows[0][0]  # (rows in time order)
    late = {pk: last for pk, (_state, last) in states.items()
            if last is not None and last >= first}  # instruments with events on file this late
    earlier = [r for r in rows if r[3].pk in late and r[0] <= late[r[3].pk]] if late else []
    if not earlier and len({(r[3].pk, r[4], r[0]) for r in rows}) == len(rows):
        return rows  # the usual batch: nothing on file at its times, nothing twice
    known = stored_events(earlier)
    return firsts(rows, known, out)


def firsts(rows: list[tuple], known: dict[tuple, tuple], out: Written) -> list[tuple]:
    """The rows whose identity is neither in ``known`` (events on file) nor earlier in the
    batch; the others counted as duplicates, or refused when their figures differ."""
    kept = []
    for row in rows:
        at, _iso, number, device, kind, value, sales, detail = row
        key = (device.pk, kind, at)
        first = known.get(key)
        if first is None:
            known[key] = (value, sales, detail)
            kept.append(row)
        elif first == (value, sales, detail):
            out.duplicates += 1
        else:
            field_name = next(f for f, a, b in zip(FIGURES, first, (value, sales, detail),
                                                   strict=True) if a != b)
            out.errors.append(RowError(number, field_name, _(
                "An event of this instrument, kind and time is on file with other figures: an "
                "event is sent once and never changes.")))
    return kept


PLAIN_COUNTER = re.compile(r"[0-9]{1,12}\Z").match  # a counter as gateways send it


def _decimal(raw, *, whole: bool) -> Decimal | None | RowError:
    if raw is None or raw == "":
        return None
    value = signed_batches.register_value(raw)
    if type(value) is str:
        return RowError(0, "", value)
    if whole and value != value.to_integral_value():
        return RowError(0, "", _("A counter is a whole number."))
    return value


class EventCheck:
    """The checks of one batch's events, one named step a field; what is parsed once (a time
    text, the kinds) is kept for the batch's other events."""

    def __init__(self, devices: dict[str, Device], *, latest: datetime.datetime) -> None:
        self.devices = devices
        self.latest = latest
        self.known_kinds = frozenset(rules.event_codes())
        self.times: dict[str, tuple[datetime.datetime, str]] = {}

    def row(self, number: int, item) -> tuple | RowError:
        """(time (UTC), time text, row, device, kind, value, sales, detail), or the row's error."""
        try:  # the usual event: its instrument's code as filed, a kind it reports, a time seen
            device = self.devices[item["instrument"]]
            kind = item["kind"]
            known = self.times[item["time"]] if kind in device.events else None
        except (KeyError, TypeError):  # not so: the checks one by one, with their errors
            known = None
        if known is None:
            found = self.identity(number, item)
            if type(found) is RowError:
                return found
            device, kind, known = found
        value = item.get("value")
        if not (kind in COUNTERS and type(value) is str and PLAIN_COUNTER(value)):
            value = self.value(value, kind)
            if type(value) is RowError:
                return RowError(number, "value", value.message)
        else:
            value = int(value)  # a counter as gateways send it: no Decimal needed
        sales = item.get("sales")
        sales = None if sales is None else _decimal(sales, whole=False)
        if type(sales) is RowError:
            return RowError(number, "sales", sales.message)
        detail = item.get("detail") or ""
        if not isinstance(detail, str) or len(detail) > 200:
            return RowError(number, "detail", _("The detail is a text of at most 200 characters."))
        return (known[0], known[1], number, device, kind, value, sales, detail)

    def identity(self, number: int, item) -> tuple | RowError:
        """(device, kind, (time in UTC, its text)) of an event, or the row's error."""
        if not isinstance(item, dict):
            return RowError(number, "", _("An event is an object {instrument, time, kind, value}."))
        code = item.get("instrument")
        device = self.devices.get(code.strip().upper()) if type(code) is str else None
        if device is None:
            return RowError(number, "instrument", _(
                "No instrument with public code “%(code)s” of this gateway's owner reports "
                "events.") % {"code": str(item.get("instrument"))[:20]})
        kind = item.get("kind")
        if type(kind) is not str or kind not in self.known_kinds or kind not in device.events:
            return RowError(number, "kind", _(
                "“%(kind)s” is not an event this kind of instrument reports.") % {
                "kind": str(kind)[:30]})
        raw = item.get("time")
        known = self.times.get(raw) if type(raw) is str else None
        if known is None:  # a time not seen yet in the batch
            known = signed_batches.batch_time(raw, self.latest, self.times)
            if type(known) is str:
                return RowError(number, "time", known)
        return device, kind, known

    @staticmethod
    def value(raw, kind: str) -> int | Decimal | None | RowError:
        value = None if raw is None else _decimal(raw, whole=kind in COUNTERS)
        if value is None and kind in VALUED:
            return RowError(0, "", _("This event carries a value."))
        return value


def validate(events: list, devices: dict[str, Device], *, now: datetime.datetime,
             future_tolerance_s: int, out: Written) -> list[tuple]:
    """Good events as (time (UTC), time text, row, device, kind, value, sales, detail), in time
    order; the bad ones' errors into ``out``."""
    check = EventCheck(devices, latest=now + datetime.timedelta(seconds=future_tolerance_s))
    row_of = check.row
    good = []
    append = good.append
    latest = None
    in_order = True
    for number, item in enumerate(events, start=1):
        row = row_of(number, item)
        if type(row) is RowError:
            out.errors.append(row)
            continue
        append(row)
        if latest is not None and row[0] < latest:
            in_order = False
        latest = row[0]
    # Time order (a stable sort: rows of one time stay as sent); gateways mostly send them so.
    if not in_order:
        good.sort(key=itemgetter(0))
    return good


def write(*, gateway, batch, events: list, devices: dict[str, Device], now: datetime.datetime,
          future_tolerance_s: int, writer, judge: rules.Judge) -> tuple[Written, dict]:
    """Check, judge and load a batch's events under the gateway's chain lock; the states to keep."""
    out = Written()
    rows = validate(events, devices, now=now, future_tolerance_s=future_tolerance_s, out=out)
    if not rows:
        return out, {}
    ids = {row[3].pk for row in rows}
    found = states_of(ids)
    rows = once(rows, found, out)
    if not rows:
        return out, {}
    states = {pk: state for pk, (state, _last) in found.items()}
    verifications = verifications_of(ids)
    tz = timezone.get_current_timezone()
    chain_key = str(gateway.pk)
    gateway_id, batch_id = gateway.pk, batch.pk
    first_seq = writer.head.last_seq
    copies = signed_batches.copies()
    copy_text, dumps = signed_batches.copy_text, json.dumps
    touched: dict[int, datetime.datetime] = {}
    judge_event = judge.event
    raised = out.raised
    local_dates: dict[datetime.datetime, datetime.date] = {}

    def linked():
        seq = first_seq
        for at, iso, _number, device, kind, value, sales, detail in rows:
            seq += 1
            pk = device.pk
            state = states.get(pk)
            if state is None:
                state = states[pk] = rules.State()
            on = local_dates.get(at)
            if on is None:  # the instruments read at one time come together: once a time
                on = local_dates[at] = at.astimezone(tz).date()
            hits = judge_event(state, verifications.get(pk, ()), kind, at, on, value, sales)
            touched[pk] = at
            # The chain's canonical text of numeric(18, 3): a counter taken as an int gets its
            # three decimals here, as the stored value will read back. Each figure is written
            # once, for the chain and the COPY alike.
            if value is None:
                value_text, value_json = None, "null"
            else:
                value_text = f"{value}.000" if type(value) is int else str(value)
                value_json = f'"{value_text}"'
            if sales is None:
                sales_text, sales_json = None, "null"
            else:
                sales_text = str(sales)
                sales_json = f'"{sales_text}"'
            detail_json = dumps(detail, ensure_ascii=False) if detail else '""'
            if hits:
                event = {"kind": kind, "time": iso, "value": None if value is None
                         else str(value), "sales": sales_text, "detail": detail}
                for hit in hits:
                    raised.append(Raised(hit.rule, hit.params, pk, at, seq, event))
            payload = (f'{{"batch":{batch_id},"detail":{detail_json},"instrument":{pk},'
                       f'"kind":"{kind}","occurred_at":"{iso}","sales":{sales_json},'
                       f'"value":{value_json}}}')
            if copies:
                yield payload, (
                    f"{device.region_code}\t{iso}\t{kind}\t{value_text or NULL}\t"
                    f"{sales_text or NULL}\t{copy_text(detail) if detail else ''}\t"
                    f"{gateway_id}\t{batch_id}\t{pk}")
            else:
                yield payload, (device.region_code, at.replace(tzinfo=None).isoformat(" "), kind,
                                value_text, sales_text, detail, gateway_id, batch_id, pk)

    signed_batches.load_chained(table="monitoring_event", columns=COLUMNS, head=writer.head,
                                chain_key=chain_key, rows=linked())
    out.accepted = len(rows)
    # The latest event on file of each instrument: a batch may bring older ones than the last.
    return out, {pk: (states[pk], max(at, found.get(pk, (None, at))[1] or at))
                 for pk, at in touched.items()}


def save_states(kept: dict) -> None:
    """The instruments' counters and totalisers after the batch, for the next one: one
    set-based upsert."""
    if not kept:
        return
    if signed_batches.copies():
        columns = list(zip(*[(pk, st.counter, st.counter_at, st.totaliser, st.sales,
                              st.totaliser_at, last) for pk, (st, last) in kept.items()],
                           strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO monitoring_devicestate (instrument_id, counter, counter_at, "
                "totaliser, sales, totaliser_at, last_event_at) SELECT * FROM unnest("
                "%s::bigint[], %s::bigint[], %s::timestamptz[], %s::numeric[], %s::numeric[], "
                "%s::timestamptz[], %s::timestamptz[]) ON CONFLICT (instrument_id) DO UPDATE SET "
                "counter = EXCLUDED.counter, counter_at = EXCLUDED.counter_at, "
                "totaliser = EXCLUDED.totaliser, sales = EXCLUDED.sales, "
                "totaliser_at = EXCLUDED.totaliser_at, last_event_at = EXCLUDED.last_event_at",
                [_array(c) for c in columns])  # literals: psycopg dumps lists element by element
        return
    rows = [DeviceState(instrument_id=pk, counter=state.counter, counter_at=state.counter_at,
                        totaliser=state.totaliser, sales=state.sales,
                        totaliser_at=state.totaliser_at, last_event_at=last)
            for pk, (state, last) in kept.items()]
    DeviceState.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["instrument"],
        update_fields=["counter", "counter_at", "totaliser", "sales", "totaliser_at",
                       "last_event_at"])


def links_of(chain_key: str, seqs: list[int]) -> dict[int, tuple[str, str]]:
    """(prev_hash, row_hash) of the given links of a gateway's chain: the alerts' evidence."""
    if not seqs:
        return {}
    from jiliang.monitoring.models import Event

    return {seq: (prev, digest) for seq, prev, digest in Event.objects.filter(
        chain_key=chain_key, chain_seq__in=seqs).values_list("chain_seq", "prev_hash",
                                                              "row_hash")}

