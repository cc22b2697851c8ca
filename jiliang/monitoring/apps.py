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
