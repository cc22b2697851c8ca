from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jiliang.core.navigation import NavItem


class CatalogConfig(AppConfig):
    name = "jiliang.catalog"
    verbose_name = _("Catalogue of instruments under compulsory management")
    nav_title = _("Catalogue")  # the menu's name in the bar
    reference_loaders = {"jiliang.catalog.reference.load_current_catalogue": "catalog.catalogueversion"}
    nav = [
        NavItem(_("Catalogue"), "catalog:kind-list"),
        NavItem(_("Catalogue"), "catalog:kind-list", menu="public"),
        NavItem(_("Province periods"), "catalog:province-periods", bureau_only=True,
                menu="account"),
        NavItem(_("Without type approval"), "catalog:type-approval-flags", bureau_only=True,
                menu="account"),
    ]
    portal_links = [
        {"title": _("Catalogue of compulsorily verified instruments"), "url_name": "catalog:kind-list",
         "text": _("Which instruments must be verified by law, how often, and under which regulation.")},
    ]
