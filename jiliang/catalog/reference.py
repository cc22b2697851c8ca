"""Loading the catalogue from the reference files (jiliang/rules/data, sources kept).

Idempotent: what exists is left as it is, so the national administrator's
edits in the admin survive a reload. Migrations call ``load_catalogue`` with
historical models; ``load_current_catalogue`` uses the current ones.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable

from jiliang.rules.verification import DATA, load_rules

CATALOGUE = DATA / "verification_catalog.json"

USE_CODES = {"贸易结算": "trade", "安全防护": "safety", "医疗卫生": "medical", "环境监测": "environment"}
SIZE_PARAMS = {"water_meter": "DN", "gas_meter": "G"}
UTILITY_METERS = {"electricity_meter", "water_meter", "gas_meter", "heat_meter"}
# Dates of the versions: the 明细目录 was published by 国家计量局 on 1987-05-28 (regimes[0].sources);
# the 2020 catalogue was published 2020-10-26/28 (regimes[2].issued) and replaced the 1987 list.
VERSION_DATES = {
    "1987": (datetime.date(1987, 5, 28), datetime.date(2020, 10, 25)),
    "2019": (None, None),
    "2020": (datetime.date(2020, 10, 26), None),
}
_OPEN_ENDED = re.compile(r"^\d{4}(-\d\d-\d\d)?-\s*($|\()")


def read_catalogue() -> dict:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


def is_current(in_force: str) -> bool:
    """An edition whose in-force text is open-ended ("2016-", "current ...")."""
    text = in_force.strip()
    return text.startswith("current") or bool(_OPEN_ENDED.match(text))


def uses_of(fields: list[str]) -> list[str]:
    out = []
    for name in fields:
        for zh, code in USE_CODES.items():
            if name.startswith(zh) and code not in out:
                out.append(code)
    return out


def load_catalogue(model: Callable[[str], type]) -> int:
    """Insert what is missing; returns the number of rows added."""
    version_model, entry_model = model("CatalogueVersion"), model("CatalogueEntry")
    kind_model, regulation_model, rule_model = (model("InstrumentKind"), model("Regulation"),
                                                model("PeriodRule"))
    data = read_catalogue()
    added = 0

    versions = {}
    for regime in data["regimes"]:
        start, end = VERSION_DATES.get(regime["id"], (None, None))
        version, created = version_model.objects.get_or_create(code=regime["id"], defaults={
            "name_zh": regime["name_zh"], "issued": regime.get("issued", ""),
            "in_force_from": start, "in_force_until": end,
            "summary": "\n".join(filter(None, [regime.get("scope", ""), regime.get("size", ""),
                                               regime.get("implementation_rule", ""),
                                               regime.get("note", ""), *regime.get("rules", [])])),
            "warning": regime.get("warning", ""), "sources": regime.get("sources", []),
        })
        versions[regime["id"]] = version
        added += created

    kinds = {}
    for item in data["instruments"]:
        code = item["id"]
        mode = item.get("management_mode", {})
        c2020 = item.get("catalog_2020") or {}
        kind, created = kind_model.objects.get_or_create(code=code, defaults={
            "name_zh": item["name_zh"], "name_en": item.get("name_en", ""),
            "category": item.get("category", ""), "uses": uses_of(item.get("usage_fields", [])),
            "size_param": SIZE_PARAMS.get(code, ""), "is_utility_meter": code in UTILITY_METERS,
            "mode_1991": mode.get("1991", mode.get("2008_practice", "")),
            "mode_2020": mode.get("2020", ""),
            "supervision_2020": c2020.get("supervision", ""),
            "notes": "\n".join(filter(None, [c2020.get("mode_note", ""), item.get("record_notes", ""),
                                             item.get("jjg_1099_note", "")])),
        })
        kinds[code] = kind
        added += created
        for jjg in item.get("jjg", []):
            for edition in (c.strip() for c in jjg["code"].split("/")):
                _reg, created = regulation_model.objects.get_or_create(kind=kind, code=edition, defaults={
                    "title_zh": jjg.get("title_zh", ""), "title_en": jjg.get("title_en", ""),
                    "in_force": jjg.get("in_force", ""), "is_current": is_current(jjg.get("in_force", "")),
                    "period_note": jjg.get("period_note", ""), "confidence": jjg.get("confidence", ""),
                    "sources": jjg.get("sources", []),
                })
                added += created

    by_item = {i["catalog_1987"].get("item_no"): i["id"] for i in data["instruments"]
               if i.get("catalog_1987", {}).get("item_no")}
    for item in data["catalog_1987"]:
        _entry, created = entry_model.objects.get_or_create(version=versions["1987"], name_zh=item["name_zh"],
                                                      defaults={
            "item_no": item["item_no"], "name_en": item.get("name_en", ""),
            "types": item.get("types", []), "status": item.get("status", ""),
            "confidence": item.get("confidence", ""), "sources": item.get("sources", []),
            "kind": kinds.get(by_item.get(item["item_no"])),
        })
        added += created
    for item in data["catalog_2020_entries_confirmed"]:
        _entry, created = entry_model.objects.get_or_create(version=versions["2020"], name_zh=item["entry_zh"],
                                                      defaults={
            "listed": item.get("confirmed_listed"), "confidence": "high",
            "sources": [item["source"]] if item.get("source") else [],
        })
        added += created
    for item in data["instruments"]:
        c2020 = item.get("catalog_2020") or {}
        if not c2020.get("entry_zh"):
            continue
        entry, created = entry_model.objects.get_or_create(version=versions["2020"], name_zh=c2020["entry_zh"],
                                                     defaults={
            "listed": c2020.get("listed"), "supervision": c2020.get("supervision", ""),
            "confidence": c2020.get("confidence", ""),
        })
        added += created
        if entry.kind_id is None:
            entry.kind = kinds[item["id"]]
            if not entry.supervision:
                entry.supervision = c2020.get("supervision", "")
            entry.save()

    for position, rule in enumerate(load_rules()):
        _rule, created = rule_model.objects.get_or_create(code=rule.id, defaults={
            "kind": kinds[rule.kind], "position": position, "regulations": list(rule.regulations),
            "when": dict(rule.when), "mode": rule.mode, "period_months": rule.period_months,
            "life_years": rule.life_years, "confidence": rule.confidence, "note": rule.note,
        })
        added += created
    return added


def load_current_catalogue() -> int:
    from django.apps import apps

    return load_catalogue(lambda name: apps.get_model("catalog", name))
