from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jiliang.core.navigation import NavItem


class PortalConfig(AppConfig):
    name = "jiliang.portal"
    verbose_name = _("Public website")
    nav = [
        NavItem(_("Home"), "portal:home", menu="public"),
        NavItem(_("News and notices"), "portal:news-list", menu="public"),
        NavItem(_("News desk"), "portal:news-desk", bureau_only=True),
        NavItem(_("Regions"), "core:region-list", menu="public"),
        NavItem(_("API"), "api:openapi-view", menu="public"),
    ]
