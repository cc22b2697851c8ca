"""Bring the reference data (divisions, holiday notices, catalogue, regulations, period rules) in
line with the data files. Idempotent; rows a national administrator confirmed or corrected are
left as they are; each loader that changed rows writes a ledger entry."""

from django.core.management.base import BaseCommand

from jiliang.core.reference import reference_refresh


class Command(BaseCommand):
    help = "Load the reference data files into the database (idempotent)."

    def handle(self, *args, **options):
        changed = reference_refresh(actor=None)
        for path, count in changed.items():
            self.stdout.write(f"{path}: {count} row(s) added or changed")
        self.stdout.write(f"reference data loaded: {sum(changed.values())} row(s) added or changed")
