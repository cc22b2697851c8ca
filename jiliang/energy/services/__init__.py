"""Every write of the energy app: one transaction, validated, audited.

One module per entity or process; callers import from this package: ``units``, ``meters``
(the ledger), ``ledger_import`` (its spreadsheet), ``batches`` (signed readings),
``reports`` (monthly figures), ``audits`` and ``findings`` (GB 17167), ``letters``
(letters of responsibility). Who may do what is asked of ``jiliang.energy.permissions``.
"""

from jiliang.energy.services.audits import (
    audit_cell_set,
    audit_complete,
    audit_exclusion_add,
    audit_exclusion_remove,
    audit_open,
    ledger_counts,
)
from jiliang.energy.services.batches import (
    READING_CHAIN,
    BatchRefusedError,
    IngestResult,
    batch_ingest,
    batch_refusal_record,
)
from jiliang.energy.services.findings import (
    finding_rectify,
    finding_review,
)
from jiliang.energy.services.ledger_import import (
    DIRECTION_WORDS,
    KIND_WORDS,
    MAX_LEDGER_ROWS,
    STATUS_WORDS,
    ImportResult,
    ledger_columns,
    ledger_import,
)
from jiliang.energy.services.letters import (
    letter_create,
    letter_look_back,
)
from jiliang.energy.services.meters import (
    DAILY_FIELDS,
    METER_FIELDS,
    meter_calibration_record,
    meter_register,
    meter_update,
)
from jiliang.energy.services.reports import (
    monthly_report_submit,
)
from jiliang.energy.services.units import (
    UNIT_FIELDS,
    unit_key_register,
    unit_register,
    unit_update,
)

__all__ = [
    "BatchRefusedError",
    "DAILY_FIELDS",
    "DIRECTION_WORDS",
    "ImportResult",
    "IngestResult",
    "KIND_WORDS",
    "MAX_LEDGER_ROWS",
    "METER_FIELDS",
    "READING_CHAIN",
    "STATUS_WORDS",
    "UNIT_FIELDS",
    "audit_cell_set",
    "audit_complete",
    "audit_exclusion_add",
    "audit_exclusion_remove",
    "audit_open",
    "batch_ingest",
    "batch_refusal_record",
    "finding_rectify",
    "finding_review",
    "ledger_columns",
    "ledger_counts",
    "ledger_import",
    "letter_create",
    "letter_look_back",
    "meter_calibration_record",
    "meter_register",
    "meter_update",
    "monthly_report_submit",
    "unit_key_register",
    "unit_register",
    "unit_update",
]
