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
        NavItem(_("Complaints"), "portal:complaint-new", menu="public"),
        NavItem(_("Open statistics"), "portal:statistics", menu="public"),
        NavItem(_("Open data"), "portal:open-data", menu="public"),
        NavItem(_("Complaints and reports"), "portal:complaint-queue", bureau_only=True),
    ]
    portal_links = [
        {"title": _("Complain about measurement"), "url_name": "portal:complaint-new",
         "text": _("Short weight, an instrument not verified or tampered with, short net content: "
                   "tell the bureau, with or without your name.")},
        {"title": _("World Metrology Day"), "url_name": "portal:wmd",
         "text": _("20 May: the year's theme and the bureaus' events on the map.")},
        {"title": _("Open statistics"), "url_name": "portal:statistics",
         "text": _("Inspection and pass rates, net content, licensing time limits and energy "
                   "units, by region and period, with charts and downloads.")},
        {"title": _("Open data"), "url_name": "portal:open-data",
         "text": _("Every statistic and disclosure list as CSV and JSON, with its schema.")},
        {"title": _("Follow a complaint"), "url_name": "portal:complaint-track",
         "text": _("The state of a complaint, by its tracking number and access code.")},
    ]
