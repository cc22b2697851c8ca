"""Probes, metrics, request ids and JSON log lines."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from jiliang.core import observability
from tests.production.helpers import free_port


@pytest.mark.django_db
def test_healthz_answers_without_the_database():
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert Client().get("/healthz?db=1").json() == {"status": "ok", "row": "110000"}


@pytest.mark.django_db
def test_readyz_checks_the_database_the_queue_and_the_broker(settings):
    settings.JILIANG_READY_CHECKS = ["database", "queue"]
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "queue": "ok"}}
    # A broker that is not there: not ready, and the answer says which check failed.
    settings.JILIANG_READY_CHECKS = ["database", "queue", "mqtt"]
    settings.JILIANG_MQTT_HOST, settings.JILIANG_MQTT_PORT = "127.0.0.1", free_port()
    response = Client().get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["mqtt"].startswith("MQTT broker 127.0.0.1:")


@pytest.mark.django_db
def test_metrics_give_latency_by_view_queue_depth_and_row_counters(settings):
    from jiliang.registry.tasks import send_reminders

    client = Client()
    client.get("/healthz")
    send_reminders.enqueue()
    observability.IMPORT_ROWS.inc(0)
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="healthz"}' in body
    queued = next(line for line in body.splitlines() if line.startswith("jiliang_tasks_queued{"))
    assert float(queued.rsplit(" ", 1)[1]) >= 1
    for name in ("jiliang_tasks_failed", "jiliang_registry_import_rows_total"):
        assert name in body


@pytest.mark.django_db
def test_metrics_are_only_for_the_monitoring_addresses_or_the_token(settings):
    client = Client()
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.JILIANG_METRICS_TOKEN = "scrape-token-abc"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                      HTTP_AUTHORIZATION="Bearer scrape-token-abc").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                      HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


@pytest.mark.django_db
def test_each_request_has_an_id_in_its_header_and_its_log_lines(caplog):
    client = Client()
    with caplog.at_level(logging.INFO, logger="jiliang.request"):
        given = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-id-12345678")
        fresh = client.get("/healthz", HTTP_X_REQUEST_ID="bad id; drop table")
    assert given["X-Request-ID"] == "proxy-id-12345678"
    assert len(fresh["X-Request-ID"]) == 32 and fresh["X-Request-ID"] != "bad id; drop table"
    record = next(r for r in caplog.records if r.name == "jiliang.request")
    observability.RequestIdFilter().filter(record)
    line = json.loads(observability.JsonFormatter().format(record))
    assert line["logger"] == "jiliang.request" and line["status"] == 200
    assert line["view"] == "healthz" and line["path"] == "/healthz"
    assert {"time", "level", "message", "request_id", "ms"} <= set(line)


def test_json_log_lines_carry_the_current_request_id_and_the_traceback():
    token = observability.request_id.set("req-0123456789")
    try:
        try:
            raise ValueError("broken")
        except ValueError:
            record = logging.getLogger("x").makeRecord(
                "x", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info=True)
            import sys

            record.exc_info = sys.exc_info()
        observability.RequestIdFilter().filter(record)
        line = json.loads(observability.JsonFormatter().format(record))
    finally:
        observability.request_id.reset(token)
    assert line["request_id"] == "req-0123456789" and line["message"] == "failed here"
    assert "ValueError: broken" in line["exc"] and line["level"] == "ERROR"
