"""One background task worker for whichever queue is configured (JILIANG_TASKS_BACKEND).

``database``: django-tasks-db's ``db_worker`` (all queues). ``rq``: an RQ worker on Redis with
django-tasks' job class. Before it starts, the jobs a dead worker left running are marked
failed, "interrupted" (``jiliang.core.jobs``). Run as many as the work needs, on as many machines (the RQ queue and
the database queue both hand each task to one worker).
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from jiliang.core.jobs import fail_interrupted


def worker_argv(name: str | None = None) -> list[str]:
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    if settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq"):
        argv = [*manage, "rqworker", "--job-class", "django_tasks_rq.Job"]
        if name:
            argv += ["--name", name]
        return [*argv, "default"]
    argv = [*manage, "db_worker", "--queue-name", "*", "--no-reload"]
    if name:
        argv += ["--worker-id", name]
    return argv


class Command(BaseCommand):
    help = "Run one background task worker for the configured queue (database or Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--name", help="the worker's name (default: chosen by the queue)")

    def handle(self, *args, name=None, **options):
        # Jobs a dead worker left running are failed, "interrupted", before this one takes work
        # (this process becomes the worker: execv keeps its pid).
        for service, count in fail_interrupted().items():
            if count:
                self.stdout.write(f"interrupted jobs marked failed: {count} ({service})")
        argv = worker_argv(name)
        self.stdout.write("task worker: " + " ".join(argv[2:]))
        self.stdout.flush()
        os.execv(argv[0], argv)
