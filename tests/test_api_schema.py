"""Schemathesis over the OpenAPI schema, anonymously and as a clerk: no server error, and every
status code the API answers is documented for its operation.

Bounded for CI: ``JILIANG_SCHEMA_EXAMPLES`` examples per operation and persona (default 6,
drawn deterministically), phases "explicit" and "generate" only (no shrinking). The figures of a
run are printed (operations, requests, seconds).
"""

from __future__ import annotations

import os
import re
import time

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from jiliang.core.services import api_token_issue
from tests.base import PersonaTestCase

EXAMPLES = int(os.environ.get("JILIANG_SCHEMA_EXAMPLES", "6"))


class ApiSchemaTests(PersonaTestCase):
    def setUp(self):
        super().setUp()
        # As Django's test client does: the WSGI handler must not close the test's connection
        # (and its transaction) at the end of each request.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        self.addCleanup(signals.request_started.connect, close_old_connections)
        self.addCleanup(signals.request_finished.connect, close_old_connections)

    @staticmethod
    def _runner(operation, who: str, headers: dict, failures: list, counter: list):
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            counter[0] += 1
            try:
                case.call_and_validate(headers={**headers, "Accept-Language": "en"},
                                       checks=[not_a_server_error, status_code_conformance])
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - all reported
                text = str(error)
                kinds = re.findall(r"- (ST\d+ [^\n]+|Server error[^\n]*)", text) or [
                    text.strip().splitlines()[0][:200]]
                received = re.findall(r"Received: (\d+)", text)
                failures.append(f"{operation.label} as {who}: {'; '.join(kinds)}"
                                + (f" (received {', '.join(received)})" if received else ""))

        return run

    def test_no_server_error_and_every_status_documented(self):
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
        _token, key = api_token_issue(actor=self.p.gd_clerk, name="schemathesis")
        personas = {"anonymous": {}, "gd_clerk": {"Authorization": f"Bearer {key}"}}
        failures: list[str] = []
        counter = [0]
        operations = 0
        started = time.perf_counter()
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            for who, headers in personas.items():
                run = self._runner(operation, who, headers, failures, counter)
                run()
        elapsed = time.perf_counter() - started
        print(f"\nschemathesis: {operations} operations, {counter[0]} requests, {elapsed:.0f} s")
        unique = sorted(set(failures))
        assert operations > 50, operations
        assert not unique, f"{len(unique)} failure(s):\n" + "\n".join(unique)
