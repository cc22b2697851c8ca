"""The background work runs on either queue: django-tasks' database backend (the embedded
default) and Redis through django-tasks-rq (production, several workers).

Each test enqueues through the real entry points (the import page, the scheduler) and drains
the queue with the backend's own worker: ``db_worker --batch`` for the database, an RQ worker
in burst mode for Redis, and, for Redis, two worker processes at once.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from jiliang.core.schedule import daily_task_paths, enqueue_due
from jiliang.registry.models import ImportJob, Instrument, VerificationRecord
from tests.production.helpers import ROOT, child_env, listening
from tests.registry.test_import import as_csv, row

REDIS = ("127.0.0.1", 6379)
# A database of its own on the shared Redis, emptied before each test.
REDIS_URL = "redis://127.0.0.1:6379/13"
DATABASE = {"BACKEND": "django_tasks_db.DatabaseBackend"}
RQ = {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}


@pytest.fixture(params=["database", "rq"])
def backend(request, settings, monkeypatch):
    if request.param == "rq":
        if not listening(*REDIS):
            pytest.skip("Redis is not reachable at 127.0.0.1:6379")
        import django_rq.settings
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        monkeypatch.setitem(django_rq.settings.QUEUES, "default",
                            {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600})
        settings.TASKS = {"default": RQ}
    else:
        settings.TASKS = {"default": DATABASE}
    return request.param


@pytest.fixture
def people(db):
    """The personas, after the reference data (a transactional test empties the tables)."""
    from jiliang.core.reference import load_reference_data
    from tests.personas import build_personas

    load_reference_data()
    return build_personas()


def drain(backend: str) -> None:
    """Run every queued task with the backend's own worker, in this process."""
    if backend == "rq":
        import django_rq
        from django_tasks_rq import Job
        from rq import SimpleWorker

        queue = django_rq.get_queue("default", job_class=Job)
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    else:
        call_command("db_worker", batch=True, queue_name="*", interval=0, no_startup_delay=True,
                     reload=False, verbosity=0, stdout=io.StringIO())


def _import_upload(client: Client, p, serials: list[str]) -> ImportJob:
    upload = io.BytesIO(as_csv([row(p, serial_number=s, certificate_no=f"C-{s}")
                                for s in serials]))
    upload.name = "registry.csv"
    response = client.post("/registry/import/", {"file": upload})
    assert response.status_code == 302
    return ImportJob.objects.order_by("-pk").first()


@pytest.mark.django_db(transaction=True)
def test_an_import_started_on_the_page_runs_on_the_queue(backend, people):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(people.gd_clerk)
    job = _import_upload(client, people, [f"Q-{backend}-{i}" for i in range(5)])
    assert job.state == ImportJob.State.QUEUED
    drain(backend)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.message
    assert job.records_added == 5 and job.error_count == 0
    assert Instrument.objects.filter(serial_number__startswith=f"Q-{backend}-").count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_daily_tasks_run_on_the_queue(backend, people):
    """Reminders, the licensing day's work and the readings partitions, as the scheduler
    enqueues them."""
    from django_tasks import task_backends

    enqueued = enqueue_due(force=True)
    assert set(enqueued) == set(daily_task_paths()) and enqueued
    drain(backend)
    if backend == "rq":
        import django_rq

        queue = django_rq.get_queue("default")
        assert queue.count == 0 and queue.failed_job_registry.count == 0
        assert queue.finished_job_registry.count == len(enqueued)
    else:
        from django_tasks_db.models import DBTaskResult

        assert DBTaskResult.objects.successful().count() == len(enqueued)
        assert not DBTaskResult.objects.failed().exists()
    assert task_backends["default"].__class__.__name__ == (
        "RQBackend" if backend == "rq" else "DatabaseBackend")


@pytest.mark.django_db(transaction=True)
def test_two_redis_workers_drain_one_queue_each_import_once(people, settings, monkeypatch):
    """Two RQ worker processes on the same queue: every import runs exactly once."""
    if connection.vendor != "postgresql":
        pytest.skip("several worker processes write at once: PostgreSQL (SQLite has one writer)")
    if not listening(*REDIS):
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    import django_rq.settings
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    monkeypatch.setitem(django_rq.settings.QUEUES, "default", {"URL": REDIS_URL})
    settings.TASKS = {"default": RQ}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(people.gd_clerk)
    tag = uuid.uuid4().hex[:6]
    jobs = [_import_upload(client, people, [f"W-{tag}-{j}-{i}" for i in range(3)])
            for j in range(6)]
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = child_env(DATABASE_URL=url, JILIANG_TASKS_BACKEND="rq", JILIANG_REDIS_URL=REDIS_URL,
                    PGPASSWORD=db.get("PASSWORD") or os.environ.get("PGPASSWORD"))
    workers = [subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "rqworker", "--burst", "--job-class",
         "django_tasks_rq.Job", "--name", f"test-{tag}-{n}", "default"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for n in range(2)]
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    for job in jobs:
        job.refresh_from_db()
        assert job.state == ImportJob.State.DONE and job.records_added == 3, job.message
    assert VerificationRecord.objects.filter(
        instrument__serial_number__startswith=f"W-{tag}-").count() == 18
    import django_rq

    assert django_rq.get_queue("default").finished_job_registry.count == len(jobs)
