"""What the directory keeps in the shared cache, and the one place that forgets it.

At 100,000 people some figures cost a scan of everyone on PostgreSQL, on every request, for a
value that changes only when the directory does: the search page's city suggestions (a
DISTINCT over everyone, 100–160 ms), the headcount behind the unfiltered directory and the
home page (a COUNT, 10–30 ms) and a department's headcount on its team page (a count over its
whole subtree, 30k people for the largest). Each depends on the viewer only through what
they may see, so it is kept once per kind of viewer (`Audience`): HR, who also see former
colleagues, and everyone else, who see active people. A viewer who may not browse the
directory gets nothing and asks for nothing. No entry holds a person: only city names and
numbers that its audience sees on the page anyway.

Every entry carries the directory's *generation*, a random token that `directory_changed()`
replaces; an entry from another generation is computed again. The owner is
`directory_changed()`: every write to people or teams calls it (the import's and SCIM's
writer, deactivations, moving a team, and `save()`/`delete()` of a Person or an OrgUnit
through the signals connected in `connect_signals`). It starts a new generation at once and
again when the transaction commits, so a request that read the old rows while the write was
under way cannot leave them behind. A token (rather than a counter) keeps that true when the
cache evicts the generation itself: a new one then matches no old entry. `LIFETIME` is the
backstop for a write outside Kith's code (a manual SQL fix): short enough that a figure is
never wrong for long, long enough to spare the database.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

LIFETIME = 10 * 60  # seconds; see the module's docstring
PREFIX = "directory:v2"
GENERATION = f"{PREFIX}:generation"


class Audience(enum.Enum):
    """Whom a cached directory figure is for: the same value for everyone in one audience."""

    EVERYONE_EVER = "all"  # HR: active people and former colleagues
    ACTIVE = "active"  # every other viewer who may browse the directory


def cached(kind: str, audience: Audience, compute: Callable[[], T], *, part: object = "") -> T:
    """The value of `kind` (for one `part`, e.g. a unit's id) for `audience`: from the cache
    when it was kept in the current generation, else computed and kept. One cache read."""
    key = f"{PREFIX}:{kind}:{audience.value}:{part}"
    found = cache.get_many([GENERATION, key])
    generation = found.get(GENERATION) or _new_generation(only_if_none=True)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    value = compute()
    cache.set(key, (generation, value), LIFETIME)
    return value


def _new_generation(*, only_if_none: bool = False) -> str:
    token = uuid.uuid4().hex
    if not only_if_none:
        cache.set(GENERATION, token, None)
        return token
    if cache.add(GENERATION, token, None):
        return token
    return str(cache.get(GENERATION) or token)  # another process started one just now


def _forget() -> None:
    _new_generation()


def directory_changed() -> None:
    """Forget every cached figure now and once the current transaction commits (at once
    outside one). Call it after any write that adds, removes, moves or switches off people,
    changes their city, or moves a team."""
    _forget()
    transaction.on_commit(_forget, robust=True)


def _written(sender: Any, **kwargs: Any) -> None:
    directory_changed()


def connect_signals() -> None:
    """`save()` and `delete()` of a Person or an OrgUnit anywhere (a service, a test factory,
    the admin) forget the figures; bulk writes (`update()`, `bulk_update()`, raw SQL) call
    `directory_changed()` themselves."""
    from kith.directory.models import OrgUnit, Person

    for model in (Person, OrgUnit):
        name = model._meta.model_name
        post_save.connect(_written, sender=model, dispatch_uid=f"directory.cache.{name}.saved")
        post_delete.connect(_written, sender=model, dispatch_uid=f"directory.cache.{name}.del")
