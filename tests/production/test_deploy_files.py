"""The examples in deploy/ are checked by the tools that will read them: systemd-analyze for the
units, `nginx -t` for the proxy (Debian's binary, see scripts/ensure-nginx.sh)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys

import pytest

from tests.production.helpers import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))


def test_every_unit_runs_a_command_this_project_has():
    from django.core.management import get_commands

    commands = set(get_commands()) | {"rqworker"}
    assert {u.name for u in UNITS} >= {"jiliang-web.service", "jiliang-tasks@.service",
                                        "jiliang-scheduler.service", "jiliang-ingest@.service",
                                        "jiliang-events@.service"}
    for unit in UNITS:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(unit)
        starts = [parser["Service"]["ExecStart"], *parser["Service"].get(
            "ExecStartPre", "").splitlines()]
        for start in filter(None, starts):
            words = start.split()
            if "manage.py" in words:
                assert words[words.index("manage.py") + 1] in commands, (unit.name, start)
        assert parser["Service"]["EnvironmentFile"] == "/etc/jiliang/jiliang.env"


def test_the_environment_example_names_only_settings_that_exist():
    settings_text = (ROOT / "jiliang" / "settings.py").read_text() + "".join(
        p.read_text() for p in (ROOT / "jiliang").rglob("*.py"))
    for line in (DEPLOY / "jiliang.env.example").read_text().splitlines():
        if match := re.match(r"#?\s*([A-Z_]+)=", line):
            assert match.group(1) in settings_text or match.group(1) == "PROMETHEUS_MULTIPROC_DIR", \
                match.group(1)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    for unit in UNITS:
        text = unit.read_text().replace("/srv/jiliang/.venv/bin/python", sys.executable) \
            .replace("/srv/jiliang", str(ROOT)).replace("User=jiliang", "User=root") \
            .replace("Group=jiliang", "Group=root")
        name = unit.name.replace("@.service", "@1.service")
        (tmp_path / unit.name).write_text(text)
        if name != unit.name:
            (tmp_path / name).symlink_to(tmp_path / unit.name)
        done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)],
                              capture_output=True, text=True, timeout=60)
        complaints = [line for line in done.stderr.splitlines() if str(tmp_path) in line
                      or "not executable" in line]
        assert done.returncode == 0 and not complaints, (unit.name, done.stderr)


def _nginx() -> str | None:
    local = ROOT / "var" / "tools" / "nginx" / "usr" / "sbin" / "nginx"
    return shutil.which("nginx") or (str(local) if local.exists() else None)


def test_the_nginx_example_is_balanced_and_proxies_to_the_web_bind():
    text = re.sub(r"#.*", "", (DEPLOY / "nginx.conf").read_text())
    assert text.count("{") == text.count("}")
    assert "proxy_pass http://jiliang_web;" in text and "server 127.0.0.1:8000" in text
    assert "X-Request-ID $request_id" in text


@pytest.mark.skipif(not _nginx(), reason="no nginx binary (scripts/ensure-nginx.sh could not "
                    "take it from Debian's package here)")
@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is not installed")
def test_nginx_accepts_the_proxy_configuration(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=t",
                    "-days", "1", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    site = (DEPLOY / "nginx.conf").read_text() \
        .replace("/etc/ssl/jiliang/fullchain.pem", str(tmp_path / "cert.pem")) \
        .replace("/etc/ssl/jiliang/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {tmp_path / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n access_log off;\n {temp}\n include {tmp_path / 'site.conf'};\n}}\n")
    done = subprocess.run([_nginx(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
