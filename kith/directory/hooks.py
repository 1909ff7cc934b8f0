"""What other apps may hear about from the directory, without the directory importing them.

Dependencies point down (DESIGN §2): touchpoints, connect and the rest import the directory,
never the other way round. An app that wants to act when people join registers a callback
here in its `AppConfig.ready()`; the directory calls it once the write that added the people
has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

PeopleAdded = Callable[[list[int]], None]
PeopleLeft = Callable[[list[int]], None]

_people_added: dict[str, PeopleAdded] = {}
_people_left: dict[str, PeopleLeft] = {}


def register_people_added(callback: PeopleAdded, *, key: str | None = None) -> None:
    """Call `callback(person_ids)` after people are added to the directory (an import's new
    rows). Registering the same key again (a second `ready()` in tests) replaces it."""
    _people_added[key or f"{callback.__module__}.{callback.__qualname__}"] = callback


def people_added(person_ids: Iterable[int]) -> None:
    """Tell every registered app about new people, once the current transaction commits (at
    once outside one). A failing callback is logged and the others still run: the people are
    in the directory whatever an app downstream makes of them."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    for callback in list(_people_added.values()):
        transaction.on_commit(_bound(callback, ids), robust=True)


def register_people_left(callback: PeopleLeft, *, key: str | None = None) -> None:
    """Call `callback(person_ids)` after people leave the directory (an import or SCIM switched
    them off). Registering the same key again (a second `ready()` in tests) replaces it."""
    _people_left[key or f"{callback.__module__}.{callback.__qualname__}"] = callback


def people_left(person_ids: Iterable[int]) -> None:
    """Tell every registered app that people left, once the current transaction commits (at
    once outside one). A failing callback is logged and the others still run, as for
    `people_added`."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    for callback in list(_people_left.values()):
        transaction.on_commit(_bound(callback, ids), robust=True)


_emails_changed: dict[str, PeopleAdded] = {}


def register_emails_changed(callback: PeopleAdded, *, key: str | None = None) -> None:
    """Call `callback(person_ids)` after people's work email changed (an import, SCIM, an
    edit): whatever was found by the old address (a chat account) must be found again."""
    _emails_changed[key or f"{callback.__module__}.{callback.__qualname__}"] = callback


def emails_changed(person_ids: Iterable[int]) -> None:
    ids = sorted(set(person_ids))
    if not ids:
        return
    for callback in list(_emails_changed.values()):
        transaction.on_commit(_bound(callback, ids), robust=True)


def _bound(callback: PeopleAdded, ids: list[int]) -> Callable[[], None]:
    def run() -> None:
        callback(list(ids))

    return run
