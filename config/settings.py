"""Kith settings. Everything that differs between installs comes from the environment
through kith.core.env, which fails loudly on a bad value (see README's configuration table)."""

from __future__ import annotations

import ipaddress
import logging
import zoneinfo
from pathlib import Path
from typing import Any

import dj_database_url

from kith.accounts.sso import socialaccount_providers_from_env
from kith.bandmap.tiles import (
    DEFAULT_ATTRIBUTION,
    DEFAULT_TILES_URL,
    checked_tiles_url,
    tiles_csp_sources,
)
from kith.core.env import (
    ImproperlyConfiguredEnv,
    base_url_for_bind,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_required,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("KITH_DATA_DIR", str(BASE_DIR / "var"))).resolve()
try:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
except OSError as exc:
    raise ImproperlyConfiguredEnv(f"KITH_DATA_DIR={DATA_DIR} cannot be created: {exc}") from exc

KITH_MODE = env_choice("KITH_MODE", "development", ("development", "production"))
PRODUCTION = KITH_MODE == "production"
DEBUG = env_bool("KITH_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfiguredEnv("KITH_DEBUG must be off in production: debug pages leak data")


def _secret_key() -> str:
    if PRODUCTION:
        key = env_required("SECRET_KEY", "production mode needs a long random secret")
        if len(key) < 50:
            raise ImproperlyConfiguredEnv(
                "SECRET_KEY is too short: use at least 50 random characters"
            )
        return key
    key = env_str("SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    return "development-only-insecure-key-run-make-run-to-generate-a-real-one"


SECRET_KEY = _secret_key()
# Earlier keys, still accepted for signatures and for reading survey receipts (docs/deploy.md).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
# Seals private notes and check-ins at rest (kith.core.sealing); SECRET_KEY when unset.
KITH_SEALING_KEY = env_str("KITH_SEALING_KEY", "")
KITH_SEALING_KEY_FALLBACKS = env_list("KITH_SEALING_KEY_FALLBACKS", [])
# Whom to tell when a sign-in address changed unexpectedly (decision 0011).
KITH_SECURITY_CONTACT = env_str("KITH_SECURITY_CONTACT", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfiguredEnv("ALLOWED_HOSTS must be set in production, e.g. kith.example.org")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Where `kith run` listens; links in emails, feeds and .ics files follow it unless
# KITH_BASE_URL says otherwise (a wildcard address means this machine: 127.0.0.1).
KITH_BIND = env_str("KITH_BIND", "127.0.0.1:8000")
KITH_BASE_URL = env_str("KITH_BASE_URL", base_url_for_bind(KITH_BIND)).rstrip("/")
KITH_ORG_NAME = env_str("KITH_ORG_NAME", "Kith")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "ninja",
    "django_htmx",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "kith.core",
    "kith.accounts",
    "kith.directory",
    "kith.notify",
    "kith.jobs",
    "kith.connect",
    "kith.pulse",
    "kith.bandmap",
    "kith.communities",
    "kith.events",
    "kith.celebrate",
    "kith.insights",
    "kith.touchpoints",
    "kith.places",
    "kith.gatherings",
    "kith.guidelines",
    "kith.calendars",
    "kith.slack",
    "kith.matrix",
    "kith.scim",
    "kith.webhooks",
]

MIDDLEWARE = [
    # Outermost: every 4xx under /api/, whichever layer answers it, becomes JSON.
    "kith.core.middleware.ApiErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions: a throttled token request costs no database work beyond its counter.
    "kith.core.middleware.SensitivePathsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the person's choice (kith.accounts), else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's chosen language wins over the browser's (docs/i18n.md).
    "kith.accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "kith.core.middleware.ViewerMiddleware",
    "kith.core.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kith" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kith.core.context_processors.kith",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_SQLITE_URL = f"sqlite:///{DATA_DIR / 'kith.sqlite3'}"
SQLITE_OPTIONS: dict[str, Any] = {
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the
    # start of a transaction so two writers queue instead of failing with "database is locked".
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}


def database_config(url: str, name: str = "DATABASE_URL") -> dict[str, Any]:
    if not url.startswith(("sqlite://", "postgres://", "postgresql://")):
        got = f"{url.partition('://')[0]}://…" if "://" in url else "a value without a scheme"
        raise ImproperlyConfiguredEnv(  # without the URL itself: it may hold a password
            f"{name} is not valid: expected a sqlite:// or postgres:// URL, not {got}"
        )
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
    else:
        config["CONN_HEALTH_CHECKS"] = True
        config["CONN_MAX_AGE"] = env_int("KITH_DB_CONN_MAX_AGE", 60, minimum=0)
    return config


DATABASES = {"default": database_config(env_str("DATABASE_URL", DEFAULT_SQLITE_URL))}

# Read replicas of the PostgreSQL primary, comma-separated (kith/core/db.py; docs/deploy.md,
# "Beyond one machine"). Only reads that a page wraps in read_replica() go there; writes, and
# a person's reads for KITH_REPLICA_PIN_SECONDS after they wrote, stay on the primary.
KITH_REPLICA_DATABASE_URLS = env_list("KITH_REPLICA_DATABASE_URL", [])
KITH_REPLICA_PIN_SECONDS = env_int("KITH_REPLICA_PIN_SECONDS", 10, minimum=1, maximum=300)


def replica_config(url: str) -> dict[str, Any]:
    config = database_config(url, "KITH_REPLICA_DATABASE_URL")
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfiguredEnv(
            "KITH_REPLICA_DATABASE_URL is not valid: expected postgres:// URLs (a replica of "
            "the PostgreSQL primary)"
        )
    # A replica that does not answer is skipped for the primary: give up on it quickly.
    config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Tests never create a replica's database: it reads the primary's.
    config["TEST"] = {"MIRROR": "default"}
    return config


if KITH_REPLICA_DATABASE_URLS:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfiguredEnv(
            "KITH_REPLICA_DATABASE_URL needs DATABASE_URL to name the PostgreSQL primary"
        )
    for _number, _url in enumerate(KITH_REPLICA_DATABASE_URLS, start=1):
        _alias = "replica" if len(KITH_REPLICA_DATABASE_URLS) == 1 else f"replica_{_number}"
        DATABASES[_alias] = replica_config(_url)
    DATABASE_ROUTERS = ["kith.core.db.PrimaryReplicaRouter"]
    # First, so that it sees every write of the request (it drops itself without replicas:
    # it may as well be listed in MIDDLEWARE above).
    MIDDLEWARE = ["kith.core.db.ReplicaPinMiddleware", *MIDDLEWARE]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kith] "
# Sign-up is closed: never mail an unknown address (it would invite a sign-up and let anyone
# make Kith write to any inbox).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_ADAPTER = "kith.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "kith.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# allauth counts these in the shared cache (CACHES below), so every process and host sees one
# count; the key is the email address. Limits not named keep allauth's defaults.
ACCOUNT_RATE_LIMITS: dict[str, str] | bool = {
    "login_failed": "10/m/ip,5/5m/key",
    # A code allows 3 tries (ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS); new codes are rationed too.
    "request_login_code": "20/m/ip,3/m/key,10/h/key",
}

SOCIALACCOUNT_PROVIDERS: dict[str, Any] = socialaccount_providers_from_env()

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Time and language -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Kith ships English and European Portuguese (docs/i18n.md). Each app keeps its catalogue in
# kith/<app>/locale; the shared templates' catalogue is in kith/templates/locale.
LANGUAGES = [("en", "English"), ("pt", "Português")]
# django-allauth ships pt_PT, not pt: its European-Portuguese catalogue is kept as `pt`.
LOCALE_PATHS = [
    BASE_DIR / "kith" / "templates" / "locale",
    BASE_DIR / "kith" / "accounts" / "allauth_locale",
]
TIME_ZONE = env_str("KITH_TIME_ZONE", "UTC")  # the organisation's default for people without one
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfiguredEnv(
        f"KITH_TIME_ZONE={TIME_ZONE!r} is not valid: expected an IANA zone such as Europe/Lisbon"
    )
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # Leaflet and Leaflet.markercluster from their installed XStatic packages (no CDN).
    "kith.bandmap.finders.LeafletFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"

# --- Email ------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kith <kith@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif PRODUCTION:
    raise ImproperlyConfiguredEnv("EMAIL_HOST must be set in production: login codes go by email")
else:
    # Development without a mail server: each message (login codes too) is saved as an .eml
    # file in var/mail/, and the terminal says so in one line (kith.notify.mailbox).
    EMAIL_BACKEND = "kith.notify.mailbox.SavedMailBackend"
EMAIL_FILE_PATH = DATA_DIR / "mail"

# --- Background tasks ---------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
KITH_SCHEDULER_INTERVAL = env_int("KITH_SCHEDULER_INTERVAL", 30, minimum=1)
KITH_KUDOS_DAILY_LIMIT = env_int("KITH_KUDOS_DAILY_LIMIT", 5, minimum=1)
# Integrations (docs/integrations.md). Plain-http webhook addresses only on this machine.
KITH_WEBHOOKS_ALLOW_HTTP = env_bool("KITH_WEBHOOKS_ALLOW_HTTP", False)
KITH_SLACK_SIGNING_SECRET = env_str("KITH_SLACK_SIGNING_SECRET", "")
KITH_SLACK_CLIENT_ID = env_str("KITH_SLACK_CLIENT_ID", "")
KITH_SLACK_CLIENT_SECRET = env_str("KITH_SLACK_CLIENT_SECRET", "")
KITH_SLACK_API_URL = env_str("KITH_SLACK_API_URL", "https://slack.com/api/")
# Matrix's bot account (HR's page at /integrations/matrix/ wins over these) and people's ids
# from their email, e.g. "@{localpart}:example.org".
KITH_MATRIX_HOMESERVER = env_str("KITH_MATRIX_HOMESERVER", "")
KITH_MATRIX_USER_ID = env_str("KITH_MATRIX_USER_ID", "")
KITH_MATRIX_ACCESS_TOKEN = env_str("KITH_MATRIX_ACCESS_TOKEN", "")
KITH_MATRIX_ID_TEMPLATE = env_str("KITH_MATRIX_ID_TEMPLATE", "")
# Private networks a person's CalDAV address may point to (CIDRs); public addresses otherwise.
KITH_CALENDARS_ALLOWED_NETWORKS = env_list("KITH_CALENDARS_ALLOWED_NETWORKS", [])
# Internal networks webhook endpoints may point to (CIDRs); public addresses otherwise.
KITH_WEBHOOKS_ALLOWED_NETWORKS = env_list("KITH_WEBHOOKS_ALLOWED_NETWORKS", [])
for _name in ("KITH_CALENDARS_ALLOWED_NETWORKS", "KITH_WEBHOOKS_ALLOWED_NETWORKS"):
    for _cidr in globals()[_name]:
        try:
            ipaddress.ip_network(_cidr, strict=False)
        except ValueError as _exc:
            raise ImproperlyConfiguredEnv(
                f"{_name}: {_cidr!r} is not a network (expected a CIDR such as 10.1.2.0/24)"
            ) from _exc
# How far back the disclosure ledger looks when it checks a new publication (docs/privacy.md).
KITH_DISCLOSURE_WINDOW_MONTHS = env_int("KITH_DISCLOSURE_WINDOW_MONTHS", 24, minimum=1, maximum=120)
# Collaboration analytics: interaction metadata older than this is deleted by a daily job,
# and no network figure is published for fewer than this many people.
KITH_INSIGHTS_RETENTION_WEEKS = env_int("KITH_INSIGHTS_RETENTION_WEEKS", 26, minimum=4, maximum=260)
KITH_INSIGHTS_MIN_GROUP = env_int("KITH_INSIGHTS_MIN_GROUP", 5, minimum=5, maximum=10)
# Human-touch audit: no "did it feel human?" figure about fewer people (docs/touchpoints/audit.md).
KITH_AUDIT_MIN_GROUP = env_int("KITH_AUDIT_MIN_GROUP", 5, minimum=3, maximum=10)

# --- Band Map ---------------------------------------------------------------------------------
KITH_MAP_TILES_URL = checked_tiles_url(env_str("KITH_MAP_TILES_URL", DEFAULT_TILES_URL))
KITH_MAP_ATTRIBUTION = env_str("KITH_MAP_ATTRIBUTION", DEFAULT_ATTRIBUTION)
KITH_MAP_HUB_MIN_PEOPLE = env_int("KITH_MAP_HUB_MIN_PEOPLE", 5, minimum=3)

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("KITH_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("KITH_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *tiles_csp_sources(KITH_MAP_TILES_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Shared cache and throttles ----------------------------------------------------------------
# Every process (web workers on any host, worker, scheduler) shares one cache, so that throttles
# count once for all of them: a table in the database by default (created by `kith migrate`),
# Redis when KITH_CACHE_URL is set.
KITH_CACHE_URL = env_url("KITH_CACHE_URL", "", schemes=("redis", "rediss", "unix"))
CACHES: dict[str, dict[str, Any]]
if KITH_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": KITH_CACHE_URL,
            "KEY_PREFIX": "kith",
        }
    }
    # Sessions are read on every request: from Redis first, the database only on a miss
    # (written to both, so a Redis restart signs nobody out).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "kith.core.cache.DatabaseCache",
            "LOCATION": "kith_cache",
            # Culling evicts arbitrary entries, throttle counters among them: keep it rare.
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }
# Reverse proxies in front of Kith that add X-Forwarded-For: throttles count per client
# address, and behind a proxy REMOTE_ADDR is the proxy's own for everyone.
KITH_TRUSTED_PROXY_COUNT = env_int("KITH_TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
ALLAUTH_TRUSTED_PROXY_COUNT = KITH_TRUSTED_PROXY_COUNT
# hits/period per client address (kith.core.throttle; docs/privacy.md).
KITH_RATE_LIMITS = {
    # Requests to any path that carries a secret (survey links, calendar feeds, survey API).
    "secret_path": "300/m",
    # Unknown tokens (404 on a secret path, a wrong API token). Once used up, right tokens
    # from that address wait too, so guessing gains nothing.
    "token_failed": "30/10m",
    # Calls with one personal API token, per token.
    "api_token": "600/m",
    # Calls proposed from the channel advisor, per proposing person.
    "guidelines_proposal": "20/h",
    # Plans an organiser computes (gatherings: plan, create, options again), per organiser:
    # comparing plans that differ by one person is how leave would leak (docs/gatherings.md).
    "gatherings_plan": "60/h",
    # Connecting or testing one's calendar: each is a call from this server to a URL the
    # person typed.
    "calendars_test": "20/h",
}

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
KITH_LOG_LEVEL = env_choice("KITH_LOG_LEVEL", "INFO", LOG_LEVELS)


def _client_errors_in_one_line(record: logging.LogRecord) -> bool:
    """A 403 or 404 is a person following a stale link, not a fault: Django logs it with
    the exception's traceback; one line (level, path, reason) says all there is."""
    client_error = getattr(record, "status_code", 500) < 500
    if client_error and record.name.startswith(("django.request", "django.security")):
        record.exc_info, record.exc_text = None, None
    return True


def _routine_task_lines(record: logging.LogRecord) -> bool:
    """The worker's two lines per task run (started, succeeded) only at KITH_LOG_LEVEL=DEBUG;
    a failed task is logged as an error, with its traceback, whatever the level."""
    return not (
        record.name == "django_tasks"
        and record.levelno < logging.WARNING
        and KITH_LOG_LEVEL != "DEBUG"
    )


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every handler masks secrets before it writes: personal links, feed and API tokens, query
    # strings (kith.core.logsafe; the paths come from each app's registration).
    "filters": {
        "mask_secrets": {"()": "kith.core.logsafe.MaskSecretsFilter"},
        "client_errors_in_one_line": {"()": lambda: _client_errors_in_one_line},
        "routine_task_lines": {"()": lambda: _routine_task_lines},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors_in_one_line", "routine_task_lines", "mask_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": KITH_LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's default handlers (the debug console, runserver's request lines) would write
        # without the mask: these loggers hand everything to the root's handler instead.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# --- Kith --------------------------------------------------------------------------------------
KITH_DIRECTORY_PAGE_SIZE = 24
KITH_IMPORT_MAX_UPLOAD_BYTES = env_int(
    "KITH_IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024, minimum=1024
)
KITH_GEOCODER_MIN_POPULATION = env_int("KITH_GEOCODER_MIN_POPULATION", 5000, minimum=500)
NINJA_PAGINATION_PER_PAGE = 25
