"""What a public page may show: links only to governments and standards bodies.

The research behind the reference data names every page it read; a public page names only the
authorities (work plan 七.1: the website is the window of the administration, not of its
research). ``OFFICIAL_HOSTS`` are the domains a public page may link to.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from django.utils.translation import get_language

from jiliang.rules.licensing import text

OFFICIAL_HOSTS = (
    "gov.cn",  # every Chinese government site, SAMR (samr.gov.cn) and SAC (sac.gov.cn) included
    "npc.gov.cn",
    "oiml.org",  # International Organization of Legal Metrology
    "bipm.org",  # Bureau International des Poids et Mesures
    "worldmetrologyday.org",  # run by the BIPM and the OIML
    "iso.org",
    "iec.ch",
    "nist.gov",
)

URL = re.compile(r"https?://[^\s\"'<>;,，；）)]+")


def is_official_url(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in OFFICIAL_HOSTS)


def official_sources(sources) -> list[str]:
    """The sources that link to an official site and to nothing else (a bare note is research)."""
    return [s for s in sources or () if all(is_official_url(u) for u in URL.findall(str(s)))
            and URL.search(str(s))]


def label(value) -> str:
    """A bilingual {"zh": ..., "en": ...} label of the data, in the current language."""

    return text(value, get_language() or "zh-hans")
