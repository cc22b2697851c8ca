"""Every write of the licensing app: one transaction each, validated, audited.

One module per process; callers import from this package:

- ``applications`` — create, edit, upload materials; the version check;
- ``workflow`` — ``application_act``, the one service that moves an application through the
  states of ``jiliang/rules/data/licensing_workflows.json``;
- ``licences`` — grant, change, renewal, withdrawal / revocation / cancellation, recording;
- ``daily`` — the daily task (deemed acceptance and renewal, recounts, flags, expiries,
  reminders);
- ``events`` (the log, notices, disclosures), ``numbering``, ``particulars`` and ``common``.

Who may do what is asked of ``jiliang.licensing.permissions``.
"""

from jiliang.licensing.labels import action_label, label, language
from jiliang.licensing.selectors import decision_clock
from jiliang.licensing.services.applications import (
    application_create,
    application_update,
    attachment_add,
    conflict_error,
    missing_materials,
)
from jiliang.licensing.services.common import (
    DECISION_CLOCK,
    RENEWAL_PENDING,
    calendar_message,
    closed_message,
    particulars_message,
)
from jiliang.licensing.services.daily import (
    EXPIRY_NOTICE_SLACK,
    calendar_entered,
    licensing_daily,
)
from jiliang.licensing.services.events import licence_summary
from jiliang.licensing.services.licences import licence_act, licence_record
from jiliang.licensing.services.particulars import renewal_rule_text, renewal_window_check
from jiliang.licensing.services.workflow import EFFECTS, application_act

__all__ = [
    "DECISION_CLOCK",
    "EFFECTS",
    "EXPIRY_NOTICE_SLACK",
    "RENEWAL_PENDING",
    "action_label",
    "application_act",
    "application_create",
    "application_update",
    "attachment_add",
    "calendar_entered",
    "calendar_message",
    "closed_message",
    "conflict_error",
    "decision_clock",
    "label",
    "language",
    "licence_act",
    "licence_record",
    "licence_summary",
    "licensing_daily",
    "missing_materials",
    "particulars_message",
    "renewal_rule_text",
    "renewal_window_check",
]
