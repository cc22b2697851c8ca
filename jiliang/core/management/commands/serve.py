"""Serve Jiliang for real: gunicorn, the task workers and the scheduler, each its own process.

What `make serve` runs. Production settings (``JILIANG_ENV=production``) unless told otherwise;
the demo is never loaded. The processes are watched: when one of them dies the others are
stopped and the command exits non-zero, so a supervisor (systemd) restarts the whole set.
On one machine this is the whole site; on several, deploy/ has a unit per process kind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Migrate, collect static files, then run gunicorn (JILIANG_WEB_WORKERS × "
            "JILIANG_WEB_THREADS), JILIANG_TASK_WORKERS task workers and the scheduler.")

    def add_arguments(self, parser):
        parser.add_argument("--skip-setup", action="store_true",
                            help="do not migrate or collect static files first")
        parser.add_argument("--no-scheduler", action="store_true",
                            help="another machine runs the scheduler")

    def handle(self, *args, skip_setup=False, no_scheduler=False, **options):
        if not settings.PRODUCTION:
            self.stderr.write("note: JILIANG_ENV is not 'production'; serving development settings")
        multiproc = os.environ.setdefault(
            "PROMETHEUS_MULTIPROC_DIR", str(settings.VAR_DIR / "prometheus"))
        shutil.rmtree(multiproc, ignore_errors=True)
        os.makedirs(multiproc, exist_ok=True)
        if not skip_setup:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:jiliang.gunicorn_conf",
                    "jiliang.wsgi:application"]
        commands = [("web", gunicorn)]
        commands += [(f"tasks-{i + 1}", [*manage, "task_worker"])
                     for i in range(settings.JILIANG_TASK_WORKERS)]
        if not no_scheduler:
            commands.append(("scheduler", [*manage, "scheduler"]))
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for name, argv in commands:
            children[name] = subprocess.Popen(argv, cwd=settings.BASE_DIR)
        self.stdout.write(
            f"serving on {settings.JILIANG_WEB_BIND}: gunicorn {settings.JILIANG_WEB_WORKERS} "
            f"worker(s) × {settings.JILIANG_WEB_THREADS} thread(s), "
            f"{settings.JILIANG_TASK_WORKERS} task worker(s) "
            f"({settings.TASKS['default']['BACKEND'].split('.')[0]}), "
            f"scheduler {'elsewhere' if no_scheduler else 'here'}; Ctrl-C stops all")
        self.stdout.flush()
        failed = None
        while not stopping and failed is None:
            time.sleep(0.5)
            failed = next((n for n, p in children.items() if p.poll() is not None), None)
        for process in children.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        if failed is not None:
            self.stderr.write(f"{failed} exited with {children[failed].returncode}; stopped the rest")
            sys.exit(1)
