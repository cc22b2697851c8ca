"""Translations without GNU gettext: extract, update, check and compile, in pure Python.

Message ids are English; Chinese (zh_Hans) is the default language and its
catalogue must be complete. Each app keeps its own catalogue in
``jiliang/<app>/locale/zh_Hans/LC_MESSAGES/django.po``; the project's
templates and modules use ``jiliang/locale``.

    python -m jiliang.i18n update    # add new message ids to the catalogues, drop gone ones
    python -m jiliang.i18n check     # list untranslated, fuzzy or conflicting messages; exit 1 if any
    python -m jiliang.i18n compile   # write the .mo files Django reads (run by make)
    python -m jiliang.i18n todo      # the untranslated message ids, as a JSON object to fill in
    python -m jiliang.i18n fill F    # take translations from a JSON object {msgid: msgstr}
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent
LANGUAGES = ["zh_Hans"]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def catalogue_dirs() -> list[Path]:
    """The project's locale directory and one per app package that has templates or code."""
    dirs = [ROOT / "locale"]
    for child in sorted(ROOT.iterdir()):
        if (child / "apps.py").exists():
            dirs.append(child / "locale")
    return dirs


def owner(path: Path) -> Path:
    """The locale directory whose catalogue holds the messages of ``path``."""
    rel = path.relative_to(ROOT)
    first = ROOT / rel.parts[0]
    if len(rel.parts) > 1 and (first / "apps.py").exists():
        return first / "locale"
    return ROOT / "locale"


def _sources() -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in ("locale", "static", "__pycache__",
                                                        "migrations", "rules")]
        for name in filenames:
            if name.endswith((".py", ".html", ".txt", ".xml")):
                path = Path(dirpath) / name
                if name.endswith(".py") or "templates" in path.parts:
                    yield path


