"""Every read of the energy app, narrowed to the caller's scope.

A bureau sees the units of its region; an enterprise its own units; an
institution the units it audits. Figures come from ``DailyEnergy`` (kept at
ingest), never from the raw readings, except for one meter's day in detail.

One module per part; callers import from this package: ``records`` (units, meters, batches,
audits, letters: lists and details), ``figures`` (standard coal: a unit's energy, trend and
Sankey), ``quality`` (data-quality checks), ``region`` (the region's figures and the bureau's
lists), ``public`` (counts for the portal's open statistics).
"""

from jiliang.energy.selectors.figures import (
    Basis,
    Converter,
    sign_of,
    unit_energy,
    unit_sankey,
    unit_trend,
)
from jiliang.energy.selectors.public import public_audit_counts, public_unit_counts
from jiliang.energy.selectors.quality import (
    MeterQuality,
    meter_day_detail,
    monthly_checks,
    unit_quality,
)
from jiliang.energy.selectors.records import (
    audit_detail,
    audit_list,
    batch_list,
    finding_detail,
    letter_detail,
    letter_list,
    meter_days,
    meter_detail,
    meter_list,
    meter_readings,
    meter_registry_status,
    monthly_reports,
    refusal_list,
    scoped,
    unit_detail,
    unit_list,
)
from jiliang.energy.selectors.region import (
    STOPPED_SHOWN,
    energy_audit,
    heat_meters,
    month_bounds,
    region_month_tce,
    region_trend,
    supervision,
    supervision_counts,
)

__all__ = [
    "public_audit_counts",
    "public_unit_counts",
    "Basis",
    "Converter",
    "MeterQuality",
    "STOPPED_SHOWN",
    "audit_detail",
    "audit_list",
    "batch_list",
    "energy_audit",
    "finding_detail",
    "heat_meters",
    "letter_detail",
    "letter_list",
    "meter_day_detail",
    "meter_days",
    "meter_detail",
    "meter_list",
    "meter_readings",
    "meter_registry_status",
    "month_bounds",
    "monthly_checks",
    "monthly_reports",
    "refusal_list",
    "region_month_tce",
    "region_trend",
    "scoped",
    "sign_of",
    "supervision",
    "supervision_counts",
    "unit_detail",
    "unit_energy",
    "unit_list",
    "unit_quality",
    "unit_sankey",
    "unit_trend",
]
