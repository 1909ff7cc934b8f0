"""Reads for the webhook pages, already authorised for the viewer (HR only)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kith.core.permissions import Viewer, require
from kith.webhooks.models import Delivery, Endpoint
from kith.webhooks.permissions import ONLY_HR, can_manage_webhooks

LOG_SIZE = 200


def endpoints_for_viewer(viewer: Viewer) -> QuerySet[Endpoint]:
    require(can_manage_webhooks(viewer), ONLY_HR)
    return Endpoint.objects.annotate(
        failed=Count("deliveries", filter=Q(deliveries__state=Delivery.State.FAILED)),
        waiting=Count("deliveries", filter=Q(deliveries__state=Delivery.State.PENDING)),
    ).defer("secret")


def endpoint_for_viewer(viewer: Viewer, endpoint_id: int) -> Endpoint | None:
    require(can_manage_webhooks(viewer), ONLY_HR)
    return Endpoint.objects.filter(pk=endpoint_id).first()


def deliveries_for_viewer(viewer: Viewer, endpoint: Endpoint) -> list[Delivery]:
    """The newest LOG_SIZE deliveries: type, time, state, attempts, status (never the body)."""
    require(can_manage_webhooks(viewer), ONLY_HR)
    rows = Delivery.objects.filter(endpoint=endpoint).defer("payload")
    return list(rows.order_by("-created_at", "-id")[:LOG_SIZE])
