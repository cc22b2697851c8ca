"""Background work of the licensing app, enqueued daily by ``manage.py scheduler``."""

from __future__ import annotations

from django_tasks import task

from jiliang.licensing import services


@task()
def licensing_daily() -> dict[str, int]:
    """Deemed acceptances and renewals, risk flags, expiries and renewal reminders."""
    return services.licensing_daily()
