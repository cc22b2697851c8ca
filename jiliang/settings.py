"""Settings for Jiliang, read from the environment.

- DATABASE_URL: e.g. postgres://postgres@localhost:5432/jiliang; without it,
  the embedded SQLite database var/jiliang.sqlite3 (WAL).
- JILIANG_SECRET_KEY: without it, a key generated once into var/secret_key.
- JILIANG_DEBUG=1 for development; JILIANG_ALLOWED_HOSTS, comma-separated.
- JILIANG_ENV: "development" (the default: `make run`, the demo, the tests) or
  "production" (a served site: see the README's production section).
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JILIANG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("JILIANG_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# development (the default) or production; production switches on the production-only
# settings below, each in its own block.
JILIANG_ENV = os.environ.get("JILIANG_ENV", "development")
PRODUCTION = JILIANG_ENV == "production"

SECRET_KEY = _secret_key()
DEBUG = os.environ.get("JILIANG_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("JILIANG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# The public address that QR codes and feeds point at.
JILIANG_PUBLIC_URL = os.environ.get("JILIANG_PUBLIC_URL", "http://127.0.0.1:8000")

# Daily background tasks are enqueued after this hour (local time).
JILIANG_DAILY_HOUR = int(os.environ.get("JILIANG_DAILY_HOUR", "2"))

# Domain apps, in dependency order: later apps may read earlier ones, never the reverse.
JILIANG_APPS = [
    "jiliang.core",
    "jiliang.audit",
    "jiliang.catalog",
    "jiliang.licensing",
    "jiliang.registry",
    "jiliang.supervision",
    "jiliang.energy",
    "jiliang.portal",
]

# Our apps come first: their translations and templates take precedence over Django's own.
INSTALLED_APPS = [
    *JILIANG_APPS,
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jiliang.urls"
WSGI_APPLICATION = "jiliang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jiliang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiliang.core.context_processors.navigation",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        return db
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "jiliang.sqlite3",
        "OPTIONS": {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the
            # write lock at BEGIN, so two writers queue instead of deadlocking.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:desk"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "jiliang" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "jiliang" / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve from the app and project directories too, so a server started without collectstatic works.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

