"""Every write to the traceability register: one transaction each, validated, audited.

One module per part of the register (``standards`` (with their devices, certificates,
calibrations, status and the bookings of touring standards), ``impact``, ``materials``,
``comparisons``; shared reading of fields in ``common``), imported through this package:
``from jiliang.traceability import services``.
"""

from jiliang.traceability.services.comparisons import (
    comparison_create,
    comparison_message,
    comparison_publish,
    comparison_report,
    comparison_score,
    follow_up,
    participant_add,
    result_submit,
)
from jiliang.traceability.services.impact import (
    affected,
    impact_open,
    impact_open_tasks,
    impact_resolve,
    last_good_calibration,
    notice_mark_read,
)
from jiliang.traceability.services.materials import GBW, lot_add, material_register
from jiliang.traceability.services.standards import (
    STANDARD_FIELDS,
    booking_add,
    calibration_record,
    certificate_from_licence,
    certificate_issue,
    device_add,
    standard_register,
    standard_set_status,
)

__all__ = [
    "GBW",
    "STANDARD_FIELDS",
    "affected",
    "booking_add",
    "calibration_record",
    "certificate_from_licence",
    "certificate_issue",
    "comparison_create",
    "comparison_message",
    "comparison_publish",
    "comparison_report",
    "comparison_score",
    "device_add",
    "follow_up",
    "impact_open",
    "impact_open_tasks",
    "impact_resolve",
    "last_good_calibration",
    "lot_add",
    "material_register",
    "notice_mark_read",
    "participant_add",
    "result_submit",
    "standard_register",
    "standard_set_status",
]
