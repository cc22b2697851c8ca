"""Every query the hot paths send to the big tables carries the key they would be distributed
by (docs/scaling.md): the province for the registry's tables, the energy unit for the meter
data. Read from the SQL the selectors really send, at provincial and at national scope.

- At provincial scope each distributed table in a query is narrowed to the province, by a
  literal (``province_code = '44'``) or by equality with a table that is: Citus routes the
  query to the shards of one province.
- At national scope a query may span every shard, but two distributed tables are joined only
  on their key (a co-located join); a query on one table is merged from all shards.
- Meter data is read per unit: every query on the unit-keyed tables names the unit.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiliang.energy import selectors as energy
from jiliang.registry import selectors as registry
from tests.energy.factories import at, make_meter, make_unit, send, series
from tests.registry.helpers import file, verify

BY_PROVINCE = {"registry_instrument", "registry_verificationrecord", "registry_ratecell",
               "registry_ratedelta", "registry_meterbatch"}
BY_UNIT = {"energy_reading", "energy_dailyenergy", "energy_readingbatch", "energy_meter"}
# Joins along these foreign keys are co-located under Citus, where the key becomes composite
# ((province_code, instrument_id): docs/scaling.md, "What changes in the schema"). Saying
# `instrument.province_code = record.province_code` in the query today would cost the
# single-server plan its index order (measured: 19 ms → 248 ms for the national record list).
COLOCATED_FKS = {("registry_verificationrecord", "instrument_id", "registry_instrument")}
TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"(?:\s+(?:AS\s+)?("?)(T\d+|U\d+)\2)?')


def _tables(sql: str, wanted: set[str]) -> list[str]:
    """The names (or aliases) under which the wanted tables appear in a query."""
    return [alias or name for name, _q, alias in TABLE.findall(sql) if name in wanted]


def _keyed(sql: str, ref: str, column: str, value: str) -> bool:
    return re.search(rf'"{ref}"\."{column}" (=|IN \() ?\(?\'?{re.escape(value)}', sql) is not None


def _joined_on(sql: str, a: str, b: str, column: str) -> bool:
    left, right = rf'\(?"{a}"\."{column}"\)?', rf'\(?"{b}"\."{column}"\)?'
    if re.search(rf"{left} = {right}|{right} = {left}", sql):
        return True
    for table, fk, target in COLOCATED_FKS:
        for x, y in ((a, b), (b, a)):
            if x == table and y == target and f'"{table}"."{fk}" = "{target}"."id"' in sql:
                return True
    return False


def _registry_hot_paths(user) -> list[str]:
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    with CaptureQueriesContext(connection) as caught:
        list(registry.instrument_list(user)[:50])
        list(registry.instrument_list(user, region="440106")[:50])
        for window in ("overdue", "30"):
            list(registry.due_list(user, window=window)[:50])
        list(registry.record_list(user)[:50])
        for group in ("kind", "province", "region"):
            registry.rates_by(user, group=group, start=start, end=end)
        list(registry.batch_list(user)[:50])
    return [q["sql"] for q in caught.captured_queries]


@pytest.fixture
def world(personas):
    p = personas
    for n in range(3):
        verify(p.gd_verifier, file(p.acme, serial=f"SK-{n}"), number=f"SK-C-{n}")
    return p


@pytest.mark.django_db
def test_provincial_queries_carry_the_province(world):
    queries = [q for q in _registry_hot_paths(world.gd_clerk) if _tables(q, BY_PROVINCE)]
    assert len(queries) >= 6
    for sql in queries:
        refs = _tables(sql, BY_PROVINCE)
        keyed = {r for r in refs if _keyed(sql, r, "province_code", "44")}
        for ref in refs:
            assert ref in keyed or any(_joined_on(sql, ref, k, "province_code") for k in keyed), \
                f"{ref} is not narrowed to the province in:\n{sql}"


@pytest.mark.django_db
def test_national_queries_join_the_big_tables_only_on_the_province(world):
    queries = [q for q in _registry_hot_paths(world.admin) if _tables(q, BY_PROVINCE)]
    assert len(queries) >= 6
    for sql in queries:
        refs = _tables(sql, BY_PROVINCE)
        for i, a in enumerate(refs):
            for b in refs[i + 1:]:
                if " UNION " in sql:
                    continue  # the cells and the deltas are read side by side, not joined
                assert _joined_on(sql, a, b, "province_code"), \
                    f"{a} and {b} are joined off the distribution key in:\n{sql}"


@pytest.mark.django_db
def test_meter_data_is_read_per_unit(world):
    unit = make_unit(world)
    meter = make_meter(unit, "E-01")
    send(unit, "sk-1", series("E-01", at(3), 8))
    user = world.admin
    with CaptureQueriesContext(connection) as caught:
        list(energy.meter_list(user, unit)[:50])
        list(energy.meter_readings(user, meter)[:50])
        list(energy.meter_days(user, meter))
        list(energy.batch_list(user, unit)[:50])
        energy.unit_energy(unit, datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
        energy.unit_trend(unit, end=datetime.date(2026, 1, 31))
        energy.unit_quality(unit, datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    queries = [q["sql"] for q in caught.captured_queries if _tables(q["sql"], BY_UNIT)]
    assert len(queries) >= 6
    for sql in queries:
        refs = _tables(sql, BY_UNIT)
        keyed = {r for r in refs if _keyed(sql, r, "unit_id", str(unit.pk))
                 or _keyed(sql, r, "id", str(meter.pk)) and r == "energy_meter"
                 or _keyed(sql, r, "meter_id", str(meter.pk))}
        for ref in refs:
            assert ref in keyed or any(_joined_on(sql, ref, k, "unit_id") for k in keyed), \
                f"{ref} is not narrowed to the unit in:\n{sql}"
