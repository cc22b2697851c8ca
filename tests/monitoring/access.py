"""The monitoring app's objects for the access matrix: gateways and alerts in two provinces.

- acme's gateway (Guangzhou, 440106) with an alert on acme's fuel dispenser;
- a Beijing enterprise's gateway (110108) with an alert: Beijing only.
"""

from __future__ import annotations

from jiliang.monitoring.models import Alert
from tests.access import Marker, Sample
from tests.monitoring.helpers import ago, event, gateway, send
from tests.registry.helpers import file


def _keeper(gw):
    return lambda u: u.organisation_id == gw.organisation_id or (
        u.is_bureau and u.scope.covers_region(gw.region_code))


def samples(world):
    p = world.personas
    out: list[Sample] = []
    for key, user, region in (("acme", p.acme, "440106"), ("bj", p.bj_clerk, "110108")):
        owner = p.orgs["acme"] if key == "acme" else p.orgs["bj_enterprise"]
        gw = gateway(owner, code=f"MATRIX-GW-{key.upper()}")
        serial = f"MATRIX-FD-{key.upper()}"
        inst = file(user, owner=None if key == "acme" else owner, kind="fuel_dispenser",
                    serial=serial, region=region)
        send(gw, [event(inst, "event_counter", ago(3), 5), event(inst, "event_counter", ago(2), 9)])
        alert = Alert.objects.get(instrument_id=inst.pk)
        orgs = (owner.pk,)
        world.markers.append(Marker(serial, region, orgs))
        out += [
            Sample("monitoring:alert-detail", {"pk": alert.pk}, region, orgs),
            Sample("monitoring:gateway-detail", {"pk": gw.pk}, gw.region_code, orgs),
            Sample("monitoring:gateway-key", {"pk": gw.pk}, gw.region_code, allowed=_keeper(gw)),
            Sample("jiliang_monitoring_api_alert_detail", {"alert_id": alert.pk}, region, orgs),
            Sample("jiliang_monitoring_api_batch_ingest", {"gateway_code": gw.code}, region,
                   allowed=lambda u, gw=gw: u.organisation_id == gw.organisation_id),
        ]
    return out
