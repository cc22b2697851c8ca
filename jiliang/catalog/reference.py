"""Loading the catalogue from the reference files (jiliang/rules/data, sources kept).

- instrument_kinds.json: the kinds the registry files (code, names, catalogue
  items per version, management mode, size parameter) and the dates of the
  catalogue versions;
- regulation_editions.json: the JJG editions with their dates and the kinds
  they serve;
- verification_periods.json: the period rules;
- verification_catalog.json and catalogues_2020_1987.json (copies of the
  shared reference): the catalogue entries, the uses and notes of the kinds.

Idempotent: a row a national administrator confirmed or corrected in the admin
(``reviewed_at``) is left as it is; every other row is brought in line with the
data, and a regulation or rule the data no longer gives is removed. Migrations
call ``load_catalogue`` with historical models; ``load_current_catalogue`` (and
``manage.py load_reference``) use the current ones.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

from django.apps import apps

from jiliang.rules import editions as edition_rules
from jiliang.rules.verification import DATA, load_rules

CATALOGUE = DATA / "verification_catalog.json"
KINDS = DATA / "instrument_kinds.json"
EDITIONS = DATA / "regulation_editions.json"
CATALOGUES = DATA / "catalogues_2020_1987.json"

USE_CODES = {"贸易结算": "trade", "安全防护": "safety", "医疗卫生": "medical", "环境监测": "environment"}
GRADES = ("high", "medium", "low")


def read(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def read_catalogue() -> dict:
    return read(CATALOGUE)


def grade(text: str | None) -> str:
    """The grade a free-text confidence starts with ("medium (entry confirmed by …)" → medium)."""
    word = (text or "").strip().split(" ", 1)[0].lower()
    return word if word in GRADES else ""


def uses_of(fields: list[str]) -> list[str]:
    out = []
    for name in fields:
        for zh, code in USE_CODES.items():
            if name.startswith(zh) and code not in out:
                out.append(code)
    return out


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


class _Sync:
    """update_or_create that leaves reviewed rows alone, counting what it changed."""

    def __init__(self) -> None:
        self.changed = 0

    def put(self, model, lookup: dict, values: dict):
        row = model.objects.filter(**lookup).first()
        if row is None:
            self.changed += 1
            return model.objects.create(**lookup, **values)
        if row.reviewed_at is not None:
            return row
        dirty = [k for k, v in values.items() if getattr(row, k) != v]
        if dirty:
            for k in dirty:
                setattr(row, k, values[k])
            row.save(update_fields=dirty)
            self.changed += 1
        return row


def load_catalogue(model: Callable[[str], type]) -> int:
    """Bring the catalogue in line with the data; returns the number of rows added or changed.

    In steps: the catalogue versions, the kinds, the regulation editions of each kind, the
    1987 and 2020 entries, the period rules."""
    legacy, kinds_data, editions_data = read(CATALOGUE), read(KINDS), read(EDITIONS)
    sync = _Sync()
    versions = _load_versions(model("CatalogueVersion"), legacy, kinds_data, sync)
    kinds = _load_kinds(model("InstrumentKind"), kinds_data, legacy, sync)
    _load_regulations(model("Regulation"), kinds, editions_data["editions"], legacy, sync)
    entry_model = model("CatalogueEntry")
    _load_1987(entry_model, versions["1987"], kinds, kinds_data, legacy, sync)
    _load_2020(entry_model, versions["2020"], kinds, kinds_data, legacy, read(CATALOGUES), sync)
    _load_rules(model("PeriodRule"), kinds, sync)
    return sync.changed


def _load_versions(version_model, legacy: dict, kinds_data: dict, sync: _Sync) -> dict:
    """The catalogue versions (1987, 2020), with their dates in force once the data gives them."""
    dates = {v["code"]: v for v in kinds_data["versions"]}
    versions = {}
    for regime in legacy["regimes"]:
        span = dates.get(regime["id"], {})
        version, created = version_model.objects.get_or_create(code=regime["id"], defaults={
            "name_zh": regime["name_zh"], "issued": regime.get("issued", ""),
            "summary": "\n".join(filter(None, [regime.get("scope", ""), regime.get("size", ""),
                                               regime.get("implementation_rule", ""),
                                               regime.get("note", ""), *regime.get("rules", [])])),
            "warning": regime.get("warning", ""), "sources": regime.get("sources", []),
        })
        if version.in_force_from is None and span.get("in_force_from"):
            version.in_force_from = _date(span["in_force_from"])
            version.in_force_until = _date(span.get("in_force_until"))
            version.save(update_fields=["in_force_from", "in_force_until"])
            created = True
        versions[regime["id"]] = version
        sync.changed += created
    return versions


def _kind_values(item: dict, extra: dict) -> dict:
    """A kind's fields from instrument_kinds.json and its entry in verification_catalog.json."""
    mode = extra.get("management_mode", {})
    c2020 = extra.get("catalog_2020") or {}
    return {
        "name_zh": item["name_zh"], "name_en": item.get("name_en", ""),
        "category": extra.get("category", ""),
        "uses": uses_of(extra["usage_fields"]) if extra else item.get("uses", []),
        "size_param": item.get("size_param", ""), "is_utility_meter": item.get("utility_meter", False),
        "mode": item.get("mode") or "", "mode_confidence": item.get("mode_confidence", ""),
        "mode_1991": mode.get("1991", mode.get("2008_practice", "")),
        "mode_2020": mode.get("2020", ""), "supervision_2020": c2020.get("supervision", ""),
        "notes": "\n".join(filter(None, [c2020.get("mode_note", ""), extra.get("record_notes", ""),
                                         extra.get("jjg_1099_note", ""), item.get("note", "")])),
        "catalogue_items": {k: v for k, v in (item.get("items") or {}).items() if v},
        "sources": item.get("sources", []),
    }


