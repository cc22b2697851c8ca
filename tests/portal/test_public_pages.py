"""Every public page, walked as an anonymous visitor in both languages, reads as a public page.

The pages come from the URL resolver (every pattern whose view is ``@public``), with the
objects of ``tests/<app>/access.py`` for those with parameters, so a new public page is walked
without anyone adding it here. A public page shows no research notes, no confidence marks, no
setting names and no link to a site other than a government's or a standards body's.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlparse

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.access import Sample, World
from tests.base import PersonaTestCase
from tests.test_access_matrix import load_world, url_patterns

# Words of a researcher's notebook, not of a page for the public.
RESEARCH = re.compile(
    r"\b(?:high|medium|low)[ -]confidence\b|\bconfidence\b|置信|\bunverified\b|\bTODO\b|\bFIXME\b"
    r"|\bresearch notes?\b|\bsources? say\b|\bnot confirmed\b|待核实|未核实|存疑|可信度|\bsecondary source\b"
    r"|\bcontent[- ]farm\b|\bguess(?:ed)?\b",
    re.IGNORECASE)
# A setting's name: JILIANG_SOMETHING, as it appears in settings.py.
SETTING = re.compile(r"\bJILIANG_[A-Z_]{3,}\b")
# Hosts a public page may link to: the governments' and the standards bodies'.
ALLOWED_HOSTS = re.compile(
    r"(?:^|\.)(?:gov\.cn|samr\.gov\.cn|sac\.gov\.cn|openstd\.samr\.gov\.cn|std\.samr\.gov\.cn"
    r"|oiml\.org|bipm\.org|iso\.org|iec\.ch|nist\.gov|legislation\.gov\.uk|europa\.eu"
    r"|worldmetrologyday\.org|www\.npc\.gov\.cn|flk\.npc\.gov\.cn)$")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.hrefs.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


# A run of English words on a Chinese page: a note left in the language it was researched in.
ENGLISH_PROSE = re.compile(r"(?:\b[A-Za-z][a-z]+[,;:.]? ){7,}[A-Za-z][a-z]+")


def problems_of(body: str, *, chinese: bool = False) -> list[str]:
    """What a public page must not show: research words, setting names, outside links."""
    parser = _Links()
    parser.feed(body)
    text = " ".join(parser.text)
    found = [f"research word “{m.group(0)}”" for m in RESEARCH.finditer(text)]
    if chinese:
        found += [f"English prose “{m.group(0)}”" for m in ENGLISH_PROSE.finditer(text)]
    found += [f"setting name “{m.group(0)}”" for m in SETTING.finditer(text)]
    for url in re.findall(r"https?://[^\s\"'<>;,，；）)]+", text):
        parser.hrefs.append(url)
    for href in parser.hrefs:
        host = urlparse(href).hostname
        own = urlparse(settings.JILIANG_PUBLIC_URL).hostname
        if host and host not in ("testserver", own) and not ALLOWED_HOSTS.search(host):
            found.append(f"link to {href}")
    return found


def every_object() -> dict[str, list[dict]]:
    """Beyond the access samples: every kind, catalogue and licence type the fixtures load."""
    from jiliang.catalog.models import CatalogueVersion, InstrumentKind
    from jiliang.rules import licensing as rules

    return {
        "catalog:kind-detail": [{"code": c} for c in
                                InstrumentKind.objects.values_list("code", flat=True)],
        "catalog:version-detail": [{"code": c} for c in
                                   CatalogueVersion.objects.values_list("code", flat=True)],
        "licensing:guide-detail": [{"type_code": c} for c in rules.licence_types()],
    }


def public_urls(world: World) -> list[str]:
    by_name: dict[str, list] = {}
    for sample in world.samples:
        by_name.setdefault(sample.name, []).append(sample)
    for name, kwargs_list in every_object().items():
        by_name.setdefault(name, []).extend(Sample(name, kwargs) for kwargs in kwargs_list)
    urls = []
    for _route, name, callback, has_params in url_patterns():
        if not getattr(callback, "jiliang_public", False):
            continue
        for sample in (by_name.get(name, []) if has_params else [None]):
            urls.append(reverse(name, kwargs=sample.kwargs if sample else None))
    return list(dict.fromkeys(urls))


class ProblemsOfTest(PersonaTestCase):
    def test_it_finds_each_kind_of_problem(self):
        body = ('<p>Period: 1 year (medium confidence). Set JILIANG_PUBLIC_URL.</p>'
                '<a href="https://www.baike.example.com/x">more</a>'
                '<a href="https://www.samr.gov.cn/">SAMR</a>')
        found = problems_of(body)
        assert any("confidence" in f for f in found)
        assert any("JILIANG_PUBLIC_URL" in f for f in found)
        assert any("baike" in f for f in found)
        assert not any("samr.gov.cn" in f for f in found)

    def test_it_reads_only_what_a_person_sees(self):
        assert problems_of('<script>var confidence = 1;</script><p>检定周期：1 年</p>') == []


class PublicPagesTest(PersonaTestCase):
    def test_no_public_page_shows_research_words_settings_or_outside_links(self):
        world = World(self.p)
        load_world(world)
        urls = public_urls(world)
        assert len(urls) > 20, urls
        failures = []
        for language in ("zh-hans", "en"):
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            for url in urls:
                response = client.get(url)
                if response.status_code != 200:
                    failures.append(f"{url} [{language}]: {response.status_code}")
                    continue
                if "html" not in response.get("Content-Type", ""):
                    continue
                body = response.content.decode("utf-8", "replace")
                failures += [f"{url} [{language}]: {p}" for p in problems_of(body, chinese=language == "zh-hans")]
                if "<title>" in body and ('property="og:title"' not in body
                                         or 'rel="canonical"' not in body):
                    failures.append(f"{url} [{language}]: no Open Graph title or canonical URL")
        assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)
