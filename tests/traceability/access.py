"""Objects of the traceability register for the access matrix: a Guangdong chain with a record,
a Beijing standard, a reference material and its lot, a comparison, an impact case."""

from jiliang.traceability import permissions as may
from jiliang.traceability import services
from jiliang.traceability.models import ImpactCase, ImpactNotice
from tests.access import Marker, Sample
from tests.registry.helpers import days, file, verify
from tests.traceability.helpers import standard


def samples(world):
    p = world.personas
    gd, bj = p.orgs["gd_institute"], p.orgs["bj_institute"]
    gd_ps = standard(gd, "MATRIX-GD-PS", category="social_public", cert="MATRIX-GD-PS-CERT")
    gd_ws = standard(gd, "MATRIX-GD-WS", upstream=gd_ps, mobile=True)
    bj_ws = standard(bj, "MATRIX-BJ-WS")
    inst = file(p.acme, serial="MATRIX-TR-1")
    verify(p.gd_verifier, inst, on=days(-30), standard=gd_ws, number="MATRIX-TR-C1")
    services.calibration_record(actor=None, standard=gd_ws, higher_standard=gd_ps,
                                certificate_no="MATRIX-OUT", calibrated_on=days(-1),
                                due_on=days(300), result="out")
    case = ImpactCase.objects.get(standard=gd_ws)
    services.impact_open_tasks(actor=None, case=case)
    notice = ImpactNotice.objects.get(case=case)
    rm = services.material_register(actor=None, number="GBW 99999", name="矩阵测试标准物质",
                                    producer="x", values=[{"property": "p", "value": "1",
                                                           "U": "0.1", "k": "2"}])
    services.lot_add(actor=None, material=rm, holder=gd, lot_no="MATRIX-LOT", expires_on=days(99))
    c = services.comparison_create(
        actor=None, code="MATRIX-CMP", title="矩阵比对", organiser=p.orgs["gd_bureau"], pilot=gd,
        measurand="质量", method="En", protocol="x", artefact="x", starts_on=days(-10),
        ends_on=days(10))
    part = services.participant_add(actor=None, comparison=c, institution=gd, lab_code="A",
                                    standard=gd_ws)
    bj_part = services.participant_add(actor=None, comparison=c, institution=bj, lab_code="B",
                                       standard=bj_ws)
    # A certificate names its standard: the owners of certificates issued with it see its code.
    world.markers += [Marker("MATRIX-GD-WS", "440106", (gd.pk, p.orgs["acme"].pk)),
                      Marker("MATRIX-BJ-WS", "110105", (bj.pk,))]


    def keeper(std):
        return lambda u: may.may_keep(u, std)

    def assessor(std):
        return lambda u: may.may_assess(u, std)

    def in_comparison(u):
        scope = u.scope
        return (scope.everything or (scope.region_prefix is not None and any(
            code.startswith(scope.region_prefix) for code in ("440000", "440106", "110105")))
            or u.organisation_id in (p.orgs["gd_bureau"].pk, gd.pk, bj.pk))

    def runner(u):
        return may.may_run(u, c)

    def sees_case(u):
        scope = u.scope
        return (scope.everything or (scope.region_prefix is not None
                                     and "440106".startswith(scope.region_prefix))
                or u.organisation_id in (gd.pk, p.orgs["acme"].pk))

    out = []
    for std, region, org in ((gd_ws, "440106", gd.pk), (bj_ws, "110105", bj.pk)):
        owned = {"region_code": region, "orgs": (org,)}
        out += [
            Sample("traceability:standard-detail", {"pk": std.pk}, **owned),
            Sample("traceability:device-create", {"pk": std.pk}, region_code=region,
                   allowed=keeper(std)),
            Sample("traceability:certificate-create", {"pk": std.pk}, region_code=region,
                   allowed=assessor(std)),
            Sample("traceability:calibration-create", {"pk": std.pk}, region_code=region,
                   allowed=keeper(std)),
            Sample("traceability:standard-status", {"pk": std.pk}, region_code=region,
                   allowed=keeper(std)),
            Sample("traceability:booking-create", {"pk": std.pk}, region_code=region,
                   allowed=keeper(std)),
            Sample("jiliang_traceability_api_standard_detail", {"standard_id": std.pk}, **owned),
            Sample("jiliang_traceability_api_certificate_issue", {"standard_id": std.pk}, **owned),
            Sample("jiliang_traceability_api_calibration_record", {"standard_id": std.pk},
                   **owned),
            Sample("jiliang_traceability_api_device_add", {"standard_id": std.pk}, **owned),
            Sample("jiliang_traceability_api_standard_status", {"standard_id": std.pk}, **owned),
            Sample("jiliang_traceability_api_standard_issued", {"standard_id": std.pk}, **owned),
        ]
    signed_in = {"allowed": lambda u: True}
    out += [
        Sample("traceability:material-detail", {"pk": rm.pk}, **signed_in),
        Sample("traceability:import-template", {"sheet": "standards"}, **signed_in),
        Sample("traceability:lot-create", {"pk": rm.pk},
               allowed=lambda u: u.is_bureau or u.organisation_id is not None),
        Sample("traceability:comparison-detail", {"pk": c.pk}, region_code="440000",
               allowed=in_comparison),
        Sample("traceability:participant-create", {"pk": c.pk}, region_code="440000",
               allowed=runner),
        Sample("traceability:comparison-score", {"pk": c.pk}, region_code="440000",
               allowed=runner),
        Sample("traceability:comparison-report", {"pk": c.pk}, region_code="440000",
               allowed=runner),
        Sample("traceability:comparison-publish", {"pk": c.pk}, region_code="440000",
               allowed=in_comparison),
        Sample("traceability:result-submit", {"pk": part.pk}, region_code="440106",
               allowed=lambda u: runner(u) or u.organisation_id == gd.pk),
        Sample("traceability:result-submit", {"pk": bj_part.pk}, region_code="110105",
               allowed=lambda u: runner(u) or u.organisation_id == bj.pk),
        Sample("traceability:follow-up", {"pk": part.pk}, region_code="440106", allowed=runner),
        Sample("traceability:impact-detail", {"pk": case.pk}, region_code="440106",
               allowed=sees_case),
        Sample("traceability:impact-tasks", {"pk": case.pk}, region_code="440106",
               allowed=sees_case),
        Sample("traceability:notice-read", {"pk": notice.pk}, region_code="440106",
               allowed=lambda u: u.organisation_id == p.orgs["acme"].pk),
        Sample("jiliang_traceability_api_comparison_detail", {"comparison_id": c.pk},
               region_code="440000", allowed=in_comparison),
        Sample("jiliang_traceability_api_participant_add", {"comparison_id": c.pk},
               region_code="440000", allowed=in_comparison),
        Sample("jiliang_traceability_api_comparison_score", {"comparison_id": c.pk},
               region_code="440000", allowed=in_comparison),
        Sample("jiliang_traceability_api_comparison_report", {"comparison_id": c.pk},
               region_code="440000", allowed=in_comparison),
        Sample("jiliang_traceability_api_comparison_publish", {"comparison_id": c.pk},
               region_code="440000", allowed=in_comparison),
        Sample("jiliang_traceability_api_result_submit", {"participant_id": part.pk},
               region_code="440106", allowed=in_comparison),
        Sample("jiliang_traceability_api_follow_up", {"participant_id": part.pk},
               region_code="440106", allowed=in_comparison),
        Sample("jiliang_traceability_api_impact_items", {"case_id": case.pk},
               region_code="440106", allowed=sees_case),
        Sample("jiliang_traceability_api_impact_tasks", {"case_id": case.pk},
               region_code="440106", allowed=sees_case),
    ]
    return out
