"""JILIANG_ENV=production refuses laptop settings, never loads the demo, and creates the first
national administrator by a command that prints no password."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jiliang.core import deployment
from jiliang.core.models import Organisation, OrgKind, Role, User
from tests.production.helpers import child_env, manage, production_env

GOOD_KEY = "k3Y-" + "x7Qz9" * 12


def test_a_good_production_configuration_has_no_problems():
    assert deployment.problems(secret_key=GOOD_KEY, debug=False,
                               allowed_hosts=["jiliang.example.gov.cn"]) == []


@pytest.mark.parametrize("key", [None, "", "changeme", "jiliang-demo", "short-key",
                                 "django-insecure-" + "a1b2c" * 10, "a" * 60])
def test_it_refuses_a_missing_default_or_weak_secret_key(key):
    found = deployment.problems(secret_key=key, debug=False, allowed_hosts=["x.gov.cn"])
    assert len(found) == 1 and "JILIANG_SECRET_KEY" in found[0]


def test_it_refuses_debug_and_empty_or_wildcard_hosts():
    assert any("JILIANG_DEBUG" in p for p in deployment.problems(
        secret_key=GOOD_KEY, debug=True, allowed_hosts=["x.gov.cn"]))
    assert any("ALLOWED_HOSTS" in p for p in deployment.problems(
        secret_key=GOOD_KEY, debug=False, allowed_hosts=[]))
    assert any("ALLOWED_HOSTS" in p for p in deployment.problems(
        secret_key=GOOD_KEY, debug=False, allowed_hosts=["*"]))


def test_a_production_process_does_not_start_on_unsafe_settings(tmp_path):
    """The real start-up path: settings import fails, naming every unsafe setting."""
    bad = manage("check", env=child_env(JILIANG_ENV="production", JILIANG_DEBUG="1",
                                        JILIANG_VAR_DIR=str(tmp_path)))
    assert bad.returncode != 0
    assert "refuses to start" in bad.stderr
    for name in ("JILIANG_SECRET_KEY", "JILIANG_DEBUG", "JILIANG_ALLOWED_HOSTS"):
        assert name in bad.stderr
    # The same with proper settings starts, and still never loads the demo.
    env = production_env(tmp_path)
    assert manage("check", env=env).returncode == 0
    demo = manage("load_demo", env=env)
    assert demo.returncode != 0 and "never loads the demo" in demo.stderr


def test_load_demo_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never loads the demo"):
        call_command("load_demo", stdout=io.StringIO())


@pytest.mark.django_db
def test_create_admin_makes_a_national_administrator_without_printing_the_password(monkeypatch):
    password = "Xq7-national-first-admin"
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out, err = io.StringIO(), io.StringIO()
    call_command("create_admin", "chief", "--password-stdin", "--email", "chief@example.gov.cn",
                 stdout=out, stderr=err)
    user = User.objects.get(username="chief")
    assert user.role == Role.NATIONAL_ADMIN and user.is_superuser and user.is_staff
    assert user.organisation.kind == OrgKind.NATIONAL
    assert user.check_password(password)
    assert password not in out.getvalue() + err.getvalue()
    assert "chief" in out.getvalue()
    from jiliang.audit.models import LedgerEntry

    assert LedgerEntry.objects.filter(action="user.create").exists()
    # A second administrator joins the same national administration.
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    call_command("create_admin", "deputy", "--password-stdin", stdout=io.StringIO())
    assert Organisation.objects.filter(kind=OrgKind.NATIONAL).count() == 1


@pytest.mark.django_db
def test_create_admin_refuses_a_short_password_or_a_taken_name(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(CommandError, match="password"):
        call_command("create_admin", "chief", "--password-stdin", stdout=io.StringIO())
    assert not User.objects.filter(username="chief").exists()
    monkeypatch.setenv("JILIANG_ADMIN_PASSWORD", "Xq7-national-first-admin")
    call_command("create_admin", "chief", stdout=io.StringIO())
    with pytest.raises(CommandError, match="username"):
        call_command("create_admin", "chief", stdout=io.StringIO())


def test_the_replica_and_pgbouncer_settings(tmp_path):
    """DATABASE_REPLICA_URL adds the replica (a mirror in tests); JILIANG_DB_POOLER=transaction
    turns off server-side cursors and persistent connections on every database."""
    code = ("from django.conf import settings as s; d = s.DATABASES; "
            "print(sorted(d), d['replica']['PORT'], d['replica']['TEST']['MIRROR'], "
            "[d[a]['DISABLE_SERVER_SIDE_CURSORS'] for a in sorted(d)], "
            "[d[a]['CONN_MAX_AGE'] for a in sorted(d)], s.DATABASE_ROUTERS)")
    done = manage("shell", "-c", code, env=child_env(
        JILIANG_VAR_DIR=str(tmp_path), DATABASE_URL="postgres://u@127.0.0.1:6432/jiliang",
        DATABASE_REPLICA_URL="postgres://u@10.0.0.12:5432/jiliang",
        JILIANG_DB_POOLER="transaction"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == ("['default', 'replica'] 5432 default "
                                   "[True, True] [0, 0] ['jiliang.core.replica.ReplicaRouter']")
