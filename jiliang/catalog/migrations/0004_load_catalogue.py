from django.db import migrations

from jiliang.catalog.reference import load_catalogue


def forwards(apps, schema_editor):
    load_catalogue(lambda name: apps.get_model("catalog", name))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_editions_and_kinds")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
