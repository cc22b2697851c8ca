"""Loading the GB/T 2260 table from core/data/regions.csv (source and licence in regions.json)."""

from __future__ import annotations

import csv
from pathlib import Path

from jiliang.core.models import Region

DATA = Path(__file__).resolve().parent / "data" / "regions.csv"


def read_regions(path: Path = DATA) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_regions(region_model, path: Path = DATA) -> int:
    """Insert or update every division, parents before children. Idempotent."""
    rows = sorted(read_regions(path), key=lambda r: int(r["level"]))
    existing = set(region_model.objects.values_list("code", flat=True))
    new = [
        region_model(code=r["code"], name=r["name"], level=int(r["level"]),
                     parent_id=r["parent"] or None)
        for r in rows if r["code"] not in existing
    ]
    region_model.objects.bulk_create(new, batch_size=1000)
    return len(new)


def load_current_regions() -> int:
    return load_regions(Region)
