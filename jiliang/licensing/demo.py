"""Demo applications in every state across Guangdong and Beijing, and granted certificates.

Built through the real services with dates before today, so the clocks, vouchers,
certificates and disclosures are what the users would see. Idempotent: once loaded, left
as it is (a marker row in the numbering table says so).
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from jiliang.core import services as core
from jiliang.core.demo import DEMO_PASSWORD, credit_code, demo_organisation, load_people
from jiliang.core.models import Organisation, OrgKind, Role, User
from jiliang.licensing import services
from jiliang.licensing.models import Application, Purpose, Sequence

MARKER = "demo:licensing"
PDF = b"%PDF-1.4\n% Jiliang demo material\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

EXTRA_ORGS = [
    # key, kind, name, region, credit code (17), enterprise roles, address
    ("fs_scales", OrgKind.ENTERPRISE, "佛山市精衡电子衡器有限公司", "440604", "91440604MA4WJH8X1",
     ["manufacturer"], "佛山市禅城区季华路"),
    ("sz_foods", OrgKind.ENTERPRISE, "深圳鹏城食品包装有限公司", "440305", "91440305MA5PCBT01",
     ["packer"], "深圳市南山区科技园"),
]
EXTRA_PEOPLE = [
    # username, org key, role, full name
    ("bj_head", "bj_bureau", Role.BUREAU_HEAD, "北京市局负责人"),
    ("bj_verifier", "bj_institute", Role.VERIFIER, "北京计量院检定员"),
    ("jx_user", "bj_enterprise", Role.ENTERPRISE_USER, "京西市场计量员"),
    ("fs_user", "fs_scales", Role.ENTERPRISE_USER, "精衡公司经办人"),
    ("sz_user", "sz_foods", Role.ENTERPRISE_USER, "鹏城公司经办人"),
]


def _orgs_and_people() -> tuple[dict[str, Organisation], dict[str, User]]:
    orgs = load_people()
    for key, kind, name, region, credit17, roles, address in EXTRA_ORGS:
        orgs[key] = demo_organisation(
            kind=kind, name=name, region_code=region,
            credit_code=credit_code(credit17), enterprise_roles=roles, address=address)
    for username, key, role, full_name in EXTRA_PEOPLE:
        if not User.objects.filter(username=username).exists():
            core.user_create(actor=None, username=username, password=DEMO_PASSWORD,
                             organisation=orgs[key], role=role, full_name=full_name)
    users = {u.username: u for u in User.objects.select_related("organisation")}
    return orgs, users


class _Demo:
    def __init__(self, users: dict[str, User], today: datetime.date) -> None:
        self.u = users
        self.today = today

    def day(self, days_ago: int) -> datetime.date:
        """A weekday ``days_ago`` calendar days before today (weekends step back to Friday)."""
        day = self.today - datetime.timedelta(days=days_ago)
        while day.weekday() >= 5:
            day -= datetime.timedelta(days=1)
        return day

    def act(self, app: Application, who: str | None, action: str, days_ago: int,
            **payload) -> Application:
        app.refresh_from_db()
        return services.application_act(actor=self.u[who] if who else None, application=app,
                                        action=action, version=app.version,
                                        on=self.day(days_ago), payload=payload)

    def draft(self, who: str, type_code: str, particulars: dict, days_ago: int,
              **kw) -> Application:
        app = services.application_create(actor=self.u[who], type_code=type_code,
                                          particulars=particulars, on=self.day(days_ago), **kw)
        for material in services.missing_materials(app):
            services.attachment_add(actor=self.u[who], application=app,
                                    material=material["code"],
                                    upload=SimpleUploadedFile(f"{material['code']}.pdf", PDF))
        return app

    def submitted(self, who, type_code, particulars, days_ago, **kw) -> Application:
        app = self.draft(who, type_code, particulars, days_ago, **kw)
        return self.act(app, who, "submit", days_ago)

    def accepted(self, who, clerk, type_code, particulars, days_ago, **kw) -> Application:
        app = self.submitted(who, type_code, particulars, days_ago + 2, **kw)
        return self.act(app, clerk, "accept", days_ago)


def scale(name: str, model: str, letter: str = "F", origin: str = "domestic") -> dict:
    return {"origin": origin, "instrument_name": name, "model": model,
            "category_letter": letter, "accuracy_class": "III"}


def standard(name: str, rng: str, unc: str) -> dict:
    return {"competent_level": "provincial", "standard_name": name, "measuring_range": rng,
            "uncertainty": unc}


# What the demo institutions verify (the registry's demo records stay inside these).
GD_KINDS = ["scale_digital_indicating", "taximeter", "fuel_dispenser", "electricity_meter",
            "water_meter", "sphygmomanometer", "clinical_thermometer_glass", "vehicle_speed_meter",
            "pressure_gauge", "weight", "sound_level_meter", "weighbridge",
            "scale_non_self_indicating", "lpg_dispenser"]
BJ_KINDS = ["scale_digital_indicating", "taximeter", "electricity_meter", "gas_meter",
            "heat_meter", "sphygmomanometer", "ecg", "tonometer", "optometer",
            "clinical_thermometer_electronic", "balance"]


def _earlier_authorisations(d: _Demo, holder: Organisation, short: str, kinds: list[str],
                            region: str, renewed_days_ago: int) -> None:
    """Four earlier five-year certificates, put on file, ending the day before the renewal:
    back to 2006, behind the oldest records of the registry's demo histories."""
    end = d.today - datetime.timedelta(days=renewed_days_ago + 1)
    for term in range(1, 5):
        start = end - datetime.timedelta(days=5 * 365 - 1)
        services.licence_record(
            actor=d.u["gd_head" if region.startswith("44") else "bj_head"],
            type_code="metrology_authorization", holder=holder,
            number=f"({short})法计({start.year})0{term}001", issued_on=start, valid_until=end,
            particulars={"authority_level": "provincial", "form": "legal_institution",
                         "kinds": kinds, "authorised_region": region},
            regime="2008" if start.year < 2019 else "now")
        end = start - datetime.timedelta(days=1)


