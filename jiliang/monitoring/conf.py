"""The monitoring app's settings: from Django settings when set there, else the environment.

No standard in the project's reference gives these thresholds (``rules/data/tamper_rules.json``
names each one's setting, with a null source); the screens say they are configured. The
defaults are the project's, chosen to err on the side of raising an alert.
"""

from __future__ import annotations

import os
from decimal import Decimal

from django.conf import settings

from jiliang.core.signed_batches import broker_settings
from jiliang.rules.tamper import Thresholds


def _get(name: str, default: str) -> str:
    if hasattr(settings, name):
        return str(getattr(settings, name))
    return os.environ.get(name, default)


def thresholds() -> Thresholds:
    return Thresholds(
        verification_days=int(_get("JILIANG_TAMPER_VERIFICATION_DAYS", "3")),
        counter_step=int(_get("JILIANG_TAMPER_COUNTER_STEP", "0")),
        totaliser_percent=Decimal(_get("JILIANG_TAMPER_TOTALISER_TOLERANCE_PERCENT", "0.5")),
    )


def max_batch_rows() -> int:
    return int(_get("JILIANG_TAMPER_MAX_BATCH_ROWS", "200000"))


def refusals_per_minute() -> int:
    return int(_get("JILIANG_TAMPER_REFUSALS_PER_MINUTE", "30"))


FUTURE_TOLERANCE_S = 300  # a gateway's clock may run this far ahead of the server's


def mqtt() -> dict:
    """The broker (the one every ingest worker signs in to: JILIANG_MQTT_HOST, JILIANG_MQTT_PORT
    and the credentials) and the instrument events' topics under JILIANG_MONITORING_MQTT_PREFIX."""
    return {**broker_settings(),
            "prefix": _get("JILIANG_MONITORING_MQTT_PREFIX", "jiliang/monitoring")}
