"""SOCIALACCOUNT_PROVIDERS built from the environment (kith.accounts.sso)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kith.accounts.sso import socialaccount_providers_from_env
from kith.core.env import ImproperlyConfiguredEnv

OIDC_VARS = (
    "KITH_OIDC_SERVER_URL",
    "KITH_OIDC_CLIENT_ID",
    "KITH_OIDC_CLIENT_SECRET",
    "KITH_OIDC_PROVIDER_ID",
    "KITH_OIDC_NAME",
)


@pytest.fixture
def env(monkeypatch):
    for name in OIDC_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_no_provider_without_a_server_url(env):
    assert socialaccount_providers_from_env() == {}
    env.setenv("KITH_OIDC_CLIENT_ID", "kith")  # ignored on its own
    env.setenv("KITH_OIDC_SERVER_URL", "   ")
    assert socialaccount_providers_from_env() == {}


def test_provider_from_env(env):
    env.setenv("KITH_OIDC_SERVER_URL", "https://id.example.com/realms/work/")
    env.setenv("KITH_OIDC_CLIENT_ID", "kith")
    env.setenv("KITH_OIDC_CLIENT_SECRET", "s3cret")
    providers = socialaccount_providers_from_env()
    assert providers == {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Single sign-on",
                    "client_id": "kith",
                    "secret": "s3cret",
                    "settings": {"server_url": "https://id.example.com/realms/work"},
                }
            ],
        }
    }


def test_provider_id_and_name_can_be_chosen(env):
    env.setenv("KITH_OIDC_SERVER_URL", "https://login.example.com")
    env.setenv("KITH_OIDC_CLIENT_ID", "kith")
    env.setenv("KITH_OIDC_CLIENT_SECRET", "s3cret")
    env.setenv("KITH_OIDC_PROVIDER_ID", "okta")
    env.setenv("KITH_OIDC_NAME", "Okta")
    app = socialaccount_providers_from_env()["openid_connect"]["APPS"][0]
    assert (app["provider_id"], app["name"]) == ("okta", "Okta")


@pytest.mark.parametrize("missing", ["KITH_OIDC_CLIENT_ID", "KITH_OIDC_CLIENT_SECRET"])
def test_client_credentials_are_required_once_sso_is_on(env, missing):
    env.setenv("KITH_OIDC_SERVER_URL", "https://id.example.com")
    env.setenv("KITH_OIDC_CLIENT_ID", "kith")
    env.setenv("KITH_OIDC_CLIENT_SECRET", "s3cret")
    env.delenv(missing)
    with pytest.raises(ImproperlyConfiguredEnv, match=missing):
        socialaccount_providers_from_env()


@pytest.mark.parametrize(
    ("name", "value"),
    [("KITH_OIDC_SERVER_URL", "id.example.com"), ("KITH_OIDC_PROVIDER_ID", "My SSO/x")],
)
def test_bad_values_fail_loudly(env, name, value):
    env.setenv("KITH_OIDC_SERVER_URL", "https://id.example.com")
    env.setenv("KITH_OIDC_CLIENT_ID", "kith")
    env.setenv("KITH_OIDC_CLIENT_SECRET", "s3cret")
    env.setenv(name, value)
    with pytest.raises(ImproperlyConfiguredEnv, match=name):
        socialaccount_providers_from_env()


def test_settings_module_uses_it(env):
    """Settings are read once at start-up, so check them in a fresh interpreter."""
    env.setenv("KITH_OIDC_SERVER_URL", "https://id.example.com")
    env.setenv("KITH_OIDC_CLIENT_ID", "kith")
    env.setenv("KITH_OIDC_CLIENT_SECRET", "s3cret")
    code = (
        "import json, config.settings as s; "
        "print(json.dumps(s.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'][0]['client_id']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.stdout.strip() == '"kith"'
