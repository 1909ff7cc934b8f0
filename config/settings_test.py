"""Test settings: the same as production code paths, with a faster hasher and a test database
chosen by KITH_TEST_DATABASE_URL (PostgreSQL) or a SQLite file."""

from __future__ import annotations

import os

from config.settings import *  # noqa: F403
from config.settings import DATA_DIR, database_config

_test_url = os.environ.get("KITH_TEST_DATABASE_URL", "").strip()
DATABASES = {"default": database_config(_test_url or f"sqlite:///{DATA_DIR / 'test.sqlite3'}")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False
# Throttles still count in every test (the code path runs), with limits no test reaches by
# accident; kith/core/tests/test_throttle.py sets real ones.
KITH_RATE_LIMITS = {
    "secret_path": "100000/m",
    "token_failed": "100000/m",
    "api_token": "100000/m",
    "guidelines_proposal": "100000/m",
    "gatherings_plan": "100000/m",
    "calendars_test": "100000/m",
}
# Static files come from the apps (finders) in tests; an empty root keeps WhiteNoise quiet.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True
