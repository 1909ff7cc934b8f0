"""Who may connect a calendar and who sets the organisation's calendar providers."""

from __future__ import annotations

from kith.core.permissions import Viewer, can_take_part


def can_connect_calendar(viewer: Viewer) -> bool:
    """Each active colleague connects, tests and disconnects their own calendar only."""
    return can_take_part(viewer)


def can_manage_calendar_settings(viewer: Viewer) -> bool:
    """HR admins hold the organisation's Google and Microsoft credentials."""
    return viewer.is_hr
