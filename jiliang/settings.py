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
ALLOWED_HOSTS = os.environ.get("JILIANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

# The public address that QR codes, feeds and the API's public_url point at. Unset, it follows
# the HOST and PORT the server runs on (`make run PORT=9000`); a wildcard host (0.0.0.0, ::)
# is not an address a phone can open, so it reads as 127.0.0.1.
_SERVE_HOST = os.environ.get("HOST", "127.0.0.1")
_SERVE_HOST = "127.0.0.1" if _SERVE_HOST in ("", "0.0.0.0", "::", "[::]") else _SERVE_HOST
JILIANG_PUBLIC_URL = (os.environ.get("JILIANG_PUBLIC_URL")
                      or f"http://{_SERVE_HOST}:{os.environ.get('PORT') or '8000'}").rstrip("/")

# Daily background tasks are enqueued after this hour (local time).
JILIANG_DAILY_HOUR = int(os.environ.get("JILIANG_DAILY_HOUR", "2"))

# People (issue 13): the continuing-education hours a registered metrologist needs a year.
# No source consulted confirms the figure (jiliang/rules/data/people.json): unset, CPD is
# listed but not flagged, and the page says so.
JILIANG_CPD_HOURS_PER_YEAR = (float(os.environ["JILIANG_CPD_HOURS_PER_YEAR"])
                              if os.environ.get("JILIANG_CPD_HOURS_PER_YEAR") else None)
# Supervision: the grades of an energy label whose standard's number of grades the data does not
# give (jiliang/rules/data/energy_labels.json; no consulted source gives one): the
# administration's number, 1 (best) to this. Default 5, the scale the checks used before.
JILIANG_ENERGY_LABEL_GRADES = int(os.environ.get("JILIANG_ENERGY_LABEL_GRADES", "5"))

# Domain apps, in dependency order: later apps may read earlier ones, never the reverse.
JILIANG_APPS = [
    "jiliang.core",
    "jiliang.audit",
    "jiliang.catalog",
    "jiliang.licensing",
    "jiliang.people",
    "jiliang.traceability",  # before the registry: its demo standards serve the registry's demo
    "jiliang.registry",
    "jiliang.supervision",
    "jiliang.energy",
    "jiliang.monitoring",  # instrument event data and tamper alerts (issue 18)
    "jiliang.portal",
    "jiliang.enforcement",  # cases open from the findings of every app above
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
    "jiliang.core.middleware.BodyLimitMiddleware",  # before CSRF, which reads a form's body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jiliang.portal.middleware.OpenGraphMiddleware",  # og:title and canonical URL of public pages
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


# --- Production: serving, tasks, replica, metrics, logs (issue 16) ----------------------------
# Security headers, cookies and `check --deploy` live in their own block; this one serves.
# Each setting here has its environment variable; the README's production section names them.
from jiliang.core import deployment  # noqa: E402  (pure Python: reads the environment only)

# The web server (gunicorn, started by `make serve` / deploy/jiliang-web.service).
JILIANG_WEB_BIND = os.environ.get("JILIANG_WEB_BIND", "127.0.0.1:8000")
JILIANG_WEB_WORKERS = int(os.environ.get("JILIANG_WEB_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
JILIANG_WEB_THREADS = int(os.environ.get("JILIANG_WEB_THREADS", "4"))
JILIANG_WEB_TIMEOUT = int(os.environ.get("JILIANG_WEB_TIMEOUT", "60"))
# How many task workers `make serve` starts beside the web server.
JILIANG_TASK_WORKERS = int(os.environ.get("JILIANG_TASK_WORKERS", "2"))

if PRODUCTION:
    deployment.refuse_unsafe(
        secret_key=os.environ.get("JILIANG_SECRET_KEY"), debug=DEBUG,
        allowed_hosts=[h for h in os.environ.get("JILIANG_ALLOWED_HOSTS", "").split(",") if h])
    ALLOWED_HOSTS = [h.strip() for h in os.environ["JILIANG_ALLOWED_HOSTS"].split(",") if h.strip()]
    # Hashed names (app.3f2a….css) from collectstatic's manifest, served with a year's
    # max-age and `immutable`; nothing is looked up in the source tree at request time.
    STORAGES["staticfiles"] = {
        "BACKEND": "jiliang.core.staticstorage.ManifestStorage"}
    WHITENOISE_USE_FINDERS = False
    WHITENOISE_MAX_AGE = 365 * 24 * 3600
    # Connections are kept between requests; a pool in front (pgbouncer) sets
    # JILIANG_DB_POOLER=transaction, see below.

# Tasks: the database backend (no broker) by default; "rq" puts them on Redis, drained by
# `manage.py rqworker` processes on any number of machines.
JILIANG_TASKS_BACKEND = os.environ.get("JILIANG_TASKS_BACKEND", "database")
JILIANG_REDIS_URL = os.environ.get("JILIANG_REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": JILIANG_REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
RQ = {"COMMIT_MODE": "on_db_commit"}
if JILIANG_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}

# A read replica: public pages, feeds, open statistics and exports read from it (see
# jiliang/core/replica.py); writes and everything else stay on the primary.
if _replica_url := os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=60,
                                                 conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["jiliang.core.replica.ReplicaRouter"]

# pgbouncer in transaction mode: no server-side cursors (a cursor would outlive the
# transaction on another server connection) and no persistent connections to hold.
if os.environ.get("JILIANG_DB_POOLER") == "transaction":
    for _db in DATABASES.values():
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
        _db["CONN_MAX_AGE"] = 0

# Metrics (Prometheus) at /metrics, for the addresses in JILIANG_METRICS_ALLOW (loopback by
# default) or a request carrying `Authorization: Bearer $JILIANG_METRICS_TOKEN`.
JILIANG_METRICS_ALLOW = [a for a in os.environ.get(
    "JILIANG_METRICS_ALLOW", "127.0.0.1,::1").split(",") if a]
JILIANG_METRICS_TOKEN = os.environ.get("JILIANG_METRICS_TOKEN", "")
INSTALLED_APPS += ["django_prometheus"]
MIDDLEWARE = [
    "jiliang.core.observability.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    *MIDDLEWARE,
    "jiliang.core.replica.ReplicaMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Logs: one JSON object a line (time, level, logger, message, request id) in production,
# plain text in development; JILIANG_LOG_FORMAT=json|text chooses either way.
JILIANG_LOG_FORMAT = os.environ.get("JILIANG_LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "jiliang.core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "jiliang.core.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": JILIANG_LOG_FORMAT}},
    "root": {"handlers": ["console"],
             "level": os.environ.get("JILIANG_LOG_LEVEL", "INFO" if PRODUCTION else "WARNING")},
}

# Caching of public look-ups (jiliang/core/caching.py): per process by default, Redis when
# JILIANG_CACHE_URL is set (shared by every web process, so an invalidation reaches all).
if _cache_url := os.environ.get("JILIANG_CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": _cache_url, "TIMEOUT": 300}}

# The probes and metrics answer plain HTTP on the loopback too (load balancers, Prometheus on
# the machine): the HTTPS redirect of the security block leaves them alone.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# What /readyz checks: the databases, the task queue, the MQTT broker of meter ingest
# (a site that takes no readings over MQTT leaves out "mqtt").
JILIANG_READY_CHECKS = [c for c in os.environ.get(
    "JILIANG_READY_CHECKS", "database,queue,mqtt").split(",") if c]
# After a write, a browser reads from the primary for this many seconds (read your writes).
JILIANG_REPLICA_PIN_SECONDS = int(os.environ.get("JILIANG_REPLICA_PIN_SECONDS", "10"))

# --- Accounts and sign-in (README "Security") --------------------------------------------
# Django's full set of password validators, and a check against common passwords dressed up
# (leetspeak, digits or symbols around a common word, keyboard runs, repeated characters).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": int(os.environ.get("JILIANG_PASSWORD_MIN_LENGTH", "10"))}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jiliang.core.passwords.LeakedStyleValidator"},
]
# Days an invitation to open an account stays valid.
JILIANG_INVITATION_DAYS = int(os.environ.get("JILIANG_INVITATION_DAYS", "7"))
# Sign-in protection (django-axes): after JILIANG_LOGIN_FAILURES wrong passwords for one user
# name, or from one address, sign-in is refused for JILIANG_LOGIN_COOLOFF_MINUTES.
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp",
                   "django_otp.plugins.otp_static"]
