from django.apps import apps
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jiliang.core.web import public
from jiliang.portal import sitemap


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


@public
def robots_txt(request):
    lines = sitemap.robots_lines(settings.JILIANG_PUBLIC_URL)
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@public
def sitemap_xml(request):
    """sitemaps.org 0.9: every public page, at its stable URL."""
    from xml.sax.saxutils import escape

    base = settings.JILIANG_PUBLIC_URL.rstrip("/")
    today = timezone.localdate().isoformat()
    body = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    body += [f"<url><loc>{escape(base + url)}</loc><lastmod>{today}</lastmod></url>"
             for url in sitemap.page_urls()]
    body.append("</urlset>")
    return HttpResponse("\n".join(body), content_type="application/xml; charset=utf-8")
