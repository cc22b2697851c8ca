from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiliang.core.navigation import NavItem

CAP = 10_000


class RegistryConfig(AppConfig):
    name = "jiliang.registry"
    verbose_name = _("Compulsory-verification archives")
    nav_title = _("Verification archives")  # the menu's name in the bar
    daily_tasks = ["jiliang.registry.tasks.send_reminders"]
    # Run by verify_ledger: the instruments' state against its chained sources.
    integrity_checks = ["jiliang.registry.integrity.instrument_state_check"]
    # Called when a task worker starts: imports and label sheets left running by a dead worker
    # (core.jobs).
    interrupted_jobs = ["jiliang.registry.services.import_jobs_fail_interrupted",
                        "jiliang.registry.services.label_sheets_fail_interrupted"]
    nav = [
        NavItem(_("Instruments"), "registry:instrument-list", signed_in=True),
        NavItem(_("Due dates"), "registry:due-list", signed_in=True),
        NavItem(_("Verifications"), "registry:verification-list", signed_in=True),
        NavItem(_("Rates"), "registry:rates", bureau_only=True),
        NavItem(_("Reminders"), "registry:reminder-list", signed_in=True, menu="account"),
        NavItem(_("Check a certificate"), "registry:certificate-check", menu="public"),
    ]
    portal_links = [
        {"title": _("Check a verification certificate"), "url_name": "registry:certificate-check",
         "text": _("Enter the number on a certificate, or scan the QR code on an instrument, to "
                   "see whether it was verified and until when.")},
    ]

    def desk_panels(self, request) -> list[dict]:
        # apps.py is read before the models are ready: the models' modules load on use.
        from jiliang.core.models import Role
        from jiliang.registry import selectors

        user = request.user
        panels = [{
            "title": _("Compulsory verification"),
            "template": "registry/panel_due.html",
            "context": {
                # Capped: a national desk must not count ten million rows on every visit.
                "overdue": selectors.due_list(user, window="overdue")[:CAP].count(),
                "soon": selectors.due_list(user, window="30")[:CAP].count(),
                "cap": CAP,
                "reminders": selectors.reminder_list(user, unread=True).count(),
                "verifier": user.role in (Role.VERIFIER, Role.INSTITUTION_MANAGER),
                "bureau": user.is_bureau,
            },
        }]
        return panels

    def organisation_links(self, request, org) -> list[dict]:
        """What is filed under an organisation here, for its page."""
        from jiliang.registry import selectors  # models ready only after apps.py is read

        user, key = request.user, org.credit_code or str(org.pk)
        if not (user.is_bureau or user.organisation_id == org.pk):
            return []
        base = reverse("registry:instrument-list")
        return [
            {"title": _("Instruments on file"), "url": f"{base}?owner={key}",
             "count": selectors.instrument_list(user, owner=org.pk).count()},
            {"title": _("Overdue and due soon"),
             "url": f"{reverse('registry:due-list')}?owner={key}"},
            {"title": _("Verifications"),
             "url": f"{reverse('registry:verification-list')}?q={key}"},
            {"title": _("QR labels (PDF)"), "url": f"{reverse('registry:labels')}?owner={key}"},
        ]
