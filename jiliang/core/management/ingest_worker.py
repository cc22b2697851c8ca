"""The MQTT ingest workers' command (``energy_ingest_worker``, ``monitoring_ingest_worker``):
subscribe to ``<prefix>/+/<topic>``, ingest what arrives until SIGINT or SIGTERM, say why the
broker refused the worker. Each app's command names its settings, worker and topic."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError


class IngestWorkerCommand(BaseCommand):
    settings: Callable[[], dict]  # the app's conf.mqtt(): host, port, prefix
    worker: type  # a core.signed_batches.MqttWorker
    client_id: str
    title: str  # what the worker ingests, for its first line
    topic: str  # the last level of the topics it subscribes to

    def add_arguments(self, parser):
        settings = self.settings()
        parser.add_argument("--host", default=settings["host"])
        parser.add_argument("--port", type=int, default=settings["port"])
        parser.add_argument("--prefix", default=settings["prefix"])
        parser.add_argument("--client-id", default=self.client_id, help="unique per worker")
        parser.add_argument("--share", default=None, metavar="GROUP",
                            help="share the topic with the other workers of GROUP "
                                 "(each batch goes to one of them)")

    def handle(self, *args, host, port, prefix, client_id, share, **options):
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_a: stop.set())
        self.stdout.write(f"{self.title}: mqtt://{host}:{port} {prefix}/+/{self.topic}"
                          + (f" (shared by group {share})" if share else ""))
        worker = self.worker(host=host, port=port, prefix=prefix, client_id=client_id,
                             share=share)
        worker.run(stop)
        if worker.refused is not None:
            raise CommandError(f"the broker refused the worker (reason code {worker.refused}): "
                               "check JILIANG_MQTT_USERNAME / JILIANG_MQTT_PASSWORD or the "
                               "client certificate")
        self.stdout.write(f"stopped after {worker.handled} message(s)")
