"""Demo: the values Guangdong and Beijing set where the reference confirms no period.

Each value is the one the reference suggests with low confidence, adopted by the
province pending a check against the regulation; the screens mark it as set by
the province and not confirmed.
"""

from __future__ import annotations

from jiliang.catalog import services
from jiliang.catalog.models import PeriodRule, ProvincePeriod

NOTE = "采用参考资料建议值（低可信度），待核对规程原文（演示数据）"
VALUES = {
    "44": ["fuel-443-2015", "bp-270", "bp-692", "ecg-543", "alcohol-657"],
    "11": ["bp-270", "bp-692", "ecg-543", "dose-912"],
}


def load(stdout) -> None:
    added = 0
    for province, codes in VALUES.items():
        for rule in PeriodRule.objects.filter(code__in=codes):
            if ProvincePeriod.objects.filter(province_code=province, rule=rule).exists():
                continue
            services.province_period_set(actor=None, province_code=province, rule=rule,
                                         value=rule.period_months or rule.life_years, note=NOTE)
            added += 1
    stdout.write(f"catalog: {added} province values set")
