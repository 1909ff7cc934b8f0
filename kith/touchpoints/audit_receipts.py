"""Who said whether a step felt human, known only to whoever holds SECRET_KEY.

Answering a step's question writes a `StepReceipt` whose digest is HMAC-SHA256 of
"step:<step id>:person:<person id>" (Django's salted_hmac: the key is derived from SECRET_KEY
and this module's salt). The running application can tell whether someone answered (the
feedback page, "once per step", the disclosure ledger's populations); a dump of every table
cannot, because the key is never in the database. Digests made with a key in
SECRET_KEY_FALLBACKS still count, so rotating the key loses no receipt.

Pulse keeps the same scheme for survey links (kith.pulse.receipts, decision 0008); domain apps
do not import each other (DESIGN §2), so this is its own short copy for person ids.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.utils.crypto import salted_hmac

from kith.touchpoints.models.audit import StepReceipt

SALT = "kith.touchpoints.step_receipt"


def message(step_id: int, person_id: int) -> bytes:
    return f"step:{step_id}:person:{person_id}".encode()


def receipt_digest(step_id: int, person_id: int) -> str:
    """The receipt of one person's answer to one step (64 hex characters, current key)."""
    return salted_hmac(SALT, message(step_id, person_id).decode(), algorithm="sha256").hexdigest()


def _keys() -> list[bytes]:
    """salted_hmac's derived keys for SECRET_KEY and each fallback, newest first."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hashlib.sha256(SALT.encode() + _bytes(secret)).digest() for secret in secrets]


def _bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode()


def all_digests(step_id: int, person_id: int) -> list[str]:
    """The digests this answer could carry, one per key the server holds."""
    text = message(step_id, person_id)
    return [hmac.digest(key, text, "sha256").hex() for key in _keys()]


def answered_steps(person_id: int, step_ids: Iterable[int]) -> set[int]:
    """Of these steps, the ones this person answered: one query."""
    by_digest = {d: step_id for step_id in step_ids for d in all_digests(step_id, person_id)}
    if not by_digest:
        return set()
    found = StepReceipt.objects.filter(digest__in=list(by_digest)).values_list("digest", flat=True)
    return {by_digest[d] for d in found}


def has_answered(step_id: int, person_id: int) -> bool:
    return StepReceipt.objects.filter(digest__in=all_digests(step_id, person_id)).exists()


def person_of_digest(step_id: int, person_ids: Sequence[int]) -> dict[str, int]:
    """Every digest these people could have left on this step, to its person: an HMAC per
    person and key, from precomputed pads (about 0.3 s per 100,000 people)."""
    messages = [message(step_id, p) for p in person_ids]
    found: dict[str, int] = {}
    for key in _keys():
        for digest, person_id in zip(_hmac_many(key, messages), person_ids, strict=True):
            found[digest.hex()] = person_id
    return found


def _hmac_many(key: bytes, messages: Iterable[bytes]) -> Iterable[bytes]:
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
