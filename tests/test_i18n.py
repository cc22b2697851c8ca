"""Chinese is the default language and its catalogues are complete; English renders too."""


import ast
from pathlib import Path

from jiliang import i18n
from tests.base import PersonaTestCase


def test_every_translatable_string_has_a_chinese_translation():
    problems = i18n.problems()
    assert not problems, "run `python -m jiliang.i18n update` and translate:\n" + "\n".join(
        problems[:50])


def test_no_two_catalogues_translate_one_message_differently():
    """Django keeps one translation per message: a second wording in another app is lost."""
    conflicts = i18n.conflicts()
    assert not conflicts, "use one translation, or a pgettext context:\n" + "\n".join(conflicts)


def test_a_conflict_between_two_catalogues_is_found(tmp_path, monkeypatch):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    for app, string in (("one", "停用"), ("two", "中止日期")):
        catalogue = Catalog(locale="zh_Hans")
        catalogue.add("stopped", string)
        catalogue.add("stopped", "中止日期", context="date")
        po = tmp_path / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        po.parent.mkdir(parents=True)
        with po.open("wb") as f:
            write_po(f, catalogue)
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    monkeypatch.setattr(i18n, "catalogue_dirs", lambda: [tmp_path / "one" / "locale",
                                                         tmp_path / "two" / "locale"])
    assert i18n.conflicts() == ["'stopped': 停用 in one; 中止日期 in two"]


def test_the_compiled_catalogues_are_fresh():
    for locale_dir in i18n.catalogue_dirs():
        for po in locale_dir.glob("*/LC_MESSAGES/django.po"):
            mo = po.with_suffix(".mo")
            assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
                f"{mo} is missing or older than its .po: run `make translations`")


class LanguageTests(PersonaTestCase):
    def test_the_default_language_is_chinese(self):
        response = self.client.get("/")
        assert response.status_code == 200
        assert 'lang="zh-hans"' in response.content.decode()
        assert "登录" in response.content.decode()

    def test_english_is_chosen_by_the_switch(self):
        self.client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        response = self.client.get("/")
        assert 'lang="en"' in response.content.decode() and "Log in" in response.content.decode()

    def test_a_signed_in_desk_renders_in_both_languages(self):
        for language, word in (("zh-hans", "我的工作台"), ("en", "My desk")):
            response = self.client_as("gd_clerk", language=language).get("/desk/")
            assert response.status_code == 200 and word in response.content.decode()


def _eager_calls(path: Path) -> list[str]:
    """Calls of a non-lazy gettext outside any function in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    eager = {alias.asname or alias.name for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
             for alias in node.names if alias.name in ("gettext", "ngettext", "pgettext")}
    found = []

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if (not inside and isinstance(child, ast.Call)
                    and isinstance(child.func, ast.Name) and child.func.id in eager):
                found.append(f"{path}:{child.lineno}: {ast.unparse(child)[:60]}")
            visit(child, inside)

    visit(tree, False)
    return found


def test_no_string_is_translated_once_at_import_time():
    """``gettext`` outside a function runs once, in the language active at import, and every
    later user sees that language: module and class level texts take ``gettext_lazy``."""
    eager_calls = [call for path in sorted(Path(i18n.__file__).parent.rglob("*.py"))
                   if "migrations" not in path.parts for call in _eager_calls(path)]
    assert not eager_calls, "\n".join(eager_calls)
