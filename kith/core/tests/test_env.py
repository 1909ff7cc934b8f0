from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kith.core import env

ROOT = Path(__file__).resolve().parents[3]


def test_typed_helpers_parse_and_default(monkeypatch):
    monkeypatch.setenv("K_BOOL", "yes")
    monkeypatch.setenv("K_INT", "42")
    monkeypatch.setenv("K_LIST", "a, b,,c ")
    monkeypatch.setenv("K_BLANK", "   ")
    assert env.env_bool("K_BOOL", False) is True
    assert env.env_int("K_INT", 1) == 42
    assert env.env_list("K_LIST", []) == ["a", "b", "c"]
    assert env.env_str("K_BLANK", "fallback") == "fallback"
    assert env.env_int("K_MISSING", 7) == 7


@pytest.mark.parametrize(
    ("name", "value", "call", "message"),
    [
        ("K_BOOL", "maybe", lambda: env.env_bool("K_BOOL", False), "K_BOOL='maybe' is not valid"),
        ("K_INT", "ten", lambda: env.env_int("K_INT", 1), "expected a whole number"),
        ("K_INT", "0", lambda: env.env_int("K_INT", 1, minimum=1), "the minimum is 1"),
        ("K_CHOICE", "x", lambda: env.env_choice("K_CHOICE", "a", ("a", "b")), "one of a, b"),
    ],
)
def test_bad_values_fail_loudly_with_the_name(monkeypatch, name, value, call, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(env.ImproperlyConfiguredEnv, match=message):
        call()


def test_required_names_the_variable(monkeypatch):
    monkeypatch.delenv("K_REQ", raising=False)
    with pytest.raises(env.ImproperlyConfiguredEnv, match="K_REQ must be set"):
        env.env_required("K_REQ", "because")


def _kith_check(**overrides: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("KITH_", "DATABASE_URL"))
    }
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", **overrides})
    return subprocess.run(
        [sys.executable, "-m", "kith.cli", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"KITH_MODE": "production"}, "SECRET_KEY must be set"),
        ({"KITH_MODE": "production", "SECRET_KEY": "short"}, "SECRET_KEY is too short"),
        ({"KITH_MODE": "production", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS must be set"),
        (
            {"KITH_MODE": "production", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "k.example"},
            "EMAIL_HOST must be set",
        ),
        ({"DATABASE_URL": "mysql://x"}, "expected a sqlite:// or postgres:// URL"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not valid"),
        ({"KITH_TIME_ZONE": "Mars/Olympus"}, "expected an IANA zone"),
        ({"KITH_LOG_LEVEL": "LOUD"}, "KITH_LOG_LEVEL='LOUD' is not valid"),
        ({"KITH_MODE": "production", "KITH_DEBUG": "true"}, "KITH_DEBUG must be off"),
        ({"KITH_CACHE_URL": "memcached://cache:11211"}, "expected a URL starting with redis://"),
        (
            {"KITH_CACHE_URL": "redis://"},
            "KITH_CACHE_URL='redis://' is not valid: it names no host",
        ),
        ({"KITH_TRUSTED_PROXY_COUNT": "-1"}, "KITH_TRUSTED_PROXY_COUNT=-1 is too small"),
    ],
)
def test_settings_refuse_bad_configuration(overrides, expected, tmp_path):
    result = _kith_check(KITH_DATA_DIR=str(tmp_path), **overrides)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_are_secure(tmp_path):
    script = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KITH_MODE="production",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="kith.example.org",
        EMAIL_HOST="smtp.example.org",
        KITH_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", "True", "True", "False"], result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("http://cache:6379", "expected a URL starting with redis:// or rediss:// or unix://"),
        ("redis://:hunter2@:6379/0", "names no host"),
        ("redis://cache:port/0", "is not valid"),
        ("unix://", "names no socket path"),
    ],
)
def test_urls_are_checked_and_passwords_never_repeated(monkeypatch, value, message):
    monkeypatch.setenv("K_URL", value)
    with pytest.raises(env.ImproperlyConfiguredEnv) as failure:
        env.env_url("K_URL", "", schemes=("redis", "rediss", "unix"))
    assert message in str(failure.value)
    assert "hunter2" not in str(failure.value)


def test_a_good_url_is_returned_as_given(monkeypatch):
    monkeypatch.setenv("K_URL", "rediss://:s3cret@cache.internal:6380/1")
    assert env.env_url("K_URL", "", schemes=("redis", "rediss")) == (
        "rediss://:s3cret@cache.internal:6380/1"
    )
    monkeypatch.delenv("K_URL")
    assert env.env_url("K_URL", "", schemes=("redis",)) == ""


def test_kith_cache_url_switches_the_shared_cache_to_redis(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KITH_DATA_DIR=str(tmp_path),
        KITH_CACHE_URL="redis://cache.internal:6379/2",
    )
    script = (
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Sessions, read on every request, come from Redis first (the database keeps them too).
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",
    ], result.stderr


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("127.0.0.1:8101", "http://127.0.0.1:8101"),
        ("0.0.0.0:8101", "http://127.0.0.1:8101"),
        ("[::1]:8102", "http://[::1]:8102"),
        ("[::]:8103", "http://127.0.0.1:8103"),
        ("localhost:9000", "http://localhost:9000"),
        ("unix:/run/kith.sock", "http://127.0.0.1:8000"),
    ],
)
def test_the_base_url_follows_the_bind_address(bind, url):
    assert env.base_url_for_bind(bind) == url


def test_settings_take_the_base_url_from_kith_bind_unless_it_is_set():
    def base_url(**env: str) -> str:
        code = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
            "django.setup(); from django.conf import settings; print(settings.KITH_BASE_URL)"
        )
        clean = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
        done = subprocess.run(
            [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert base_url(KITH_BIND="127.0.0.1:8101") == "http://127.0.0.1:8101"
    assert base_url(KITH_BIND="127.0.0.1:8101", KITH_BASE_URL="https://kith.example.org/") == (
        "https://kith.example.org"
    )
    assert base_url() == "http://127.0.0.1:8000"
