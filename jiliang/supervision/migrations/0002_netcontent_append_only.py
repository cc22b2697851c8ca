from django.db import migrations

from jiliang.audit.operations import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [AppendOnly("supervision_netcontentrecord")]
