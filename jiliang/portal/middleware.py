"""Every public page carries its Open Graph title and its stable (canonical) URL; every other
page asks search engines not to index it. Done once here, from the page's own <title>, so no
template repeats it and no public page can forget it."""

from __future__ import annotations

import re
from html import escape, unescape

from django.conf import settings

TITLE = re.compile(rb"<title>(.*?)</title>", re.S)


class OpenGraphMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code != 200 or getattr(response, "streaming", False)
                or not response.get("Content-Type", "").startswith("text/html")):
            return response
        match = TITLE.search(response.content)
        if match is None:
            return response
        match_ = request.resolver_match
        public = bool(match_ and getattr(match_.func, "jiliang_public", False))
        if public:
            title = unescape(match.group(1).decode("utf-8", "replace")).strip()
            page_title = title.split(" · ")[0]
            url = settings.JILIANG_PUBLIC_URL.rstrip("/") + request.path
            tags = (f'<meta property="og:title" content="{escape(page_title)}">'
                    f'<meta property="og:type" content="website">'
                    f'<meta property="og:url" content="{escape(url)}">'
                    f'<meta property="og:site_name" content="{escape(title.split(" · ")[-1])}">'
                    f'<link rel="canonical" href="{escape(url)}">')
        else:
            tags = '<meta name="robots" content="noindex, nofollow">'
        end = match.end()
        response.content = response.content[:end] + tags.encode() + response.content[end:]
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
