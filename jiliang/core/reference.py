"""Reference data (divisions, holiday notices, catalogues, tables) that migrations load, an
administrator refreshes (``manage.py load_reference``) and tests may reload.

Each app lists idempotent loaders in ``reference_loaders`` on its AppConfig: the dotted path of
a function without arguments that returns the number of rows it added or changed, mapped to the
model its ledger entry names. Migrations call the same code with historical models;
``load_reference_data`` runs them all against the current models (e.g. after a transactional
test emptied the tables); ``reference_refresh`` does so and writes one ledger entry for each
loader that changed something, so a run that finds the database in line writes nothing.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from jiliang.audit.services import audit_record


def loaders() -> list[tuple[str, str]]:
    """(dotted path, model label) of every app's loader, in the order of ``JILIANG_APPS``."""
    found = []
    for label in settings.JILIANG_APPS:
        config = apps.get_app_config(label.rsplit(".", 1)[-1])
        found.extend(getattr(config, "reference_loaders", {}).items())
    return found


def load_reference_data() -> dict[str, int]:
    """Run every loader; the rows each added or changed, by its dotted path."""
    return {path: import_string(path)() for path, _model in loaders()}


@transaction.atomic
def reference_refresh(*, actor=None) -> dict[str, int]:
    """Bring the reference data in line with the data files, in one transaction, with a ledger
    entry (``reference.update``) for each loader that changed rows."""
    changed = {}
    for path, model in loaders():
        count = import_string(path)()
        changed[path] = count
        if count:
            audit_record(actor=actor, action="reference.update", object_type=model,
                         object_id=path.rsplit(".", 1)[-1], after={"rows": count})
    return changed
