"""Import jobs whose worker died: marked failed, "interrupted", at the next worker start; retried
clean. And an xlsx job counts its rows (no "20000 of 0")."""

from __future__ import annotations

import datetime
import functools
import io
import socket
import subprocess
import sys
from unittest import mock

import pytest
from django.utils import timezone
from openpyxl import Workbook

from jiliang.audit.models import LedgerEntry
from jiliang.core import jobs
from jiliang.registry import importing, services
from jiliang.registry.models import ImportJob, Instrument, LabelSheet, VerificationRecord
from jiliang.registry.tasks import make_label_sheet, run_import
from tests.base import PersonaTestCase
from tests.registry.helpers import file
from tests.registry.test_import import KEYS, as_csv, row


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


class InterruptedJobTests(PersonaTestCase):
    def job(self, data: bytes, kind: str = "csv") -> ImportJob:
        return services.import_job_create(actor=self.p.gd_clerk, file_name=f"f.{kind}",
                                          file_kind=kind, data=data)

    def test_a_job_killed_mid_import_is_failed_at_the_next_worker_start_and_its_retry_is_clean(
            self):
        rows = [row(self.p, serial_number=f"J-{i}", certificate_no=f"J-{i}") for i in range(12)]
        job = self.job(as_csv(rows))
        original = importing.Loader.merge
        calls = {"n": 0}

        def killed_on_the_third_chunk(loader, prep, result):
            calls["n"] += 1
            if calls["n"] == 3:  # what SIGKILL leaves: no except clause runs
                raise KeyboardInterrupt("killed")
            return original(loader, prep, result)

        importing.Loader.merge = killed_on_the_third_chunk
        try:
            with mock.patch.object(importing, "import_file",
                                   functools.partial(importing.import_file, chunk_size=4)), \
                    pytest.raises(KeyboardInterrupt):
                run_import.call(job.pk)
        finally:
            importing.Loader.merge = original
        job.refresh_from_db()
        assert job.state == "running" and job.worker == jobs.current_worker()
        assert Instrument.objects.filter(serial_number__startswith="J-").count() == 8

        # The worker starts again (same machine; the dead process's pid is this one's).
        counts = jobs.fail_interrupted()
        assert counts["jiliang.registry.services.import_jobs_fail_interrupted"] == 1
        job.refresh_from_db()
        assert job.state == "failed" and job.message.startswith("中断")
        assert "8" in job.message and job.finished_at is not None
        assert LedgerEntry.objects.filter(action="registry.import.interrupted").count() == 1
        assert jobs.fail_interrupted()["jiliang.registry.services.import_jobs_fail_interrupted"] \
            == 0  # once

        page = self.client_as("gd_clerk").get(f"/registry/import/{job.pk}/").content.decode()
        assert "中断" in page and f"/registry/import/{job.pk}/retry/" in page
        response = self.client_as("gd_clerk").post(f"/registry/import/{job.pk}/retry/")
        retry = ImportJob.objects.get(retry_of=job)
        assert response.status_code == 302 and response["Location"].endswith(f"/{retry.pk}/")
        run_import.call(retry.pk)
        retry.refresh_from_db()
        assert retry.state == "done" and retry.error_count == 0
        assert (retry.instruments_added, retry.already_on_file) == (4, 8)
        assert Instrument.objects.filter(serial_number__startswith="J-").count() == 12
        assert VerificationRecord.objects.filter(certificate_no__startswith="J-").count() == 12
        job.refresh_from_db()
        assert job.state == "failed"  # the interrupted run stays as it was
        assert self.client_as("gz_clerk").post(f"/registry/import/{job.pk}/retry/") \
            .status_code == 404

    def test_only_a_dead_workers_jobs_are_failed(self):
        here = socket.gethostname()
        alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        now = timezone.now()
        try:
            cases = {
                "dead process here": (f"{here}:{dead_pid()}", now, "failed"),
                "live process here": (f"{here}:{alive.pid}", now - datetime.timedelta(hours=2),
                                      "running"),
                "other machine, silent": ("elsewhere:1", now - datetime.timedelta(minutes=16),
                                          "failed"),
                "other machine, busy": ("elsewhere:1", now - datetime.timedelta(minutes=1),
                                        "running"),
            }
            made = {}
            for name, (worker, beat, _expected) in cases.items():
                job = self.job(as_csv([row(self.p, serial_number=name)]))
                ImportJob.objects.filter(pk=job.pk).update(state="running", worker=worker,
                                                           heartbeat_at=beat)
                made[name] = job.pk
            jobs.fail_interrupted()
            for name, (_worker, _beat, expected) in cases.items():
                assert ImportJob.objects.get(pk=made[name]).state == expected, name
        finally:
            alive.kill()
            alive.wait()

    def test_an_xlsx_job_counts_its_rows(self):
        rows = [row(self.p, serial_number=f"X-{i}", certificate_no=f"X-{i}") for i in range(30)]
        wb = Workbook(write_only=True)  # no dimension declared: what many exporters write
        ws = wb.create_sheet()
        ws.append([c.title for c in importing.COLUMNS])
        for r in rows:
            ws.append([r[k] for k in KEYS])
        out = io.BytesIO()
        wb.save(out)
        job = self.job(out.getvalue(), "xlsx")
        run_import.call(job.pk)
        job.refresh_from_db()
        assert (job.state, job.total, job.processed) == ("done", 30, 30)
        page = self.client_as("gd_clerk", language="en").get(f"/registry/import/{job.pk}/")
        assert "30 of 30 rows" in page.content.decode()


