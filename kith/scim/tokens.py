"""SCIM bearer tokens: made, listed, revoked and checked. The raw value is shown once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kith.core.audit import record
from kith.scim.models import TOKEN_PREFIX_LENGTH, ScimToken, hash_token

MAX_NAME_LENGTH = 100
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenError(ValueError):
    pass


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise TokenError("name: required: give the token a name, such as okta or entra")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise TokenError(f"name: longer than {MAX_NAME_LENGTH} characters")
    return cleaned


def scim_token_create(*, name: str, actor: Any = None) -> tuple[ScimToken, str]:
    """A new token and its raw value, which is never stored (only its SHA-256)."""
    cleaned = _clean_name(name)
    if ScimToken.objects.filter(name=cleaned).exists():
        raise TokenError(f"name: a token called {cleaned!r} already exists: choose another name")
    raw = ScimToken.new_raw_value()
    token = ScimToken.objects.create(
        name=cleaned, token_hash=hash_token(raw), prefix=raw[:TOKEN_PREFIX_LENGTH]
    )
    record(actor=actor, action="scim.token_created", target=cleaned, token_id=token.pk)
    return token, raw


def scim_token_revoke(*, name: str, actor: Any = None) -> ScimToken:
    cleaned = _clean_name(name)
    token = ScimToken.objects.filter(name=cleaned).first()
    if token is None:
        raise TokenError(f"name: no token is called {cleaned!r} (see `kith scim_token list`)")
    if token.revoked_at is not None:
        raise TokenError(f"name: the token {cleaned!r} is already revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor=actor, action="scim.token_revoked", target=cleaned, token_id=token.pk)
    return token


def scim_token_authenticate(raw: str) -> ScimToken | None:
    if not raw:
        return None
    token = ScimToken.objects.filter(token_hash=hash_token(raw), revoked_at__isnull=True).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
