"""The bulk import takes the evidence of issue 18 (seals, software version and checksum, event
counter found and left, where and how, remote data) with the same checks as the form, on real
xlsx files; its bad cells come back by row and column in the user's language."""

import io

from django.utils import translation
from openpyxl import Workbook, load_workbook

from jiliang.audit.chain import chain_verify
from jiliang.catalog.models import InstrumentKind
from jiliang.registry import importing
from jiliang.registry.evidence import MESSAGES
from jiliang.registry.models import (
    EvidenceFinding,
    Instrument,
    RemoteVerificationAllowance,
    VerificationEvidence,
    VerificationRecord,
)
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, signers, verify
from tests.traceability.helpers import default_standard

DISPENSER = "JJG 443-2023"
KEYS = [c.key for c in importing.COLUMNS]
TITLES = {c.key: c.title for c in importing.COLUMNS}


def dispenser_row(p, serial: str, number: str, **values) -> dict:
    """A fuel dispenser's verification by the Guangdong institute (its own people, its
    registered standard, the edition in force), with the given evidence cells."""
    institute = p.orgs["gd_institute"]
    signers(institute)
    base = dict.fromkeys(KEYS, "")
    base.update(owner_credit_code=p.orgs["acme"].credit_code, kind="fuel_dispenser", use="trade",
                serial_number=serial, region_code="440106",
                institution_credit_code=institute.credit_code,
                verified_on=days(-20).isoformat(), verification_type="subsequent",
                regulation_code=DISPENSER, standard_identifier=default_standard(institute).code,
                conclusion="pass", certificate_no=number, verifier_name="张伟",
                checker_name="李娜", approver_name="王强")
    base.update(values)
    return base


