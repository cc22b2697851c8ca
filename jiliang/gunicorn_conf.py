"""gunicorn's configuration, taken from the Django settings (``JILIANG_WEB_*``).

Used by ``manage.py serve`` and deploy/jiliang-web.service:
``gunicorn -c python:jiliang.gunicorn_conf jiliang.wsgi``.
"""

import gc
import os

import django
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
django.setup()

bind = settings.JILIANG_WEB_BIND.split(",")
workers = settings.JILIANG_WEB_WORKERS
threads = settings.JILIANG_WEB_THREADS
worker_class = "gthread"
timeout = settings.JILIANG_WEB_TIMEOUT
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (a slow leak cannot grow without bound).
max_requests = 10_000
max_requests_jitter = 1_000
# The proxy in front (deploy/nginx.conf) logs requests; ours go as JSON through Django's
# logging (jiliang.request, with the request id). gunicorn's own errors go to stderr.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("JILIANG_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "jiliang-web"


def post_worker_init(worker):
    """Once the worker has loaded the site, its objects (modules, URLs, settings, the app) are
    moved out of the collector's reach: a full collection then walks only what requests make,
    not the whole site (on the 10^6 database a full collection of an unfrozen process paused
    a request for ~150 ms; bench/README.md, "Page sweep"), and the pages stay shared after
    the fork instead of being copied when the collector touches them."""
    gc.collect()
    gc.freeze()


def child_exit(server, worker):
    """A dead worker's Prometheus files stop counting as live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
