"""The public address (QR codes, feeds, the API's public_url) follows the port the server runs on."""

import os
import subprocess
import sys


def public_url(**env) -> str:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("JILIANG_PUBLIC_URL", "HOST", "PORT")}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; "
                               "print(settings.JILIANG_PUBLIC_URL)"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "jiliang.settings", **env},
        capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_the_public_url_follows_port_when_it_is_not_set():
    assert public_url() == "http://127.0.0.1:8000"
    assert public_url(PORT="9123") == "http://127.0.0.1:9123"
    assert public_url(HOST="0.0.0.0", PORT="8080") == "http://127.0.0.1:8080"
    assert public_url(HOST="192.0.2.7", PORT="8080") == "http://192.0.2.7:8080"


def test_a_set_public_url_wins():
    assert public_url(JILIANG_PUBLIC_URL="https://jl.example.gov.cn/",
                      PORT="9") == "https://jl.example.gov.cn"
