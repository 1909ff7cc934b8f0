"""What the directory keeps in the shared cache, and the one place that forgets it.

At 100,000 people the search page's city suggestions (a DISTINCT over everyone) and the
headcount behind the unfiltered directory and the home page (a COUNT over everyone) cost
100–160 ms and 10–30 ms on PostgreSQL, on every request, for a value that changes only when
the directory does. Both depend on the viewer only through what they may see, so each is kept
once per kind of viewer (`Audience`): HR, who also see former colleagues, and everyone else,
who see active people. A viewer who may not browse the directory gets nothing and asks for
nothing; no entry ever holds a person, only city names and numbers that its audience sees on
the page anyway.

The owner is `directory_changed()`: every write to people calls it (the import's and SCIM's
writer, deactivations, `Person.save()` and `delete()` through the signals connected in
`connect_signals`). It forgets at once, and again when the transaction commits, so a request
that read the old rows while the write was under way cannot leave them behind. `LIFETIME` is
the backstop for a write outside Kith's code (a manual SQL fix): it is short enough that the
suggestions are never wrong for long, and long enough to spare the database.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

LIFETIME = 10 * 60  # seconds; see the module's docstring
PREFIX = "directory:v1"


class Audience(enum.Enum):
    """Whom a cached directory figure is for: the same value for everyone in one audience."""

    EVERYONE_EVER = "all"  # HR: active people and former colleagues
    ACTIVE = "active"  # every other viewer who may browse the directory


KINDS = ("cities", "headcount")


def _key(kind: str, audience: Audience) -> str:
    return f"{PREFIX}:{kind}:{audience.value}"


def cached(kind: str, audience: Audience, compute: Callable[[], T]) -> T:
    """The cached value of `kind` for `audience`, computed and kept on a miss."""
    key = _key(kind, audience)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, LIFETIME)
    return value


def _forget() -> None:
    cache.delete_many([_key(kind, audience) for kind in KINDS for audience in Audience])


def directory_changed() -> None:
    """Forget the cached figures now and once the current transaction commits (at once
    outside one). Call it after any write that adds, removes, moves or switches off people
    or changes their city."""
    _forget()
    transaction.on_commit(_forget, robust=True)


def _person_written(sender: Any, **kwargs: Any) -> None:
    directory_changed()


def connect_signals() -> None:
    """`Person.save()` and `delete()` anywhere (a service, a test factory, the admin) forget
    the figures; bulk writes (`update()`, raw SQL) call `directory_changed()` themselves."""
    from kith.directory.models import Person

    post_save.connect(_person_written, sender=Person, dispatch_uid="directory.cache.saved")
    post_delete.connect(_person_written, sender=Person, dispatch_uid="directory.cache.deleted")
