"""Background work of the energy app (django-tasks)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from jiliang.energy import partitions


@task()
def partitions_ahead(months: int = 3) -> list[str]:
    """Create the readings partitions of this month and the next ones (PostgreSQL)."""
    month = timezone.localdate().replace(day=1)
    wanted = []
    for _i in range(months):
        wanted.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return partitions.ensure(wanted)
