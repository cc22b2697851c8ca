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
        ]
    registration = services.qualification_add(
        actor=None, person=person, kind="registration", number="MATRIX-REG-1",
        items=["taximeter"], valid_from=datetime.date(2020, 1, 1), grade="2")
    out.append(Sample("jiliang_people_api_public_registration", {"number": registration.number},
                      region_code="110105"))
    return out