def _load_kinds(kind_model, kinds_data: dict, legacy: dict, sync: _Sync) -> dict:
    """The instrument kinds, by code."""
    details = {i["id"]: i for i in legacy["instruments"]}
    return {item["code"]: sync.put(kind_model, {"code": item["code"]},
                                   _kind_values(item, details.get(item["code"], {})))
            for item in kinds_data["kinds"]}


def _load_1987(entry_model, version, kinds: dict, kinds_data: dict, legacy: dict,
               sync: _Sync) -> None:
    """The 1987 catalogue's entries, each linked to the first kind that names its item."""
    by_item: dict[int, object] = {}
    for item in kinds_data["kinds"]:
        number = (item.get("items") or {}).get("1987")
        if number and number not in by_item:
            by_item[number] = kinds[item["code"]]
    for item in legacy["catalog_1987"]:
        entry = sync.put(entry_model, {"version": version, "name_zh": item["name_zh"]}, {
            "item_no": item["item_no"], "name_en": item.get("name_en", ""),
            "types": item.get("types", []), "status": item.get("status", ""),
            "confidence": grade(item.get("confidence")), "sources": item.get("sources", []),
        })
        if entry.kind_id is None and by_item.get(item["item_no"]) is not None:
            entry.kind = by_item[item["item_no"]]
            entry.save(update_fields=["kind"])


def _load_rules(rule_model, kinds: dict, sync: _Sync) -> None:
    """The period rules of verification_periods.json, in order; one the data no longer gives
    and no one reviewed is removed."""
    wanted = set()
    for position, rule in enumerate(load_rules()):
        wanted.add(rule.id)
        sync.put(rule_model, {"code": rule.id}, {
            "kind": kinds[rule.kind], "position": position, "regulations": list(rule.regulations),
            "when": dict(rule.when), "mode": rule.mode, "period_months": rule.period_months,
            "life_years": rule.life_years, "confidence": rule.confidence, "note": rule.note,
        })
    stale = rule_model.objects.filter(reviewed_at__isnull=True).exclude(code__in=wanted)
    sync.changed += stale.delete()[0]


def _load_regulations(regulation_model, kinds: dict, editions: list[dict], legacy: dict,
                      sync: _Sync) -> None:
    periods = {}
    for item in legacy["instruments"]:
        for jjg in item.get("jjg", []):
            for code in (c.strip() for c in jjg["code"].split("/")):
                periods[code] = jjg.get("period_note", "")
    sources = [edition_rules.Source(
        code=e["code"], kinds=tuple(e["kinds"]), effective_on=_date(e.get("effective")),
        replaces=tuple(e.get("replaces", ())), transition_months=e.get("transition_months"),
        confidence=e.get("dates_confidence", "low")) for e in editions]
    chain = edition_rules.withdrawals(sources)
    wanted = set()
    for e in editions:
        withdrawn_on, replaced_by, transition_until = chain[e["code"]]
        for kind_code in e["kinds"]:
            wanted.add((kind_code, e["code"]))
            sync.put(regulation_model, {"kind": kinds[kind_code], "code": e["code"]}, {
                "title_zh": e["title_zh"], "title_en": e.get("title_en", ""),
                "issued_on": _date(e.get("issued")), "effective_on": _date(e.get("effective")),
                "withdrawn_on": withdrawn_on, "transition_until": transition_until,
                "replaces": e.get("replaces_text", "")[:200], "replaced_by": replaced_by,
                "is_current": not replaced_by, "confidence": e.get("dates_confidence", ""),
                "period_note": e.get("period_text") or periods.get(e["code"], ""),
                "note": e.get("note", ""), "sources": e.get("sources", []),
            })
    for reg in regulation_model.objects.filter(reviewed_at__isnull=True).select_related("kind"):
        if (reg.kind.code, reg.code) not in wanted:
            reg.delete()
            sync.changed += 1


def _load_2020(entry_model, version, kinds: dict, kinds_data: dict, legacy: dict,
               catalogues: dict, sync: _Sync) -> None:
    """The 2020 entries: the confirmed first-level names and the unconfirmed ones, each graded."""
    for item in catalogues["catalogue_2020"]:
        sync.put(entry_model, {"version": version, "name_zh": item["category_zh"]}, {
            "supervision": item.get("supervision") or "",
            "listed": True if item["confidence"] in ("high", "medium") else None,
            "confidence": grade(item["confidence"]),
            "note": "\n".join(filter(None, [item.get("scope_requirements") or "",
                                            item.get("remarks") or "", item.get("note") or ""])),
            "sources": item.get("source", []),
        })
    for item in legacy["catalog_2020_entries_confirmed"]:
        entry_model.objects.get_or_create(version=version, name_zh=item["entry_zh"], defaults={
            "listed": item.get("confirmed_listed"), "confidence": "high",
            "sources": [item["source"]] if item.get("source") else [],
        })
    for item in kinds_data["kinds"]:
        name = (item.get("items") or {}).get("2020")
        if not name:
            continue
        extra = next((i.get("catalog_2020") or {} for i in legacy["instruments"]
                      if i["id"] == item["code"]), {})
        entry, created = entry_model.objects.get_or_create(version=version, name_zh=name, defaults={
            "listed": extra.get("listed"), "supervision": extra.get("supervision", ""),
            "confidence": grade(extra.get("confidence")) or "low",
        })
        sync.changed += created
        if entry.kind_id is None and entry.reviewed_at is None:
            entry.kind = kinds[item["code"]]
            entry.save(update_fields=["kind"])


def load_current_catalogue() -> int:
    return load_catalogue(lambda name: apps.get_model("catalog", name))
