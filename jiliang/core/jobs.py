"""Jobs whose worker died: found when a worker starts and marked failed, "interrupted".

A job table records which worker runs a job (``host:pid``) and when it last made progress.
At a worker's start (``manage.py task_worker``, which ``make run`` and ``manage.py serve``
use) every app's ``interrupted_jobs`` hook (dotted paths to services on its AppConfig)
is called with ``is_dead``: a job of this machine is dead when its process is gone (or its
pid is the starting worker's own: the old process is gone and the number reused); a job of
another machine when it has made no progress for ``JILIANG_JOB_STALE_MINUTES`` (15).
"""

from __future__ import annotations

import datetime
import os
import socket

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


def current_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(minutes=int(getattr(settings, "JILIANG_JOB_STALE_MINUTES", 15)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def is_dead(worker: str, heartbeat_at: datetime.datetime | None, *,
            now: datetime.datetime | None = None, starting: bool = True) -> bool:
    """Whether the worker that holds a running job is gone."""
    host, _, pid = (worker or "").rpartition(":")
    now = now or timezone.now()
    if host == socket.gethostname() and pid.isascii() and pid.isdigit():
        if starting and int(pid) == os.getpid():
            return True
        return not _alive(int(pid))
    return heartbeat_at is None or now - heartbeat_at > stale_after()


def fail_interrupted(*, starting: bool = True) -> dict[str, int]:
    """Call every app's ``interrupted_jobs`` services; {service path: jobs marked failed}."""
    now = timezone.now()
    counts = {}
    for config in apps.get_app_configs():
        for path in getattr(config, "interrupted_jobs", ()):
            service = import_string(path)
            counts[path] = service(is_dead=lambda worker, beat: is_dead(
                worker, beat, now=now, starting=starting))
    return counts
