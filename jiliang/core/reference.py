"""Reference data (divisions, catalogues, tables) that migrations load and tests may reload.

Each app lists idempotent loaders in ``reference_loaders`` on its AppConfig
(dotted paths of functions without arguments). Migrations call the same
code with historical models; ``load_reference_data`` runs them all against
the current models, e.g. after a transactional test emptied the tables.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string


def load_reference_data() -> None:
    for label in settings.JILIANG_APPS:
        config = apps.get_app_config(label.rsplit(".", 1)[-1])
        for path in getattr(config, "reference_loaders", ()):
            import_string(path)()
