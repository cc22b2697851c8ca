"""Demo campaigns whose reports mean something. Idempotent: a campaign on file is left alone.

- a national net-content campaign followed over three years (2021-2023) in four cities and
  five products, the pass rates improving and two packers failing again and again; the first
  two years closed and released, the third reporting;
- a Guangdong net-content campaign of the current year, running, for recording by hand;
- a Guangdong special inspection of medical instruments (hospitals, 受检率 and 检定合格率),
  closed in its year;
- a Guangdong energy-label campaign, reporting (gd_head can release it);
- a national product-quality sampling of price-computing scales, closed in its year.
Each step is dated when it happened (started, reported, closed, released), not on the day the
demo is loaded.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiliang.core.demo import credit_code, load_people
from jiliang.core.models import Organisation, OrgKind
from jiliang.core.services import organisation_register
from jiliang.rules.netcontent import rule_set, tolerable_deficiency
from jiliang.supervision import services
from jiliang.supervision.models import Campaign, CampaignKind, LabelFinding

TRACKED = "定量包装商品净含量专项监督抽查"
CITIES = {"440100": "gd_institute", "440300": "gd_institute", "440600": "gd_institute",
          "110100": "bj_institute"}
PLACES = {"440100": ("440106", "天河区某大型超市"), "440300": ("440304", "福田区某连锁超市"),
          "440600": ("440605", "南海区某农贸市场"), "110100": ("110105", "朝阳区某超市")}
# product: (nominal, unit, values unit, resolution)
PRODUCTS = {"大米": ("5", "kg", "g", "1"), "食用油": ("1.8", "L", "mL", "1"),
            "饮用水": ("550", "mL", "mL", "0.1"), "洗衣粉": ("1", "kg", "g", "0.1"),
            "饼干": ("200", "g", "g", "0.01")}
PACKERS = [
    # key, name, region, first 17 characters of the credit code, products
    ("gz_rice", "广州穗香粮油有限公司", "440111", "91440111MA59RX0A1", ("大米", "食用油")),
    ("gz_food", "广州南方食品有限公司", "440104", "91440104MA59NF0B2", ("饼干", "饮用水")),
    ("sz_water", "深圳清泉饮品有限公司", "440304", "91440304MA5FQQ0C3", ("饮用水", "饼干")),
    ("sz_daily", "深圳洁美日化有限公司", "440304", "91440304MA5FJM0D4", ("洗衣粉",)),
    ("fs_oil", "佛山金穗油脂有限公司", "440605", "91440605MA4WJ0E15", ("食用油", "大米")),
    ("fs_daily", "佛山宜家日用品有限公司", "440605", "91440605MA4WY0F26", ("洗衣粉", "饼干")),
    ("bj_grain", "北京京粮食品有限公司", "110105", "91110105MA01JL0G7", ("大米", "食用油",
                                                                    "饮用水")),
    ("bj_daily", "北京洁净日化有限公司", "110108", "91110108MA01JJ0H8", ("洗衣粉", "饼干")),
]
# Two packers that keep failing, for the "failed more than once" list.
REPEAT_OFFENDERS = {"fs_oil", "bj_daily"}
FAIL_SHARE = {2021: 0.22, 2022: 0.12, 2023: 0.04}


def load(stdout) -> None:
    orgs = load_people()
    if Campaign.objects.filter(title__endswith=TRACKED, year=2021).exists():
        stdout.write("supervision: demo campaigns already on file")
        return
    with transaction.atomic():
        packers = _packers(orgs)
        counts = _tracked_campaigns(orgs, packers)
        _current_campaign(orgs)
        visits = _medical_inspection(orgs)
        labels = _energy_labels(orgs)
        samples = _product_sampling(orgs)
    stdout.write(f"supervision: 5 campaigns (3-year tracking: {counts} net-content lots), "
                 f"{visits} inspection visits, {labels} label checks, {samples} product samples")


def _org(key: str, name: str, region: str, first17: str, roles: list[str],
         kind: str = OrgKind.ENTERPRISE) -> Organisation:
    code = credit_code(first17)
    return Organisation.objects.filter(credit_code=code).first() or organisation_register(
        actor=None, kind=kind, name=name, region_code=region, credit_code=code,
        enterprise_roles=roles)


def _packers(orgs) -> dict[str, tuple[Organisation, tuple[str, ...]]]:
    packers = {key: (_org(key, name, region, first17, ["packer"]), products)
               for key, name, region, first17, products in PACKERS}
    packers["acme"] = (orgs["acme"], ("饼干", "大米"))
    return packers


def _values(rng: random.Random, nominal: Decimal, unit_factor: Decimal, resolution: Decimal,
            n: int, kind: str, t: Decimal) -> list[str]:
    """Measured values (in the values' unit) for a lot that should pass or fail one way."""
    q = nominal * unit_factor
    t = t * unit_factor
    values = []
    for _ in range(n):
        if kind == "pass":
            v = q + t * Decimal(rng.uniform(-0.1, 0.6))
        elif kind == "mean":  # every unit within T, the mean too low
            v = q - t * Decimal(rng.uniform(0.3, 0.8))
        else:
            v = q + t * Decimal(rng.uniform(-0.1, 0.5))
        values.append(v)
    if kind == "over_2T":
        values[rng.randrange(n)] = q - t * Decimal("2.4")
    elif kind == "over_T":  # one more unit over T than the plan allows
        for i in rng.sample(range(n), {10: 1, 13: 2, 50: 4, 80: 6}[n]):
            values[i] = q - t * Decimal("1.5")
    return [str(v.quantize(resolution)) for v in values]


def _on(year: int, month: int, day: int) -> datetime.datetime:
    """A past working morning, as an aware time, for a step the demo dates in its year."""
    return timezone.make_aware(datetime.datetime(year, month, day, 9, 30))


def _tracked_campaigns(orgs, packers) -> int:
    rules = rule_set("jjf1070-2005")
    rng = random.Random(20080701)
    previous = None
    count = 0
    for year in (2021, 2022, 2023):
        campaign = services.campaign_plan(
            actor=None, organiser=orgs["national"], title=f"{year}年{TRACKED}",
            kind=CampaignKind.NET_CONTENT, year=year, level="national",
            starts_on=datetime.date(year, 3, 1), field_deadline=datetime.date(year, 9, 30),
            report_deadline=datetime.date(year, 11, 30), products=list(PRODUCTS),
            regions=list(CITIES), continues=previous,
            description="同一城市、同一产品连续三年跟踪抽查（工作计划一.4）。")
        services.campaign_transition(actor=None, campaign=campaign, action="start",
                                     at=_on(year, 3, 1))
        for city, institute in CITIES.items():
            task = services.task_assign(actor=None, campaign=campaign, region_code=city,
                                        target=15, institution=orgs[institute])
            count += _tracked_city(task, city, packers, rng, rules, year)
        _tracked_year_end(campaign, year)
        previous = campaign
    return count


def _tracked_city(task, city: str, packers, rng: random.Random, rules, year: int) -> int:
    """One city's lots of a tracked year, saved together, and the re-inspection of its first
    failing lot."""
    county, place = PLACES[city]
    local = [p for k, p in packers.items() if p[0].region_code[:2] == city[:2] or k == "acme"]
    records = []
    for product, spec in PRODUCTS.items():
        makers = [p for p in local if product in p[1]] or local
        for i in range(3):
            packer = makers[(i + year) % len(makers)][0]
            key = next(k for k, v in packers.items() if v[0] == packer)
            records.append(_tracked_lot(task, packer, key, product, spec, rng, rules, year,
                                        place=place, county=county))
    services.netcontent_save(actor=None, records=records)
    failing = next((r for r in records if r.verdict == "fail"), None)
    if failing is not None:
        _reinspect(task, failing)
    return len(records) + (failing is not None)


def _tracked_lot(task, packer, key: str, product: str, spec, rng: random.Random, rules,
                 year: int, *, place: str, county: str):
    """One lot of a packer, passing or failing as the year's share says (built, unsaved)."""
    nominal, unit, v_unit, resolution = spec
    lot = rng.choice([30, 60, 200, 800])
    n = {30: 10, 60: 13, 200: 50, 800: 80}[lot]
    share = 0.4 if key in REPEAT_OFFENDERS else FAIL_SHARE[year]
    kind = "pass" if rng.random() > share else rng.choice(["over_2T", "over_T", "mean"])
    qn = Decimal(nominal)
    t = Decimal(tolerable_deficiency(rules, qn, unit))
    factor = Decimal(1000) if v_unit != unit else Decimal(1)
    return services.netcontent_build(
        actor=None, task=task, packer_credit_code=packer.credit_code,
        packer_name=packer.name, product=product, brand=packer.name[2:4] + "牌",
        nominal=nominal, unit=unit, lot_size=lot, place=place, region_code=county,
        sampled_on=datetime.date(year, rng.randint(4, 8), rng.randint(1, 28)),
        values=_values(rng, qn, factor, Decimal(resolution), n, kind, t), values_unit=v_unit)


def _reinspect(task, failing) -> None:
    """A re-inspection of a failing lot a month later, every unit up by 2T: it passes."""
    services.netcontent_record(
        actor=None, task=task, packer_credit_code=failing.packer_credit_code,
        packer_name=failing.packer_name, product=failing.product,
        brand=failing.brand, nominal=failing.nominal, unit=failing.unit,
        lot_size=failing.lot_size, place=failing.place, region_code=failing.region_code,
        sampled_on=failing.sampled_on + datetime.timedelta(days=30),
        values=[str(Decimal(v) + 2 * Decimal(
            failing.figures["T"]) * (1000 if failing.values_unit != failing.unit else 1))
            for v in failing.values],
        values_unit=failing.values_unit, reinspection_of=failing)


def _tracked_year_end(campaign, year: int) -> None:
    services.campaign_transition(actor=None, campaign=campaign, action="report",
                                 at=_on(year, 10, 8))
    if year < 2023:
        # closed in its year and released the following spring, as the bureau did
        services.campaign_transition(actor=None, campaign=campaign, action="close",
                                     at=_on(year, 12, 20))
        services.campaign_release(actor=None, campaign=campaign,
                                  note="经局负责人审定后公布。", at=_on(year + 1, 3, 15))


def _current_campaign(orgs) -> Campaign:
    year = timezone.localdate().year
    campaign = services.campaign_plan(
        actor=None, organiser=orgs["gd_bureau"], title=f"{year}年广东省定量包装商品净含量监督抽查",
        kind=CampaignKind.NET_CONTENT, year=year, level="provincial",
        starts_on=datetime.date(year, 1, 1), field_deadline=datetime.date(year, 12, 31),
        report_deadline=datetime.date(year, 12, 31), products=list(PRODUCTS),
        regions=["440100", "440300"],
        continues=campaign_chain_last(), description="在2021–2023年国家跟踪抽查基础上继续。")
    services.campaign_transition(actor=None, campaign=campaign, action="start")
    for city in ("440100", "440300"):
        services.task_assign(actor=None, campaign=campaign, region_code=city, target=20,
                             institution=orgs["gd_institute"])
    return campaign


def campaign_chain_last() -> Campaign | None:
    return Campaign.objects.filter(title=f"2023年{TRACKED}").first()


HOSPITALS = [
    ("中山大学附属示例医院", "440104", "12440000MB2C0A0A1"),
    ("广州市示例人民医院", "440106", "12440100MB2C0B0B2"),
    ("深圳市示例中医院", "440304", "12440300MB2C0C0C3"),
]
MEDICAL = ["sphygmomanometer", "clinical_thermometer_glass", "ecg", "radiotherapy_dosimetry"]


def _medical_inspection(orgs) -> int:
    year = 2024
    campaign = services.campaign_plan(
        actor=None, organiser=orgs["gd_bureau"], title=f"{year}年广东省医疗卫生计量器具专项监督检查",
        kind=CampaignKind.SPECIAL_INSPECTION, year=year, level="provincial",
        starts_on=datetime.date(year, 4, 1), field_deadline=datetime.date(year, 10, 31),
        report_deadline=datetime.date(year, 12, 15), kind_codes=MEDICAL,
        regions=["440100", "440300"], description="医疗机构在用强制检定计量器具专项检查。")
    services.campaign_transition(actor=None, campaign=campaign, action="start",
                                 at=_on(year, 4, 1))
    tasks = {city: services.task_assign(actor=None, campaign=campaign, region_code=city,
                                        target=2, institution=orgs["gd_institute"])
             for city in ("440100", "440300")}
    rng = random.Random(2024)
    visits = 0
    for name, region, first17 in HOSPITALS:
        hospital = _org(name, name, region, first17, ["owner"])
        task = tasks[region[:4] + "00"]
        day = datetime.date(year, rng.randint(5, 9), rng.randint(1, 28))
        visit = services.visit_record(actor=None, task=task, institution_name=name,
                                      institution_credit_code=hospital.credit_code,
                                      visited_on=day, region_code=region,
                                      inspectors="王检、李检")
        overdue = 0
        for kind in MEDICAL:
            for i in range(rng.randint(2, 4)):
                in_time = rng.random() > 0.2
                overdue += not in_time
                services.instrument_record(
                    actor=None, visit=visit, kind_code=kind,
                    serial_number=f"{kind[:3].upper()}-{region}-{i + 1:03d}",
                    valid_until=day + datetime.timedelta(days=rng.randint(20, 300)) if in_time
                    else day - datetime.timedelta(days=rng.randint(10, 200)),
                    conforms=None if not in_time else rng.random() > 0.1)
        if overdue:
            services.visit_update(
                actor=None, visit=visit,
                findings=f"发现{overdue}台强制检定计量器具超期未检。",
                action="rectify", action_note="责令限期送检，停止使用超期器具。")
        visits += 1
    # field work ended and the campaign closed in its year
    services.campaign_transition(actor=None, campaign=campaign, action="report",
                                 at=_on(year, 10, 31))
    services.campaign_transition(actor=None, campaign=campaign, action="close",
                                 at=_on(year, 12, 16))
    return visits


LABEL_PRODUCTS = [("房间空气调节器", "KFR-35GW"), ("家用电冰箱", "BCD-520W"),
                  ("电动洗衣机", "XQG100"), ("平板电视", "65E8")]


def _energy_labels(orgs) -> int:
    year = 2024
    campaign = services.campaign_plan(
        actor=None, organiser=orgs["gd_bureau"], title=f"{year}年广东省能效标识专项检查",
        kind=CampaignKind.ENERGY_LABEL, year=year, level="provincial",
        starts_on=datetime.date(year, 3, 1), field_deadline=datetime.date(year, 8, 31),
        report_deadline=datetime.date(year, 10, 31), regions=["440100", "440600"],
        description="能效标识使用情况专项检查（工作计划二.8）。")
    services.campaign_transition(actor=None, campaign=campaign, action="start",
                                 at=_on(year, 3, 1))
    sellers = [
        _org("gz_mall", "广州示例电器商场有限公司", "440106", "91440106MA59DQ0K1", ["owner"]),
        _org("fs_maker", "佛山示例电器制造有限公司", "440605", "91440605MA4WDQ0L2",
             ["manufacturer"]),
    ]
    rng = random.Random(28)
    findings = [LabelFinding.CORRECT] * 7 + [LabelFinding.NOT_LABELLED, LabelFinding.FORGED,
                                              LabelFinding.FALSE_CLAIM]
    count = 0
    for city, seller in (("440100", sellers[0]), ("440600", sellers[1])):
        task = services.task_assign(actor=None, campaign=campaign, region_code=city, target=8,
                                    institution=orgs["gd_institute"])
        for i in range(8):
            product, model = LABEL_PRODUCTS[i % len(LABEL_PRODUCTS)]
            finding = findings[rng.randrange(len(findings))] if i else LabelFinding.FALSE_CLAIM
            grades = {"labelled_grade": 1, "measured_grade": 3} \
                if finding == LabelFinding.FALSE_CLAIM else {"labelled_grade": rng.randint(1, 3)}
            services.label_check_record(
                actor=None, task=task, enterprise_name=seller.name,
                enterprise_credit_code=seller.credit_code, product=product,
                brand=["美示", "格示", "海示"][i % 3], model=f"{model}-{i}",
                checked_on=datetime.date(year, rng.randint(4, 8), rng.randint(1, 28)),
                finding=finding, region_code=seller.region_code if city[:4] ==
                seller.region_code[:4] else "",
                handling="none" if finding == LabelFinding.CORRECT else "rectify",
                handling_note="" if finding == LabelFinding.CORRECT else "责令改正", **grades)
            count += 1
    services.campaign_transition(actor=None, campaign=campaign, action="report",
                                 at=_on(year, 9, 2))
    return count


def _product_sampling(orgs) -> int:
    year = 2024
    campaign = services.campaign_plan(
        actor=None, organiser=orgs["national"], title=f"{year}年电子计价秤产品质量国家监督抽查",
        kind=CampaignKind.PRODUCT_SAMPLING, year=year, level="national",
        starts_on=datetime.date(year, 5, 1), field_deadline=datetime.date(year, 10, 31),
        report_deadline=datetime.date(year, 12, 31), kind_codes=["scale_digital_indicating"],
        description="计量器具产品质量国家监督抽查（工作计划一.3）。")
    services.campaign_transition(actor=None, campaign=campaign, action="start",
                                 at=_on(year, 5, 6))
    task = services.task_assign(actor=None, campaign=campaign, region_code="440100", target=3,
                                institution=orgs["gd_institute"])
    items = [("示值误差", "≤ ±1e", "+0.5e"), ("重复性", "≤ 1e", "0.5e"),
             ("偏载", "≤ ±1e", "+0.8e"), ("计价准确性", "一致", "一致")]
    for i, model in enumerate(("ACS-15", "ACS-30", "TCS-60")):
        failed = i == 2
        services.product_sample_record(
            actor=None, task=task, manufacturer_name=orgs["acme"].name,
            manufacturer_credit_code=orgs["acme"].credit_code, product="电子计价秤", model=model,
            kind_code="scale_digital_indicating", sample_number=f"CJ{year}-44-{i + 1:03d}",
            sampled_on=datetime.date(year, 6, 10 + i), region_code="440106",
            items=[{"item": name, "requirement": req,
                    "result": "+1.6e" if failed and name == "偏载" else result,
                    "passed": not (failed and name == "偏载")}
                   for name, req, result in items])
    services.campaign_transition(actor=None, campaign=campaign, action="report",
                                 at=_on(year, 11, 4))
    services.campaign_transition(actor=None, campaign=campaign, action="close",
                                 at=_on(year, 12, 27))
    return 3
