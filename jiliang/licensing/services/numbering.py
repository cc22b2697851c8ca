"""Numbers of applications, acceptance vouchers and licences, from gapless series."""

from __future__ import annotations

import datetime

from jiliang.licensing.models import (
    Application,
    Licence,
    Sequence,
)
from jiliang.rules import licensing as rules

# --- numbering ------------------------------------------------------------------------------


def next_in(series: str, start: int = 1) -> int:
    Sequence.objects.bulk_create([Sequence(name=series, last=start - 1)], ignore_conflicts=True)
    row = Sequence.objects.select_for_update().get(name=series)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def application_number(app: Application, on: datetime.date) -> str:
    seq = next_in(f"application:{app.authority_code}:{on.year}")
    return f"SQ{app.authority_code}{on.year}{seq:06d}"


def voucher_number(app: Application, on: datetime.date) -> str:
    seq = next_in(f"voucher:{app.authority_code}:{on.year}")
    return f"SL{app.authority_code}{on.year}{seq:06d}"


def licence_number(lt: rules.LicenceType, *, authority: str, issued: datetime.date,
                    letter: str) -> str:
    series = rules.number_series(lt, authority=authority, issued=issued, letter=letter)
    while True:
        seq = next_in(series, lt["number"].get("start", 1))
        number = rules.format_number(lt, seq, authority=authority, issued=issued, letter=letter)
        if not Licence.objects.filter(number=number).exists():  # a recorded old number
            return number

