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
