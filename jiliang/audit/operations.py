"""Migration operations for append-only tables."""

from __future__ import annotations

from django.db import migrations

_FUNCTION = """
CREATE OR REPLACE FUNCTION jiliang_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def AppendOnly(table: str) -> migrations.RunPython:  # noqa: N802 - reads as an operation
    """On PostgreSQL, a trigger that refuses UPDATE and DELETE on ``table``.

    SQLite has no way to switch a trigger off for a test or a repair, so
    there the chain alone (``verify_ledger``) shows a change.
    """
    trigger = f"{table}_append_only"

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(_FUNCTION, params=None)
        schema_editor.execute(
            f'CREATE TRIGGER "{trigger}" BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION jiliang_refuse_change()"
        )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"')

    return migrations.RunPython(forwards, backwards, elidable=False)