def _guangdong(d: _Demo, orgs: dict[str, Organisation]) -> int:
    """One application in every state, and the certificates kept from before."""
    d.draft("acme", "type_approval", scale("电子计价秤", "ACS-30E"), 1)
    d.submitted("acme", "type_approval", scale("电子台秤", "TCS-150"), 1)
    app = d.submitted("fs_user", "type_approval", scale("电子吊秤", "OCS-3T"), 3)
    d.act(app, "gd_clerk", "request_correction", 2, missing=["drawings", "product_standard"],
          note="总装图未签章；产品标准缺检验方法。")
    app = d.submitted("sz_user", "measurement_standard_assessment",
                      standard("定量包装商品净含量检验装置", "(0~5)kg", "MPE ±0.1g"), 12)
    d.act(app, "gd_clerk", "not_accept", 10, reasons="申请事项不属于本机关职权范围，请向主管计量行政部门申请。")
    app = d.accepted("acme", "gd_clerk", "type_approval", scale("电子案秤", "ACS-6A"), 6)
    d.act(app, "gd_clerk", "assign", 5, reviewer=str(d.u["gd_clerk"].pk))
    d.act(app, "gd_clerk", "record_opinion", 4, opinion="资料齐全，建议委托型式评价。",
          recommendation="approve")
    app = d.accepted("fs_user", "gd_clerk", "type_approval", scale("电子平台秤", "TCS-600"), 9)
    d.act(app, "gd_clerk", "assign", 8, expert_name="", reviewer="王工（外聘专家）")
    d.act(app, "gd_clerk", "stop_clock", 7, stop_kind="testing", working_days=40,
          reasons="委托广东省计量科学研究院进行型式评价")
    app = d.accepted("acme", "gd_clerk", "type_approval", scale("电子汽车衡", "SCS-100"), 12)
    d.act(app, "gd_clerk", "propose", 3, recommendation="approve", note="型式评价报告结论合格")
    # Time pressure: one close to its limit, one past it (the daily task flags them).
    d.accepted("fs_user", "gd_clerk", "type_approval", scale("弹簧度盘秤", "TGT-100"), 24)
    d.accepted("acme", "gd_clerk", "type_approval", scale("电子皮带秤", "ICS-20"), 40)
    # Granted, denied, withdrawn, revoked.
    app = d.accepted("acme", "gd_clerk", "type_approval", scale("电子计价秤", "ACS-15"), 60)
    d.act(app, "gd_head", "approve", 45)
    app = d.accepted("fs_user", "gd_clerk", "type_approval", scale("电子计重秤", "ACS-3"), 50)
    d.act(app, "gd_head", "approve", 40)
    app = d.accepted("fs_user", "gd_clerk", "type_approval", scale("机械案秤", "AGT-10"), 44)
    d.act(app, "gd_head", "deny", 30, reasons="型式评价报告显示重复性不符合JJG 539要求。")
    app = d.submitted("acme", "type_approval", scale("电子秤", "ACS-X"), 20)
    d.act(app, "acme", "withdraw", 18, reasons="产品设计变更，撤回后重新申请。")
    app = d.accepted("acme", "gd_clerk", "type_approval", scale("电子称重显示器", "XK-3190"), 90)
    app = d.act(app, "gd_head", "approve", 80)
    services.licence_act(actor=d.u["gd_head"], licence=app.licence, action="revoke",
                         version=app.licence.version, on=d.day(15),
                         reasons="经查，申请人提交的型式评价报告系伪造，以欺骗手段取得许可（行政许可法第六十九条）。")
    # A metrology authorisation: the registry checks verification records against it.
    # Its earlier certificates stand behind the registry's older records.
    _earlier_authorisations(d, orgs["gd_institute"], "粤", GD_KINDS, "440000", 55)
    app = d.accepted("gd_verifier", "gd_clerk", "metrology_authorization", {
        "authority_level": "provincial", "form": "legal_institution",
        "kinds": GD_KINDS, "authorised_region": "440000"}, 70)
    d.act(app, "gd_head", "approve", 55)
    # A C-mark self-declaration (a filing: published at once).
    app = d.draft("sz_user", "c_mark_declaration", {"products": "大米、食用油、饼干"}, 25)
    d.act(app, "sz_user", "file", 25)
    # A standard whose certificate runs out soon: its renewal is under way.
    lic = services.licence_record(
        actor=d.u["gd_clerk"], type_code="measurement_standard_assessment",
        holder=orgs["acme"], number="[2021]粤量标证字第0118号", issued_on=d.day(4 * 365 + 200),
        valid_until=d.today + datetime.timedelta(days=190),
        particulars=standard("电子天平检定装置", "(0~220)g", "U=0.1mg, k=2"), regime="now")
    app = services.application_create(actor=d.u["acme"], type_code="", licence=lic,
                                      purpose=Purpose.RENEWAL, on=d.today)
    # Certificates kept from the 2008 regime.
    services.licence_record(
        actor=d.u["gd_clerk"], type_code="manufacture_repair_licence", holder=orgs["acme"],
        number="440000CMC20080123", issued_on=datetime.date(2008, 6, 18),
        particulars={"activity": "manufacture", "instruments": "电子计价秤、电子台秤"})
    services.licence_record(
        actor=d.u["gd_clerk"], type_code="type_approval", holder=orgs["fs_scales"],
        number="CPA 08-F233", issued_on=datetime.date(2008, 9, 2),
        particulars=scale("电子吊秤", "OCS-5T"))
    services.licence_record(
        actor=d.u["gd_clerk"], type_code="c_mark", holder=orgs["sz_foods"],
        number="440000C20080456", issued_on=datetime.date(2008, 11, 20),
        particulars={"products": "大米、食用油"})
    return 22


