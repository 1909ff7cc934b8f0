from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kith.core.models import AuditEvent
from kith.core.permissions import Viewer, can_view_audit_log, require


def record(*, actor: Any, action: str, target: str = "", **detail: Any) -> AuditEvent:
    """Write one audit row. Never pass message content or survey answers in `detail`."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(actor=user, action=action, target=target, detail=detail)


def audit_events_for_viewer(viewer: Viewer) -> QuerySet[AuditEvent]:
    require(can_view_audit_log(viewer), _("Only HR admins can read the audit log."))
    return AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
