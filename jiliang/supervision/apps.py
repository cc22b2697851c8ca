from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiliang.core.navigation import NavItem


class SupervisionConfig(AppConfig):
    name = "jiliang.supervision"
    verbose_name = _("Supervision campaigns")
    nav_title = _("Supervision")  # the menu's name in the bar
    nav = [
        NavItem(_("Campaigns"), "supervision:campaign-list", signed_in=True,
                roles=frozenset({"national_admin", "bureau_clerk", "bureau_head", "verifier",
                                 "institution_manager"})),
        NavItem(_("Net-content results"), "supervision:my-results",
                roles=frozenset({"enterprise_user"})),
        NavItem(_("Inspection results"), "supervision:published-list", menu="public"),
    ]
    portal_links = [
        {"title": _("Supervision results"), "url_name": "supervision:published-list",
         "text": _("Enterprises and products that failed net-content, product-quality and "
                   "energy-label campaigns, as the bureaus release them.")},
    ]

    def desk_panels(self, request) -> list[dict]:
        from jiliang.supervision import selectors

        user = request.user
        if user.role == "enterprise_user":
            org = user.organisation
            if org is None or not org.credit_code:
                return []
            history = selectors.packer_history(user, org.credit_code)
            return [{"title": _("Net-content results"),
                     "template": "supervision/panel_results.html",
                     "context": {"count": history["records"].count(),
                                 "credit_code": org.credit_code}}]
        campaigns = selectors.campaign_list(user).exclude(status="closed")
        if not (user.is_bureau or campaigns.exists()):
            return []
        return [{"title": _("Supervision campaigns"),
                 "template": "supervision/panel_campaigns.html",
                 "context": {"campaigns": list(campaigns[:6]), "can_plan": user.is_bureau}}]

    def organisation_links(self, request, org) -> list[dict]:
        if not org.credit_code or not (request.user.is_bureau
                                       or request.user.organisation_id == org.pk):
            return []
        return [{"title": _("Net-content history"),
                 "url": reverse("supervision:packer-history", args=[org.credit_code])}]
