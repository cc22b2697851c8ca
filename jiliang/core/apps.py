from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.core.navigation import NavItem


class CoreConfig(AppConfig):
    name = "jiliang.core"
    verbose_name = _("Regions, organisations and people")
    nav_title = _("Directory")  # the menu's name in the bar
    # Idempotent loaders of reference data (manage.py load_reference), each with the model its
    # ledger entry names when it changed rows.
    reference_loaders = {"jiliang.core.regions.load_current_regions": "core.region",
                         "jiliang.core.holidays.load_current_holiday_years": "core.holidayyear"}
    nav = [
        NavItem(_("Organisations"), "core:organisation-list", signed_in=True),
        NavItem(_("Regions"), "core:region-list"),
        NavItem(_("Audit ledger"), "core:ledger", bureau_only=True),
        NavItem(_("API tokens"), "core:token-list", signed_in=True, menu="account"),
        NavItem(_("Second factor"), "core:second-factor", signed_in=True, menu="account"),
    ]

    def ready(self) -> None:
        from django.urls import register_converter

        from jiliang.core.params import IdConverter

        # Before any URLconf is built: <id:pk> (pages) and {id:pk} (API) bound every id.
        register_converter(IdConverter, "id")

        from jiliang.core.holidays import official_calendar
        from jiliang.rules import deadlines

        # the deadline rules count on the years the national administrator has entered
        deadlines.set_calendar(official_calendar)
        # Task failures counted for /metrics (jiliang.core.observability).
        from jiliang.core import observability

        observability.connect_signals()
        # Sign-in: the second factor remembered per session, lockouts in the ledger.
        from jiliang.core import signin

        signin.connect_signals()

    def ledger_verb(self, verb: str):
        """The verbs of accounts and roles (see services: grants, revocations, refusals)."""
        verbs = {
            "role_grant": _("role granted"), "role_revoke": _("role revoked"),
            "account_suspend": _("suspended"), "account_reinstate": _("reinstated"),
            "invitation_accept": pgettext_lazy("invitation", "accepted"),
            "invitation_withdraw": _("withdrawn"),
            "login_failed": _("sign-in failed"), "locked_out": _("locked out"),
        }
        if verb.endswith("_refused"):
            return _("refused (%(what)s)") % {"what": verb.removesuffix("_refused")}
        return verbs.get(verb)

    def desk_panels(self, request) -> list[dict]:
        from jiliang.core import selectors

        user = request.user
        panels = [{
            "title": _("Organisations"),
            "template": "core/panel_organisations.html",
            "context": {"count": selectors.organisation_list(user).count(),
                        "can_register": user.is_bureau},
        }]
        if user.is_bureau:
            panels.append({
                "title": _("Latest changes"),
                "template": "core/panel_ledger.html",
                "context": {"entries": selectors.ledger_recent(user)},
            })
        return panels
