"""Subscribe to the units' MQTT topics and ingest the signed batches that arrive."""

from jiliang.core.management.ingest_worker import IngestWorkerCommand
from jiliang.energy import conf
from jiliang.energy.mqtt import Worker


class Command(IngestWorkerCommand):
    help = ("Ingest meter readings published over MQTT (topic <prefix>/<unit code>/readings; "
            "answers on <prefix>/<unit code>/ack).")
    settings = staticmethod(conf.mqtt)
    worker = Worker
    client_id = "jiliang-energy-ingest"
    title = "energy ingest worker"
    topic = "readings"
