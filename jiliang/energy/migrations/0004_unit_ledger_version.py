from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("energy", "0003_daily_fillfactor")]

    operations = [
        migrations.AddField(
            model_name="energyunit",
            name="ledger_version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