def _beijing(d: _Demo, orgs: dict[str, Organisation]) -> int:
    d.submitted("jx_user", "measurement_standard_assessment",
                standard("电子秤检定装置", "(0~60)kg", "M1等级砝码"), 1)
    d.accepted("jx_user", "bj_clerk", "measurement_standard_assessment",
               standard("出租车计价器检定装置", "(0~100)km", "U=0.2%, k=2"), 5)
    app = d.accepted("jx_user", "bj_clerk", "measurement_standard_assessment",
                     standard("水表检定装置", "(0.01~10)m³/h", "U=0.2%, k=2"), 30)
    d.act(app, "bj_head", "approve", 20)
    _earlier_authorisations(d, orgs["bj_institute"], "京", BJ_KINDS, "110000", 50)
    app = d.accepted("bj_verifier", "bj_clerk", "metrology_authorization", {
        "authority_level": "provincial", "form": "legal_institution",
        "kinds": BJ_KINDS, "authorised_region": "110000"}, 60)
    d.act(app, "bj_head", "approve", 50)
    app = d.accepted("jx_user", "bj_clerk", "measurement_standard_assessment",
                     standard("血压计检定装置", "(0~40)kPa", "MPE ±0.1kPa"), 25)
    d.act(app, "bj_head", "deny", 15, reasons="主标准器检定证书已过有效期，不满足考核条件。")
    return 5


def _load(d: _Demo, orgs: dict[str, Organisation]) -> int:
    n = _guangdong(d, orgs) + _beijing(d, orgs)
    services.licensing_daily(on=d.today)
    return n


def load(stdout) -> None:
    if Sequence.objects.filter(name=MARKER).exists():
        stdout.write("licensing: demo data already loaded")
        return
    with transaction.atomic():
        orgs, users = _orgs_and_people()
        n = _load(_Demo(users, timezone.localdate()), orgs)
        Sequence.objects.create(name=MARKER, last=1)
    stdout.write(f"licensing: {n} applications and certificates in Guangdong and Beijing")
