"""Enforcement cases set up through the real services: a failed net-content lot and its case."""

from __future__ import annotations

import datetime

from jiliang.enforcement import services
from tests.supervision import helpers as supervision

# Friday before the 2025 National Day holiday (1–8 October off; Sunday 28 September and
# Saturday 11 October adjusted working days).
DISCOVERED = datetime.date(2025, 9, 26)
OPENED = datetime.date(2025, 9, 30)
FAILING = ["480"] * 10  # 500 g nominal, each unit 20 g short: more than T (15 g)


def failed_lot(p, *, region_code="440100", sampled_on=DISCOVERED, packer_name="广州示例食品有限公司"):
    c = supervision.campaign(p, year=sampled_on.year)
    t = supervision.task(p, c, region_code)
    return supervision.sample(p, t, values=FAILING, sampled_on=sampled_on,
                              packer_name=packer_name)


def passed_lot(p, *, region_code="440100", sampled_on=DISCOVERED):
    c = supervision.campaign(p, year=sampled_on.year, title="passed")
    t = supervision.task(p, c, region_code)
    return supervision.sample(p, t, sampled_on=sampled_on)


def case_from_lot(p, *, actor=None, on=OPENED, **lot):
    return services.open_case(actor or p.gd_clerk, finding=failed_lot(p, **lot), on=on)


def notified(p, case, *, fine="5000", on=None):
    return services.case_act(actor=p.gd_clerk, case=case, action="notify", version=case.version,
                             payload={"proposed_fine": fine, "proposed_measures": "责令改正",
                                      "facts": "净含量不足"},
                             on=on or case.opened_on + datetime.timedelta(days=14))
