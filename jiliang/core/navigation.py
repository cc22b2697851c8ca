"""Menus contributed by each app: an app lists ``nav`` items on its AppConfig."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    signed_in: bool = False  # only for signed-in users
    bureau_only: bool = False  # only for the national administration and bureaus
    roles: frozenset[str] = field(default_factory=frozenset)  # only for these roles, if any
    menu: str = "main"  # "main", "account" or "public"

    def visible_to(self, user) -> bool:
        if not (self.signed_in or self.bureau_only or self.roles):
            return True
        if not user.is_authenticated:
            return False
        if self.bureau_only and not user.is_bureau:
            return False
        return not self.roles or user.role in self.roles


def items_for(user, menu: str = "main") -> list[dict]:
    out = []
    for label in settings.JILIANG_APPS:
        config = apps.get_app_config(label.rsplit(".", 1)[-1])
        for item in getattr(config, "nav", ()):
            if item.menu != menu or not item.visible_to(user):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            out.append({"label": item.label, "url": url, "name": item.url_name})
    return out
