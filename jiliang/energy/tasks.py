"""Background work of the energy app (django-tasks)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from jiliang.energy import partitions
from jiliang.rules.months import next_month


@task()
def partitions_ahead(months: int = 3) -> list[str]:
    """Create the readings partitions of this month and the next ones (PostgreSQL)."""
    month = timezone.localdate().replace(day=1)
    wanted = []
    for _i in range(months):
        wanted.append(month)
        month = next_month(month)
    return partitions.ensure(wanted)
