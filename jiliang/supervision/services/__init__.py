"""Every write of the supervision app: one transaction, validated, audited.

One module per process, re-exported here; callers import from ``jiliang.supervision.services``:

- ``campaigns``: plan, change, move along the workflow (``rules/data/campaign_workflow.json``),
  release for publication;
- ``tasks``: a region's share of a campaign;
- ``netcontent``: net-content samples judged and chained;
- ``inspections``: special inspections, their visits and the instruments found;
- ``sampling``: product-quality samples and energy-label checks;
- ``imports``: field sheets read row by row;
- ``common``: the checks they share (the task as stored now, its kind and state, dates).
"""

from jiliang.supervision.services.campaigns import (
    CAMPAIGN_FIELDS,
    campaign_plan,
    campaign_release,
    campaign_transition,
    campaign_update,
)
from jiliang.supervision.services.imports import (
    MAX_SHEET_ROWS,
    TASK_SHEETS,
    instrument_import,
    label_check_import,
    netcontent_import,
)
from jiliang.supervision.services.inspections import (
    VISIT_FIELDS,
    VisitLookups,
    instrument_build,
    instrument_record,
    registry_statuses,
    visit_record,
    visit_update,
)
from jiliang.supervision.services.netcontent import (
    netcontent_build,
    netcontent_record,
    netcontent_save,
)
from jiliang.supervision.services.sampling import (
    approved_model_check,
    grades_setting,
    label_check_build,
    label_check_record,
    label_scale,
    product_sample_record,
    scale_words,
)
from jiliang.supervision.services.tasks import TASK_FIELDS, task_assign

__all__ = [
    "CAMPAIGN_FIELDS",
    "MAX_SHEET_ROWS",
    "TASK_FIELDS",
    "TASK_SHEETS",
    "VISIT_FIELDS",
    "VisitLookups",
    "approved_model_check",
    "campaign_plan",
    "campaign_release",
    "campaign_transition",
    "campaign_update",
    "grades_setting",
    "instrument_build",
    "instrument_import",
    "instrument_record",
    "label_check_build",
    "label_check_import",
    "label_check_record",
    "label_scale",
    "netcontent_build",
    "netcontent_import",
    "netcontent_record",
    "netcontent_save",
    "product_sample_record",
    "registry_statuses",
    "scale_words",
    "task_assign",
    "visit_record",
    "visit_update",
]
