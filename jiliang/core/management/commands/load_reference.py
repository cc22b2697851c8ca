"""Bring the reference data (divisions, catalogue, regulations, period rules) in line with the data
files. Idempotent; rows a national administrator confirmed or corrected are left as they are."""

from django.core.management.base import BaseCommand
from django.db import transaction

from jiliang.core.reference import load_reference_data


class Command(BaseCommand):
    help = "Load the reference data files into the database (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            load_reference_data()
        self.stdout.write("reference data loaded")
