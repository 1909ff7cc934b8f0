"""Who answered, known only to whoever holds SECRET_KEY.

Answering writes a `Receipt` whose primary key is HMAC-SHA256("wave:token") keyed by
SECRET_KEY. The token is in the database (on the invitation), the key never is: with the key
Kith can tell whether an invitation was answered (the survey page, "my surveys", the results
engine's respondents), while a dump of every table cannot. Digests made with any key in
SECRET_KEY_FALLBACKS still count, so rotating the key during an open wave loses no answer.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

import numpy as np
from django.conf import settings
from django.utils.crypto import salted_hmac

from kith.pulse.models import Invitation, Receipt

SALT = "kith.pulse.receipt"


def receipt_digest(wave_id: int, token: str, secret: str | None = None) -> str:
    """The receipt of one invitation's answer (64 hex characters)."""
    return salted_hmac(SALT, f"{wave_id}:{token}", secret=secret, algorithm="sha256").hexdigest()


def _keys() -> list[bytes]:
    """salted_hmac's derived keys for SECRET_KEY and each fallback, newest first."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hashlib.sha256(SALT.encode() + _bytes(secret)).digest() for secret in secrets]


def _bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode()


def _digests(wave_id: int, token: str) -> list[str]:
    message = f"{wave_id}:{token}".encode()
    return [hmac.digest(key, message, "sha256").hex() for key in _keys()]


def answered_mask(wave_id: int, tokens: Sequence[str]) -> np.ndarray:
    """Per token (of this wave's invitations), whether it was answered: one query for the
    wave's receipts, then an HMAC per token and key (about 0.4 s per 300,000 tokens)."""
    stored = {
        bytes.fromhex(d)
        for d in Receipt.objects.filter(wave_id=wave_id).values_list("pk", flat=True).iterator()
    }
    mask = np.zeros(len(tokens), dtype=np.bool_)
    if not stored:
        return mask
    messages = [f"{wave_id}:{token}".encode() for token in tokens]
    for key in _keys():
        mask |= np.fromiter(
            (d in stored for d in _hmac_many(key, messages)), dtype=np.bool_, count=len(tokens)
        )
    return mask


def _hmac_many(key: bytes, messages: Iterable[bytes]) -> Iterable[bytes]:
    """HMAC-SHA256 of each message, from precomputed pad states (RFC 2104): 2.5 times
    faster than hmac.digest, which derives the pads again for every message."""
    if len(key) > 64:  # RFC 2104 would hash it first; salted_hmac's keys are 32 bytes
        raise ValueError("HMAC-SHA256 keys longer than the block are not supported here")
    block = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    for message in messages:
        i = inner.copy()
        i.update(message)
        o = outer.copy()
        o.update(i.digest())
        yield o.digest()


def has_answered(invitation: Invitation) -> bool:
    return Receipt.objects.filter(pk__in=_digests(invitation.wave_id, invitation.token)).exists()


def answered_invitations(invitations: Iterable[Invitation]) -> set[int]:
    """Ids of the given invitations that were answered, in one query."""
    by_digest: dict[str, int] = {}
    for invitation in invitations:
        for digest in _digests(invitation.wave_id, invitation.token):
            by_digest[digest] = invitation.pk
    if not by_digest:
        return set()
    found = Receipt.objects.filter(pk__in=list(by_digest)).values_list("pk", flat=True)
    return {by_digest[d] for d in found}
