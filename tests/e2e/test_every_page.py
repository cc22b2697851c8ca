"""A clerk's day in a real browser (issue 15): every page of the access matrix, as each persona,
in Chinese and in English.

The pages come from the access matrix (the URL resolver, and the objects of
``tests/<app>/access.py``), so a new app's pages are swept without a word here. A page fails on:

- an English UI word on a Chinese page: a word of the project's English message ids in the page's
  visible text, data excepted (the words the database's free-text columns hold);
- a setting's name (``JILIANG_…``, ``SUPERVISION_…``);
- a raw code where a name exists: a value of a model field's choices (``planned``, ``granted``,
  ``energy_user``) or any ``snake_case`` word;
- a horizontal scroll at 1280 px wide;
- a table cell narrower than two characters at 390 px whose text needed more than one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from jiliang import i18n
from tests.access import World
from tests.base import sign_in
from tests.test_access_matrix import SETTING_NAME, load_world, url_patterns

pytestmark = pytest.mark.e2e

WIDE, PHONE = 1280, 390
LANGUAGES = (("zh-hans", "zh-CN"), ("en", "en-US"))

# Words of the message ids that a Chinese page may show as they are: names of formats, protocols
# and standards bodies, units, and the symbols the standards use (Qn of JJF 1070, Nl and Ns of
# GB 17167, En of ISO 13528), and the names OpenAPI and Atom.
KEPT = {
    "pdf", "csv", "xlsx", "excel", "json", "api", "url", "qr", "id", "totp", "mqtt", "https",
    "http", "oiml", "nist", "iso", "iec", "gb", "jjg", "jjf", "kg", "mg", "ml", "mm", "km",
    "kwh", "mwh", "kw", "tce", "mpa", "kpa", "pa", "hz", "ok", "atom", "feed", "qn", "nl", "ns",
    "ed", "base", "en", "openapi",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
TOKEN = re.compile(r"[A-Za-z0-9_.:#/'’-]+")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def msgid_words() -> set[str]:
    """The lower-cased English words of every message id of the project's catalogues."""
    from babel.messages.pofile import read_po

    words: set[str] = set()
    for locale_dir in i18n.catalogue_dirs():
        for po in locale_dir.glob("*/LC_MESSAGES/django.po"):
            with po.open("rb") as f:
                catalogue = read_po(f)
            for message in catalogue:
                ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
                for text in ids:
                    text = re.sub(r"%\(\w+\)[sdfr]|%[sdfr]|\{[^}]*\}|<[^>]+>|&\w+;", " ", text)
                    words.update(w.lower() for w in WORD.findall(text))
    return {w for w in words if len(w) > 1 and w not in KEPT}


def choice_values() -> set[str]:
    """The stored values of every model field with choices that read as words (not numbers)."""
    values: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            for value, _label in getattr(f, "flatchoices", None) or ():
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
                    values.add(value)
    return values


def data_words() -> set[str]:
    """The words and identifiers the database's free-text columns hold (names, addresses,
    notes, serials, user names, kind codes): what a page shows as data, not as its own words.
    Columns with choices hold codes, never data."""
    words: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label in ("sessions", "admin", "contenttypes", "auth"):
            continue
        names = [f.attname for f in model._meta.concrete_fields
                 if isinstance(f, models.CharField | models.TextField) and not f.choices]
        if not names:
            continue
        for row in model._default_manager.values_list(*names)[:20000].iterator():
            for value in row:
                if value:
                    words.update(w.lower() for w in WORD.findall(str(value)))
                    words.update(t.strip(".:/#-") for t in TOKEN.findall(str(value)))
    return words


