"""Who gets a place: going until the room is full, then the waitlist in order. Pure."""

from __future__ import annotations


def has_room(capacity: int | None, going: int) -> bool:
    """No capacity means no limit."""
    return capacity is None or going < capacity


def places_to_fill(capacity: int | None, going: int, waiting: int) -> int:
    """How many people to move from the waitlist to going, first come first served."""
    if waiting <= 0:
        return 0
    if capacity is None:
        return waiting
    return max(0, min(waiting, capacity - going))
