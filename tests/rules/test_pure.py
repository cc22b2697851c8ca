"""Every module of ``jiliang.rules`` is pure Python: importing it loads no Django and none of the
apps (the rules sit below every app and read like the standards they implement)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import jiliang.rules

MODULES = sorted(m.name for m in pkgutil.walk_packages(jiliang.rules.__path__, "jiliang.rules.")
                 if not m.name.endswith(".__main__"))  # a command line, run rather than imported

PROBE = """
import importlib, sys
importlib.import_module(sys.argv[1])
loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django.")
                or (m.startswith("jiliang.") and m.split(".")[1] != "rules"))
print("\\n".join(loaded))
"""


def test_every_module_of_the_rules_is_checked():
    assert "jiliang.rules.netcontent" in MODULES and len(MODULES) >= 15


@pytest.mark.parametrize("module", MODULES)
def test_a_rules_module_imports_no_django_and_no_app(module):
    done = subprocess.run([sys.executable, "-c", PROBE, module], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "", f"{module} loads: {done.stdout.split()}"
