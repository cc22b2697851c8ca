"""Samples and markers of the supervision app for the access matrix.

A Guangdong campaign of each kind (tasks in Guangzhou for the Guangdong institute), a Beijing
net-content campaign, and a national one with records in both provinces; the packers' and
institutions' names are markers that the other province must never see.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from jiliang.core.demo import credit_code
from jiliang.core.services import organisation_register
from jiliang.supervision import services
from tests.access import Marker, Sample
from tests.supervision.helpers import campaign, sample, task

DAY = datetime.date(2024, 5, 20)
GD_READERS = {"admin", "gd_clerk", "gd_head", "gz_clerk", "gd_verifier"}
GD_BUREAUS = {"admin", "gd_clerk", "gd_head", "gz_clerk"}
GD_PLANNERS = {"admin", "gd_clerk", "gd_head"}
BJ_READERS = {"admin", "bj_clerk"}


def named(names):
    return lambda u: u.username in names


def samples(world):
    p = world.personas
    gd_packer = organisation_register(actor=None, kind="enterprise", name="广东样本包装厂",
                                      region_code="440106",
                                      credit_code=credit_code("91440106MA59CAMP1"),
                                      enterprise_roles=["packer"])
    bj_packer = organisation_register(actor=None, kind="enterprise", name="北京样本包装厂",
                                      region_code="110105",
                                      credit_code=credit_code("91110105MA01CAMP2"),
                                      enterprise_roles=["packer"])
    institute = p.orgs["gd_institute"]
    out: list[Sample] = []

    def gd_markers(text, region, *orgs):
        world.markers.append(Marker(text, region, tuple(o.pk for o in orgs)))

    # Guangdong net content: one lot of the sample packer, one of acme.
    gd = campaign(p, title="广东净含量抽查")
    gd_task = task(p, gd, "440100", institution=institute)
    gd_record = sample(p, gd_task, packer=gd_packer.credit_code, packer_name=gd_packer.name,
                       region_code="440106", values=["499"] * 10)
    acme = p.orgs["acme"]
    # acme's lot is taken by the bureau itself: the institute must not see acme's name.
    acme_task = task(p, gd, "440106")
    acme_record = sample(p, acme_task, packer=acme.credit_code, packer_name=acme.name,
                         product="食用油")
    gd_markers(gd_packer.name, "440106", institute, gd_packer)
    gd_markers(gd_record.notice_number, "440106", institute, gd_packer)
    sheet = ("packer_credit_code,packer_name,product,nominal,unit,lot_size,place,sampled_on,"
             f"values\n{gd_packer.credit_code},{gd_packer.name},大米,500,g,30,超市,2024-05-20,"
             "501 x\n")
    upload = services.netcontent_import(actor=p.gd_clerk, task=gd_task,
                                        upload=SimpleUploadedFile("sheet.csv", sheet.encode()))

    # Beijing net content.
    bj = campaign(p, title="北京净含量抽查", actor=p.bj_clerk)
    bj_task = task(p, bj, "110100", actor=p.bj_clerk)
    bj_record = sample(p, bj_task, actor=p.bj_clerk, packer=bj_packer.credit_code,
                       packer_name=bj_packer.name, region_code="110105")
    world.markers.append(Marker(bj_packer.name, "110105", (bj_packer.pk,)))

    # A national campaign with records in both provinces.
    national = campaign(p, level="national", actor=p.admin, title="全国净含量抽查")
    national_gd = task(p, national, "440300", actor=p.gd_clerk)
    sample(p, national_gd, packer=gd_packer.credit_code, packer_name="广东全国样本厂")
    national_bj = task(p, national, "110100", actor=p.bj_clerk)
    sample(p, national_bj, actor=p.bj_clerk, packer=bj_packer.credit_code,
           packer_name="北京全国样本厂")
    world.markers.append(Marker("广东全国样本厂", "440300", (gd_packer.pk,)))
    world.markers.append(Marker("北京全国样本厂", "110100", (bj_packer.pk,)))

    # Guangdong special inspection, product sampling and energy labels.
    special = campaign(p, kind="special_inspection", products=(), title="广东医疗专项")
    special_task = task(p, special, "440100", institution=institute)
    visit = services.visit_record(actor=p.gd_clerk, task=special_task,
                                  institution_name="广东样本医院", visited_on=DAY)
    services.instrument_record(actor=p.gd_clerk, visit=visit, kind_code="sphygmomanometer",
                               serial_number="GD-SERIAL-001", verified_in_time=True)
    gd_markers("广东样本医院", "440100", institute)
    gd_markers("GD-SERIAL-001", "440100", institute)
    sampling = campaign(p, kind="product_sampling", products=(), title="广东产品抽查")
    sampling_task = task(p, sampling, "440100", institution=institute)
    product = services.product_sample_record(
        actor=p.gd_clerk, task=sampling_task, manufacturer_name="广东样本衡器厂",
        product="电子计价秤", model="M1", sample_number="GD-S-1", sampled_on=DAY,
        items=[{"item": "示值误差", "passed": False}])
    gd_markers("广东样本衡器厂", "440100", institute)
    labels = campaign(p, kind="energy_label", products=(), title="广东能效标识")
    label_task = task(p, labels, "440100", institution=institute)
    label = services.label_check_record(actor=p.gd_clerk, task=label_task,
                                        enterprise_name="广东样本电器店", product="空调",
                                        model="K1", checked_on=DAY, finding="correct")
    gd_markers("广东样本电器店", "440100", institute)
    services.campaign_transition(actor=p.gd_clerk, campaign=sampling, action="report")
    services.campaign_release(actor=p.gd_head, campaign=sampling)

    def gd_campaign_samples(c):
        return [
            Sample("supervision:campaign-detail", {"pk": c.pk}, allowed=named(GD_READERS)),
            Sample("supervision:campaign-report", {"pk": c.pk}, allowed=named(GD_READERS)),
            Sample("supervision:record-export", {"pk": c.pk}, allowed=named(GD_READERS)),
            Sample("supervision:campaign-edit", {"pk": c.pk}, allowed=named(GD_PLANNERS)),
            Sample("supervision:task-create", {"pk": c.pk}, allowed=named(GD_BUREAUS)),
            Sample("supervision:campaign-transition", {"pk": c.pk},
                   allowed=lambda u: u.is_bureau),
            Sample("supervision:campaign-release", {"pk": c.pk},
                   allowed=named({"admin", "gd_head"})),
            Sample("jiliang_supervision_api_campaign_detail", {"campaign_id": c.pk},
                   allowed=named(GD_READERS)),
            Sample("jiliang_supervision_api_task_list", {"campaign_id": c.pk},
                   allowed=named(GD_READERS)),
            Sample("jiliang_supervision_api_campaign_report", {"campaign_id": c.pk},
                   allowed=named(GD_READERS)),
            Sample("jiliang_supervision_api_campaign_transition", {"campaign_id": c.pk},
                   allowed=named(GD_READERS)),
        ]

    out += gd_campaign_samples(gd)
    # the other kinds render their own detail, report and export
    for c in (special, sampling, labels):
        out += [Sample(f"supervision:{name}", {"pk": c.pk}, allowed=named(GD_READERS))
                for name in ("campaign-detail", "campaign-report", "record-export")]
    out.append(Sample("supervision:campaign-tracking", {"pk": gd.pk}, allowed=named(GD_READERS)))
    out += [
        Sample("supervision:campaign-detail", {"pk": bj.pk}, allowed=named(BJ_READERS)),
        Sample("supervision:campaign-report", {"pk": bj.pk}, allowed=named(BJ_READERS)),
        Sample("jiliang_supervision_api_campaign_detail", {"campaign_id": bj.pk},
               allowed=named(BJ_READERS)),
        # a national campaign: every bureau reads it (its own records only)
        Sample("supervision:campaign-report", {"pk": national.pk}, allowed=lambda u: u.is_bureau),
        Sample("supervision:record-export", {"pk": national.pk}, allowed=lambda u: u.is_bureau),
        Sample("jiliang_supervision_api_campaign_report", {"campaign_id": national.pk},
               allowed=lambda u: u.is_bureau),
    ]
    # Tasks: the region's bureaus and the task's institution.
    for t, url in ((gd_task, "netcontent-create"), (gd_task, "upload"),
                   (special_task, "visit-create"), (sampling_task, "sample-create"),
                   (label_task, "label-create"), (label_task, "upload"),
                   (gd_task, "task-detail")):
        out.append(Sample(f"supervision:{url}", {"pk": t.pk}, region_code="440100",
                          orgs=(institute.pk,)))
    out += [
        Sample("supervision:task-detail", {"pk": bj_task.pk}, region_code="110100"),
        Sample("supervision:netcontent-create", {"pk": bj_task.pk}, region_code="110100"),
        Sample("jiliang_supervision_api_netcontent_create", {"task_id": gd_task.pk},
               region_code="440100", orgs=(institute.pk,)),
        Sample("jiliang_supervision_api_netcontent_create", {"task_id": bj_task.pk},
               region_code="110100"),
    ]
    # Records.
    for record, orgs in ((gd_record, (institute.pk, gd_packer.pk)),
                         (acme_record, (acme.pk,)),
                         (bj_record, (bj_packer.pk,))):
        owned = {"region_code": record.region_code, "orgs": orgs}
        out += [
            Sample("supervision:netcontent-detail", {"pk": record.pk}, **owned),
            Sample("jiliang_supervision_api_netcontent_detail", {"record_id": record.pk},
                   **owned),
        ]
        if record is gd_record:  # a PDF takes a while to build: one record's notice is enough
            out.append(Sample("supervision:netcontent-notice", {"pk": record.pk}, **owned))
    out += [
        Sample("supervision:packer-history", {"credit_code": gd_packer.credit_code},
               allowed=lambda u: True),
        Sample("supervision:packer-history", {"credit_code": bj_packer.credit_code},
               allowed=lambda u: True),
        Sample("supervision:upload-detail", {"pk": upload.pk}, region_code="440100",
               orgs=(institute.pk,)),
        Sample("supervision:upload-errors", {"pk": upload.pk}, region_code="440100",
               orgs=(institute.pk,)),
        Sample("supervision:visit-detail", {"pk": visit.pk}, region_code="440100",
               orgs=(institute.pk,)),
        Sample("supervision:visit-upload", {"pk": visit.pk}, region_code="440100",
               orgs=(institute.pk,)),
        Sample("supervision:sample-detail", {"pk": product.pk}, region_code="440100",
               orgs=(institute.pk,)),
        Sample("supervision:label-detail", {"pk": label.pk}, region_code="440100",
               orgs=(institute.pk,)),
        Sample("supervision:published-detail", {"pk": sampling.pk}),
    ]
    return out
