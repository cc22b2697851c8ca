"""Tamper evidence beyond the database: signed checkpoints of every chain head, and the
instrument's state checked against its chained sources."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jiliang.audit import services
from jiliang.audit.chain import ChainHead
from jiliang.audit.models import Checkpoint, LedgerEntry
from jiliang.core import services as core_services
from jiliang.registry.models import Instrument
from jiliang.rules import checkpoints
from jiliang.rules.chain import link_hash
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, verify


def _tamper(sql: str, params: list) -> None:
    """Change rows behind the services' back, as a DBA with raw SQL would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def recompute_from(entry: LedgerEntry) -> None:
    """Relink the entry's chain from the entry on, and move its head: what a careful forger with
    the database (but not the checkpoint key) does so that the chain verifies again."""
    rows = LedgerEntry.objects.filter(chain_key=entry.chain_key,
                                      chain_seq__gte=entry.chain_seq).order_by("chain_seq")
    prev = entry.prev_hash
    for row in rows:
        new = link_hash(prev, row.chain_payload())
        _tamper("UPDATE audit_ledgerentry SET prev_hash = %s, row_hash = %s WHERE id = %s",
                [prev, new, row.pk])
        prev = new
    _tamper("UPDATE audit_chainhead SET last_hash = %s WHERE chain = %s AND key = %s",
            [prev, LedgerEntry.chain_name(), entry.chain_key])


def run(*args, **options) -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("verify_ledger", *args, stdout=out, **options)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


class CheckpointTests(PersonaTestCase):
    def test_a_chain_recomputed_after_a_checkpoint_verifies_but_the_checkpoint_catches_it(self):
        org = self.p.orgs["acme"]
        for phone in ("020-1", "020-2", "020-3"):
            core_services.organisation_update(actor=self.p.gd_clerk, organisation=org,
                                              phone=phone)
        checkpoint = services.checkpoint_sign()
        published = self.client_as("anonymous").get("/checkpoints/checkpoints.json")
        assert published.status_code == 200
        path = self.tmp / "checkpoints.json"
        path.write_bytes(published.content)
        assert run(checkpoints=str(path))[0]  # untouched: both checks pass

        # One entry of Guangdong's chain edited, every later link and the head recomputed.
        victim = LedgerEntry.objects.filter(chain_key="44", action__contains="organisation") \
            .order_by("chain_seq")[1]
        _tamper("UPDATE audit_ledgerentry SET actor_name = %s WHERE id = %s",
                ["someone-else", victim.pk])
        victim.refresh_from_db()
        recompute_from(victim)
        ok, out = run()
        assert ok, out  # the chains verify on their own: the forgery is consistent
        ok, out = run(checkpoints=str(path))
        assert not ok
        assert f"CHANGED {LedgerEntry.chain_name()}[44]" in out
        assert checkpoint.day.isoformat() in out
        assert "CHANGED" not in out.replace(f"CHANGED {LedgerEntry.chain_name()}[44]", "")

    def test_a_checkpoint_not_signed_with_the_key_is_named(self):
        core_services.organisation_update(actor=self.p.gd_clerk, organisation=self.p.orgs["acme"],
                                          phone="020-9")
        item = services.checkpoint_sign().as_dict()
        forged_heads = [[c, k, s, "0" * 64] for c, k, s, _h in item["heads"]]
        forged = {**item, "heads": forged_heads}
        path = self.tmp / "forged.json"
        path.write_text(json.dumps({"checkpoints": [forged]}))
        ok, out = run(checkpoints=str(path))
        assert not ok and "not validly signed" in out

    def test_the_key_lives_outside_the_database_and_the_page_publishes_its_public_half(self):
        from django.conf import settings

        chains = ChainHead.objects.count()
        checkpoint = services.checkpoint_sign()
        assert services.checkpoint_sign() == checkpoint  # once a day
        key = services.checkpoint_key()
        assert checkpoints.public_key(key) == checkpoint.public_key
        assert str(settings.JILIANG_CHECKPOINT_KEY_FILE).endswith("checkpoint_ed25519.key")
        heads = [tuple(h) for h in checkpoint.heads]
        assert len(heads) == chains  # every head there was (signing adds its own entry after)
        assert checkpoints.verify(checkpoint.public_key, checkpoint.day.isoformat(), heads,
                                  checkpoint.signature)
        page = self.client_as("anonymous", language="zh-hans").get("/checkpoints/")
        assert page.status_code == 200 and checkpoint.public_key in page.content.decode()
        assert Checkpoint.objects.count() == 1

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path, settings):
        self.tmp = tmp_path
        settings.JILIANG_CHECKPOINT_KEY_FILE = str(tmp_path / "key" / "checkpoint_ed25519.key")


class InstrumentStateTests(PersonaTestCase):
    def test_an_edited_due_date_or_status_is_named(self):
        inst = file(self.p.acme, serial="STATE-1")
        verify(self.p.gd_verifier, inst, on=days(-10))
        inst.refresh_from_db()
        ok, out = run()
        assert ok, out
        later = inst.next_due_on.replace(year=inst.next_due_on.year + 5)
        _tamper("UPDATE registry_instrument SET next_due_on = %s WHERE id = %s",
                [later, inst.pk])
        ok, out = run()
        assert not ok and f"registry.Instrument {inst.pk}" in out and "next_due_on" in out
        _tamper("UPDATE registry_instrument SET next_due_on = %s, status = %s WHERE id = %s",
                [inst.next_due_on, "stopped", inst.pk])
        ok, out = run()
        assert not ok and "status is stopped" in out and "next_due_on" not in out
        assert Instrument.objects.get(pk=inst.pk).status == "stopped"
