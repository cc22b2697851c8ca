"""Request ids, JSON logs, Prometheus metrics and the health probes of a served site.

- Every request gets an id (the proxy's ``X-Request-ID`` when it sends a sane one, else a
  new one), returned in the ``X-Request-ID`` header and carried by every log line written
  while the request runs; one ``jiliang.request`` line per request (method, path, view,
  status, milliseconds).
- ``/healthz``: the process answers. ``/readyz``: the databases, the task queue and the MQTT
  broker answer (503 naming what does not).
- ``/metrics``: Prometheus text. django-prometheus gives request latency by view
  (``django_http_requests_latency_seconds_by_view_method``); this module adds the task queue
  depth and failures (read from the queue at scrape time, so every worker on every machine
  counts) and the rows ingested and imported (counters: ``rate()`` gives rows/s).
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import os
import re
import socket
import time
import uuid

from django.conf import settings
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CollectorRegistry, Counter, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from jiliang.core.memo import request_scope
from jiliang.core.web import public

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
request_log = logging.getLogger("jiliang.request")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        request.request_id = rid
        started = time.perf_counter()
        try:
            with request_scope():
                response = self.get_response(request)
            response["X-Request-ID"] = rid
            match = getattr(request, "resolver_match", None)
            request_log.info("%s %s %s", request.method, request.path, response.status_code,
                             extra={"method": request.method, "path": request.path,
                                    "view": match.view_name if match else "",
                                    "status": response.status_code,
                                    "ms": round((time.perf_counter() - started) * 1000, 1)})
            return response
        finally:
            request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id,
    the record's extra fields, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC)
            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- counters written where the work is done -------------------------------------------------

INGEST_ROWS = Counter("jiliang_energy_ingest_rows", "Meter readings accepted", ["channel"])
IMPORT_ROWS = Counter("jiliang_registry_import_rows", "Registry import rows read")
TASK_FAILURES = Counter("jiliang_task_failures", "Background tasks that ended in failure",
                        ["task"])


def _task_finished(sender, task_result, **kwargs) -> None:
    if str(getattr(task_result.status, "value", task_result.status)) == "FAILED":
        TASK_FAILURES.labels(task_result.task.module_path).inc()


def connect_signals() -> None:
    from django_tasks.signals import task_finished

    task_finished.connect(_task_finished, dispatch_uid="jiliang.metrics.task_failures")


# --- read at scrape time ----------------------------------------------------------------------

def queue_state() -> dict[str, int]:
    """Tasks waiting and tasks failed (kept results), from the configured backend."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_rq"):
        import django_rq

        queue = django_rq.get_queue("default")
        return {"queued": queue.count, "failed": queue.failed_job_registry.count}
    if backend.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        return {"queued": DBTaskResult.objects.ready().count(),
                "failed": DBTaskResult.objects.failed().count()}
    return {"queued": 0, "failed": 0}


class QueueCollector:
    def collect(self):
        state = queue_state()
        backend = settings.TASKS["default"]["BACKEND"].split(".")[0]
        queued = GaugeMetricFamily("jiliang_tasks_queued", "Background tasks waiting",
                                   labels=["backend"])
        queued.add_metric([backend], state["queued"])
        failed = GaugeMetricFamily("jiliang_tasks_failed",
                                   "Background tasks failed (results still kept)",
                                   labels=["backend"])
        failed.add_metric([backend], state["failed"])
        return [queued, failed]


_QUEUE_REGISTRY = CollectorRegistry(auto_describe=False)
_QUEUE_REGISTRY.register(QueueCollector())


def _metrics_allowed(request) -> bool:
    token = getattr(settings, "JILIANG_METRICS_TOKEN", "")
    if token and request.headers.get("Authorization", "") == f"Bearer {token}":
        return True
    return request.META.get("REMOTE_ADDR", "") in getattr(settings, "JILIANG_METRICS_ALLOW", ())


@never_cache
def metrics(request):
    if not _metrics_allowed(request):
        return HttpResponse("metrics are served to the monitoring addresses only\n",
                            status=403, content_type="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        body = generate_latest(REGISTRY)
    body += generate_latest(_QUEUE_REGISTRY)
    return HttpResponse(body, content_type="text/plain; version=0.0.4; charset=utf-8")


# --- health probes ------------------------------------------------------------------------------

@public
@never_cache
def healthz(request):
    """The process is up and answers (no database touched). ``?db=1``: and it reads one row by
    primary key (the bare baseline of bench/serve_load.py: the same server, the least work)."""
    if request.GET.get("db") == "1":
        from jiliang.core.models import Region

        region = Region.objects.filter(pk="110000").values_list("code", flat=True).first()
        return JsonResponse({"status": "ok", "row": region})
    return JsonResponse({"status": "ok"})


def _check_databases() -> str | None:
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as error:  # noqa: BLE001 - reported, not raised
            return f"database {alias}: {type(error).__name__}"
    return None


def _check_queue() -> str | None:
    try:
        queue_state()
    except Exception as error:  # noqa: BLE001
        return f"task queue: {type(error).__name__}"
    return None


def _check_mqtt() -> str | None:
    # The same settings the energy ingest worker reads (jiliang.energy.conf.mqtt).
    host = getattr(settings, "JILIANG_MQTT_HOST", os.environ.get("JILIANG_MQTT_HOST", "127.0.0.1"))
    port = int(getattr(settings, "JILIANG_MQTT_PORT", os.environ.get("JILIANG_MQTT_PORT", 1883)))
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as error:
        return f"MQTT broker {host}:{port}: {error.strerror or error}"


READY_CHECKS = {"database": _check_databases, "queue": _check_queue, "mqtt": _check_mqtt}


@never_cache
def readyz(request):
    """Ready for traffic: every check in JILIANG_READY_CHECKS passes (503 names those failing)."""
    wanted = getattr(settings, "JILIANG_READY_CHECKS", list(READY_CHECKS))
    failing = {}
    for name in wanted:
        if (problem := READY_CHECKS[name]()) is not None:
            failing[name] = problem
    return JsonResponse({"status": "ready" if not failing else "not ready",
                         "checks": {n: failing.get(n, "ok") for n in wanted}},
                        status=503 if failing else 200)