# The visible text of the page, one string per visible text node: not scripts, not hidden, not
# identifiers set as such (code, kbd, samp, pre, monospace) and not passages the page declares
# to be in another language (lang="en" on a Chinese page: a quoted source, a language's own name).
VISIBLE_TEXT = """() => {
  const out = [];
  const page = document.documentElement.lang.slice(0, 2);
  const skip = 'script, style, template, noscript, code, kbd, samp, pre, .mono';
  const foreign = (el) => { const l = el.closest('[lang]'); return l && l.lang.slice(0, 2) !== page; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.nodeValue.trim() || el.closest(skip) || foreign(el)) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    out.push(node.nodeValue.trim());
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (el.checkVisibility() && !foreign(el)) out.push(el.placeholder);
  }
  for (const el of document.querySelectorAll('[title], [aria-label]')) {
    if (foreign(el)) continue;
    if (el.title) out.push(el.title);
    if (el.getAttribute('aria-label')) out.push(el.getAttribute('aria-label'));
  }
  for (const el of document.querySelectorAll('input[type=submit][value]')) {
    if (el.value && !foreign(el)) out.push(el.value);
  }
  return out;
}"""

SCROLL = """() => document.documentElement.scrollWidth - document.documentElement.clientWidth"""

# Cells of visible tables narrower than two characters (of their own font) whose text wraps.
NARROW_CELLS = """() => {
  const out = [];
  for (const cell of document.querySelectorAll('table td, table th')) {
    if (!cell.checkVisibility()) continue;
    const text = cell.innerText.trim();
    if (text.length < 2) continue;
    const style = getComputedStyle(cell);
    const width = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const em = parseFloat(style.fontSize);
    const line = parseFloat(style.lineHeight) || em * 1.5;
    const height = cell.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    if (width < 2 * em && height > 1.6 * line) out.push(text.slice(0, 20) + ' (' + Math.round(width) + 'px)');
  }
  return out.slice(0, 3);
}"""


@dataclass
class Detector:
    english: set[str]
    codes: set[str]
    data: set[str]
    found: list[str] = field(default_factory=list)

    def words(self, texts: list[str], *, chinese: bool) -> list[str]:
        """What is wrong in a page's visible texts."""
        problems: list[str] = []
        joined = "\n".join(texts)
        for match in SETTING_NAME.finditer(joined):
            problems.append(f"setting name {match[0]}")
        for token in TOKEN.findall(joined):
            token = token.strip(".:/#-")
            if SNAKE.match(token) and token not in self.data:
                problems.append(f"raw code {token}")
        if chinese:
            # plain words only: a token with a digit, "_", "-", "/" or "." is an identifier
            # (a path, a header, a package, a model number), not a word of the interface
            for token in TOKEN.findall(joined):
                word = token.strip(".:/#-")
                if not re.fullmatch(r"[A-Za-z]+", word):
                    continue
                lower = word.lower()
                if lower in self.data or (word.isupper() and len(word) > 1):
                    continue
                if word in self.codes and len(word) > 1:  # one letter is a symbol (z, u, k)
                    problems.append(f"raw code {word}")
                elif lower in self.english:
                    problems.append(f"English “{word}”")
        return list(dict.fromkeys(problems))


def detector() -> Detector:
    return Detector(english=msgid_words(), codes=choice_values(), data=data_words())


def pages_of(world: World, user) -> list[str]:
    """The GET pages of the access matrix the persona may read: every page without parameters
    (those the persona may not see answer with a login page or a 403 and are skipped), and each
    parameterised page with the first of its samples that the matrix says is in the persona's
    scope."""
    by_name: dict[str, list] = {}
    for sample in world.samples:
        by_name.setdefault(sample.name, []).append(sample)
    urls = []
    for _route, name, callback, has_params in url_patterns():
        public = getattr(callback, "jiliang_public", False)
        if not has_params:
            urls.append(reverse(name))
            continue
        # one object per page is enough here: the matrix checks every object's scope
        readable = [s for s in by_name.get(name, ()) if public or world.may_read(user, s)]
        if readable:
            urls.append(reverse(name, kwargs=readable[0].kwargs))
    return list(dict.fromkeys(urls))


