"""The registry's pages, one module per group of pages (``instruments``, ``verifications``,
``dues``, ``imports``, ``batches``, ``public``; ``common`` holds what they share), all
reachable from here for ``urls.py``."""

from jiliang.registry.views.batches import (
    batch_create,
    batch_detail,
    batch_list,
    reminder_list,
    reminder_read,
    reminder_read_many,
)
from jiliang.registry.views.dues import (
    due_list,
    rates,
)
from jiliang.registry.views.imports import (
    import_errors,
    import_job,
    import_page,
    import_retry,
    import_template,
)
from jiliang.registry.views.instruments import (
    instrument_create,
    instrument_detail,
    instrument_edit,
    instrument_label,
    instrument_list,
    instrument_status,
    label_sheet,
    label_sheet_pdf,
    labels,
)
from jiliang.registry.views.public import (
    certificate_check,
    public_certificate,
    public_instrument,
)
from jiliang.registry.views.verifications import (
    finding_list,
    verification_correct,
    verification_create,
    verification_detail,
    verification_list,
    verification_pdf,
)

__all__ = [
    "batch_create", "batch_detail", "batch_list", "certificate_check", "due_list", "finding_list",
    "import_errors", "import_job", "import_page", "import_retry", "import_template",
    "instrument_create", "instrument_detail", "instrument_edit", "instrument_label",
    "instrument_list", "instrument_status", "label_sheet", "label_sheet_pdf", "labels",
    "public_certificate", "public_instrument", "rates", "reminder_list", "reminder_read",
    "reminder_read_many", "verification_correct", "verification_create", "verification_detail",
    "verification_list", "verification_pdf",
]
