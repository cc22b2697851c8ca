from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "jiliang.enforcement"
    verbose_name = _("Enforcement cases")

    def ready(self) -> None:
        from jiliang.enforcement import findings

        findings.register_builtin()
