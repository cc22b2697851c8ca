"""Benchmark: the registry's bulk import against a bare COPY and against Django's bulk_create.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiliang_bench \
        .venv/bin/python bench/registry_import.py --rows 1000000

Generates N instruments with one verification record each as a csv file
(bench/out/, kept out of git), empties the registry's tables, and imports the
file through the project's import path (parsing, validation, period rules,
chaining, COPY into staging, set-based merge, rates). In the same run it loads
the very rows that landed with a bare COPY into scratch tables with the same
columns and the same indexes (CREATE TABLE ... (LIKE ... INCLUDING ALL)), and
inserts a sample with Django's bulk_create (rolled back). The last line reads
``import_vs_copy=<ratio> import_rows_per_s=<n> copy_rows_per_s=<n>``.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

OUT = ROOT / "bench" / "out"
print = functools.partial(print, flush=True)  # noqa: A001 - progress shows while it runs
# Kinds with a confirmed period or life, and how a generated row fills the size columns. Each
# regulation is the kind's current edition (rules/data/regulation_editions.json); a row's date
# falls where that edition is in force (JJG 443-2023 since 2024-05-01).
KINDS = [
    ("scale_digital_indicating", "trade", "JJG 539-2016", ""),
    ("taximeter", "trade", "JJG 517-2016", ""),
    ("fuel_dispenser", "trade", "JJG 443-2023", ""),
    ("vehicle_speed_meter", "safety", "JJG 527-2015", ""),
    ("water_meter", "trade", "JJG 162-2019", "20"),
    ("water_meter", "trade", "JJG 162-2019", "80"),
    ("electricity_meter", "trade", "JJG 596-2012", ""),
]


def signing_people(institution, province: str) -> None:
    """Issue 13: the institution's verifier, checker and approver, qualified for the kinds, and
    a metrology authorisation over its province (the import refuses rows without them)."""
    import datetime

    from jiliang.core.models import User
    from jiliang.licensing.models import Licence
    from jiliang.licensing.services import licence_record
    from jiliang.people import services as people
    from jiliang.people.models import Person

    kinds = sorted({k[0] for k in KINDS})
    since = datetime.date(2000, 1, 1)
    if not Person.objects.filter(organisation=institution).exists():
        for n, name in enumerate(("张三", "李四", "王五")):
            person = people.person_create(actor=None, organisation=institution, name=name)
            people.qualification_add(actor=None, person=person, kind="verifier_certificate",
                                     number=f"BENCH-{province}-{n}", items=kinds,
                                     valid_from=since)
            if name == "王五":
                people.signatory_add(actor=None, person=person, valid_from=since)
    if not Licence.objects.filter(holder=institution, type_code="metrology_authorization").exists():
        licence_record(actor=User.objects.get(username="admin"),
                       type_code="metrology_authorization", holder=institution,
                       number=f"(基准)法计(2000){province[:2]}", issued_on=since,
                       valid_until=datetime.date(2099, 12, 31), regime="now",
                       particulars={"authority_level": "national", "form": "legal_institution",
                                    "kinds": kinds, "authorised_region": province})


def registered_standard(institution, province: str) -> str:
    """Traceability (issue 12): the institution's working standard for the kinds, registered with
    a valid assessment certificate and calibrated against a national standard, as the import
    requires (a row naming an unregistered standard is refused). Returns its code."""
    import datetime

    from jiliang.core.demo import credit_code
    from jiliang.core.models import Organisation, OrgKind
    from jiliang.core.services import organisation_register
    from jiliang.traceability import services as traceability
    from jiliang.traceability.models import Category, Standard

    code = f"STD-BENCH-{province[:2]}"
    if Standard.objects.filter(code=code).exists():
        return code
    since, until = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)
    nim = Organisation.objects.filter(name="基准测试国家计量院").first() or organisation_register(
        actor=None, kind=OrgKind.TECHNICAL_INSTITUTION, name="基准测试国家计量院",
        region_code="110105", credit_code=credit_code("12100000BENCHNAT0"))
    national = Standard.objects.filter(code="NAT-BENCH").first() or traceability.standard_register(
        actor=None, code="NAT-BENCH", name="基准测试国家计量基准", category=Category.NATIONAL,
        owner=nim, measurand="流量与质量", uncertainty="U = 0.02 % (k = 2)")
    std = traceability.standard_register(
        actor=None, code=code, name=f"基准测试计量标准{province[:2]}", category=Category.WORKING,
        owner=institution, measurand="流量与质量", uncertainty="MPE ±0.1 %",
        kinds=sorted({k[0] for k in KINDS}), range_low=None, range_high=None, range_unit="",
        mobile=False)
    traceability.certificate_issue(actor=None, standard=std, number=f"[2000]量标基准证字{code}",
                                   issuer="基准测试市场监督管理局", issued_on=since,
                                   valid_until=until)
    traceability.calibration_record(actor=None, standard=std, higher_standard=national,
                                    certificate_no=f"CAL-{code}", calibrated_on=since,
                                    due_on=until, result="ok")
    return code


def setup_organisations(owners: int = 200) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """Enterprises spread over the provinces, and one legal institution per province with its
    people, its authorisation and its registered standard: (credit code, standard code)."""
    from jiliang.core.demo import credit_code, load_people
    from jiliang.core.models import Organisation, OrgKind, Region
    from jiliang.core.services import organisation_register

    load_people()
    provinces = [c for c in Region.objects.filter(level=1).values_list("code", flat=True)
                 if c[:2] not in ("71", "81", "82")]
    owner_codes, institutions = [], {}
    for p in provinces:
        code = credit_code(f"12{p[:2]}0000BENCH{p[:2]}00")
        if not Organisation.objects.filter(credit_code=code).exists():
            organisation_register(actor=None, kind=OrgKind.VERIFICATION_INSTITUTION,
                                  name=f"基准测试检定机构{p[:2]}", region_code=p, credit_code=code)
        institution = Organisation.objects.get(credit_code=code)
        signing_people(institution, p)
        institutions[p[:2]] = (code, registered_standard(institution, p))
    for n in range(owners):
        p = provinces[n % len(provinces)]
        code = credit_code(f"91{p[:2]}0000BE{n:05d}00")
        if not Organisation.objects.filter(credit_code=code).exists():
            organisation_register(actor=None, kind=OrgKind.ENTERPRISE, name=f"基准测试企业{n:05d}",
                                  region_code=p, credit_code=code, enterprise_roles=["owner"])
        owner_codes.append(code)
    return owner_codes, institutions


def in_force(today: date, days_back: int = 1000) -> dict[str, tuple[date, int]]:
    """Per regulation of KINDS, the first day and the number of days, within ``days_back`` of
    ``today``, on which the catalogue has it in force (rules.editions)."""
    from jiliang.catalog.selectors import TermResolver
    from jiliang.rules.editions import edition_errors

    editions = TermResolver().editions
    out = {}
    for kind, _use, regulation, _size in KINDS:
        edition = editions[(kind, regulation)]
        first = max(today - timedelta(days=days_back), edition.effective_on or date.min)
        last = today if edition.withdrawn_on is None else min(
            today, edition.withdrawn_on - timedelta(days=1))
        assert first <= last and not edition_errors(edition, first) \
            and not edition_errors(edition, last), (regulation, first, last)
        out[regulation] = (first, (last - first).days + 1)
    return out


def generate(path: Path, rows: int, owners: list[str],
             institutions: dict[str, tuple[str, str]], *, shuffle: bool = False) -> None:
    """N rows; by default in the order of a registry's export (by province, county and owner);
    with ``shuffle``, every row in a random county of a random province (the worst case for
    the rate cells a chunk touches)."""
    from jiliang.core.models import Region
    from jiliang.registry.importing import COLUMNS

    rng = random.Random(20260101)
    counties: dict[str, list[str]] = {}
    for code in Region.objects.filter(level=3).order_by("code").values_list("code", flat=True):
        counties.setdefault(code[:2], []).append(code)
    provinces = sorted(p for p in institutions if p in counties)
    ordered = [c for p in provinces for c in counties[p]]
    today = date.today()
    windows = in_force(today)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([c.title for c in COLUMNS])
        keys = [c.key for c in COLUMNS]
        for n in range(rows):
            if shuffle:
                county = rng.choice(counties[provinces[n % len(provinces)]])
            else:
                county = ordered[n * len(ordered) // rows]
            province = county[:2]
            kind, use, regulation, size = KINDS[n % len(KINDS)]
            first, span = windows[regulation]
            verified = first + timedelta(days=rng.randrange(span))
            institution, standard = institutions[province]
            row = {k: "" for k in keys}
            row.update(
                owner_credit_code=owners[rng.randrange(len(owners))], kind=kind, use=use,
                serial_number=f"B{n:09d}", region_code=county,
                manufacturer="基准制造厂", model="M-1", accuracy_class="III", nominal_size=size,
                household="no", institution_credit_code=institution,
                verified_on=verified.isoformat(), verification_type="subsequent",
                regulation_code=regulation, standard_identifier=standard,
                standard_valid_until=(today + timedelta(days=400)).isoformat(),
                conclusion="pass" if rng.random() > 0.05 else "fail",
                certificate_no=f"BC{n:09d}", verifier_name="张三", checker_name="李四", approver_name="王五",
            )
            if row["conclusion"] == "fail":
                row["failed_items"] = "示值误差"
            writer.writerow([row[k] for k in keys])


def empty_registry() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE registry_reminder, registry_ratecell, registry_ratedelta, "
                       "registry_verificationrecord, "
                       "registry_instrument, registry_meterbatch CASCADE")
        cursor.execute("DELETE FROM audit_chainhead WHERE chain = 'registry.verificationrecord'")
        cursor.execute("DROP TABLE IF EXISTS bench_record, bench_instrument")


def table_bytes(table: str) -> bytes:
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
        for block in copy:
            buffer.write(block)
    return buffer.getvalue()


def scratch_tables(*, foreign_keys: bool) -> None:
    """Copies of the two tables: the same columns, indexes and (optionally) foreign keys."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_record, bench_instrument")
        cursor.execute("CREATE TABLE bench_instrument (LIKE registry_instrument INCLUDING ALL)")
        cursor.execute("CREATE TABLE bench_record (LIKE registry_verificationrecord INCLUDING ALL)")
        if not foreign_keys:
            return
        for source, target in (("registry_instrument", "bench_instrument"),
                               ("registry_verificationrecord", "bench_record")):
            cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = %s::regclass AND contype = 'f'", [source])
            for name, definition in cursor.fetchall():
                definition = definition.replace("REFERENCES registry_instrument(",
                                                "REFERENCES bench_instrument(")
                definition = definition.replace("REFERENCES registry_verificationrecord(",
                                                "REFERENCES bench_record(")
                cursor.execute(f'ALTER TABLE {target} ADD CONSTRAINT "b_{name}" {definition}')


