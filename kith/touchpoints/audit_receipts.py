"""Who said whether a step felt human, known only to whoever holds SECRET_KEY.

Answering a step's question writes a `StepReceipt` whose digest is HMAC-SHA256 of
"step:<step id>:person:<person id>" (Django's salted_hmac: the key is derived from SECRET_KEY
and this module's salt). The running application can tell whether someone answered (the
feedback page, "once per step", the disclosure ledger's populations); a dump of every table
cannot, because the key is never in the database. Digests made with a key in
SECRET_KEY_FALLBACKS still count, so rotating the key loses no receipt.

Pulse keeps the same scheme for survey links (kith.pulse.receipts, decision 0008); both use
kith.core.keyed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kith.core import keyed
from kith.touchpoints.models.audit import StepReceipt

SALT = "kith.touchpoints.step_receipt"


def message(step_id: int, person_id: int) -> bytes:
    return f"step:{step_id}:person:{person_id}".encode()


def receipt_digest(step_id: int, person_id: int) -> str:
    """The receipt of one person's answer to one step (64 hex characters, current key)."""
    return keyed.digest(SALT, message(step_id, person_id).decode())


def all_digests(step_id: int, person_id: int) -> list[str]:
    """The digests this answer could carry, one per key the server holds."""
    return keyed.all_digests(SALT, message(step_id, person_id))


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
    for key in keyed.keys(SALT):
        for digest, person_id in zip(keyed.hmac_many(key, messages), person_ids, strict=True):
            found[digest.hex()] = person_id
    return found
