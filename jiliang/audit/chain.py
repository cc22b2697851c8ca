"""Tamper-evident tables: the hash-chain mechanism for any model.

A model that must not change silently subclasses ``Chained`` and names the
fields that go into each link (``CHAIN_FIELDS``) and how rows are grouped into
chains (``chain_key``: one chain for the whole table, or one per province,
per energy unit...). Rows are appended with ``chain_append`` (or, on bulk
paths, with ``ChainWriter`` inside ``chain_lock``); ``chain_verify``
recomputes every chain of a model and names the first broken row. The
command ``verify_ledger`` runs it over every chained model.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from django.apps import apps
from django.db import models, transaction

from jiliang.rules.chain import GENESIS, Break, first_break, link_all


class ChainHead(models.Model):
    """The last link of each chain: the lock writers queue on, and the guard against a cut tail."""

    chain = models.CharField(max_length=100)
    key = models.CharField(max_length=64)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        app_label = "audit"
        constraints = [models.UniqueConstraint(fields=["chain", "key"], name="audit_chainhead_uniq")]

    def __str__(self) -> str:
        return f"{self.chain}[{self.key}] #{self.last_seq}"


class Chained(models.Model):
    """Abstract base of append-only rows linked by SHA-256."""

    chain_key = models.CharField(max_length=64, editable=False)
    chain_seq = models.BigIntegerField(editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    CHAIN_FIELDS: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["chain_key", "chain_seq"], name="%(app_label)s_%(class)s_chain_uniq"
            )
        ]

    @classmethod
    def chain_name(cls) -> str:
        return cls._meta.label_lower

    def chain_key_value(self) -> str:
        """The chain this row belongs to; override to split chains (per province, per unit)."""
        return ""

    def chain_payload(self) -> dict[str, object]:
        return {name: canonical_value(self, name) for name in self.CHAIN_FIELDS}


def canonical_value(instance: models.Model, name: str) -> object:
    """A field's value as the same JSON-safe text on SQLite and PostgreSQL."""
    field = instance._meta.get_field(name)
    value = getattr(instance, field.attname)
    return canonical(value, field)


def canonical(value: object, field: models.Field | None = None) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal):
        places = getattr(field, "decimal_places", None)
        if places is not None:
            return f"{value:.{places}f}"
        return format(value.normalize(), "f")
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, float):
        return repr(value)
    return str(value)


class ChainWriter:
    """Hands out links for one chain while its head is locked."""

    def __init__(self, head: ChainHead) -> None:
        self.head = head

    def link(self, payload: dict[str, object]) -> tuple[int, str, str]:
        link = next(link_all([payload], last_seq=self.head.last_seq, last_hash=self.head.last_hash))
        self.head.last_seq, self.head.last_hash = link.seq, link.hash
        return link.seq, link.prev_hash, link.hash

    def stamp(self, row: Chained, key: str) -> Chained:
        row.chain_key = key
        row.chain_seq, row.prev_hash, row.row_hash = self.link(row.chain_payload())
        return row


@contextmanager
def chain_lock(chain: str, key: str) -> Iterator[ChainWriter]:
    """Lock one chain's head for the enclosing transaction and save it on exit."""
    with transaction.atomic():
        ChainHead.objects.bulk_create([ChainHead(chain=chain, key=key)], ignore_conflicts=True)
        head = ChainHead.objects.select_for_update().get(chain=chain, key=key)
        writer = ChainWriter(head)
        yield writer
        ChainHead.objects.filter(pk=head.pk).update(
            last_seq=head.last_seq, last_hash=head.last_hash
        )


M = TypeVar("M", bound=Chained)


def chain_append(rows: Iterable[M]) -> list[M]:
    """Link and insert rows, in order, each into its own chain."""
    rows = list(rows)
    if not rows:
        return rows
    model = type(rows[0])
    by_key: dict[str, list[M]] = {}
    for row in rows:
        by_key.setdefault(row.chain_key_value(), []).append(row)
    with transaction.atomic():
        for key in sorted(by_key):  # a fixed lock order: two writers never deadlock
            with chain_lock(model.chain_name(), key) as writer:
                for row in by_key[key]:
                    writer.stamp(row, key)
        model.objects.bulk_create(rows, batch_size=1000)
    return rows


@dataclass(frozen=True)
class ChainReport:
    model: str
    key: str
    links: int
    broken: Break | None
    row_pk: object = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def chain_verify(model: type[Chained], *, batch: int = 5000) -> list[ChainReport]:
    """Recompute every chain of ``model``; one report per chain."""
    reports = []
    heads = {h.key: h for h in ChainHead.objects.filter(chain=model.chain_name())}
    keys = set(heads) | set(model.objects.values_list("chain_key", flat=True).distinct())
    for key in sorted(keys):
        qs = model.objects.filter(chain_key=key).order_by("chain_seq")
        counted = _Counter(
            (row.chain_seq, row.prev_hash, row.row_hash, row.chain_payload())
            for row in qs.iterator(chunk_size=batch)
        )
        broken = first_break(counted)
        head = heads.get(key)
        if broken is None and head is not None and (head.last_seq != counted.last_seq or (
            counted.last_seq and head.last_hash != counted.last_hash
        )):
            broken = Break(
                counted.last_seq + 1,
                f"the chain ends at link {counted.last_seq} but its head records "
                f"link {head.last_seq}",
            )
        reports.append(
            ChainReport(
                model=model._meta.label,
                key=key,
                links=counted.count,
                broken=broken,
                row_pk=(
                    model.objects.filter(chain_key=key, chain_seq=broken.seq)
                    .values_list("pk", flat=True)
                    .first()
                    if broken
                    else None
                ),
            )
        )
    return reports


class _Counter:
    def __init__(self, rows: Iterator[tuple]) -> None:
        self._rows = rows
        self.count = 0
        self.last_seq = 0
        self.last_hash = GENESIS

    def __iter__(self) -> Iterator[tuple]:
        for row in self._rows:
            self.count += 1
            self.last_seq, self.last_hash = row[0], row[2]
            yield row


def chained_models() -> list[type[Chained]]:
    return [m for m in apps.get_models() if issubclass(m, Chained)]
