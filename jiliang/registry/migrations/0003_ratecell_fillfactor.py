from django.db import migrations


def forwards(apps, schema_editor):
    # Rate cells are updated in place all day: room on each page keeps the updates HOT
    # (no new index entries, since no indexed column changes).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_ratecell SET (fillfactor = 50)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_ratecell RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_records_append_only")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