def bare_copy(instruments: bytes, records: bytes, *, foreign_keys: bool) -> float:
    """COPY the landed rows into the scratch tables; seconds including the commit."""
    scratch_tables(foreign_keys=foreign_keys)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, data in (("bench_instrument", instruments), ("bench_record", records)):
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for i in range(0, len(data), 1 << 20):
                    copy.write(data[i:i + (1 << 20)])
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_record, bench_instrument")
    return elapsed


def bulk_create_rate(sample: int) -> float:
    """Rows per second of Django's bulk_create for instruments + records (rolled back)."""
    from jiliang.registry.models import Instrument, VerificationRecord, new_public_code

    instruments = list(Instrument.objects.order_by("id")[:sample])
    originals = [inst.pk for inst in instruments]
    by_instrument = {r.instrument_id: r for r in
                     VerificationRecord.objects.filter(instrument_id__in=originals)}
    fields = [f.attname for f in VerificationRecord._meta.concrete_fields if f.attname != "id"]
    records = []
    for n, inst in enumerate(instruments):
        source = by_instrument[inst.pk]
        inst.pk = None
        inst.serial_number = "K" + inst.serial_number
        inst.public_code = new_public_code()
        record = VerificationRecord(**{name: getattr(source, name) for name in fields})
        record.public_code = new_public_code()
        record.certificate_no = "K" + source.certificate_no
        record.chain_key, record.chain_seq = "bk", n + 1
        records.append(record)

    class Rollback(Exception):  # noqa: N818 - control flow, not an error
        pass

    start = time.perf_counter()
    try:
        with transaction.atomic():
            Instrument.objects.bulk_create(instruments, batch_size=1000)
            for inst, record in zip(instruments, records, strict=True):
                record.instrument_id = inst.pk
            VerificationRecord.objects.bulk_create(records, batch_size=1000)
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return len(instruments) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=None, help="rows per import transaction")
    parser.add_argument("--shuffle", action="store_true",
                        help="scatter rows over random counties (the worst case for the rates)")
    parser.add_argument("--bulk-sample", type=int, default=50_000,
                        help="rows for the bulk_create baseline")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (this benchmark measures COPY).")
    call_command("migrate", verbosity=0)
    from jiliang.registry.importing import CHUNK, import_file

    owners, institutions = setup_organisations()
    path = OUT / f"registry_import_{args.rows}{'_shuffled' if args.shuffle else ''}.csv"
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.rows, owners, institutions, shuffle=args.shuffle)
        print(f"generated {path} in {time.perf_counter() - t:.1f} s")
    empty_registry()

    start = time.perf_counter()
    result = import_file(path.read_bytes(), "csv", chunk_size=args.chunk or CHUNK)
    import_s = time.perf_counter() - start
    assert result.rows == args.rows, result.rows
    # Every generated row passes the import's checks: a row refused is a bug of the generator
    # (or of the import), and a benchmark of refusals measures nothing.
    assert not result.errors, result.errors[:5]
    print(f"import: {result.rows} rows, {result.instruments_added} instruments, "
          f"{result.records_added} records, {len(result.errors)} errors in {import_s:.1f} s")
    for name, seconds in result.timings.items():
        print(f"  {name:<55} {seconds:7.1f} s")

    instruments, records = table_bytes("registry_instrument"), table_bytes(
        "registry_verificationrecord")
    plain_s = bare_copy(instruments, records, foreign_keys=False)
    copy_s = bare_copy(instruments, records, foreign_keys=True)
    print(f"bare COPY of the same {args.rows} instruments + records into copies of the tables: "
          f"{copy_s:.1f} s with their foreign keys, {plain_s:.1f} s with indexes only "
          f"(import_vs_copy without foreign keys: {plain_s / import_s:.2f})")
    bulk = bulk_create_rate(min(args.bulk_sample, args.rows))
    import_rate, copy_rate = args.rows / import_s, args.rows / copy_s
    print(f"bulk_create: {bulk:,.0f} rows/s; import_vs_bulk_create={import_rate / bulk:.2f}")
    print(f"import_vs_copy={import_rate / copy_rate:.2f} import_rows_per_s={import_rate:.0f} "
          f"copy_rows_per_s={copy_rate:.0f}")


if __name__ == "__main__":
    main()
