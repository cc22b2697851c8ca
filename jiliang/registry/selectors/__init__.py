"""Every read of the registry, narrowed to the caller's scope; the public look-ups; contract 3.

Bureaus see their region (the province as an equality on ``province_code``,
so the indexes read in order); an enterprise its own instruments; an
institution the instruments it verified last and the records it issued.

One module per area, all importable from here: ``scoped`` (instruments, records, due dates,
batches, reminders, jobs), ``public`` (certificate states and the public look-ups), ``rates``,
``links`` (contract 3, traceability, evidence findings).
"""

from jiliang.registry.selectors.links import (
    FINDING_ORGS,
    evidence_findings,
    evidence_findings_of,
    instrument_status,
    instruments_of_owner,
    record_standard,
    standard_choices,
    under_review,
)
from jiliang.registry.selectors.public import (
    CertificateState,
    PublicCheck,
    cancelled_certificate,
    certificate_state,
    normalise_public_code,
    public_certificate,
    public_certificate_search,
    public_check,
    public_check_version,
    public_instrument,
    public_latest_record,
)
from jiliang.registry.selectors.rates import (
    GROUPS,
    MEASURES,
    last_recorded,
    public_rates,
    rates_by,
    rates_by_groups,
    rates_total,
    short_province_name,
)
from jiliang.registry.selectors.scoped import (
    INSTRUMENT_ORGS,
    RECORD_ORGS,
    batch_detail,
    batch_list,
    due_list,
    import_job,
    import_jobs,
    instrument_detail,
    instrument_for_verification,
    instrument_list,
    instrument_records,
    kind_id,
    label_sheet,
    record_detail,
    record_list,
    reminder_list,
)

__all__ = [
    "CertificateState", "FINDING_ORGS", "GROUPS", "INSTRUMENT_ORGS", "MEASURES", "PublicCheck",
    "RECORD_ORGS", "batch_detail", "batch_list", "cancelled_certificate", "certificate_state",
    "due_list", "evidence_findings", "evidence_findings_of", "import_job", "import_jobs",
    "instrument_detail", "instrument_for_verification", "instrument_list", "instrument_records",
    "instrument_status", "instruments_of_owner", "kind_id", "label_sheet", "last_recorded",
    "normalise_public_code", "public_certificate", "public_certificate_search", "public_check",
    "public_check_version", "public_instrument", "public_latest_record", "public_rates",
    "rates_by", "rates_by_groups", "rates_total", "record_detail", "record_list",
    "record_standard", "reminder_list", "short_province_name", "standard_choices", "under_review",
]