def context_for(browser, live_server, user, language: str, locale: str):
    context = browser.new_context(base_url=live_server.url, locale=locale, accept_downloads=False,
                                  viewport={"width": WIDE, "height": 900})
    cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
    if user.is_authenticated:
        client = sign_in(Client(), user)
        cookies.append({"name": "sessionid", "value": client.cookies["sessionid"].value,
                        "url": live_server.url})
    context.add_cookies(cookies)
    return context


def sweep(page, url: str, check: Detector, *, chinese: bool) -> list[str] | None:
    """The problems of one page, or None when it is not an HTML page the persona may see."""
    try:
        response = page.goto(url, wait_until="domcontentloaded")
    except Exception as error:  # a download (an export, a PDF) or an empty 405 is not a page
        if any(s in str(error) for s in ("Download is starting", "ERR_HTTP_RESPONSE_CODE_FAILURE",
                                         "interrupted by another navigation", "ERR_ABORTED")):
            return None
        raise
    if response is None or response.status != 200 or "text/html" not in response.headers.get(
            "content-type", "") or "/login/" in page.url:
        return None
    if not page.evaluate("() => !!document.querySelector('body > main, body > nav')"):
        return None  # an HTMX fragment, checked on the page that holds it
    problems = check.words(page.evaluate(VISIBLE_TEXT), chinese=chinese)
    overflow = page.evaluate(SCROLL)
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow}px at {WIDE}px")
    narrow = []
    if page.evaluate("() => !!document.querySelector('table')"):
        page.set_viewport_size({"width": PHONE, "height": 844})
        narrow = page.evaluate(NARROW_CELLS)
        page.set_viewport_size({"width": WIDE, "height": 900})
    if narrow:
        problems.append(f"cells narrower than two characters at {PHONE}px: {narrow}")
    return problems


def test_every_page_as_every_persona_in_both_languages(browser, live_server, e2e_personas):
    world = World(e2e_personas)
    load_world(world)
    check = detector()
    failures: list[str] = []
    seen = 0
    for name, user in e2e_personas.all().items():
        urls = pages_of(world, user)
        for language, locale in LANGUAGES:
            context = context_for(browser, live_server, user, language, locale)
            page = context.new_page()
            page.set_default_timeout(30000)
            for url in urls:
                problems = sweep(page, url, check, chinese=language == "zh-hans")
                if problems is None:
                    continue
                seen += 1
                failures += [f"{url} as {name} ({language}): {p}" for p in problems]
            context.close()
    assert seen > 300, f"only {seen} pages were swept"
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)


def test_the_english_word_check_finds_a_planted_word(browser, live_server, e2e_personas):
    """A Chinese page with one English UI word, as a template slip would leave it, fails; the
    same page without it passes (so the sweep cannot pass by finding nothing)."""
    check = detector()
    context = context_for(browser, live_server, e2e_personas.gd_clerk, "zh-hans", "zh-CN")
    page = context.new_page()
    assert sweep(page, "/desk/", check, chinese=True) is not None
    before = set(check.words(page.evaluate(VISIBLE_TEXT), chinese=True))
    page.evaluate("""() => { const p = document.createElement('p');
        p.textContent = '待办 Overdue 事项'; document.querySelector('main').append(p); }""")
    found = set(check.words(page.evaluate(VISIBLE_TEXT), chinese=True)) - before
    assert found == {"English “Overdue”"}
    page.evaluate("""() => { const p = document.createElement('p');
        p.textContent = '状态：planned，依据 JILIANG_ENERGY_STALE_HOURS；类别 energy_user';
        document.querySelector('main').append(p); }""")
    found = set(check.words(page.evaluate(VISIBLE_TEXT), chinese=True)) - before
    assert "raw code planned" in found and "setting name JILIANG_ENERGY_STALE_HOURS" in found
    assert "raw code energy_user" in found
    context.close()
