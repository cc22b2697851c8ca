"""Setting up registry data through the real services."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from jiliang.core.demo import credit_code
from jiliang.core.services import organisation_register
from jiliang.registry import services

_numbers = itertools.count(1)
TODAY = None


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def enterprise(name: str, region: str, first17: str):
    return organisation_register(actor=None, kind="enterprise", name=name, region_code=region,
                                 credit_code=credit_code(first17), enterprise_roles=["owner"])


def file(actor, *, owner=None, kind="scale_digital_indicating", use="trade", serial=None,
         region="440106", **extra):
    return services.instrument_file(
        actor=actor, owner=owner, kind_code=kind, use=use,
        serial_number=serial or f"T-{next(_numbers):06d}", region_code=region, **extra)


def verify(verifier, instrument, *, on=None, conclusion="pass", number=None,
           regulation="JJG 539-2016", standard_until=None, standard=None, **extra):
    """Records bind to a registered standard of the verifier's institution (traceability):
    ``standard`` if given, else its default standard valid for years either side of today."""
    on = on or days(-10)
    if conclusion == "fail":
        extra.setdefault("failed_items", ["示值误差"])
    org = verifier.organisation
    if not {"verifier", "checker", "approver"} & extra.keys() and org is not None \
            and org.kind == "verification_institution":
        extra.update(signers(org))
    if "standard_id" not in extra:
        from tests.traceability.helpers import default_standard

        extra["standard_id"] = (standard or default_standard(verifier.organisation)).pk
    return services.verification_record(
        actor=verifier, instrument=instrument, verified_on=on,
        verification_type=extra.pop("verification_type", "subsequent"),
        regulation_code=regulation, standard_identifier="[2024]粤量标证字第001号",
        standard_valid_until=standard_until or on + datetime.timedelta(days=365),
        conclusion=conclusion, certificate_no=number or f"C-{next(_numbers):06d}", **extra)


# --- who may verify (issue 13): people and an authorisation, filed through the services ---

SIGNERS = (("verifier", "张伟"), ("checker", "李娜"), ("approver", "王强"))
SINCE = datetime.date(2000, 1, 1)


def signers(institution) -> dict:
    """The institution's verifier, checker and approver (张伟, 李娜, 王强), qualified for every
    kind of the catalogue since 2000, the approver an authorised signatory; and a metrology
    authorisation for every kind in its province. Filed once, through the real services."""
    from jiliang.catalog.models import InstrumentKind
    from jiliang.core.models import OrgKind, User
    from jiliang.licensing.models import Licence
    from jiliang.licensing.services import licence_record
    from jiliang.people import services as people
    from jiliang.people.models import Person

    found = {p.name: p for p in Person.objects.filter(
        organisation=institution, name__in=[n for _r, n in SIGNERS])}
    kinds = sorted(InstrumentKind.objects.values_list("code", flat=True))
    if len(found) < len(SIGNERS):
        for role, name in SIGNERS:
            if name in found:
                continue
            person = people.person_create(actor=None, organisation=institution, name=name)
            people.qualification_add(
                actor=None, person=person, kind="verifier_certificate",
                number=f"T-{institution.pk}-{role}", items=kinds, valid_from=SINCE,
                issuer="test")
            if role == "approver":
                people.signatory_add(actor=None, person=person, valid_from=SINCE)
            found[name] = person
    if not Licence.objects.filter(number__startswith=f"(测)法计(2000){institution.pk:05d}",
                                  holder=institution).exists():
        # By the national administration, over both demo provinces: the tests' verifiers
        # verify instruments of Guangdong and of Beijing.
        admin = User.objects.filter(role="national_admin",
                                    organisation__kind=OrgKind.NATIONAL).first()
        for area in ("440000", "110000"):
            licence_record(
                actor=admin, type_code="metrology_authorization", holder=institution,
                number=f"(测)法计(2000){institution.pk:05d}{area[:2]}", issued_on=SINCE,
                valid_until=datetime.date(2099, 12, 31), regime="now",
                particulars={"authority_level": "national", "form": "legal_institution",
                             "kinds": kinds, "authorised_region": area})
    return {role: found[name] for role, name in SIGNERS}
