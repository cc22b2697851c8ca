"""Demo organisations and users. Idempotent: what exists is left as it is.

The same people stand in the tests (tests/personas.py), so a test and a demo
session see the same world.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.db import transaction

from jiliang.core import services
from jiliang.core.models import Organisation, OrgKind, Role, User
from jiliang.rules.identifiers import uscc_check_character
from jiliang.rules.roles import roles

DEMO_PASSWORD = "jiliang-demo"
# The demo's second factor (RFC 6238 TOTP, 30 s, 6 digits): heads and national administrators
# sign in with a code from any authenticator app holding this key (README, demo logins), or
# from `python manage.py demo_otp_code USER`. Published, so never loaded in production.
DEMO_TOTP_KEY_BASE32 = "JILIANGDEMOSECRETKEYFORTOTP23456"


def demo_totp_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_KEY_BASE32).hex()


def seed_second_factor() -> list[str]:
    """Every demo user whose role needs a second factor gets the demo TOTP device; returns
    their user names."""
    names = []
    for user in User.objects.filter(role__in=roles().second_factor, is_active=True):
        services.second_factor_seed(user=user, key_hex=demo_totp_key_hex())
        names.append(user.username)
    return sorted(names)


def credit_code(first17: str) -> str:
    """A credit code with its right check character (demo codes are synthetic)."""
    return first17 + uscc_check_character(first17)


def demo_organisation(
    *, kind: str, name: str, region_code: str, credit_code: str | None = None,
    enterprise_roles: list[str] | tuple[str, ...] = (), address: str = "",
) -> Organisation:
    """The demo organisation on file, found by its credit code (a bureau, which has none in the
    demo, by its kind and division), or registered. Never by name: a renamed organisation is
    still the same one, and the next `make run` goes on."""
    if credit_code:
        found = Organisation.objects.filter(credit_code=credit_code).first()
    else:
        found = (Organisation.objects.filter(kind=kind, region_code=region_code,
                                             credit_code__isnull=True).order_by("pk").first())
    return found or services.organisation_register(
        actor=None, kind=kind, name=name, region_code=region_code, credit_code=credit_code,
        enterprise_roles=list(enterprise_roles), address=address)


@dataclass(frozen=True)
class DemoOrg:
    key: str
    kind: str
    name: str
    region_code: str
    credit17: str | None = None
    enterprise_roles: tuple[str, ...] = ()
    address: str = ""


ORGS = [
    DemoOrg("national", OrgKind.NATIONAL, "国家市场监督管理总局计量司", "110000",
            address="北京市西城区三里河东路8号"),
    DemoOrg("gd_bureau", OrgKind.PROVINCIAL_BUREAU, "广东省市场监督管理局", "440000",
            address="广州市天河区天河北路"),
    DemoOrg("gz_bureau", OrgKind.CITY_BUREAU, "广州市市场监督管理局", "440100",
            address="广州市越秀区"),
    DemoOrg("bj_bureau", OrgKind.PROVINCIAL_BUREAU, "北京市市场监督管理局", "110000",
            address="北京市通州区"),
    DemoOrg("gd_institute", OrgKind.VERIFICATION_INSTITUTION, "广东省计量科学研究院", "440106",
            "12440000455858801", address="广州市天河区"),
    DemoOrg("bj_institute", OrgKind.VERIFICATION_INSTITUTION, "北京市计量检测科学研究院", "110105",
            "12110000400688001", address="北京市朝阳区"),
    DemoOrg("acme", OrgKind.ENTERPRISE, "广州艾克米衡器有限公司", "440106", "91440106MA59ACME1",
            ("owner", "manufacturer", "packer", "energy_user"), address="广州市天河区科韵路"),
    DemoOrg("bj_enterprise", OrgKind.ENTERPRISE, "北京京西农贸市场有限公司", "110108",
            "91110108MA01JXNM2", ("owner",), address="北京市海淀区"),
]

PEOPLE = [
    ("admin", "national", Role.NATIONAL_ADMIN, "国家管理员"),
    ("gd_clerk", "gd_bureau", Role.BUREAU_CLERK, "广东省局办事员"),
    ("gd_head", "gd_bureau", Role.BUREAU_HEAD, "广东省局负责人"),
    ("gz_clerk", "gz_bureau", Role.BUREAU_CLERK, "广州市局办事员"),
    ("bj_clerk", "bj_bureau", Role.BUREAU_CLERK, "北京市局办事员"),
    ("gd_verifier", "gd_institute", Role.VERIFIER, "广东计量院检定员"),
    ("acme", "acme", Role.ENTERPRISE_USER, "艾克米公司计量员"),
]


@transaction.atomic
def load_people(password: str = DEMO_PASSWORD) -> dict[str, Organisation]:
    """The demo organisations and users; returns the organisations by key."""
    orgs: dict[str, Organisation] = {}
    for spec in ORGS:
        orgs[spec.key] = demo_organisation(
            kind=spec.kind, name=spec.name, region_code=spec.region_code,
            credit_code=credit_code(spec.credit17) if spec.credit17 else None,
            enterprise_roles=spec.enterprise_roles, address=spec.address,
        )
    for username, org_key, role, full_name in PEOPLE:
        if not User.objects.filter(username=username).exists():
            services.user_create(actor=None, username=username, password=password,
                                 organisation=orgs[org_key], role=role, full_name=full_name)
    return orgs


def load(stdout) -> None:
    load_people()
    stdout.write(f"core: {len(ORGS)} organisations, {len(PEOPLE)} users")
