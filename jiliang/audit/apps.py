from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jiliang.audit"
    verbose_name = _("Audit ledger")
    daily_tasks = ["jiliang.audit.tasks.sign_checkpoint"]
    portal_links = [
        {"title": _("Ledger checkpoints"), "url_name": "audit:checkpoint-list",
         "text": _("The daily signed checkpoints of the system's tamper-evident records: keep a "
                   "copy to check later that nothing was rewritten.")},
    ]
