"""The licensing app's configuration. This module is read before the models are ready, so
its hooks import the app's modules when they are called (the one place that does)."""

from urllib.parse import urlencode

from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiliang.core.navigation import NavItem
from jiliang.rules import licensing as rules


class LicensingConfig(AppConfig):
    name = "jiliang.licensing"
    verbose_name = _("Licensing")
    nav_title = _("Licensing")  # the menu's name in the bar
    nav = [
        NavItem(_("Licensing"), "licensing:application-list", signed_in=True),
        NavItem(_("Licences"), "licensing:licence-list", signed_in=True),
        NavItem(_("Licences and disclosures"), "licensing:public-list", menu="public"),
        NavItem(_("Service guides"), "licensing:guide-list", menu="public"),
    ]
    portal_links = [
        {"url_name": "licensing:guide-list", "title": _("Licensing service guides"),
         "text": _("Legal basis, conditions, materials, time limits and sample forms of each "
                   "metrology licence (Administrative Licensing Law, Art. 30).")},
        {"url_name": "licensing:public-list", "title": _("Licences granted, changed and revoked"),
         "text": _("The public list of metrology licences by type, region and date, "
                   "with a feed of new disclosures.")},
        {"url_name": "licensing:public-query", "title": _("Certificate query"),
         "text": _("Type a certificate number to see whether the licence is in force.")},
    ]
    daily_tasks = ["jiliang.licensing.tasks.licensing_daily"]

    def ready(self) -> None:
        from jiliang.core.holidays import calendar_changed
        from jiliang.licensing.services import calendar_entered

        calendar_changed.connect(calendar_entered, dispatch_uid="licensing.calendar_entered")

    @staticmethod
    def ledger_verb(verb: str) -> str | None:
        """The workflow's own words for its transitions and licence actions, in the ledger."""
        from jiliang.licensing.labels import label

        for workflow in rules.workflows().values():
            if verb in workflow.transitions:
                return label(workflow.transitions[verb].label)
        action = rules.licence_actions().get(verb)
        return label(action["label"]) if action else None

    def desk_panels(self, request) -> list[dict]:
        from jiliang.licensing import selectors
        from jiliang.licensing.labels import label
        from jiliang.licensing.notices import notice_text

        user = request.user
        if user.is_bureau:
            return [{"title": _("Licensing queues"), "template": "licensing/panel_queue.html",
                     "context": {"counts": selectors.queue_counts(user)}}]
        if user.organisation_id:
            states = {}
            for flow in rules.workflows().values():
                for name, spec in flow.states.items():
                    states.setdefault(name, label(spec["label"]))
            counts = [(states.get(k, k), n) for k, n in selectors.applicant_counts(user).items()]
            notices = [(n, notice_text(n)) for n in selectors.notice_list(user)[:5]]
            return [{"title": _("My licence applications"),
                     "template": "licensing/panel_applicant.html",
                     "context": {"counts": counts, "notices": notices}}]
        return []

    def organisation_links(self, request, org) -> list[dict]:
        if not (request.user.is_bureau or request.user.organisation_id == org.pk):
            return []
        return [
            {"title": _("Licence applications"),
             "url": f"{reverse('licensing:application-list')}?{urlencode({'q': org.name})}"},
            {"title": _("Licences"), "url": f"{reverse('licensing:licence-list')}?{urlencode({'q': org.name})}"},
        ]
