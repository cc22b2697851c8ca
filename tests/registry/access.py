"""Objects of the registry for the access matrix: Guangzhou, Shenzhen and Beijing instruments."""

import csv
import io

from jiliang.core.models import Role
from jiliang.core.services import user_create
from jiliang.registry import importing, services
from jiliang.registry.models import Reminder
from jiliang.registry.tasks import make_label_sheet, run_import
from tests.access import Marker, Sample
from tests.registry.helpers import days, enterprise, file, signers, verify
from tests.traceability.helpers import default_standard


def samples(world):
    p = world.personas
    gd_inst, bj_inst = p.orgs["gd_institute"], p.orgs["bj_institute"]
    bj_verifier = user_create(actor=None, username="bj_verifier_matrix", password="matrix-pass-1",
                              organisation=bj_inst, role=Role.VERIFIER)
    sz = enterprise("深圳市南山区矩阵测试市场", "440305", "91440305MA5MATRX1")
    gz = file(p.acme, serial="MATRIX-GZ-1")
    gz_record = verify(p.gd_verifier, gz, on=days(-400), number="MATRIX-C-GZ")
    szi = file(p.gd_clerk, owner=sz, serial="MATRIX-SZ-1", region="440305")
    sz_record = verify(p.gd_verifier, szi, on=days(-20), number="MATRIX-C-SZ")
    bj = file(p.bj_clerk, owner=p.orgs["bj_enterprise"], serial="MATRIX-BJ-1", region="110108")
    bj_record = verify(bj_verifier, bj, on=days(-20), number="MATRIX-C-BJ")
    batch = services.batch_record(
        actor=bj_verifier, owner_credit_code=p.orgs["bj_enterprise"].credit_code,
        kind_code="water_meter", supplier="北京水表厂", model="LXS", quantity=1,
        serials=["MATRIX-BJ-W1"], verified_on=days(-30), conclusion="pass",
        certificate_no="MATRIX-SB-BJ", regulation_code="JJG 162-2019",
        standard_id=default_standard(bj_verifier.organisation).pk,
        **signers(bj_verifier.organisation),
        region_code="110108", nominal_size="20", household=True)
    services.reminders_create(on=days(0), soon_days=400, slack_days=400)
    reminder = Reminder.objects.filter(organisation=p.orgs["acme"]).first() or \
        Reminder.objects.first()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.title for c in importing.COLUMNS])
    writer.writerow(["bad"] + [""] * (len(importing.COLUMNS) - 1))
    job = services.import_job_create(actor=p.gd_clerk, file_name="matrix.csv", file_kind="csv",
                                     data=out.getvalue().encode())
    run_import.call(job.pk)
    sheet = services.label_sheet_queue(actor=p.acme, owner=p.orgs["acme"], total=1)
    make_label_sheet.call(sheet.pk)

    # The registry relates organisations: an institution sees the owners of the instruments it
    # verified (its customers, on every certificate), an owner the institutions that verified
    # them. The core's markers of those names (tests/core/access.py) are widened accordingly.
    related = {p.orgs["acme"].name: (gd_inst.pk,), gd_inst.name: (p.orgs["acme"].pk, sz.pk),
               p.orgs["bj_enterprise"].name: (bj_inst.pk,),
               bj_inst.name: (p.orgs["bj_enterprise"].pk,)}
    world.markers[:] = [Marker(m.text, m.region_code, m.orgs + related.get(m.text, ()))
                        for m in world.markers]

    gz_orgs = (p.orgs["acme"].pk, gd_inst.pk)
    sz_orgs = (sz.pk, gd_inst.pk)
    bj_orgs = (p.orgs["bj_enterprise"].pk, bj_inst.pk)
    world.markers += [Marker("MATRIX-GZ-1", "440106", gz_orgs),
                      Marker("MATRIX-SZ-1", "440305", sz_orgs),
                      Marker("MATRIX-BJ-1", "110108", bj_orgs),
                      Marker(sz.name, "440305", sz_orgs)]

    def changers(region, owner_id):
        return lambda u: (u.role == Role.ENTERPRISE_USER and u.organisation_id == owner_id) or (
            u.is_bureau and u.scope.covers_region(region))

    def issuer(institution_id):
        return lambda u: u.role == Role.VERIFIER and u.organisation_id == institution_id

    out = []
    for inst, record, region, orgs in ((gz, gz_record, "440106", gz_orgs),
                                       (szi, sz_record, "440305", sz_orgs),
                                       (bj, bj_record, "110108", bj_orgs)):
        owned = {"region_code": region, "orgs": orgs}
        out += [
            Sample("registry:instrument-detail", {"pk": inst.pk}, **owned),
            Sample("registry:instrument-edit", {"pk": inst.pk}, region_code=region,
                   allowed=changers(region, inst.owner_id)),
            Sample("registry:instrument-status", {"pk": inst.pk}, **owned),
            Sample("registry:instrument-label", {"pk": inst.pk}, **owned),
            Sample("registry:verification-detail", {"pk": record.pk}, **owned),
            Sample("registry:verification-pdf", {"pk": record.pk}, **owned),
            Sample("registry:verification-correct", {"pk": record.pk}, region_code=region,
                   allowed=issuer(record.institution_id)),
            Sample("registry:public-instrument", {"code": inst.public_code}, region_code=region),
            Sample("registry:public-certificate", {"code": record.public_code}, region_code=region),
            Sample("jiliang_registry_api_instrument_detail", {"instrument_id": inst.pk}, **owned),
            Sample("jiliang_registry_api_instrument_status", {"instrument_id": inst.pk}, **owned),
            Sample("jiliang_registry_api_verification_detail", {"record_id": record.pk}, **owned),
            Sample("jiliang_registry_api_verification_correct", {"record_id": record.pk}, **owned),
            Sample("jiliang_registry_api_public_instrument", {"code": inst.public_code},
                   region_code=region),
            Sample("jiliang_registry_api_public_certificate", {"code": record.public_code},
                   region_code=region),
        ]
    out += [
        Sample("registry:batch-detail", {"pk": batch.pk}, region_code="110108", orgs=bj_orgs),
        Sample("registry:import-template", {"fmt": "xlsx"}, allowed=lambda u: True),
        Sample("registry:import-job", {"pk": job.pk}, region_code="440000",
               allowed=lambda u: u.username == "gd_clerk"),
        Sample("registry:label-sheet", {"pk": sheet.pk}, region_code="440106",
               allowed=lambda u: u.username == "acme"),
        Sample("registry:label-sheet-pdf", {"pk": sheet.pk}, region_code="440106",
               allowed=lambda u: u.username == "acme"),
        Sample("registry:import-errors", {"pk": job.pk}, region_code="440000",
               allowed=lambda u: u.username == "gd_clerk"),
        Sample("registry:import-retry", {"pk": job.pk}, region_code="440000",
               allowed=lambda u: u.username == "gd_clerk"),
        Sample("registry:reminder-read", {"pk": reminder.pk}, region_code=reminder.region_code,
               allowed=lambda u, r=reminder: u.organisation_id == r.organisation_id),
    ]
    return out
