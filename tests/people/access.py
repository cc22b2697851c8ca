"""Objects of the people app for the access matrix: a person of each demo institution."""

import datetime

from jiliang.people import services
from tests.access import Marker, Sample


def samples(world):
    p = world.personas
    out = []
    for key, name, region in (("gd_institute", "矩阵广东计量员", "440106"),
                              ("bj_institute", "矩阵北京计量员", "110105")):
        org = p.orgs[key]
        person = services.person_create(actor=None, organisation=org, name=name)
        cert = services.qualification_add(
            actor=None, person=person, kind="verifier_certificate", number=f"MATRIX-{key}",
            items=["taximeter"], valid_from=datetime.date(2020, 1, 1), issuer="matrix")
        conversion = services.conversion_request(actor=None, certificate=cert,
                                                 on=datetime.date(2024, 1, 1))
        owned = {"region_code": region, "orgs": (org.pk,)}
        world.markers.append(Marker(name, region, (org.pk,)))
        out += [
            Sample("people:person-detail", {"pk": person.pk}, **owned),
            Sample("people:qualification-add", {"pk": person.pk}, **owned),
            Sample("people:signatory-add", {"pk": person.pk}, **owned),
            Sample("people:cpd-record", {"pk": person.pk}, **owned),
            Sample("people:conversion-request", {"pk": cert.pk}, **owned),
            Sample("people:conversion-decide", {"pk": conversion.pk}, **owned),
            Sample("jiliang_people_api_person_detail", {"person_id": person.pk}, **owned),
            Sample("jiliang_people_api_qualification_add", {"person_id": person.pk}, **owned),
            Sample("jiliang_people_api_cpd_record", {"person_id": person.pk}, **owned),
            Sample("jiliang_people_api_exam_record", {"person_id": person.pk}, **owned),
        ]
    registration = services.qualification_add(
        actor=None, person=person, kind="registration", number="MATRIX-REG-1",
        items=["taximeter"], valid_from=datetime.date(2020, 1, 1), grade="2")
    out.append(Sample("jiliang_people_api_public_registration", {"number": registration.number},
                      region_code="110105"))
    return out + more_samples(world)


def more_samples(world):
    """Stations, reviews and authorisations: a station of Guangdong, an examination of the
    Guangdong institute's authorisation."""
    from jiliang.licensing.services import licence_record

    p = world.personas
    station = services.station_register(
        actor=None, kind="fair", name="矩阵公正计量站", region_code="440106", scope="矩阵",
        legal_basis="《中华人民共和国计量法实施细则》", approved_by="矩阵",
        approved_on=datetime.date(2020, 1, 1))
    review = services.review_record(actor=None, station=station, held_on=datetime.date(2024, 1, 1),
                                    findings="矩阵复查发现")
    licence = licence_record(
        actor=p.gd_clerk, type_code="metrology_authorization", holder=p.orgs["gd_institute"],
        number="(粤)法计(矩阵)001", issued_on=datetime.date(2024, 1, 1), regime="now",
        particulars={"authority_level": "provincial", "form": "legal_institution",
                     "kinds": ["taximeter"], "authorised_region": "440000"})
    world.markers.append(Marker("矩阵复查发现", "440106", ()))
    bureau_44 = {"allowed": lambda u: u.is_bureau and u.scope.covers_region("440106")}
    return [
        Sample("people:station-detail", {"pk": station.pk}, allowed=lambda u: True),
        Sample("people:review-rectified", {"pk": review.pk}, region_code="440106", **bureau_44),
        Sample("people:authorisation-detail", {"pk": licence.pk}, region_code="440106",
               orgs=(p.orgs["gd_institute"].pk,)),
    ]
