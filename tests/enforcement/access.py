"""Enforcement cases for the access matrix: a Guangdong provincial case decided and published,
a Guangzhou city case (seen by Guangzhou and the province above it) and a Beijing case."""

from __future__ import annotations

import datetime

from jiliang.enforcement import services
from tests.access import Marker, Sample

DISCOVERED = datetime.date(2025, 9, 26)


def _case(actor, name):
    return services.open_case(actor, party_kind="organisation", party_name=name,
                              discovered_on=DISCOVERED, summary="矩阵线索", bases=["metrology_law"],
                              on=datetime.date(2025, 9, 30))


def samples(world):
    p = world.personas
    gd = _case(p.gd_clerk, "矩阵广东当事人")
    gd = services.case_act(actor=p.gd_clerk, case=gd, action="notify", payload={
        "proposed_fine": "1000", "proposed_measures": "责令改正", "facts": "矩阵事实"},
        on=datetime.date(2025, 10, 9))
    gd = services.case_act(actor=p.gd_head, case=gd, action="decide", payload={
        "fine": "1000", "decision_text": "罚款1000元"}, on=datetime.date(2025, 10, 20))
    gd = services.case_act(actor=p.gd_clerk, case=gd, action="publish")
    gz = _case(p.gz_clerk, "矩阵广州当事人")
    bj = _case(p.bj_clerk, "矩阵北京当事人")
    world.markers += [Marker("矩阵广州当事人", "440100"), Marker("矩阵北京当事人", "110000")]
    public = {"allowed": lambda u: True}
    out = [
        Sample("enforcement:public-detail", {"pk": gd.pk}, **public),
        Sample("enforcement:public-decision", {"pk": gd.pk}, **public),
        Sample("jiliang_enforcement_api_public_decision", {"case_id": gd.pk}, **public),
        Sample("enforcement:case-notice", {"pk": gd.pk}, region_code="440000"),
        Sample("enforcement:case-decision", {"pk": gd.pk}, region_code="440000"),
    ]
    for case, region in ((gd, "440000"), (gz, "440100"), (bj, "110000")):
        own = {"region_code": region}
        out += [
            Sample("enforcement:case-detail", {"pk": case.pk}, **own),
            Sample("enforcement:case-act", {"pk": case.pk, "action": "record_evidence"}, **own),
            Sample("jiliang_enforcement_api_case_detail", {"case_id": case.pk}, **own),
            Sample("jiliang_enforcement_api_case_act",
                   {"case_id": case.pk, "action": "record_evidence"}, **own),
        ]
    return out
