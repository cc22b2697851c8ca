from django.db import migrations

from jiliang.core.regions import load_regions


def forwards(apps, schema_editor):
    load_regions(apps.get_model("core", "Region"))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
