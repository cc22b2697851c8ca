"""An instrument event counts once: unique on (instrument, time, kind), which also serves the
reads the (instrument, time) index served; a batch reports its duplicates; each instrument's
``last_event_at`` becomes the time of its latest event on file (the ingest looks up only the
events no later than it)."""

from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery


def latest_event_times(apps, schema_editor):
    DeviceState = apps.get_model("monitoring", "DeviceState")
    Event = apps.get_model("monitoring", "Event")
    latest = (Event.objects.filter(instrument_id=OuterRef("instrument_id")).order_by()
              .values("instrument_id").annotate(last=Max("occurred_at")).values("last"))
    DeviceState.objects.update(last_event_at=Subquery(latest))


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0002_events_append_only'),
        ('registry', '0014_impact_covering_index'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='event',
            constraint=models.UniqueConstraint(fields=('instrument', 'occurred_at', 'kind'), name='monitoring_event_once'),
        ),
        migrations.RemoveIndex(
            model_name='event',
            name='monitoring_event_inst',
        ),
        migrations.AddField(
            model_name='eventbatch',
            name='duplicates',
            field=models.PositiveIntegerField(default=0, verbose_name='duplicates'),
        ),
        migrations.RunPython(latest_event_times, migrations.RunPython.noop),
    ]
