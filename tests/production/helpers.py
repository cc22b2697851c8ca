"""Shared by the production tests: a child process of manage.py with its own environment."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def child_env(**extra: str | None) -> dict[str, str]:
    """The environment of a manage.py child: this one without the test's own settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JILIANG_", "DATABASE_", "PROMETHEUS_"))}
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def production_env(var_dir: Path, **extra: str | None) -> dict[str, str]:
    return child_env(JILIANG_ENV="production", JILIANG_SECRET_KEY=secrets.token_urlsafe(50),
                     JILIANG_ALLOWED_HOSTS="127.0.0.1,localhost", JILIANG_VAR_DIR=str(var_dir),
                     # plain HTTP on the loopback: no TLS proxy in front in the tests
                     JILIANG_SSL_REDIRECT="0", **extra)


def manage(*args: str, env: dict[str, str], input: str | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                          input=input, capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
