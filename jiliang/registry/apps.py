from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "jiliang.registry"
    verbose_name = _("Compulsory-verification archives")
    daily_tasks = ["jiliang.registry.tasks.send_reminders"]
    nav = []
    portal_links = []
