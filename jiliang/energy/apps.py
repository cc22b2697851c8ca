"""The energy app's configuration. This module is read before the models are ready, so its
hooks import the app's modules when they are called (the one place that does)."""

from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiliang.core.navigation import NavItem


class EnergyConfig(AppConfig):
    name = "jiliang.energy"
    verbose_name = _("Energy metering")
    nav = [
        NavItem(_("Energy"), "energy:home", signed_in=True),
    ]
    daily_tasks = ["jiliang.energy.tasks.partitions_ahead"]

    def desk_panels(self, request) -> list[dict]:
        from jiliang.energy import selectors

        user = request.user
        units = selectors.unit_list(user)
        count = units.count()
        if not count and not user.is_bureau:
            return []
        context = {"count": count, "is_bureau": user.is_bureau}
        if user.is_bureau:
            context["attention"] = selectors.supervision_counts(user)
        return [{"title": _("Energy metering"), "template": "energy/panel.html",
                 "context": context}]

    def organisation_links(self, request, org) -> list[dict]:
        from jiliang.energy import selectors

        units = list(selectors.unit_list(request.user).filter(organisation=org)[:5])
        return [{"title": _("Key energy-using unit") + f" · {unit.name}",
                 "url": reverse("energy:unit-detail", args=[unit.pk])} for unit in units]
