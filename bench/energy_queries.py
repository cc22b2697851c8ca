"""The bureau's and a unit's energy figures over 1,000 meters × 90 days of 15-minute readings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiliang_energy_bench \\
        python bench/energy_queries.py

Loads (once; a second run reuses them) 25 units of 40 meters each, 20 in Guangdong and 5 in
Beijing, with the readings of 2025-01-01 to 2025-03-31 sent through the ingest path, then times:

- the monthly tce per unit for a region: ``selectors.region_month_tce`` as the Guangdong bureau
  sees it (its home page), for February 2025;
- a unit's trend: ``selectors.unit_trend``, 90 days of daily tce (its dashboard chart).

Both read the daily aggregates kept at ingest, never the raw readings. Goal: p95 ≤ 200 ms.
The last line reads: region_month_p95_ms=<n> unit_trend_p95_ms=<n>
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import time

import _energy

START = datetime.datetime(2025, 1, 1, tzinfo=_energy.TZ)
DAYS = 90
UNITS = [("440106", 5), ("440305", 5), ("440604", 5), ("441900", 5), ("110105", 5)]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--meters", type=int, default=40, help="meters a unit (25 units)")
    parser.add_argument("--runs", type=int, default=50)
    return parser.parse_args()


def load(meters: int) -> list:
    from jiliang.energy import services, signing
    from jiliang.energy.models import DailyEnergy

    units = []
    n = 0
    for region, count in UNITS:
        for i in range(count):
            unit, private = _energy.make_unit(f"BQ{region}{i:02d}", region=region, meters=meters,
                                              name=f"查询基准单位{region}-{i}")
            units.append(unit)
            if DailyEnergy.objects.filter(unit=unit).exists():
                continue
            codes = list(unit.meters.order_by("management_no").values_list("management_no",
                                                                          flat=True))
            started = time.perf_counter()
            for first_day in range(0, DAYS, 3):
                readings = []
                for day in range(first_day, min(first_day + 3, DAYS)):
                    for slot in range(96):
                        at = (START + datetime.timedelta(days=day, minutes=15 * slot)).isoformat()
                        step = day * 96 + slot
                        for k, code in enumerate(codes):
                            readings.append({"meter": code, "time": at, "unit": "kWh",
                                             "value": f"{step * (5 + k % 11) / 4:.3f}"})
                body = json.dumps({"readings": readings}).encode()
                batch_id = f"q{first_day:03d}"
                services.batch_ingest(unit_code=unit.code, batch_id=batch_id, body=body,
                                      content_type="json", channel="local",
                                      signature=signing.sign(private, unit.code, batch_id, body))
                n += len(readings)
            print(f"  loaded {unit.code}: {len(codes) * DAYS * 96} readings in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
    if n:
        print(f"loaded {n} readings")
    return units


def timed(fn, runs: int) -> list[float]:
    for _ in range(3):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(name: str, ms: list[float]) -> float:
    ms = sorted(ms)
    p95 = ms[max(0, int(round(0.95 * len(ms))) - 1)]
    print(f"{name}: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms "
          f"({len(ms)} runs)")
    return p95


def main() -> None:
    args = parse_args()
    _energy.setup()
    from jiliang.core.demo import load_people
    from jiliang.core.models import User
    from jiliang.energy import selectors
    from jiliang.energy.models import DailyEnergy, Reading

    load_people()
    units = load(args.meters)
    clerk = User.objects.select_related("organisation").get(username="gd_clerk")
    print(f"machine: {_energy.machine()}")
    print(f"data: {Reading.objects.filter(unit_id__in=[u.pk for u in units]).count()} readings "
          f"of {sum(u.meters.count() for u in units)} meters; "
          f"{DailyEnergy.objects.filter(unit__in=units).count()} daily rows")
    month = datetime.date(2025, 2, 1)
    result = selectors.region_month_tce(clerk, month)
    print(f"region 44, {month:%Y-%m}: {len(result['units'])} units, {result['total']:.1f} tce "
          f"({result['basis'].edition_code}, electricity {result['basis'].electricity})")
    region = summary("monthly tce per unit for the region",
                     timed(lambda: selectors.region_month_tce(clerk, month), args.runs))
    unit = units[0]
    end = (START + datetime.timedelta(days=DAYS - 1)).date()
    trend = summary("a unit's 90-day trend",
                    timed(lambda: selectors.unit_trend(unit, days=90, end=end), args.runs))
    print(f"region_month_p95_ms={region:.1f} unit_trend_p95_ms={trend:.1f}")


if __name__ == "__main__":
    main()
