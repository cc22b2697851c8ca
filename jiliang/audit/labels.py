"""Ledger entries in words: what the object is and what was done to it.

An entry keeps its action code (``energy.letter.create``) for machines; people read
"Responsibility letter · created". The last part of the code is the verb: an app may name
its own verbs with ``ledger_verb(verb) -> str | None`` on its AppConfig (licensing reads its
workflow's labels); the common ones are below; an unknown verb shows as it is.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

VERBS = {
    "add": _("added"), "assign": _("assigned"), "calibration": _("calibration recorded"),
    "cell": _("audit cell set"), "change": _("changed"), "clear": _("cleared"),
    "close": _("closed"), "complete": _("completed"), "correct": _("corrected"),
    "create": _("created"), "delete": _("deleted"), "exclusion": _("exclusion added"),
    "exclusion_remove": _("exclusion removed"), "expire": _("expired"), "file": _("filed"),
    "import": _("imported"), "ingest": _("readings received"), "issue": _("issued"),
    "key": _("key registered"), "look_back": _("looked back on"), "open": _("opened"),
    "plan": _("planned"), "queue": _("queued"), "record": _("recorded"),
    "rectify": _("rectified"), "register": _("registered"), "release": _("released"),
    "reopen": _("reopened"), "report": _("reported"), "review": _("reviewed"),
    "revoke": _("revoked"), "set": _("set"), "start": _("started"),
    "status": _("status changed"), "update": _("changed"),
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
