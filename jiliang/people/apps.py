from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jiliang.core.navigation import NavItem


class PeopleConfig(AppConfig):
    name = "jiliang.people"
    verbose_name = _("People and qualifications")
    nav_title = _("People")
    nav = [
        NavItem(_("People"), "people:person-list", signed_in=True),
        NavItem(_("Metrology authorisations"), "people:authorisation-list", signed_in=True),
        NavItem(_("Coverage of counties"), "people:coverage", bureau_only=True),
        NavItem(_("Metrology stations"), "people:station-list", menu="public"),
        NavItem(_("Registered metrologist look-up"), "people:public-registration",
                menu="public"),
        NavItem(_("Authorised institutions"), "people:public-institutions", menu="public"),
    ]

    def ready(self) -> None:
        from jiliang.licensing.signals import licence_changed
        from jiliang.people.services import on_licence_changed

        licence_changed.connect(on_licence_changed, dispatch_uid="people.licence_changed")
