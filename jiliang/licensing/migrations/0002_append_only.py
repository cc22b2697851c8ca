from django.db import migrations

from jiliang.audit.operations import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_initial")]

    operations = [
        AppendOnly("licensing_applicationevent"),
        AppendOnly("licensing_licenceevent"),
    ]
