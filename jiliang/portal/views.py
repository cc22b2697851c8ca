from django.apps import apps
from django.conf import settings
from django.shortcuts import render

from jiliang.core.web import public


@public
def home(request):
    """The public window of the management system (work plan 七.1, 七.3).

    Each app may offer ``portal_links``: the look-ups it opens to the public.
    """
    links = []
    for label in settings.JILIANG_APPS:
        config = apps.get_app_config(label.rsplit(".", 1)[-1])
        links.extend(getattr(config, "portal_links", ()))
    return render(request, "portal/home.html", {"links": links})
