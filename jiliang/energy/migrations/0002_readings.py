"""The readings table: an ordinary table on SQLite, partitioned by month on PostgreSQL.

The ORM's view of the table (the state) is the same on both; only the database
operation differs. On PostgreSQL:

- the table is ``PARTITION BY RANGE (read_at)``, one partition per local month
  (``energy_reading_pYYYYMM``, created on demand by ``jiliang.energy.partitions``)
  and a default partition as a safety net;
- the primary key is (id, read_at) and the per-meter key (meter_id, read_at), since a
  partitioned table's unique indexes must include the partition key; the chain order
  (chain_key, chain_seq) has a plain index, its uniqueness kept by the chain head lock;
- ``id`` takes its values from a sequence (identity columns on partitioned tables need
  PostgreSQL 17).
"""

import django.db.models.deletion
from django.db import migrations, models

from jiliang.audit.operations import AppendOnly

POSTGRESQL = """
CREATE SEQUENCE energy_reading_id_seq;
CREATE TABLE energy_reading (
    id bigint NOT NULL DEFAULT nextval('energy_reading_id_seq'),
    chain_key varchar(64) NOT NULL,
    chain_seq bigint NOT NULL,
    prev_hash varchar(64) NOT NULL,
    row_hash varchar(64) NOT NULL,
    region_code varchar(6) NOT NULL,
    read_at timestamp with time zone NOT NULL,
    value numeric(15, 3) NOT NULL,
    meter_id bigint NOT NULL,
    unit_id bigint NOT NULL,
    batch_id bigint NOT NULL,
    PRIMARY KEY (id, read_at)
) PARTITION BY RANGE (read_at);
ALTER SEQUENCE energy_reading_id_seq OWNED BY energy_reading.id;
CREATE UNIQUE INDEX energy_reading_meter_time_uniq ON energy_reading (meter_id, read_at);
CREATE INDEX energy_reading_chain_idx ON energy_reading (chain_key, chain_seq);
CREATE TABLE energy_reading_default PARTITION OF energy_reading DEFAULT;
"""


def create_readings(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    else:
        schema_editor.create_model(apps.get_model("energy", "Reading"))


def drop_readings(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS energy_reading CASCADE", params=None)
    else:
        schema_editor.delete_model(apps.get_model("energy", "Reading"))


class Migration(migrations.Migration):

    dependencies = [
        ("energy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Reading",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("chain_key", models.CharField(editable=False, max_length=64)),
                        ("chain_seq", models.BigIntegerField(editable=False)),
                        ("prev_hash", models.CharField(editable=False, max_length=64)),
                        ("row_hash", models.CharField(editable=False, max_length=64)),
                        ("region_code", models.CharField(max_length=6)),
                        ("read_at", models.DateTimeField(verbose_name="time")),
                        ("value", models.DecimalField(decimal_places=3, max_digits=15, verbose_name="register value")),
                        ("meter", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="energy.meter")),
                        ("unit", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="energy.energyunit")),
                        ("batch", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="energy.readingbatch")),
                    ],
                    options={
                        "verbose_name": "reading",
                        "verbose_name_plural": "readings",
                        "abstract": False,
                        "constraints": [
                            models.UniqueConstraint(fields=("chain_key", "chain_seq"), name="energy_reading_chain_uniq"),
                            models.UniqueConstraint(fields=("meter", "read_at"), name="energy_reading_meter_time_uniq"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        # After the state has the model, so the SQLite branch can create it from the state.
        migrations.RunPython(create_readings, drop_readings, elidable=False),
        AppendOnly("energy_reading"),
    ]
