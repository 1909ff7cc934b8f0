"""Single sign-on settings, built from the environment (no Django imports: settings call it).

One OpenID Connect provider is configured when KITH_OIDC_SERVER_URL is set; its client id and
secret are then required. Who may sign in through it is decided by
kith.accounts.adapters.SocialAccountAdapter (active people in the directory only).
"""

from __future__ import annotations

import re
from typing import Any

from kith.core.env import ImproperlyConfiguredEnv, env_required, env_str

_PROVIDER_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def socialaccount_providers_from_env() -> dict[str, Any]:
    """SOCIALACCOUNT_PROVIDERS for django-allauth: empty unless SSO is configured."""
    server_url = env_str("KITH_OIDC_SERVER_URL").rstrip("/")
    if not server_url:
        return {}
    if not server_url.startswith(("https://", "http://")):
        raise ImproperlyConfiguredEnv(
            f"KITH_OIDC_SERVER_URL={server_url!r} is not valid: expected the issuer's "
            "https:// address"
        )
    provider_id = env_str("KITH_OIDC_PROVIDER_ID", "sso")
    if not _PROVIDER_ID.fullmatch(provider_id):
        raise ImproperlyConfiguredEnv(
            f"KITH_OIDC_PROVIDER_ID={provider_id!r} is not valid: expected lower-case letters, "
            "digits, - or _ (it becomes part of the sign-in address)"
        )
    why = "KITH_OIDC_SERVER_URL is set, so single sign-on needs it"
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": provider_id,
                    "name": env_str("KITH_OIDC_NAME", "Single sign-on"),
                    "client_id": env_required("KITH_OIDC_CLIENT_ID", why),
                    "secret": env_required("KITH_OIDC_CLIENT_SECRET", why),
                    "settings": {"server_url": server_url},
                }
            ],
        }
    }
