from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jiliang.core.navigation import NavItem


class EnforcementConfig(AppConfig):
    name = "jiliang.enforcement"
    verbose_name = _("Enforcement cases")
    nav = [
        NavItem(_("Enforcement cases"), "enforcement:case-list", bureau_only=True),
        NavItem(_("Penalty decisions"), "enforcement:public-list", menu="public"),
    ]
    portal_links = [
        {"title": _("Administrative penalty decisions"), "url_name": "enforcement:public-list",
         "text": _("Metrology penalty decisions the bureaus have published, without the "
                   "personal data of natural persons.")},
    ]

    def ready(self) -> None:
        from jiliang.enforcement import findings

        findings.register_builtin()

    def organisation_links(self, request, org) -> list[dict]:
        from django.urls import reverse

        from jiliang.enforcement import selectors

        count = selectors.case_list(request.user).filter(party=org).count()
        if not count:
            return []
        return [{"title": _("Enforcement cases") + f" · {count}",
                 "url": reverse("enforcement:case-list") + f"?party={org.pk}"}]

    def alert_links(self, request, alert) -> list[dict]:
        """On a tamper alert's page (monitoring): its cases, or the way to open one."""
        from django.urls import reverse

        from jiliang.enforcement import permissions, selectors

        user = request.user
        if not permissions.may_open(user, alert.region_code):
            return []
        cases = list(selectors.case_list(user).filter(finding_kind="tamper_alert",
                                                      finding_id=alert.pk))
        if cases:
            return [{"title": _("Enforcement case") + f" {case.number}",
                     "url": reverse("enforcement:case-detail", args=[case.pk])}
                    for case in cases]
        return [{"title": _("Open an enforcement case"),
                 "url": reverse("enforcement:case-new") + f"?kind=tamper_alert&finding={alert.pk}"}]
