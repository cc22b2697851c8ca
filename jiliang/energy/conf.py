"""The energy app's settings: from Django settings when set there, else from the environment.

None of these has a value in a standard; the screens say where a number comes
from configuration.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal

from django.conf import settings

from jiliang.core.signed_batches import broker_settings


def _get(name: str, default):
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, dict):
        return json.loads(raw)
    if isinstance(default, int):
        return int(raw)
    return raw


def electricity_basis() -> str:
    """'equivalent' (0.1229 kgce/kWh) or 'equal_value' (the year's figure, configured)."""
    return _get("JILIANG_ENERGY_ELECTRICITY_BASIS", "equivalent")


def equal_value(year: int) -> Decimal | None:
    """The equal value of electricity (kgce/kWh) for a year: official statistics, never built in."""
    values = _get("JILIANG_ENERGY_EQUAL_VALUES", {})
    value = values.get(str(year))
    return None if value in (None, "") else Decimal(str(value))


def configured_coefficient(edition: str, carrier: str) -> Decimal | None:
    """A coefficient (kgce per table unit) the operator configured where the edition's table
    has none (e.g. the 2020 Annex B values, not confirmed): {"gbt2589-2020": {"fresh_water": ...}}."""
    values = _get("JILIANG_ENERGY_COEFFICIENTS", {}).get(edition, {})
    value = values.get(carrier)
    return None if value in (None, "") else Decimal(str(value))


def balance_tolerance(carrier: str) -> Decimal | None:
    """The default main- against sub-meter tolerance per carrier (%); no normative value exists."""
    values = _get("JILIANG_ENERGY_BALANCE_TOLERANCE", {})
    value = values.get(carrier, values.get("*"))
    return None if value in (None, "") else Decimal(str(value))


def stale_hours() -> int:
    """After how many hours without a reading a unit's data counts as stopped."""
    return _get("JILIANG_ENERGY_STALE_HOURS", 24)


def rectification_days() -> int:
    """Days a unit is given to rectify an audit's findings when the auditor sets no deadline.
    GB 17167 sets no time limit: 90 days is this bureau's choice."""
    return _get("JILIANG_ENERGY_RECTIFICATION_DAYS", 90)


def mqtt() -> dict:
    """Where the energy ingest worker subscribes (JILIANG_MQTT_PREFIX), on the broker every
    ingest worker signs in to (``core.signed_batches.broker_settings``)."""
    return {**broker_settings(), "prefix": _get("JILIANG_MQTT_PREFIX", "jiliang/energy")}


def refusals_per_minute() -> int:
    """Refused batches (unknown units included) one client may have kept per minute; past it
    the refusals are answered (429) but not kept."""
    return _get("JILIANG_ENERGY_REFUSALS_PER_MINUTE", 30)


def max_batch_rows() -> int:
    return _get("JILIANG_ENERGY_MAX_BATCH_ROWS", 200_000)


# Readings stamped further ahead of the server's clock are refused.
FUTURE_TOLERANCE_S = 300
