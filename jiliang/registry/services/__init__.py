"""Every write to the registry: filing, status changes, verifications, corrections, batches,
reminders, import jobs, label sheets and the count of public look-ups.

One transaction each, validated, audited; verification records are chained
(append-only), and every change that moves a count behind the rates updates
``RateCell`` in the same transaction. One module per entity or process; callers import
from this package (``from jiliang.registry import services``).
"""

from jiliang.registry.services.batches import batch_record
from jiliang.registry.services.common import (
    EDITABLE,
    INSTRUMENT_FIELDS,
    MEDIUMS,
    RECORD_FIELDS,
    RULE_MESSAGES,
    SIGNOFF_FIELDS,
    DuplicateInstrumentError,
    check_kind_and_use,
    facts_of,
    is_legal_institution,
    parse_size,
    today,
)
from jiliang.registry.services.imports import (
    INTERRUPTED,
    import_instruments_refresh,
    import_job_create,
    import_job_fail,
    import_job_finish,
    import_job_progress,
    import_job_retry,
    import_job_start,
    import_jobs_fail_interrupted,
)
from jiliang.registry.services.instruments import (
    instrument_file,
    instrument_set_status,
    instrument_update,
)
from jiliang.registry.services.labels import (
    label_sheet_fail,
    label_sheet_finish,
    label_sheet_progress,
    label_sheet_queue,
    label_sheet_start,
    label_sheets_fail_interrupted,
)
from jiliang.registry.services.lookups import (
    public_check_note,
    public_lookup_count,
    public_lookup_counted,
    public_lookups_flush,
)
from jiliang.registry.services.rates import cell_key, rates_add_deltas, rates_apply, rates_fold
from jiliang.registry.services.reminders import (
    bureau_for,
    reminder_mark_read,
    reminder_mark_read_many,
    reminders_create,
)
from jiliang.registry.services.state import STATE_FIELDS, refresh_state
from jiliang.registry.services.verifications import (
    number_taken,
    standard_chosen,
    term_for,
    verification_correct,
    verification_record,
)

__all__ = [
    "EDITABLE", "INSTRUMENT_FIELDS", "INTERRUPTED", "MEDIUMS", "RECORD_FIELDS", "RULE_MESSAGES",
    "SIGNOFF_FIELDS", "STATE_FIELDS", "DuplicateInstrumentError", "batch_record", "bureau_for",
    "check_kind_and_use", "number_taken", "facts_of", "import_job_create", "import_job_retry",
    "import_jobs_fail_interrupted", "import_instruments_refresh", "import_job_fail",
    "import_job_finish", "import_job_progress", "import_job_start", "cell_key", "instrument_file", "instrument_set_status",
    "instrument_update", "is_legal_institution", "label_sheet_queue", "label_sheet_start", "label_sheet_progress",
    "label_sheet_fail", "label_sheet_finish", "label_sheets_fail_interrupted", "parse_size",
    "public_check_note", "public_lookup_count", "public_lookup_counted", "public_lookups_flush",
    "rates_add_deltas",
    "rates_apply", "rates_fold", "refresh_state", "reminder_mark_read", "reminder_mark_read_many",
    "reminders_create", "standard_chosen", "term_for", "today", "verification_correct",
    "verification_record",
]
