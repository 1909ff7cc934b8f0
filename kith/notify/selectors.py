from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from kith.directory.models import Person
from kith.notify.models import Notification


def delivered_notifications(
    *, person: Person, now: dt.datetime | None = None
) -> QuerySet[Notification]:
    """What the person can see now: nothing scheduled for their quiet hours shows early."""
    return Notification.objects.filter(
        person=person, deliver_at__lte=now or timezone.now()
    ).order_by("-deliver_at", "-id")


def held_notifications(
    *, person: Person, now: dt.datetime | None = None, limit: int = 50
) -> QuerySet[Notification]:
    """What is already due but held for the person's working hours or quiet hours, soonest
    first: the inbox shows them as on their way, with their time, so it never looks empty
    right after a page said "it is in your inbox". A message the sender scheduled for later
    (a reminder) is not due yet and is not among them."""
    now = now or timezone.now()
    return Notification.objects.filter(person=person, deliver_at__gt=now, due_at__lte=now).order_by(
        "deliver_at", "id"
    )[:limit]


def unread_count_for_person(*, person: Person, now: dt.datetime | None = None) -> int:
    return delivered_notifications(person=person, now=now).filter(read_at__isnull=True).count()


def my_notifications_data(person: Person) -> list[dict[str, object]]:
    """For the person's own export: every notification queued for them."""
    rows = Notification.objects.filter(person=person).values(
        "kind",
        "subject",
        "body",
        "url",
        "created_at",
        "deliver_at",
        "read_at",
        "email_state",
        "chat_provider",
        "chat_state",
        "attachments",
    )
    return [dict(row) for row in rows]


def my_chat_accounts_data(person: Person) -> list[dict[str, object]]:
    """For the person's own export: their accounts on chat tools (ids only)."""
    from kith.notify.models import ChatIdentity

    rows = ChatIdentity.objects.filter(person=person).order_by("provider")
    return [dict(row) for row in rows.values("provider", "external_id", "linked_at")]
