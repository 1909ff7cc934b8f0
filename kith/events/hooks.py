"""What other apps may hear about from Events, without Events importing them.

Dependencies point down (DESIGN §2): an app that wants to act when an event is created registers
a callback here in its `AppConfig.ready()`; Events calls it once the write has committed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

EventCreated = Callable[[int], None]

_event_created: dict[str, EventCreated] = {}


def register_event_created(callback: EventCreated, *, key: str | None = None) -> None:
    """Call `callback(event_id)` after an event is created. Registering the same key again (a
    second `ready()` in tests) replaces it."""
    _event_created[key or f"{callback.__module__}.{callback.__qualname__}"] = callback


def event_created(event_id: int) -> None:
    """Tell every registered app, once the current transaction commits (at once outside one). A
    failing callback is logged and the others still run: the event exists whatever an app
    downstream makes of it."""
    for callback in list(_event_created.values()):
        transaction.on_commit(_bound(callback, event_id), robust=True)


def _bound(callback: EventCreated, event_id: int) -> Callable[[], None]:
    def run() -> None:
        callback(event_id)

    return run
