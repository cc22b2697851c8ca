"""`make run`'s demo data, every app together: it loads clean, joins up, and loads once."""

import io
import re

from django.core.management import call_command
from django.test import TransactionTestCase

from jiliang.core.models import Organisation
from jiliang.core.reference import load_reference_data
from jiliang.core.services import organisation_update
from jiliang.energy.models import Meter, Reading
from jiliang.energy.selectors import meter_registry_status
from jiliang.licensing.models import Licence
from jiliang.registry.models import Instrument, VerificationRecord


class DemoTests(TransactionTestCase):
    def setUp(self):
        # A transactional test before this one emptied the tables, the reference data the
        # migrations loaded included: load it again (idempotently), as `make run` would find it.
        load_reference_data()

    def load(self) -> str:
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        return out.getvalue()

    def counts(self) -> tuple[int, ...]:
        return (Instrument.objects.count(), VerificationRecord.objects.count(),
                Licence.objects.count(), Reading.objects.count())

    def test_the_demo_loads_without_bad_rows_joins_up_and_loads_once(self):
        first = self.load()
        # Every demo verification lies inside an authorisation the licensing demo put on file.
        assert " 0 bad rows" in first, first
        assert "Demo logins" in first
        # The heads and the administrator have the published demo TOTP key (README).
        assert "JILIANGDEMOSECRETKEYFORTOTP23456" in first
        code = io.StringIO()
        call_command("demo_otp_code", "gd_head", stdout=code)
        assert re.fullmatch(r"\d{6}\n", code.getvalue())
        meters = list(Meter.objects.filter(unit__organisation__members__username="acme",
                                           management_no__in=["E-001", "E-101"])
                      .order_by("management_no").distinct())
        status = meter_registry_status(meters)
        assert [status[m.pk]["overdue"] for m in meters] == [False, True]
        # Traceability: national → Guangdong public → working standard, and every registry demo
        # record but the meter batch's is bound to a registered standard.
        from jiliang.traceability.models import Comparison, Standard
        from jiliang.traceability.selectors import chain_of

        chain, reached = chain_of(Standard.objects.get(code="GD-WS-MASS"))
        assert [s.code for s in chain] == ["GD-WS-MASS", "GD-PS-MASS", "NAT-MASS"] and reached
        assert not VerificationRecord.objects.filter(standard__isnull=True,
                                                     batch__isnull=True).exists()
        assert Comparison.objects.filter(state="published").exists()
        before = self.counts()
        assert all(before)
        # An ordinary edit: every organisation renamed. The demo finds them by credit code (a
        # bureau by kind and division), so the next `make run` goes on and adds nothing.
        organisations = Organisation.objects.count()
        for org in Organisation.objects.all():
            organisation_update(actor=None, organisation=org, name=f"{org.name}（更名）")
        second = self.load()
        assert self.counts() == before
        assert Organisation.objects.count() == organisations
        assert "already" in second

    def test_the_readme_lists_every_demo_login_and_its_second_factor(self):
        from pathlib import Path

        from django_otp.plugins.otp_totp.models import TOTPDevice

        from jiliang.core.models import User

        self.load()
        readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
        table = readme.split("| user | who | second factor |", 1)[1].split("\n\n", 1)[0]
        rows = [[cell.strip() for cell in line.strip("|").split("|")]
                for line in table.splitlines() if line.startswith("| `")]
        listed = {row[0].strip("`"): row[2] for row in rows}
        demo_users = set(User.objects.filter(is_active=True).exclude(username="")
                         .values_list("username", flat=True))
        assert set(listed) == demo_users
        with_totp = set(TOTPDevice.objects.filter(confirmed=True)
                        .values_list("user__username", flat=True))
        assert {name for name, factor in listed.items() if factor == "TOTP"} == with_totp
