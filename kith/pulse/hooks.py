"""What other apps may hear about from Pulse, without Pulse importing them.

Dependencies point down (DESIGN §2): an app that wants to act when a wave closes and its results
are published registers a callback here in its `AppConfig.ready()`; Pulse calls it once the
write has committed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

WaveClosed = Callable[[int], None]

_wave_closed: dict[str, WaveClosed] = {}


def register_wave_closed(callback: WaveClosed, *, key: str | None = None) -> None:
    """Call `callback(wave_id)` after a wave closes and its results are published. Registering the
    same key again (a second `ready()` in tests) replaces it."""
    _wave_closed[key or f"{callback.__module__}.{callback.__qualname__}"] = callback


def wave_closed(wave_id: int) -> None:
    """Tell every registered app, once the current transaction commits (at once outside one). A
    failing callback is logged and the others still run: the results are published whatever
    an app downstream makes of them."""
    for callback in list(_wave_closed.values()):
        transaction.on_commit(_bound(callback, wave_id), robust=True)


def _bound(callback: WaveClosed, wave_id: int) -> Callable[[], None]:
    def run() -> None:
        callback(wave_id)

    return run
