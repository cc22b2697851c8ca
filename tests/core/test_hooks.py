"""One mechanism reaches an optional app: ``jiliang.core.hooks.optional``; an app's own
``hooks.py`` only names its optional edges, each through it."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.test import SimpleTestCase

from jiliang.core import hooks
from jiliang.energy import hooks as energy_hooks
from jiliang.licensing import hooks as licensing_hooks
from jiliang.registry import hooks as registry_hooks

JILIANG = Path(hooks.__file__).resolve().parent.parent


class OptionalTests(SimpleTestCase):
    def test_an_installed_app_gives_its_module(self):
        import jiliang.traceability.binding as binding

        assert hooks.optional("traceability", "binding") is binding
        assert registry_hooks.standards() is binding
        assert licensing_hooks.catalog("models").__name__ == "jiliang.catalog.models"
        assert energy_hooks.registry("selectors").__name__ == "jiliang.registry.selectors"

    def test_an_app_left_out_gives_none_in_every_door(self):
        kept = [c.name for c in apps.get_app_configs() if c.name != "jiliang.traceability"]
        apps.set_available_apps(kept)
        try:
            assert not hooks.installed("traceability")
            assert hooks.optional("traceability", "binding") is None
            assert registry_hooks.traceability("selectors") is None
            assert registry_hooks.standards() is None
            assert licensing_hooks.traceability("services") is None
            assert energy_hooks.traceability("models") is None
        finally:
            apps.unset_available_apps()
        assert hooks.installed("traceability")

    def test_every_apps_hooks_module_goes_through_the_one_hook(self):
        doors = sorted(p for p in JILIANG.glob("*/hooks.py") if p.parent.name != "core")
        assert {p.parent.name for p in doors} >= {"registry", "licensing", "energy"}
        for path in doors:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = {(node.module, alias.name) for node in ast.walk(tree)
                        if isinstance(node, ast.ImportFrom) for alias in node.names}
            assert ("jiliang.core.hooks", "optional") in imported, path
            names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
            names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
            assert not names & {"import_module", "is_installed"}, (
                f"{path}: reaches an app on its own; call jiliang.core.hooks.optional")
