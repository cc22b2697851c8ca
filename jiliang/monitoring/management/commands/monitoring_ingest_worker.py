"""Subscribe to the gateways' MQTT topics and ingest the signed event batches that arrive."""

from jiliang.core.management.ingest_worker import IngestWorkerCommand
from jiliang.monitoring import conf
from jiliang.monitoring.mqtt import Worker


class Command(IngestWorkerCommand):
    help = ("Ingest instrument event batches published over MQTT (topic "
            "<prefix>/<gateway code>/batches; answers on <prefix>/<gateway code>/ack).")
    settings = staticmethod(conf.mqtt)
    worker = Worker
    client_id = "jiliang-monitoring-ingest"
    title = "instrument event ingest worker"
    topic = "batches"
