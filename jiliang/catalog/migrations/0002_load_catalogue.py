from django.db import migrations

# The catalogue is loaded by the latest load migration (0004), with the fields it needs; on a
# database that ran this migration before, 0004 brings the rows in line with the data.


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
