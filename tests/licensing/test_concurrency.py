"""Two officials acting on one application at once: exactly one transition lands."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from jiliang.core.services import user_create
from jiliang.licensing import services
from jiliang.licensing.models import Application, ApplicationEvent, Licence
from tests.base import PersonaTestCase
from tests.licensing.helpers import D, accepted


def second_head(p):
    return user_create(actor=None, username="gd_head2", password="jiliang-demo",
                       organisation=p.orgs["gd_bureau"], role="bureau_head")


class StaleVersionTests(PersonaTestCase):
    def test_a_decision_on_a_stale_version_is_refused_and_says_who_acted(self):
        other = second_head(self.p)
        app = accepted(self.p)
        seen = app.version
        services.application_act(actor=self.p.gd_head, application=app, action="approve",
                                 version=seen, on=D(2025, 10, 9))
        with pytest.raises(ValidationError) as caught:
            services.application_act(actor=other, application=app, action="deny",
                                     version=seen, on=D(2025, 10, 9), payload={"reasons": "不符合"})
        message = caught.value.message_dict["version"][0]
        assert "gd_head" in message and "准予许可" in message
        app.refresh_from_db()
        assert app.state == "approved" and app.decision_reasons == ""
        assert ApplicationEvent.objects.filter(application=app, action="deny").count() == 0

    def test_the_page_tells_the_second_official_clearly(self):
        app = accepted(self.p)
        seen = app.version
        services.application_act(actor=self.p.gd_head, application=app, action="approve",
                                 version=seen, on=D(2025, 10, 9))
        response = self.client_as("gd_head").post(
            f"/licensing/applications/{app.pk}/act/deny/", {"version": seen, "reasons": "x"})
        assert response.status_code == 400
        assert "Someone else acted on this application first" in response.content.decode()

    def test_the_api_answers_a_stale_version_with_a_400(self):
        app = accepted(self.p)
        seen = app.version
        services.application_act(actor=self.p.gd_head, application=app, action="approve",
                                 version=seen, on=D(2025, 10, 9))
        response = self.api_as("gd_head").post(
            f"/api/v1/licensing/applications/{app.pk}/actions/deny",
            {"version": seen, "fields": {"reasons": "x"}}, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "version"


@pytest.mark.django_db(transaction=True)
def test_two_heads_deciding_at_the_same_moment_land_exactly_one_decision():
    """Real concurrency: two threads, two connections, one row. On PostgreSQL the second
    waits on the row lock (select_for_update); on SQLite on BEGIN IMMEDIATE; either way it
    then finds a newer version and is refused."""
    from jiliang.core.reference import load_reference_data
    from tests.personas import build_personas

    load_reference_data()
    p = build_personas()
    other = second_head(p)
    app = accepted(p)
    seen = app.version
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(name, actor, action, **payload):
        try:
            barrier.wait()
            services.application_act(actor=actor, application=Application(pk=app.pk),
                                     action=action, version=seen, on=D(2025, 10, 9), payload=payload)
            outcomes[name] = "ok"
        except ValidationError as error:
            outcomes[name] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=("approve", p.gd_head, "approve")),
               threading.Thread(target=decide, args=("deny", other, "deny"),
                                kwargs={"reasons": "不符合"})]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(str(type(v).__name__) for v in outcomes.values()) == ["ValidationError", "str"]
    loser = next(v for v in outcomes.values() if v != "ok")
    assert "version" in loser.message_dict
    app.refresh_from_db()
    winner = next(k for k, v in outcomes.items() if v == "ok")
    assert app.state == {"approve": "approved", "deny": "denied"}[winner]
    assert ApplicationEvent.objects.filter(application=app,
                                           action__in=("approve", "deny")).count() == 1
    assert Licence.objects.filter(application=app).count() == (1 if winner == "approve" else 0)
