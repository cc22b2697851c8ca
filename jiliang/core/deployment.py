"""Production start-up guards: a served site refuses to start on settings meant for a laptop.

Called from settings when ``JILIANG_ENV=production``; every manage.py command and every
server process imports settings first, so none of them starts on unsafe settings.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

# Keys that are in documentation, examples or Django's own start-project template.
KNOWN_DEFAULTS = frozenset({
    "", "changeme", "change-me", "secret", "secret-key", "dev", "development", "jiliang",
    "jiliang-demo", "replace-me", "please-change-me",
})
MIN_SECRET_LENGTH = 50


def secret_key_problem(key: str | None) -> str | None:
    """Why ``key`` is not fit for a served site, or None."""
    if key is None or not key.strip():
        return "JILIANG_SECRET_KEY is not set (generate one: python -c \"import secrets; " \
               "print(secrets.token_urlsafe(50))\")"
    if key.strip().lower() in KNOWN_DEFAULTS or key.startswith("django-insecure-"):
        return "JILIANG_SECRET_KEY is a default or example value"
    if len(key) < MIN_SECRET_LENGTH or len(set(key)) < 5:
        return f"JILIANG_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters or repetitive"
    return None


def problems(*, secret_key: str | None, debug: bool, allowed_hosts: list[str]) -> list[str]:
    found = []
    if reason := secret_key_problem(secret_key):
        found.append(reason)
    if debug:
        found.append("JILIANG_DEBUG is on (it shows settings and code to anyone on an error page)")
    if not [h for h in allowed_hosts if h.strip()]:
        found.append("JILIANG_ALLOWED_HOSTS is empty (name the site's host names, comma-separated)")
    elif "*" in allowed_hosts:
        found.append("JILIANG_ALLOWED_HOSTS is '*' (name the site's host names)")
    return found


def refuse_unsafe(*, secret_key: str | None, debug: bool, allowed_hosts: list[str]) -> None:
    """Raise ImproperlyConfigured naming every unsafe setting at once."""
    if found := problems(secret_key=secret_key, debug=debug, allowed_hosts=allowed_hosts):
        raise ImproperlyConfigured(
            "JILIANG_ENV=production refuses to start: " + "; ".join(found) + ".")
