"""Benchmark: the QR label sheet, the old way (platypus tables of vector QR widgets, as it was
until issue 15) against the sheet drawn straight onto the canvas (``labels_pdf``).

    .venv/bin/python bench/registry_labels.py --labels 303 [--runs 3]

No database: the instruments are built in memory (a kind, an owner, a serial and a public
code each), so the figures are the PDF's alone. Both sheets carry every label. Last line:
`speedup=<old/new> old_s=<s> new_s=<s> labels=<n> pages=<n>`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")

import django  # noqa: E402

django.setup()

from reportlab.lib.units import mm  # noqa: E402
from reportlab.platypus import Paragraph, Table, TableStyle  # noqa: E402

from jiliang.core.pdf import Document, qr_drawing  # noqa: E402
from jiliang.registry.documents import LABELS_PER_PAGE, instrument_url, labels_pdf  # noqa: E402


def old_labels_pdf(instruments) -> bytes:
    """The sheet as it was made before: one platypus table cell per label."""
    doc = Document(title="计量器具身份证", subtitle="Instrument ID labels · 扫码查看检定状态")
    style = doc.styles["cell"]
    cells = []
    for inst in instruments:
        text = (f"{escape(inst.kind.name_zh)}<br/>出厂编号 {escape(inst.serial_number)}<br/>"
                f"{escape(inst.owner.name)}<br/><font size=7>{inst.public_code}</font>")
        cells.append([qr_drawing(instrument_url(inst), 30 * mm), Paragraph(text, style)])
    rows = [cells[i:i + 3] for i in range(0, len(cells), 3)]
    rows[-1] += [""] * (3 - len(rows[-1]))
    table = Table([[Table([[c[0]], [c[1]]]) if c else "" for c in row] for row in rows],
                  colWidths=[56 * mm] * 3)
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.3, "#999999"),
                               ("INNERGRID", (0, 0), (-1, -1), 0.3, "#999999"),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    doc.flowable(table)
    return doc.render()


def instruments(n: int) -> list:
    kind = SimpleNamespace(name_zh="数字指示秤")
    owner = SimpleNamespace(name="广州艾克米衡器有限公司")
    return [SimpleNamespace(kind=kind, owner=owner, serial_number=f"ACS-{i:06d}",
                            public_code=f"4401{i:08d}X") for i in range(n)]


def timed(fn, items, runs: int) -> tuple[float, bytes]:
    times, data = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        data = fn(items)
        times.append(time.perf_counter() - start)
    return statistics.median(times), data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=int, default=303)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    items = instruments(args.labels)
    old_s, old = timed(old_labels_pdf, items, args.runs)
    new_s, new = timed(labels_pdf, items, args.runs)
    pages = -(-args.labels // LABELS_PER_PAGE)
    print(f"old sheet: {old_s:.2f} s, {len(old) / 1024:.0f} KiB")
    print(f"new sheet: {new_s:.3f} s, {len(new) / 1024:.0f} KiB, {pages} pages")
    print(f"speedup={old_s / new_s:.1f} old_s={old_s:.2f} new_s={new_s:.3f} "
          f"labels={args.labels} pages={pages}")


if __name__ == "__main__":
    main()
