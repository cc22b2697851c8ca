from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jiliang.core.navigation import NavItem


class MonitoringConfig(AppConfig):
    name = "jiliang.monitoring"
    verbose_name = _("Instrument monitoring")
    nav = [
        NavItem(_("Tamper alerts"), "monitoring:alert-list", signed_in=True),
    ]

    def desk_panels(self, request) -> list[dict]:
        from jiliang.monitoring import selectors

        user = request.user
        if not user.is_bureau:
            return []
        return [{"title": _("Tamper alerts"), "template": "monitoring/panel.html",
                 "context": {"open": selectors.open_count(user)}}]

    def instrument_panels(self, request, inst) -> list[dict]:
        """On an instrument's page: its tamper alerts and latest events (issue 18)."""
        from jiliang.monitoring import selectors

        alerts = list(selectors.alerts_of_instrument(request.user, inst)[:20])
        events = selectors.events_of_instrument(inst)
        if not alerts and not events:
            return []
        return [{"title": _("Tamper alerts and events"), "template": "monitoring/instrument.html",
                 "context": {"alerts": alerts, "events": events}}]
