"""Subscribe to the gateways' MQTT topics and ingest the signed event batches that arrive."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from jiliang.monitoring import conf
from jiliang.monitoring.mqtt import Worker


class Command(BaseCommand):
    help = ("Ingest instrument event batches published over MQTT (topic "
            "<prefix>/<gateway code>/batches; answers on <prefix>/<gateway code>/ack).")

    def add_arguments(self, parser):
        settings = conf.mqtt()
        parser.add_argument("--host", default=settings["host"])
        parser.add_argument("--port", type=int, default=settings["port"])
        parser.add_argument("--prefix", default=settings["prefix"])
        parser.add_argument("--client-id", default="jiliang-monitoring-ingest",
                            help="unique per worker")
        parser.add_argument("--share", default=None, metavar="GROUP",
                            help="share the topic with the other workers of GROUP "
                                 "(each batch goes to one of them)")

    def handle(self, *args, host, port, prefix, client_id, share, **options):
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_a: stop.set())
        self.stdout.write(f"instrument event ingest worker: mqtt://{host}:{port} "
                          f"{prefix}/+/batches" + (f" (shared by group {share})" if share else ""))
        worker = Worker(host=host, port=port, prefix=prefix, client_id=client_id, share=share)
        worker.run(stop)
        if worker.refused is not None:
            raise CommandError(f"the broker refused the worker (reason code {worker.refused}): "
                               "check JILIANG_MQTT_USERNAME / JILIANG_MQTT_PASSWORD or the "
                               "client certificate")
        self.stdout.write(f"stopped after {worker.handled} message(s)")
