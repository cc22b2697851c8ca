"""The endpoint over HTTP, the bureau's queue (scoped) and closing an alert."""

import json

from jiliang.monitoring.models import Alert
from jiliang.monitoring.services import sign
from tests.base import PersonaTestCase
from tests.monitoring.helpers import (
    OTHER_PRIVATE,
    PRIVATE,
    ago,
    body,
    dispenser,
    event,
    gateway,
    send,
)


class ApiTests(PersonaTestCase):
    def setUp(self):
        self.gw = gateway(self.p.orgs["acme"])
        self.inst = dispenser(self.p.acme, serial="FD-API-1")

    def post(self, data: bytes, batch_id: str, key: str = PRIVATE):
        return self.api_as("acme").post(
            f"/api/v1/monitoring/gateways/{self.gw.code}/batches", data=data,
            content_type="application/json", HTTP_X_BATCH_ID=batch_id,
            HTTP_X_SIGNATURE=sign(key, self.gw.code, batch_id, data))

    def test_a_batch_is_taken_over_http_and_its_alert_listed(self):
        data = body(self.gw, [event(self.inst, "event_counter", ago(2), 1),
                              event(self.inst, "event_counter", ago(1), 2)])
        response = self.post(data, "h-1")
        assert response.status_code == 201, response.content
        assert response.json()["alerts"] == 1
        assert self.post(data, "h-1").status_code == 200
        again = body(self.gw, json.loads(data)["events"])  # the same events, a new batch
        response = self.post(again, "h-1b")
        assert response.status_code == 201
        assert (response.json()["duplicates"], response.json()["accepted"]) == (2, 0)
        listed = self.api_as("gd_clerk").get("/api/v1/monitoring/alerts").json()
        assert [a["rule"] for a in listed["items"]] == ["counter_jump"]
        assert self.api_as("bj_clerk").get("/api/v1/monitoring/alerts").json()["count"] == 0

    def test_a_bad_signature_and_a_broken_chain_are_refused_naming_the_field(self):
        data = body(self.gw, [event(self.inst, "event_counter", ago(1), 1)])
        response = self.post(data, "h-2", key=OTHER_PRIVATE)
        assert response.status_code == 403
        assert response.json()["errors"][0]["field"] == "signature"
        assert self.post(data, "h-3").status_code == 201
        stale = body(self.gw, [event(self.inst, "event_counter", ago(1), 1)], previous="0" * 64)
        response = self.post(stale, "h-4")
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "previous"

    def test_nonsense_is_a_400_naming_the_body(self):
        response = self.post(b"{not json", "h-5")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "body"


class QueueTests(PersonaTestCase):
    def setUp(self):
        self.gw = gateway(self.p.orgs["acme"])
        self.inst = dispenser(self.p.acme, serial="FD-Q-1")
        send(self.gw, [event(self.inst, "event_counter", ago(2), 1),
                       event(self.inst, "event_counter", ago(1), 5)])
        self.alert = Alert.objects.get()

    def test_the_queue_is_scoped(self):
        assert "FD-Q-1" in self.client_as("gd_clerk").get("/monitoring/").content.decode()
        assert "FD-Q-1" not in self.client_as("bj_clerk").get("/monitoring/").content.decode()
        assert self.client_as("bj_clerk").get(
            f"/monitoring/alerts/{self.alert.pk}/").status_code == 404

    def test_the_bureau_closes_an_alert_saying_what_it_found(self):
        client = self.client_as("gz_clerk")
        page = client.get(f"/monitoring/alerts/{self.alert.pk}/").content.decode()
        assert self.alert.evidence["chain"]["row_hash"] in page
        response = client.post(f"/monitoring/alerts/{self.alert.pk}/", {"note": ""})
        assert response.status_code == 200 and "This field is required" in response.content.decode()
        response = client.post(f"/monitoring/alerts/{self.alert.pk}/", {"note": "现场核查：已维修"})
        assert response.status_code == 302
        self.alert.refresh_from_db()
        assert self.alert.state == "closed" and self.alert.closed_by == self.p.gz_clerk

    def test_the_owner_sees_its_alert_but_does_not_close_it(self):
        client = self.client_as("acme")
        assert client.get(f"/monitoring/alerts/{self.alert.pk}/").status_code == 200
        assert client.post(f"/monitoring/alerts/{self.alert.pk}/",
                           {"note": "x"}).status_code == 403
        assert json.loads(json.dumps(self.alert.params))["after"] == 5
