import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from jiliang.audit.models import LedgerEntry
from jiliang.core import services
from tests.base import PersonaTestCase


def _tamper(sql: str, params: list) -> None:
    """Change a row behind the services' back, as a DBA with raw SQL would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The append-only trigger stands in the way; a superuser can switch triggers off.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


class LedgerTests(PersonaTestCase):
    def _verify(self) -> str:
        from io import StringIO

        out = StringIO()
        try:
            call_command("verify_ledger", stdout=out)
        except CommandError:
            return "BROKEN\n" + out.getvalue()
        return out.getvalue()

    def test_a_clean_ledger_verifies(self):
        assert "all chains verify" in self._verify()

    def test_a_row_changed_with_raw_sql_is_named(self):
        services.organisation_update(actor=self.p.gd_clerk, organisation=self.p.orgs["acme"],
                                     phone="020-1")
        victim = LedgerEntry.objects.filter(chain_key="44").order_by("chain_seq")[2]
        _tamper("UPDATE audit_ledgerentry SET actor_name = %s WHERE id = %s",
                ["someone-else", victim.pk])
        report = self._verify()
        assert report.startswith("BROKEN")
        assert f"first broken at link {victim.chain_seq} (row id {victim.pk})" in report

    def test_a_deleted_row_is_named(self):
        victim = LedgerEntry.objects.filter(chain_key="44").order_by("chain_seq")[1]
        _tamper("DELETE FROM audit_ledgerentry WHERE id = %s", [victim.pk])
        report = self._verify()
        assert f"first broken at link {victim.chain_seq}" in report

    def test_a_removed_tail_is_noticed(self):
        last = LedgerEntry.objects.filter(chain_key="44").order_by("-chain_seq").first()
        _tamper("DELETE FROM audit_ledgerentry WHERE id = %s", [last.pk])
        assert "BROKEN" in self._verify()

    def test_each_write_is_in_the_same_transaction_as_its_entry(self):
        before = LedgerEntry.objects.count()
        try:
            with transaction.atomic():
                services.organisation_update(actor=self.p.gd_clerk,
                                             organisation=self.p.orgs["acme"], phone="x")
                raise RuntimeError("the write fails after the audit")
        except RuntimeError:
            pass
        assert LedgerEntry.objects.count() == before
        self.p.orgs["acme"].refresh_from_db()
        assert self.p.orgs["acme"].phone == ""


@pytest.mark.django_db
def test_postgresql_refuses_update_and_delete_on_the_ledger(personas):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only; the SQLite run relies on the chain")
    entry = LedgerEntry.objects.first()
    for sql in ("UPDATE audit_ledgerentry SET action = 'x' WHERE id = %s",
                "DELETE FROM audit_ledgerentry WHERE id = %s"):
        with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
              connection.cursor() as cursor):
            cursor.execute(sql, [entry.pk])


class LedgerInWordsTests(PersonaTestCase):
    def test_an_entry_reads_as_the_object_and_what_was_done(self):
        from django.utils import translation

        org = services.organisation_register(
            actor=self.p.gd_clerk, kind="enterprise", name="广州某衡器厂", region_code="440106",
            credit_code="91350100M000100Y43", enterprise_roles=["owner"])
        entry = LedgerEntry.objects.filter(object_id=str(org.pk), action="organisation.register").get()
        assert entry.summary == "单位 · 已登记"
        with translation.override("en"):
            assert entry.summary == "Organisation · registered"
        page = self.client_as("gd_clerk", language="zh-hans").get("/ledger/").content.decode()
        assert "· 已登记" in page and 'title="organisation.register"' in page

    def test_licensing_names_its_transitions_in_its_own_words(self):
        from django.utils import translation

        from jiliang.audit.labels import verb

        assert verb("licensing.application.request_correction") == "一次性告知补正"
        with translation.override("en"):
            assert verb("licensing.application.request_correction") == \
                "Ask once for the missing materials"
        assert verb("something.unheard_of") == "unheard_of"  # shown as it is
