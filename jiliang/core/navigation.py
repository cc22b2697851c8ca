"""Menus contributed by each app: an app lists ``nav`` items on its AppConfig."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse


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


def _app_items(config, user, menu: str) -> list[dict]:
    out = []
    for item in getattr(config, "nav", ()):
        if item.menu != menu or not item.visible_to(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        out.append({"label": item.label, "url": url, "name": item.url_name})
    return out


def _configs():
    for label in settings.JILIANG_APPS:
        yield apps.get_app_config(label.rsplit(".", 1)[-1])


FIRST = ("portal:home",)  # the home page leads the bar, whichever app is listed first


@dataclass(frozen=True)
class _Viewer:
    """What a menu depends on (``NavItem.visible_to``): signed in or not, and the role."""

    is_authenticated: bool
    role: str

    @property
    def is_bureau(self) -> bool:
        from jiliang.core.models import BUREAU_ROLES

        return self.role in BUREAU_ROLES


def _viewer(user) -> _Viewer:
    authenticated = bool(user.is_authenticated)
    return _Viewer(authenticated, (getattr(user, "role", "") or "") if authenticated else "")


# Every page draws the menus: they are worked out once per (viewer, menu, URL prefix and
# configuration) and kept for the process. Labels stay lazy, so each page shows them in its
# own language; the settings' apps and their ``nav`` lists are fixed while a process runs.
@lru_cache(maxsize=256)
def _items(viewer: _Viewer, menu: str, prefix: str, urlconf: object, installed: tuple) -> tuple:
    items = [item for config in _configs() for item in _app_items(config, viewer, menu)]
    return tuple(sorted(items, key=lambda item: item["name"] not in FIRST))


@lru_cache(maxsize=256)
def _menus(viewer: _Viewer, prefix: str, urlconf: object, installed: tuple) -> tuple:
    out = []
    for config in _configs():
        items = _app_items(config, viewer, "main")
        if items:
            out.append({"title": getattr(config, "nav_title", config.verbose_name),
                        "items": items})
    return tuple(out)


def _site() -> tuple:
    return (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF,
            tuple(settings.JILIANG_APPS))


def items_for(user, menu: str = "main") -> list[dict]:
    return list(_items(_viewer(user), menu, *_site()))


def menus_for(user) -> list[dict]:
    """The main menu, one entry an app (its ``nav_title``): a dropdown where it has several
    items, so that the bar fits however many apps are installed."""
    return list(_menus(_viewer(user), *_site()))
