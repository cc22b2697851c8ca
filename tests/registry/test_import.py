"""The bulk import: good rows land, every bad row is reported, nothing lands twice."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from jiliang.audit.chain import chain_verify
from jiliang.core.demo import credit_code
from jiliang.registry import importing
from jiliang.registry.models import ImportJob, Instrument, RateCell, RateDelta, VerificationRecord
from jiliang.registry.tasks import run_import
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, signers, verify
from tests.traceability.helpers import default_standard

KEYS = [c.key for c in importing.COLUMNS]


def row(p, **values):
    base = dict.fromkeys(KEYS, "")
    base.update(owner_credit_code=p.orgs["acme"].credit_code, kind="scale_digital_indicating",
                use="trade", region_code="440106",
                institution_credit_code=p.orgs["gd_institute"].credit_code,
                verified_on=days(-30).isoformat(), regulation_code="JJG 539-2016",
                standard_identifier=default_standard(p.orgs["gd_institute"]).code,
                standard_valid_until="", conclusion="pass",
                verifier_name="张伟", checker_name="李娜", approver_name="王强")
    signers(p.orgs["gd_institute"])  # the people named and an authorisation, on file once
    base.update(values)
    return base


def as_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.title for c in importing.COLUMNS])
    for r in rows:
        writer.writerow([r[k] for k in KEYS])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows) -> bytes:
    wb = Workbook()
    wb.active.append([c.title for c in importing.COLUMNS])
    for r in rows:
        wb.active.append([r[k] for k in KEYS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class ImportTests(PersonaTestCase):
    def mixed(self):
        """Good rows and one bad row of each kind; returns (rows, {row number: column key})."""
        p = self.p
        other = file(p.acme, serial="TAKEN-1")
        verify(p.gd_verifier, other, number="CERT-TAKEN")
        good = [row(p, serial_number=f"G-{i}", certificate_no=f"IMP-{i}") for i in range(6)]
        good.append(row(p, serial_number="G-history", certificate_no="IMP-H1",
                        verified_on=days(-400).isoformat()))
        good.append(row(p, serial_number="G-history", certificate_no="IMP-H2",
                        conclusion="fail", failed_items="示值误差"))
        good.append(row(p, serial_number="G-only", institution_credit_code="", verified_on="",
                        regulation_code="", standard_identifier="", standard_valid_until="",
                        conclusion="", verifier_name="", checker_name="", approver_name=""))
        good.append(row(p, kind="water_meter", nominal_size="DN20", household="是",
                        serial_number="G-water", certificate_no="IMP-W", regulation_code="JJG 162-2019",
                        verification_type="首次检定"))
        bad = {
            "region_code": row(p, serial_number="B-1", certificate_no="B-1", region_code="449999"),
            "owner_credit_code": row(p, serial_number="B-2", certificate_no="B-2",
                                     owner_credit_code="91440106MA59ACME10"),
            "institution_credit_code": row(p, serial_number="B-3", certificate_no="B-3",
                                           institution_credit_code=credit_code("91440106MA5NEBADY")),
            "kind": row(p, serial_number="B-4", certificate_no="B-4", kind="spaceship"),
            "verified_on": row(p, serial_number="B-5", certificate_no="B-5", verified_on="2025-13-40"),
            "standard_identifier": row(p, serial_number="B-6", certificate_no="B-6",
                                       standard_identifier="[2019]粤量标证字第999号"),
            "certificate_no": row(p, serial_number="G-0", certificate_no="IMP-0"),
            "failed_items": row(p, serial_number="B-8", certificate_no="B-8", conclusion="fail"),
            "valid_until": row(p, serial_number="B-9", certificate_no="B-9",
                               valid_until=days(800).isoformat()),
            "nominal_size": row(p, serial_number="B-10", certificate_no="B-10", kind="water_meter",
                                regulation_code="JJG 162-2019"),
            "use": row(p, serial_number="B-11", certificate_no="B-11", use="medical", kind="taximeter",
                       regulation_code="JJG 517-2016"),
        }
        taken = row(p, serial_number="B-12", certificate_no="CERT-TAKEN")
        rows = good + list(bad.values()) + [taken]
        expected = {len(good) + 2 + i: key for i, key in enumerate(bad)}
        expected[len(rows) + 1] = "certificate_no"
        return rows, expected, len(good)

    def test_good_rows_land_every_bad_row_is_reported_and_a_second_import_changes_nothing(self):
        rows, expected, good = self.mixed()
        data = as_csv(rows)
        before = VerificationRecord.objects.count()
        result = importing.import_file(data, "csv", chunk_size=5)
        titles = {c.key: c.title for c in importing.COLUMNS}
        reported = {(e.row, e.column) for e in result.errors}
        for number, key in expected.items():
            assert (number, titles[key]) in reported, (number, key, result.errors)
        assert {e.row for e in result.errors} == set(expected)
        assert result.instruments_added == 9 and result.records_added == good - 1
        assert Instrument.objects.filter(serial_number__startswith="G-").count() == 9
        assert VerificationRecord.objects.count() == before + good - 1
        history = Instrument.objects.get(serial_number="G-history")
        assert history.last_conclusion == "fail" and history.due_action == "failed"
        water = Instrument.objects.get(serial_number="G-water")
        assert water.due_action == "replace" and water.household
        snapshot = (Instrument.objects.count(), VerificationRecord.objects.count(),
                    sorted(RateCell.objects.values_list("month", "verified", "passed", "due")))
        again = importing.import_file(data, "csv", chunk_size=5)
        assert again.instruments_added == 0 and again.records_added == 0
        assert again.already_on_file == good
        assert {e.row for e in again.errors} == set(expected)
        assert snapshot == (Instrument.objects.count(), VerificationRecord.objects.count(),
                            sorted(RateCell.objects.values_list("month", "verified", "passed", "due")))
        assert all(r.ok for r in chain_verify(VerificationRecord))
        assert not RateDelta.objects.exists()

    def test_an_import_killed_half_way_can_be_run_again_and_ends_with_nothing_lost_or_doubled(self):
        rows = [row(self.p, serial_number=f"K-{i}", certificate_no=f"K-{i}") for i in range(12)]
        data = as_csv(rows)
        original = importing.Loader.merge
        calls = {"n": 0}

        def dies_on_the_third_chunk(loader, prep, result):
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt("killed")
            return original(loader, prep, result)

        importing.Loader.merge = dies_on_the_third_chunk
        try:
            with pytest.raises(KeyboardInterrupt):
                importing.import_file(data, "csv", chunk_size=4)
        finally:
            importing.Loader.merge = original
        assert Instrument.objects.filter(serial_number__startswith="K-").count() == 8
        result = importing.import_file(data, "csv", chunk_size=4)
        assert result.instruments_added == 4 and result.already_on_file == 8
        assert Instrument.objects.filter(serial_number__startswith="K-").count() == 12
        assert VerificationRecord.objects.filter(certificate_no__startswith="K-").count() == 12
        assert sum(RateCell.objects.values_list("verified", flat=True)) == 12
        assert all(r.ok for r in chain_verify(VerificationRecord))

    def test_a_bureau_imports_only_its_region_and_an_enterprise_no_verifications(self):
        rows = [row(self.p, serial_number="S-1", certificate_no="S-1"),
                row(self.p, serial_number="S-2", certificate_no="S-2", region_code="110108")]
        result = importing.import_file(as_csv(rows), "csv", actor=self.p.gd_clerk)
        assert result.instruments_added == 1 and [e.row for e in result.errors] == [3]
        result = importing.import_file(as_csv([row(self.p, serial_number="S-3")]), "csv",
                                       actor=self.p.acme)
        assert result.instruments_added == 0 and result.errors

    def test_a_file_without_the_required_columns_is_refused_naming_them(self):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as caught:
            importing.import_file("出厂编号\nX\n".encode(), "csv")
        assert "所有者统一社会信用代码" in caught.value.message_dict["file"][0]

    def test_the_page_takes_an_xlsx_runs_it_in_the_background_and_returns_the_bad_rows(self):
        rows, expected, good = self.mixed()
        client = self.client_as("gd_clerk")
        for fmt in ("xlsx", "csv"):
            assert client.get(f"/registry/import/template.{fmt}").status_code == 200
        upload = io.BytesIO(as_xlsx(rows))
        upload.name = "registry.xlsx"
        response = client.post("/registry/import/", {"file": upload})
        job = ImportJob.objects.get()
        assert response.status_code == 302 and response["Location"].endswith(f"/{job.pk}/")
        run_import.call(job.pk)
        job.refresh_from_db()
        assert job.state == "done" and job.records_added == good - 1
        assert job.error_count == len(expected)
        page = client.get(f"/registry/import/{job.pk}/", HTTP_HX_REQUEST="true")
        assert 'id="bad-rows"' in page.content.decode()
        errors = client.get(f"/registry/import/{job.pk}/errors/")
        sheet = list(load_workbook(io.BytesIO(errors.content)).active.iter_rows(values_only=True))
        assert {r[0] for r in sheet[1:]} == set(expected)
        assert self.client_as("bj_clerk").get(f"/registry/import/{job.pk}/").status_code == 404

    def test_an_upload_that_is_not_a_spreadsheet_is_refused(self):
        fake = io.BytesIO(b"%PDF-1.4 not a spreadsheet")
        fake.name = "registry.xlsx"
        response = self.client_as("gd_clerk").post("/registry/import/", {"file": fake})
        assert response.status_code == 200 and not ImportJob.objects.exists()

    def test_the_command_line_import_shows_progress_and_writes_the_bad_rows(self):
        rows, expected, good = self.mixed()
        path = Path(self.tmp()) / "registry.csv"
        path.write_bytes(as_csv(rows))
        out = io.StringIO()
        call_command("import_registry", str(path), stdout=out)
        text = out.getvalue()
        assert "[####" in text and f"{len(expected)} bad rows" in text
        sheet = list(load_workbook(path.with_name("registry.csv.errors.xlsx")).active.iter_rows(
            values_only=True))
        assert len(sheet) - 1 >= len(expected)

    def tmp(self):
        import tempfile

        directory = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, directory)
        return directory


def test_outside_a_transaction_a_reading_thread_prepares_the_chunks(transactional_db):
    from jiliang.core.reference import load_reference_data
    from tests.personas import build_personas

    load_reference_data()  # an earlier transactional test may have emptied the tables
    personas = build_personas()
    rows = [row(personas, serial_number=f"T-{i}", certificate_no=f"T-{i}") for i in range(30)]
    result = importing.import_file(as_csv(rows), "csv", chunk_size=7)
    assert result.instruments_added == 30 and not result.errors
    assert "waiting for the reading thread" in result.timings
    assert all(r.ok for r in chain_verify(VerificationRecord))


@given(
    st.text(max_size=12), st.lists(st.text(max_size=8), max_size=3), st.booleans(),
    st.none() | st.integers(1, 10**9), st.none() | st.dates(), st.text(max_size=6))
def test_the_imports_payload_encoding_is_the_chains_canonical_json(number, items, adjusted,
                                                                    recorded_by, until, name):
    import datetime

    from jiliang.rules.chain import canonical_json

    day = datetime.date(2025, 1, 2)
    head, tail = importing.payload_parts(
        code="ABCD", owner=7, institution=9, region="440106", verified_on=day,
        verification_type="first", regulation="JJG 539-2016", standard=name,
        standard_valid_until=day, adjusted=adjusted, conclusion="pass", failed_items=items,
        certificate_no=number, valid_until=until, mode="periodic", periodic_due_on=until,
        rule="scale-539-2016", verifier=name, checker=number, recorded_at="2025-01-02T00:00:00",
        recorded_by=recorded_by)
    expected = canonical_json({
        "public_code": "ABCD", "instrument": 42, "owner": 7, "institution": 9,
        "region_code": "440106", "batch": None, "verified_on": "2025-01-02",
        "verification_type": "first", "regulation_code": "JJG 539-2016",
        "standard_identifier": name, "standard_valid_until": "2025-01-02", "as_found": "",
        "adjusted": adjusted, "conclusion": "pass", "failed_items": items,
        "certificate_no": number, "valid_until": until.isoformat() if until else None,
        "management_mode": "periodic", "periodic_due_on": until.isoformat() if until else None,
        "term_rule": "scale-539-2016", "verifier_name": name, "checker_name": number,
        "supersedes": None, "correction_reason": "", "recorded_at": "2025-01-02T00:00:00",
        "recorded_by": recorded_by})
    assert head + "42" + tail == expected
