"""Make an Ed25519 key pair for a unit's gateway: the private key stays in the gateway."""

from django.core.management.base import BaseCommand

from jiliang.energy import signing


class Command(BaseCommand):
    help = "Print a new Ed25519 key pair (base64) for an energy gateway."

    def add_arguments(self, parser):
        parser.add_argument("--seed", help="derive the pair from this text (demo gateways use "
                            "demo-<unit code>); without it the pair is random")

    def handle(self, *args, seed=None, **options):
        private, public = (signing.keypair_from_seed(seed.encode()) if seed
                           else signing.new_keypair())
        self.stdout.write(f"private (keep in the gateway): {private}")
        self.stdout.write(f"public  (register on the unit): {public}")
