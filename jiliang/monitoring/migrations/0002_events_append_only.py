from django.db import migrations

from jiliang.audit.operations import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [AppendOnly("monitoring_event")]
