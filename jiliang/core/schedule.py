"""Daily background work: each app lists task paths in ``daily_tasks`` on its AppConfig.

The ``scheduler`` command enqueues each once a day (after JILIANG_DAILY_HOUR,
local time) on the django-tasks queue that the ``db_worker`` drains. The
(task, date) row makes the enqueue idempotent, so two schedulers never
double a day's work.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from jiliang.core.models import ScheduledRun


def daily_task_paths() -> list[str]:
    paths = []
    for label in settings.JILIANG_APPS:
        config = apps.get_app_config(label.rsplit(".", 1)[-1])
        paths.extend(getattr(config, "daily_tasks", ()))
    return paths


def enqueue_due(now: datetime.datetime | None = None, *, force: bool = False) -> list[str]:
    """Enqueue the daily tasks not yet run today; returns the paths enqueued."""
    now = timezone.localtime(now or timezone.now())
    if not force and now.hour < getattr(settings, "JILIANG_DAILY_HOUR", 2):
        return []
    done = []
    for path in daily_task_paths():
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(task=path, run_on=now.date())
                import_string(path).enqueue()
        except IntegrityError:
            continue
        done.append(path)
    return done
