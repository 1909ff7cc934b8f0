"""Keyed digests that only the running application can recompute: HMAC-SHA256 under a key
derived from SECRET_KEY and a salt (Django's `salted_hmac`). A receipt stored this way says
"this person did this" to whoever holds the key, and nothing to a database dump. Digests under
SECRET_KEY_FALLBACKS still count, so rotating the key loses no receipt. Used by Pulse's survey
receipts (decision 0008) and the human-touch audit's step receipts."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils.crypto import salted_hmac


def digest(salt: str, text: str, secret: str | None = None) -> str:
    """The digest under the current key (or `secret`), as 64 hex characters."""
    return salted_hmac(salt, text, secret=secret, algorithm="sha256").hexdigest()


def keys(salt: str) -> list[bytes]:
    """salted_hmac's derived keys for SECRET_KEY and each fallback, newest first."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hashlib.sha256(salt.encode() + _bytes(secret)).digest() for secret in secrets]


def _bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode()


def all_digests(salt: str, message: bytes) -> list[str]:
    """The digests `message` could carry, one per key the server holds (hex)."""
    return [hmac.digest(key, message, "sha256").hex() for key in keys(salt)]


def hmac_many(key: bytes, messages: Iterable[bytes]) -> Iterator[bytes]:
    """HMAC-SHA256 of each message (RFC 2104) with the pads' hash states computed once:
    several times faster than hmac.digest, which derives them again for every message."""
    if len(key) > 64:  # RFC 2104 would hash it first; salted_hmac's keys are 32 bytes
        raise ValueError("HMAC-SHA256 keys longer than the block are not supported here")
    block = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    for text in messages:
        i = inner.copy()
        i.update(text)
        o = outer.copy()
        o.update(i.digest())
        yield o.digest()
