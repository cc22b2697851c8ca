"""Room in each page of the daily figures, so the upserts at ingest update in place (HOT)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE energy_dailyenergy SET (fillfactor = 70)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE energy_dailyenergy RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [("energy", "0002_readings")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