class InterruptedLabelSheetTests(PersonaTestCase):
    """Label sheets are background jobs too: one whose worker died is failed, "interrupted"."""

    def sheet(self) -> LabelSheet:
        return services.label_sheet_queue(actor=self.p.gd_clerk, owner=self.p.orgs["acme"],
                                          total=40)

    def test_a_sheet_killed_while_it_is_made_is_failed_at_the_next_worker_start(self):
        from jiliang.registry import documents

        for i in range(30):
            file(self.p.acme, serial=f"LBL-{i:03d}")
        job = self.sheet()
        original = documents.labels_pdf

        def killed_after_the_first_page(rows, progress=None):
            def dying(done, total):
                progress(done, total)
                if done >= 12:  # what SIGKILL leaves: no except clause runs
                    raise KeyboardInterrupt("killed")
            return original(rows, progress=dying)

        with mock.patch.object(documents, "labels_pdf", killed_after_the_first_page), \
                pytest.raises(KeyboardInterrupt):
            make_label_sheet.call(job.pk)
        job.refresh_from_db()
        assert job.state == "running" and job.worker == jobs.current_worker()
        assert job.heartbeat_at is not None and job.done >= 12

        counts = jobs.fail_interrupted()  # the worker starts again (the dead pid is this one's)
        assert counts["jiliang.registry.services.label_sheets_fail_interrupted"] == 1
        job.refresh_from_db()
        assert job.state == "failed" and job.message.startswith("中断") and job.pdf is None
        assert f"{job.done}" in job.message and job.finished_at is not None
        entry = LedgerEntry.objects.get(action="registry.labels.interrupted")
        assert entry.region_code == self.p.orgs["acme"].region_code
        assert jobs.fail_interrupted()["jiliang.registry.services.label_sheets_fail_interrupted"] \
            == 0  # once
        page = self.client_as("gd_clerk").get(f"/registry/instruments/labels/{job.pk}/")
        assert "中断" in page.content.decode() and "hx-get" not in page.content.decode()
        # A started sheet is not taken again by a second worker.
        assert make_label_sheet.call(job.pk) == {"skipped": "failed"}

    def test_only_a_dead_workers_sheets_are_failed(self):
        here = socket.gethostname()
        alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        now = timezone.now()
        try:
            cases = {
                "dead process here": (f"{here}:{dead_pid()}", now, "failed"),
                "live process here": (f"{here}:{alive.pid}", now - datetime.timedelta(hours=2),
                                      "running"),
                "other machine, silent": ("elsewhere:1", now - datetime.timedelta(minutes=16),
                                          "failed"),
                "other machine, busy": ("elsewhere:1", now - datetime.timedelta(minutes=1),
                                        "running"),
            }
            made = {}
            for name, (worker, beat, _expected) in cases.items():
                job = self.sheet()
                LabelSheet.objects.filter(pk=job.pk).update(state="running", worker=worker,
                                                            heartbeat_at=beat)
                made[name] = job.pk
            jobs.fail_interrupted()
            for name, (_worker, _beat, expected) in cases.items():
                assert LabelSheet.objects.get(pk=made[name]).state == expected, name
        finally:
            alive.kill()
            alive.wait()