# jiliang.core.auth.ModelBackend reads the user with its organisation; Django's stays for the
# sessions it signed in before (jiliang/core/auth.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                           "jiliang.core.auth.ModelBackend",
                           "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("JILIANG_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = __import__("datetime").timedelta(
    minutes=int(os.environ.get("JILIANG_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "jiliang.core.signin.locked_out"
AXES_CLIENT_IP_CALLABLE = "jiliang.core.signin.client_ip"
AXES_USERNAME_CALLABLE = "jiliang.core.signin.client_username"
AXES_VERBOSE = False
# Behind a reverse proxy, how many proxies append to X-Forwarded-For (0: use the peer address).
JILIANG_TRUSTED_PROXIES = int(os.environ.get("JILIANG_TRUSTED_PROXIES", "0"))
# A second factor (TOTP, with one-time recovery codes) for the roles marked second_factor in
# rules/data/role_grants.json (bureau heads, national administrators); optional for others.
OTP_TOTP_ISSUER = "Jiliang"
# Sign-out after idle minutes: bureau staff, everyone else; and an absolute session length.
JILIANG_IDLE_MINUTES_BUREAU = int(os.environ.get("JILIANG_IDLE_MINUTES_BUREAU", "30"))
JILIANG_IDLE_MINUTES_OTHERS = int(os.environ.get("JILIANG_IDLE_MINUTES_OTHERS", "120"))
SESSION_COOKIE_AGE = int(os.environ.get("JILIANG_SESSION_HOURS", "12")) * 3600
_auth = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE[_auth:_auth] = ["django_otp.middleware.OTPMiddleware"]
_frames = MIDDLEWARE.index("django.middleware.clickjacking.XFrameOptionsMiddleware") + 1
MIDDLEWARE[_frames:_frames] = [
    "jiliang.core.signin.IdleTimeoutMiddleware",
    "jiliang.core.signin.SecondFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

# --- Security headers and cookies (README "Security") -----------------------------------
# A strict Content-Security-Policy everywhere (development too, so the tests see what a served
# site sends): scripts only from our own static files (Bootstrap, HTMX, ECharts are vendored),
# no inline script or handler, no eval; style attributes allowed (ECharts and a few templates
# set them), style elements only from files.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "csp.middleware.CSPMiddleware")
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("JILIANG_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("JILIANG_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("JILIANG_HSTS_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("JILIANG_HSTS_PRELOAD", "1") == "1"
    if JILIANG_TRUSTED_PROXIES > 0:
        # The proxy terminates TLS and says so (deploy/: nginx sets X-Forwarded-Proto).
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How long a cached public page is kept at most (jiliang/core/caching.py); a write that
# changes the page replaces it at once, whatever this says.
JILIANG_PUBLIC_CACHE_SECONDS = int(os.environ.get("JILIANG_PUBLIC_CACHE_SECONDS", "300"))
# Public look-ups are counted in memory and written together at most this often (seconds) per
# process; 0 writes each at once (development, tests). registry.services.public_lookup_count.
JILIANG_LOOKUP_FLUSH_SECONDS = float(os.environ.get(
    "JILIANG_LOOKUP_FLUSH_SECONDS", "5" if PRODUCTION else "0"))


# --- Issue 15: a 403 is logged as one line, without the traceback of PermissionDenied ---------
LOGGING.setdefault("filters", {})["no_traceback_for_403"] = {
    "()": "jiliang.core.quiet.NoTracebackFor403"}
LOGGING.setdefault("loggers", {}).setdefault("django.request", {}).setdefault(
    "filters", []).append("no_traceback_for_403")


# Input limits (README, "Security" > "Input limits"): the largest request body any view takes,
# refused from its Content-Length before it is read (views with a smaller file limit say so).
JILIANG_MAX_REQUEST_MB = int(os.environ.get("JILIANG_MAX_REQUEST_MB", "51"))
# Spreadsheets: an xlsx is refused before it is opened when its members unpack to more than
# this, or to more than this many times their packed size (a decompression bomb).
JILIANG_XLSX_MAX_UNPACKED_MB = int(os.environ.get("JILIANG_XLSX_MAX_UNPACKED_MB", "512"))
JILIANG_XLSX_MAX_RATIO = int(os.environ.get("JILIANG_XLSX_MAX_RATIO", "100"))
# A running job of another machine that made no progress for this long counts as interrupted
# when a task worker starts (jiliang/core/jobs.py).
JILIANG_JOB_STALE_MINUTES = int(os.environ.get("JILIANG_JOB_STALE_MINUTES", "15"))
# Signed checkpoints of the chain heads (README, "Checkpoints"): the Ed25519 private key, kept
# outside the database (created on first use when missing; back it up).
JILIANG_CHECKPOINT_KEY_FILE = os.environ.get("JILIANG_CHECKPOINT_KEY_FILE",
                                             str(VAR_DIR / "checkpoint_ed25519.key"))
