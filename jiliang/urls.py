"""URLs: each app in JILIANG_APPS contributes its ``urls`` module under its ``URL_PREFIX``."""

import importlib
import importlib.util

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from jiliang.api import api
from jiliang.core import observability
from jiliang.core.web import public

handler400 = "jiliang.core.views.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", public(auth_views.LoginView.as_view()), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Probes and metrics for the operators' tools (the README's production section). Only
    # healthz is a named page: readyz answers 503 by design when a dependency is down, and
    # metrics are for the monitoring addresses.
    path("healthz", observability.healthz, name="healthz"),
    path("readyz", observability.readyz),
    path("metrics", observability.metrics),
]

for _app in settings.JILIANG_APPS:
    if importlib.util.find_spec(f"{_app}.urls") is None:
        continue
    _module = importlib.import_module(f"{_app}.urls")
    urlpatterns.append(path(_module.URL_PREFIX, include(_module)))
