from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jiliang.core.navigation import NavItem


class TraceabilityConfig(AppConfig):
    name = "jiliang.traceability"
    verbose_name = _("Measurement standards and traceability")
    nav_title = _("Standards")
    nav = [
        NavItem(_("Measurement standards"), "traceability:standard-list", signed_in=True),
        NavItem(_("Reference materials"), "traceability:material-list", signed_in=True),
        NavItem(_("Comparisons"), "traceability:comparison-list", signed_in=True),
        NavItem(_("Impact cases"), "traceability:impact-list", signed_in=True),
        NavItem(_("Look up a public standard"), "traceability:public-lookup", menu="public"),
    ]
    portal_links = [
        {"title": _("Look up a social public measurement standard"),
         "url_name": "traceability:public-lookup",
         "text": _("Enter the number of a standard's assessment certificate to see whether it is "
                   "in force, who holds it and what it serves.")},
    ]
