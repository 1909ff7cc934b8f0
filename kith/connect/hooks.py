"""What other apps may hear about from Connect, without Connect importing them.

Dependencies point down (DESIGN §2): an app that wants to act when a round is drawn registers a
callback here in its `AppConfig.ready()`; Connect calls it once the write has committed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

RoundDrawn = Callable[[int], None]

_round_drawn: dict[str, RoundDrawn] = {}


def register_round_drawn(callback: RoundDrawn, *, key: str | None = None) -> None:
    """Call `callback(round_id)` after a round is drawn. Registering the same key again (a second
    `ready()` in tests) replaces it."""
    _round_drawn[key or f"{callback.__module__}.{callback.__qualname__}"] = callback


def round_drawn(round_id: int) -> None:
    """Tell every registered app, once the current transaction commits (at once outside one). A
    failing callback is logged and the others still run: the round is drawn whatever an app
    downstream makes of it."""
    for callback in list(_round_drawn.values()):
        transaction.on_commit(_bound(callback, round_id), robust=True)


def _bound(callback: RoundDrawn, round_id: int) -> Callable[[], None]:
    def run() -> None:
        callback(round_id)

    return run
