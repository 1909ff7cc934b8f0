"""Sealing text at rest: what people write for themselves or one colleague (private 1:1
notes, check-ins) is stored encrypted, so a database dump or a backup shows ciphertext.

Keys come from `KITH_SEALING_KEY` (any long secret) or, when it is not set, from
SECRET_KEY; each purpose gets its own key (HKDF), so a sealed value cannot be moved from one
column to another. Older keys in `KITH_SEALING_KEY_FALLBACKS` (or SECRET_KEY_FALLBACKS) still
open values sealed with them, so a key can be rotated: set the new key, keep the old one as a
fallback, run `kith reseal`. Losing every key loses the sealed text: that is the point.
"""

from __future__ import annotations

import base64
import time
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "sealed:v1:"


class Unreadable(Exception):
    """A sealed value no configured key opens (the key was lost or changed)."""


def _derive(secret: str, purpose: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"kith-sealing", info=purpose.encode()
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _secrets() -> list[str]:
    primary = getattr(settings, "KITH_SEALING_KEY", "") or settings.SECRET_KEY
    fallbacks = list(getattr(settings, "KITH_SEALING_KEY_FALLBACKS", []) or [])
    fallbacks += list(getattr(settings, "SECRET_KEY_FALLBACKS", []) or [])
    if getattr(settings, "KITH_SEALING_KEY", ""):
        fallbacks.append(settings.SECRET_KEY)
    return [primary, *[f for f in fallbacks if f and f != primary]]


@cache
def _fernet(purpose: str, secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(s, purpose) for s in secrets])


def _for(purpose: str) -> MultiFernet:
    return _fernet(purpose, tuple(_secrets()))


# Sealed values are padded to a multiple of this many bytes, so a value's length tells at most
# roughly how long the text was (not, say, whether a short optional answer was filled in).
PAD_TO = 256
_PAD = b"\0"


def _padded(text: str) -> bytes:
    raw = text.encode()
    return raw + _PAD * (-len(raw) % PAD_TO)


def _token_time() -> int:
    """Fernet stamps each token with its creation time, in clear. Stamp the day (UTC midnight)
    instead: the value's row says "a date, never a time", and its token must not say more.
    (Opening a token never checks its age.)"""
    now = int(time.time())
    return now - now % 86400


def seal(text: str, *, purpose: str) -> str:
    if text == "":
        return ""
    token = _for(purpose).encrypt_at_time(_padded(text), _token_time())
    return PREFIX + token.decode("ascii")


def unseal(stored: str, *, purpose: str) -> str:
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise Unreadable("not a sealed value")
    try:
        raw = _for(purpose).decrypt(stored[len(PREFIX) :].encode("ascii"))
        return raw.rstrip(_PAD).decode()
    except InvalidToken as exc:
        raise Unreadable("no configured key opens this value") from exc


def reseal(stored: str, *, purpose: str) -> str:
    """The same text sealed with the current key (for key rotation)."""
    if not stored:
        return ""
    return seal(unseal(stored, purpose=purpose), purpose=purpose)
