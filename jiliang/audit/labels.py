"""Ledger entries in words: what the object is and what was done to it.

An entry keeps its action code (``energy.letter.create``) for machines; people read
"Responsibility letter · created". The last part of the code is the verb: an app may name
its own verbs with ``ledger_verb(verb) -> str | None`` on its AppConfig (licensing reads its
workflow's labels); the common ones are below; an unknown verb shows as it is.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import pgettext_lazy

# The verbs have their own context: "created" as an action is not "created" as a field name.
VERBS = {
    "add": pgettext_lazy("ledger action", "added"),
    "assign": pgettext_lazy("ledger action", "assigned"),
    "calibration": pgettext_lazy("ledger action", "calibration recorded"),
    "cell": pgettext_lazy("ledger action", "audit cell set"),
    "change": pgettext_lazy("ledger action", "changed"),
    "clear": pgettext_lazy("ledger action", "cleared"),
    "close": pgettext_lazy("ledger action", "closed"),
    "complete": pgettext_lazy("ledger action", "completed"),
    "correct": pgettext_lazy("ledger action", "corrected"),
    "create": pgettext_lazy("ledger action", "created"),
    "delete": pgettext_lazy("ledger action", "deleted"),
    "exclusion": pgettext_lazy("ledger action", "exclusion added"),
    "exclusion_remove": pgettext_lazy("ledger action", "exclusion removed"),
    "expire": pgettext_lazy("ledger action", "expired"),
    "file": pgettext_lazy("ledger action", "filed"),
    "import": pgettext_lazy("ledger action", "imported"),
    "ingest": pgettext_lazy("ledger action", "readings received"),
    "issue": pgettext_lazy("ledger action", "issued"),
    "key": pgettext_lazy("ledger action", "key registered"),
    "look_back": pgettext_lazy("ledger action", "looked back on"),
    "open": pgettext_lazy("ledger action", "opened"),
    "plan": pgettext_lazy("ledger action", "planned"),
    "queue": pgettext_lazy("ledger action", "queued"),
    "record": pgettext_lazy("ledger action", "recorded"),
    "rectify": pgettext_lazy("ledger action", "rectified"),
    "register": pgettext_lazy("ledger action", "registered"),
    "release": pgettext_lazy("ledger action", "released"),
    "recount": pgettext_lazy("ledger action", "deadline counted again"),
    "reopen": pgettext_lazy("ledger action", "reopened"),
    "report": pgettext_lazy("ledger action", "reported"),
    "review": pgettext_lazy("ledger action", "reviewed"),
    "revoke": pgettext_lazy("ledger action", "revoked"),
    "set": pgettext_lazy("ledger action", "set"),
    "start": pgettext_lazy("ledger action", "started"),
    "status": pgettext_lazy("ledger action", "status changed"),
    "update": pgettext_lazy("ledger action", "changed"),
}


def object_name(object_type: str) -> str:
    try:
        return str(capfirst(apps.get_model(object_type)._meta.verbose_name))
    except (LookupError, ValueError):
        return object_type


def verb(action: str) -> str:
    last = action.rsplit(".", 1)[-1]
    for config in apps.get_app_configs():
        named = getattr(config, "ledger_verb", None)
        found = named(last) if named else None
        if found:
            return str(found)
    return str(VERBS.get(last, last))


def summary(action: str, object_type: str) -> str:
    return f"{object_name(object_type)} · {verb(action)}"
