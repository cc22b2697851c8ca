from django.db import migrations

from jiliang.audit.operations import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [AppendOnly("registry_verificationrecord")]