def xlsx(rows: list[dict], *, english: bool = False) -> bytes:
    """A workbook as a user fills it in: the template's Chinese headers, or the English ones."""
    wb = Workbook()
    sheet = wb.active
    if english:
        sheet.append([c.aliases[0] if c.aliases else c.key for c in importing.COLUMNS])
    else:
        sheet.append([c.title for c in importing.COLUMNS])
    for r in rows:
        sheet.append([r[k] for k in KEYS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


LEFT = {"method": "现场检定", "seals_left": "粤JL-0001；粤JL-0002", "software_version_left": "V2.1",
        "checksum_left": "A1B2C3D4", "counter_left": "11"}


class ImportEvidenceTests(PersonaTestCase):
    def test_the_evidence_lands_with_its_record_and_a_counter_that_moved_is_a_finding(self):
        p = self.p
        rows = [
            dispenser_row(p, "FD-IMP-1", "EV-IMP-1", verified_on=days(-200).isoformat(),
                          verification_type="首次检定", audit_trail="审计追踪：0 条参数记录",
                          **LEFT),
            dispenser_row(p, "FD-IMP-1", "EV-IMP-2", method="on_site",
                          seals_found="粤JL-0001;粤JL-0002", checksum_found="a1b2c3d4",
                          software_version_found="V2.1", counter_found="14",
                          seals_left="粤JL-0101", software_version_left="V2.1",
                          checksum_left="A1B2C3D4", counter_left="14"),
        ]
        data = xlsx(rows)
        result = importing.import_file(data, "xlsx", actor=p.gd_verifier)
        assert not result.errors, result.errors
        assert (result.records_added, result.evidence_added, result.findings_added) == (2, 2, 1)
        first, second = VerificationRecord.objects.filter(
            instrument__serial_number="FD-IMP-1").order_by("verified_on")
        ev = VerificationEvidence.objects.get(record=second)
        assert ev.method == "on_site" and ev.seals_found == ["粤JL-0001", "粤JL-0002"]
        assert ev.seals_left == ["粤JL-0101"] and (ev.counter_found, ev.counter_left) == (14, 14)
        assert first.evidence.seals_left == ["粤JL-0001", "粤JL-0002"]
        assert first.evidence.audit_trail == "审计追踪：0 条参数记录"
        finding = EvidenceFinding.objects.get()
        assert (finding.kind, finding.before, finding.after) == ("counter_moved", 11, 14)
        assert finding.record == second and finding.previous == first  # checksum: case aside
        assert all(r.ok for r in chain_verify(VerificationEvidence))
        listed = self.client_as("gz_clerk").get("/registry/findings/").content.decode()
        assert "FD-IMP-1" in listed
        again = importing.import_file(data, "xlsx", actor=p.gd_verifier)
        assert again.already_on_file == 2 and again.evidence_added == 0
        assert VerificationEvidence.objects.count() == 2 and EvidenceFinding.objects.count() == 1

    def test_a_row_is_compared_with_the_evidence_on_file_before_it(self):
        p = self.p
        inst = file(p.acme, kind="fuel_dispenser", serial="FD-IMP-3")
        on_file = verify(p.gd_verifier, inst, on=days(-200), regulation=DISPENSER,
                         verification_type="first",
                         evidence={"method": "on_site", "seals_left": ["粤A-0001"],
                                   "checksum_left": "A1B2C3D4", "counter_left": 11})
        result = importing.import_file(xlsx([dispenser_row(
            p, "FD-IMP-3", "EV-IMP-3", method="on_site", checksum_found="FFFF0000",
            counter_found="11", seals_left="粤A-0002", counter_left="12")]), "xlsx",
            actor=p.gd_verifier)
        assert not result.errors and result.findings_added == 1
        finding = EvidenceFinding.objects.get(instrument=inst)
        assert finding.kind == "checksum_changed" and finding.previous == on_file
        assert (finding.before, finding.after) == ("A1B2C3D4", "FFFF0000")

    def test_english_headers_are_read_too(self):
        result = importing.import_file(xlsx([dispenser_row(
            self.p, "FD-IMP-EN", "EV-IMP-EN", verification_type="first", **LEFT)], english=True),
            "xlsx", actor=self.p.gd_verifier)
        assert not result.errors and result.evidence_added == 1
        ev = VerificationEvidence.objects.get(record__certificate_no="EV-IMP-EN")
        assert ev.counter_left == 11 and ev.software_version_left == "V2.1"

    def test_bad_evidence_is_reported_by_row_and_column_and_nothing_of_the_row_lands(self):
        p = self.p
        good = dispenser_row(p, "FD-OK", "EV-OK", **LEFT)
        bad = [  # (the column named, the row)
            ("counter_found", dispenser_row(p, "FD-B1", "EV-B1", **LEFT, counter_found="十二")),
            ("counter_left", dispenser_row(p, "FD-B2", "EV-B2", **{**LEFT, "counter_left": "3"},
                                           counter_found="11")),
            ("method", dispenser_row(p, "FD-B3", "EV-B3", method="远程",
                                     remote_data="加油机在线监测平台 2026-11 计量数据",
                                     remote_standard="[2024]粤量标证字第009号")),
            ("counter_found", dispenser_row(p, "FD-B4", "EV-B4", verification_type="first",
                                            **LEFT, seals_found="粤JL-0009")),
            ("seals_left", dispenser_row(p, "FD-B5", "EV-B5", method="on_site",
                                         counter_left="5")),
            ("checksum_left", dispenser_row(p, "FD-B6", "EV-B6",
                                            **{**LEFT, "checksum_left": "校验和!"})),
            ("seal_form", dispenser_row(p, "FD-B7", "EV-B7", **LEFT, seal_form="火漆")),
            ("remote_data", dispenser_row(p, "FD-B8", "EV-B8", **LEFT, remote_data="平台数据")),
        ]
        with translation.override("en"):
            result = importing.import_file(xlsx([good, *(r for _k, r in bad)]), "xlsx",
                                           actor=p.gd_verifier)
        reasons = {(e.row, e.column): e.reason for e in result.errors}
        for row, (key, _cells) in enumerate(bad, start=3):
            assert (row, TITLES[key]) in reasons, (row, key, result.errors)
        assert {e.row for e in result.errors} == set(range(3, 3 + len(bad)))
        assert reasons[(3, "检定前事件计数器")] == "A counter is a whole number, 0 or more."
        assert "does not go back" in reasons[(4, "检定后事件计数器")]
        assert "Remote verification is not allowed" in reasons[(5, "检定方式")]
        assert "first verification" in reasons[(6, "检定前事件计数器")]
        assert "sealed" in reasons[(7, "检定后封印编号")]
        assert result.records_added == 1 and VerificationEvidence.objects.count() == 1
        assert not Instrument.objects.filter(serial_number__startswith="FD-B").exists()

    def test_the_reasons_are_in_chinese_by_default(self):
        result = importing.import_file(xlsx([dispenser_row(
            self.p, "FD-ZH", "EV-ZH", **LEFT, counter_found="abc")]), "xlsx",
            actor=self.p.gd_verifier)
        with translation.override("en"):
            english = str(MESSAGES["evidence.counter"])
        [error] = result.errors
        assert error.column == "检定前事件计数器" and error.reason != english
        assert "计数器" in error.reason

    def test_a_remote_verification_lands_where_the_kind_is_allowed_and_names_its_data(self):
        RemoteVerificationAllowance.objects.create(
            kind=InstrumentKind.objects.get(code="fuel_dispenser"), regulation_code=DISPENSER,
            basis="测试依据")
        remote = {"method": "远程检定", "remote_data": "加油机在线监测平台 2026-11 计量数据",
                  "remote_standard": "[2024]粤量标证字第009号 标准金属量器"}
        rows = [dispenser_row(self.p, "FD-RM-1", "EV-RM-1", **remote),
                dispenser_row(self.p, "FD-RM-2", "EV-RM-2", **{**remote, "remote_data": ""})]
        result = importing.import_file(xlsx(rows), "xlsx", actor=self.p.gd_verifier)
        assert [(e.row, e.column) for e in result.errors] == [(3, "远程检定数据")]
        ev = VerificationEvidence.objects.get(record__certificate_no="EV-RM-1")
        assert ev.method == "remote" and ev.remote_standard.startswith("[2024]")

    def test_the_templates_carry_the_evidence_columns_with_notes_in_the_users_language(self):
        client = self.client_as("gd_verifier")
        book = load_workbook(io.BytesIO(client.get("/registry/import/template.xlsx").content))
        header = [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))]
        for key in ("method", "seals_found", "seals_left", "software_version_left",
                    "checksum_found", "counter_found", "counter_left", "remote_data"):
            assert TITLES[key] in header
        notes = {row[0]: row[2] for row in book.worksheets[1].iter_rows(values_only=True)}
        assert notes["检定前事件计数器"] == "As found"
        assert "on_site (on site)" in notes["检定方式"] and "paint (paint seal)" in notes["标记形式"]
        chinese = self.client_as("gd_verifier", language="zh-hans")
        notes = {row[0]: row[2] for row in load_workbook(io.BytesIO(chinese.get(
            "/registry/import/template.xlsx").content)).worksheets[1].iter_rows(values_only=True)}
        assert notes["检定前事件计数器"] == "检定前"
        assert "on_site (现场检定)" in notes["检定方式"] and "paint (漆封印)" in notes["标记形式"]
        csv_header = client.get("/registry/import/template.csv").content.decode("utf-8-sig")
        assert "检定后事件计数器" in csv_header.splitlines()[0]

    def test_the_command_line_import_counts_the_evidence_and_the_findings(self):
        import tempfile
        from pathlib import Path

        from django.core.management import call_command

        rows = [dispenser_row(self.p, "FD-CLI", "EV-CLI-1", verified_on=days(-200).isoformat(),
                              verification_type="first", **LEFT),
                dispenser_row(self.p, "FD-CLI", "EV-CLI-2", **{**LEFT, "counter_found": "12",
                                                               "counter_left": "12"})]
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "registry.xlsx"
            path.write_bytes(xlsx(rows))
            out = io.StringIO()
            call_command("import_registry", str(path), stdout=out)
        assert "evidence on 2 verifications, 1 findings" in out.getvalue()
