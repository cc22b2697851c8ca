from django.db import migrations

from jiliang.audit.operations import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0001_initial")]

    operations = [
        AppendOnly("enforcement_caseevent"),
    ]
