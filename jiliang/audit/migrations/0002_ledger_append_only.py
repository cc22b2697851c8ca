from django.db import migrations

from jiliang.audit.operations import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [AppendOnly("audit_ledgerentry")]
