"""Demo: the people who sign the demo institutions' verifications, with their qualifications.

Each institution has a verifier, a checker and an approver (an authorised signatory), whose
verifier certificates (2005) were converted into registrations (2016), covering the kinds the
licensing demo authorised; a fourth person of Guangdong holds only an assessor status and a
lapsed certificate; CPD hours and exam results. Idempotent.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from jiliang.core.demo import load_people
from jiliang.core.models import Organisation, User
from jiliang.licensing.demo import BJ_KINDS, GD_KINDS
from jiliang.licensing.models import Licence
from jiliang.people import services
from jiliang.people.models import Person, Review, Station

CERTIFIED = datetime.date(2005, 1, 1)
CONVERTED = datetime.date(2016, 6, 1)
# key, verifier, checker, approver, kinds (as the licensing demo authorised them)
INSTITUTIONS = {
    "gd_institute": (("张伟", "李娜", "王强"), "粤", GD_KINDS),
    "bj_institute": (("王芳", "刘洋", "赵敏"), "京", BJ_KINDS),
}


def signers(key: str) -> dict[str, Person]:
    """The demo verifier, checker and approver of an institution (for the other demos)."""
    orgs = load_people()
    names, _short, _kinds = INSTITUTIONS[key]
    people = {p.name: p for p in Person.objects.filter(organisation=orgs[key], name__in=names)}
    return dict(zip(("verifier", "checker", "approver"), (people[n] for n in names), strict=True))


def _person(org: Organisation, name: str, n: int, short: str, kinds: list[str], *,
            approver: bool, user: User | None = None) -> Person:
    person = services.person_create(actor=None, organisation=org, name=name, user=user)
    year = CERTIFIED.year
    cert = services.qualification_add(
        actor=None, person=person, kind="verifier_certificate",
        number=f"({short})计检员字({year})第{n:04d}号", items=kinds, valid_from=CERTIFIED,
        valid_until=datetime.date(2020, 12, 31), issuer=f"{org.name[:2]}质量技术监督局")
    services.exam_record(actor=None, person=person, subject="计量法律法规及综合知识",
                         sat_on=datetime.date(2015, 10, 18), passed=True)
    services.exam_record(actor=None, person=person, subject="计量专业实务与案例分析",
                         sat_on=datetime.date(2015, 10, 18), passed=True)
    conversion = services.conversion_request(actor=None, certificate=cert, on=CONVERTED)
    services.conversion_decide(actor=None, conversion=conversion, on=CONVERTED,
                               number=f"{short}2016{n:05d}", grade="1" if approver else "2",
                               speciality="力学、电磁学" if short == "粤" else "力学、热学")
    # The registration renewed to 2031 (延续注册): the demo keeps one record of it.
    services.qualification_renew(actor=None,
                                 qualification=person.qualifications.get(kind="registration"),
                                 valid_until=datetime.date(2031, 5, 31))
    this_year = datetime.date.today().year
    for year, hours in ((this_year - 2, 40), (this_year - 1, 24 if n % 2 else 36)):
        services.cpd_record(actor=None, person=person, year=year, hours=hours,
                            note="省计量测试学会继续教育")
    if approver:
        services.signatory_add(actor=None, person=person, valid_from=CERTIFIED,
                               note="授权签字人")
    return person


@transaction.atomic
def load_signers() -> int:
    orgs = load_people()
    n = 0
    for key, (names, short, kinds) in INSTITUTIONS.items():
        org = orgs[key]
        if Person.objects.filter(organisation=org).exists():
            continue
        user = User.objects.filter(username="gd_verifier" if key == "gd_institute" else "-")
        for i, name in enumerate(names):
            _person(org, name, i + 1, short, kinds, approver=i == 2,
                    user=user.first() if i == 0 else None)
            n += 1
        if key == "gd_institute":
            # An assessor (考评员) whose verifier certificate lapsed: in the pick list, refused.
            other = services.person_create(actor=None, organisation=org, name="陈静")
            services.qualification_add(
                actor=None, person=other, kind="verifier_certificate",
                number="(粤)计检员字(2010)第0099号", items=["taximeter"],
                valid_from=datetime.date(2010, 3, 1), valid_until=datetime.date(2015, 2, 28),
                issuer="广东省质量技术监督局")
            services.qualification_add(
                actor=None, person=other, kind="assessor", number="粤考评(2018)012",
                items=["measurement_standard_assessment"], valid_from=datetime.date(2018, 5, 1),
                valid_until=datetime.date(2028, 4, 30), issuer="广东省市场监督管理局")
            n += 1
    return n


@transaction.atomic
def load_stations() -> int:
    """Two stations on the register, one review with its rectification, and a JJF 1069
    examination of the Guangdong institute's authorisation (demo data, not real stations)."""
    if Station.objects.exists():
        return 0
    today = datetime.date.today()
    specialised = services.station_register(
        actor=None, kind="specialised", name="华南衡器专业计量站（演示）", region_code="440106",
        scope="大型衡器（汽车衡、轨道衡）的检定、校准和量值传递", legal_basis="《中华人民共和国计量法实施细则》",
        approved_by="国家市场监督管理总局", approved_on=datetime.date(2015, 3, 1),
        valid_until=datetime.date(2030, 2, 28))
    services.station_register(
        actor=None, kind="fair", name="广州港公正计量站（演示）", region_code="440115",
        scope="进出口散装货物的公正计量（衡器计重、液体计量）", legal_basis="《中华人民共和国计量法实施细则》",
        approved_by="广东省市场监督管理局", approved_on=datetime.date(2019, 7, 1),
        valid_until=datetime.date(2029, 6, 30))
    review = services.review_record(
        actor=None, station=specialised, held_on=today - datetime.timedelta(days=120),
        findings="汽车衡检定装置的期间核查记录不完整。", conclusion="复查合格，限期整改",
        rectification_due=today - datetime.timedelta(days=60))
    services.review_rectified(actor=None, review=review, on=today - datetime.timedelta(days=75),
                              rectification="补齐2024年度期间核查记录，修订核查作业指导书。")
    licence = Licence.objects.filter(type_code="metrology_authorization",
                                     holder=load_people()["gd_institute"]).order_by(
        "-issued_on").first()
    if licence is not None:
        services.review_record(
            actor=None, licence=licence, held_on=today - datetime.timedelta(days=20),
            findings="1. 部分检定员证书项目与所检项目不一致；2. 原始记录未注明环境条件。",
            rectification_due=today + datetime.timedelta(days=40), conclusion="考核合格，限期整改")
    return Station.objects.count() + Review.objects.count()


def load(stdout) -> None:
    load_stations()
    n = load_signers()
    stdout.write(f"people: {n} people with qualifications" if n else
                 "people: demo people already loaded")