def extract(path: Path) -> Iterator[tuple[int, str | tuple, str | None]]:
    """(line, message, context) for each translatable string in a module or template."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        from django.utils.translation.template import templatize

        text = templatize(text, origin=str(path))
    for lineno, _funcname, message, _comments in extract_python(
        io.BytesIO(text.encode("utf-8")), KEYWORDS, [], {}
    ):
        context = None
        if isinstance(message, tuple) and _funcname.startswith(("pgettext", "npgettext")):
            context, message = message[0], message[1:] if len(message) > 2 else message[1]
        if isinstance(message, tuple):
            if not all(message):
                continue
        elif not message:
            continue
        yield lineno, message, context


def templates_by_catalogue() -> dict[Path, Catalog]:
    out: dict[Path, Catalog] = {}
    for path in _sources():
        catalogue = out.setdefault(owner(path), Catalog(project="jiliang"))
        for lineno, message, context in extract(path):
            catalogue.add(message, locations=[(str(path.relative_to(ROOT.parent)), lineno)],
                          context=context)
    return out


def _po_path(locale_dir: Path, language: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def update() -> None:
    for locale_dir, template in templates_by_catalogue().items():
        for language in LANGUAGES:
            path = _po_path(locale_dir, language)
            if path.exists():
                with path.open("rb") as f:
                    catalogue = read_po(f)
            else:
                catalogue = Catalog(locale=language, project="jiliang")
            created = catalogue.creation_date
            catalogue.update(template, no_fuzzy_matching=True, update_creation_date=False)
            catalogue.creation_date = created
            catalogue.revision_date = created
            catalogue.fuzzy = False
            catalogue.obsolete.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as f:
                write_po(f, catalogue, width=0, include_lineno=False, omit_header=False, ignore_obsolete=True)


def problems() -> list[str]:
    """Messages used in the code but missing, empty or fuzzy in a catalogue."""
    out = []
    for locale_dir, template in templates_by_catalogue().items():
        for language in LANGUAGES:
            path = _po_path(locale_dir, language)
            if not path.exists():
                out.append(f"{path}: missing ({len(template)} messages to translate)")
                continue
            with path.open("rb") as f:
                catalogue = read_po(f)
            for message in template:
                if not message.id:
                    continue
                found = catalogue.get(message.id, context=message.context)
                where = message.locations[0] if message.locations else ("?", 0)
                if found is None:
                    out.append(f"{path}: not in the catalogue: {message.id!r} ({where[0]}:{where[1]})")
                elif found.fuzzy:
                    out.append(f"{path}: fuzzy: {message.id!r}")
                elif not (all(found.string) if isinstance(found.string, tuple) else found.string):
                    out.append(f"{path}: untranslated: {message.id!r} ({where[0]}:{where[1]})")
    return out


def conflicts() -> list[str]:
    """Message ids that two catalogues translate differently.

    Django merges the catalogues and keeps one translation per (context, id), so a second
    wording is silently lost on some page: one English word that needs two Chinese words takes
    a ``pgettext`` context instead.
    """
    seen: dict[tuple[str | None, str], dict[str, list[str]]] = {}
    for po, catalogue in _catalogues():
        for message in catalogue:
            if not message.id or _untranslated(message):
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            string = message.string if isinstance(message.string, str) else message.string[0]
            seen.setdefault((message.context, msgid), {}).setdefault(string, []).append(
                po.relative_to(ROOT).parts[0])
    return [f"{msgid!r}" + (f" (context {context!r})" if context else "") + ": " + "; ".join(
                f"{string} in {', '.join(apps)}" for string, apps in strings.items())
            for (context, msgid), strings in sorted(seen.items(), key=str) if len(strings) > 1]


def compile_all() -> int:
    count = 0
    for locale_dir in catalogue_dirs():
        for po in locale_dir.glob("*/LC_MESSAGES/*.po"):
            with po.open("rb") as f:
                catalogue = read_po(f)
            with po.with_suffix(".mo").open("wb") as f:
                write_mo(f, catalogue, use_fuzzy=False)
            count += 1
    return count


def _catalogues() -> Iterator[tuple[Path, Catalog]]:
    for locale_dir in catalogue_dirs():
        for po in sorted(locale_dir.glob("*/LC_MESSAGES/django.po")):
            with po.open("rb") as f:
                yield po, read_po(f)


def _key(message) -> str:
    """The JSON key of a message: its id, or "context\x04id" (gettext's own convention)."""
    return f"{message.context}\x04{message.id}" if message.context else message.id


def _untranslated(message) -> bool:
    string = message.string
    empty = not all(string) if isinstance(string, tuple) else not string
    return empty or message.fuzzy


def todo() -> dict[str, str]:
    out: dict[str, str] = {}
    for _po, catalogue in _catalogues():
        for message in catalogue:
            if message.id and isinstance(message.id, str) and _untranslated(message):
                out[_key(message)] = ""
    return out


def fill(translations: dict[str, str]) -> int:
    """Put translations into the catalogues where those messages are still untranslated.

    A message that already has a translation keeps it: each app words its own.
    """
    count = 0
    for po, catalogue in _catalogues():
        changed = False
        for message in catalogue:
            if not message.id or not isinstance(message.id, str) or not _untranslated(message):
                continue
            text = translations.get(_key(message))
            if text:
                message.string, message.flags = text, message.flags - {"fuzzy"}
                changed = True
                count += 1
        if changed:
            with po.open("wb") as f:
                write_po(f, catalogue, width=0, include_lineno=False, ignore_obsolete=True)
    return count


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    import django

    django.setup()
    command = argv[1] if len(argv) > 1 else "check"
    if command == "todo":
        import json

        print(json.dumps(todo(), ensure_ascii=False, indent=1))
        return 0
    if command == "fill":
        import json

        print(f"filled {fill(json.loads(Path(argv[2]).read_text(encoding='utf-8')))} message(s)")
        return 0
    if command == "compile":
        print(f"compiled {compile_all()} catalogue(s)")
        return 0
    if command == "update":
        update()
    found = problems() + [f"translated differently: {line}" for line in conflicts()]
    for line in found:
        print(line)
    if command == "check":
        return 1 if found else 0
    print(f"{len(found)} message(s) to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
