"""Who may manage webhooks: HR admins, as for every organisation-wide integration."""

from __future__ import annotations

from kith.core.permissions import Viewer

ONLY_HR = "Only HR admins manage webhooks."


def can_manage_webhooks(viewer: Viewer) -> bool:
    return viewer.is_authenticated and viewer.is_hr
