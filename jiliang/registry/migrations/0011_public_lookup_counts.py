"""Public look-ups counted per day and object instead of a row per request."""

from collections import Counter

from django.db import migrations, models
from django.utils import timezone


def aggregate(apps, schema_editor):
    PublicLookup = apps.get_model("registry", "PublicLookup")
    counts: Counter = Counter()
    for at, page, code, found in PublicLookup.objects.values_list("at", "page", "code", "found"):
        counts[(timezone.localdate(at), page, code[:60] if found else "", found)] += 1
    PublicLookup.objects.all().delete()
    PublicLookup.objects.bulk_create(
        [PublicLookup(at=timezone.now(), day=day, page=page, code=code, found=found, count=n)
         for (day, page, code, found), n in counts.items()], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("registry", "0010_import_job_worker")]

    operations = [
        migrations.AddField("publiclookup", "day", models.DateField("day", null=True)),
        migrations.AddField("publiclookup", "count",
                            models.PositiveBigIntegerField("look-ups", default=0)),
        migrations.RunPython(aggregate, migrations.RunPython.noop),
        migrations.RemoveField("publiclookup", "at"),
        migrations.AlterField("publiclookup", "day", models.DateField("day")),
        migrations.AlterField("publiclookup", "code",
                              models.CharField("code", blank=True, max_length=60)),
        migrations.AddConstraint("publiclookup", models.UniqueConstraint(
            fields=["day", "page", "code", "found"], name="registry_lookup_day_object")),
    ]
