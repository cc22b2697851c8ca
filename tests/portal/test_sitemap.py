"""Stable URLs for search engines: sitemap.xml lists the public pages, robots.txt keeps the
private ones out, each public page names its Open Graph title and canonical URL."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from django.urls import reverse

from jiliang.portal.sitemap import NOT_PAGES, is_fragment, is_public, patterns
from tests.base import PersonaTestCase

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


class SitemapTests(PersonaTestCase):
    def sitemap_paths(self) -> set[str]:
        response = self.client_as("anonymous").get("/sitemap.xml")
        assert response.status_code == 200
        root = ElementTree.fromstring(response.content)
        return {re.sub(r"^https?://[^/]+", "", loc.text) for loc in root.findall("s:url/s:loc", NS)}

    def test_every_public_page_without_parameters_is_in_the_sitemap(self):
        paths = self.sitemap_paths()
        expected = {reverse(name) for route, name, view, has_params in patterns()
                    if is_public(view) and not has_params and not NOT_PAGES.search(route)
                    and not is_fragment(name, view)}
        assert expected and expected <= paths, expected - paths
        assert "/licensing/guide/type_approval/" in paths
        assert "/catalogue/kinds/water_meter/" in paths
        assert not any(p.startswith(("/admin", "/registry/instruments")) for p in paths)

    def test_robots_keeps_private_pages_out_and_lets_public_ones_in(self):
        body = self.client_as("anonymous").get("/robots.txt").content.decode()
        lines = set(body.splitlines())
        assert "Disallow: /admin/" in lines and "Disallow: /registry/instruments/" in lines
        assert "Allow: /registry/i/" in lines and "Allow: /licensing/guide/" in lines
        assert any(line.startswith("Sitemap: ") and line.endswith("/sitemap.xml")
                   for line in lines)
        # No public page falls under a Disallow that is not matched exactly.
        disallowed = [line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")]
        for path in self.sitemap_paths():
            blocked = [d for d in disallowed if not d.endswith("$") and path.startswith(d)]
            assert not blocked, (path, blocked)

    def test_a_public_page_names_its_title_and_a_private_one_is_not_indexed(self):
        body = self.client_as("anonymous").get("/licensing/guide/").content.decode()
        assert '<meta property="og:title"' in body
        assert 'rel="canonical" href="http' in body
        private = self.client_as("gd_clerk").get("/registry/instruments/").content.decode()
        assert 'name="robots" content="noindex' in private and "og:title" not in private
