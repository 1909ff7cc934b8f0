"""Sending notifications: quiet hours, exactly-once email, retries. Times are passed explicitly
(`now=`), so nothing here depends on when the suite runs."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from kith.notify import selectors, services
from kith.notify.models import Notification
from kith.notify.services import MAX_EMAIL_ATTEMPTS, Attachment
from kith.notify.tasks import deliver_email
from kith.notify.tests.conftest import ALWAYS_AT_WORK
from kith.notify.tests.smtp import free_port

LISBON = ZoneInfo("Europe/Lisbon")
State = Notification.EmailState


def lisbon(y: int, m: int, d: int, hour: int = 0, minute: int = 0, second: int = 0):
    return dt.datetime(y, m, d, hour, minute, second, tzinfo=LISBON)


TUESDAY_NIGHT = lisbon(2030, 5, 14, 22, 0)
WEDNESDAY_MORNING = lisbon(2030, 5, 15, 9, 0)
WEDNESDAY_NOON = lisbon(2030, 5, 15, 12, 0)


@pytest.fixture
def refusing_smtp(settings):
    """An SMTP address where nothing listens: every connection is refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2
    return settings


def reload(notification: Notification) -> Notification:
    notification.refresh_from_db()
    return notification


# --- quiet hours ------------------------------------------------------------------------------


def test_a_held_message_is_listed_as_on_its_way_until_it_arrives(make_person):
    ana = make_person()
    note = services.notification_send(person=ana, subject="Meet Bea", now=TUESDAY_NIGHT)
    reminder = services.notification_send(
        person=ana, subject="Tomorrow", due=lisbon(2030, 5, 20, 9), now=TUESDAY_NIGHT
    )
    assert list(selectors.held_notifications(person=ana, now=TUESDAY_NIGHT)) == [note]
    assert reminder.deliver_at > note.deliver_at  # the sender's later time: not held, not due
    assert list(selectors.held_notifications(person=ana, now=WEDNESDAY_MORNING)) == []
    assert list(selectors.delivered_notifications(person=ana, now=WEDNESDAY_MORNING)) == [note]


def test_message_in_quiet_hours_waits_for_the_next_working_hour(
    make_person, django_capture_on_commit_callbacks
):
    ana = make_person()
    with django_capture_on_commit_callbacks() as callbacks:
        note = services.notification_send(
            person=ana, subject="Meet Bea", url="/people/2/", now=TUESDAY_NIGHT
        )
    assert note.deliver_at == WEDNESDAY_MORNING
    assert callbacks == []  # nothing queued for immediate delivery

    for quiet in (TUESDAY_NIGHT, lisbon(2030, 5, 15, 8, 59, 59)):
        assert list(selectors.delivered_notifications(person=ana, now=quiet)) == []
        assert selectors.unread_count_for_person(person=ana, now=quiet) == 0
        assert services.notifications_deliver_due(now=quiet) == 0
        assert services.notification_deliver_email(notification_id=note.pk, now=quiet) is False
    assert mail.outbox == []
    assert reload(note).email_state == State.PENDING

    assert list(selectors.delivered_notifications(person=ana, now=WEDNESDAY_MORNING)) == [note]
    assert selectors.unread_count_for_person(person=ana, now=WEDNESDAY_MORNING) == 1
    assert services.notifications_deliver_due(now=WEDNESDAY_MORNING) == 1
    assert [m.to for m in mail.outbox] == [[ana.email]]
    note = reload(note)
    assert (note.email_state, note.email_attempts) == (State.SENT, 1)
    assert note.emailed_at == WEDNESDAY_MORNING


def test_a_due_time_in_the_past_still_waits_for_working_hours(make_person):
    ana = make_person()
    note = services.notification_send(
        person=ana, subject="Late", due=lisbon(2030, 5, 14, 11, 0), now=TUESDAY_NIGHT
    )
    assert note.deliver_at == WEDNESDAY_MORNING


def test_quiet_hours_follow_the_persons_own_zone_and_days(make_person):
    tokyo_weekender = make_person(timezone="Asia/Tokyo", work_days=[6, 7])
    note = services.notification_send(person=tokyo_weekender, subject="Hi", now=WEDNESDAY_NOON)
    assert note.deliver_at == dt.datetime(2030, 5, 18, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_person_with_a_broken_time_zone_falls_back_to_the_organisation_zone(make_person, settings):
    settings.TIME_ZONE = "Europe/Lisbon"
    ana = make_person(timezone="Not/AZone")
    note = services.notification_send(person=ana, subject="Hi", now=TUESDAY_NIGHT)
    assert note.deliver_at == WEDNESDAY_MORNING


def test_message_due_now_is_queued_for_immediate_email(
    make_person, django_capture_on_commit_callbacks
):
    ana = make_person(**ALWAYS_AT_WORK)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = services.notification_send(person=ana, subject="Now")
    assert len(callbacks) == 1
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "kith.notify.tasks.deliver_email"
    assert queued.args_kwargs["args"] == [note.pk]
    assert deliver_email.call(note.pk) is True  # what the worker runs
    assert len(mail.outbox) == 1


def test_in_app_only_and_unreachable_people_get_no_email(make_person):
    ana = make_person(**ALWAYS_AT_WORK)
    former = make_person(is_active=False, **ALWAYS_AT_WORK)
    in_app = services.notification_send(person=ana, subject="In app", email=False)
    gone = services.notification_send(person=former, subject="Bye")
    assert in_app.email_state == gone.email_state == State.NONE
    assert services.notifications_deliver_due() == 0
    assert mail.outbox == []


def test_person_who_left_before_delivery_is_not_emailed(make_person):
    ana = make_person()
    note = services.notification_send(person=ana, subject="Later", now=TUESDAY_NIGHT)
    ana.is_active = False
    ana.save()
    assert services.notifications_deliver_due(now=WEDNESDAY_MORNING) == 0
    assert mail.outbox == []
    assert reload(note).email_state == State.NONE


def test_subject_is_one_line_and_url_must_be_safe(make_person):
    ana = make_person()
    note = services.notification_send(person=ana, subject="Coffee\r\nBcc: x@evil.test  soon")
    assert note.subject == "Coffee Bcc: x@evil.test soon"
    for bad in ("javascript:alert(1)", "//evil.test/", "mailto:a@b.c"):
        with pytest.raises(ValueError, match="url"):
            services.notification_send(person=ana, subject="x", url=bad)
    with pytest.raises(ValueError, match="aware"):
        services.notification_send(person=ana, subject="x", due=dt.datetime(2030, 1, 1, 9))
    assert Notification.objects.count() == 1


# --- exactly once ---------------------------------------------------------------------------


def test_email_is_sent_exactly_once_however_often_delivery_is_asked(make_person):
    ana = make_person()
    note = services.notification_send(person=ana, subject="Once", now=TUESDAY_NIGHT)
    assert services.notification_deliver_email(notification_id=note.pk, now=WEDNESDAY_NOON)
    assert not services.notification_deliver_email(notification_id=note.pk, now=WEDNESDAY_NOON)
    assert services.notifications_deliver_due(now=WEDNESDAY_NOON) == 0
    assert deliver_email.call(note.pk) is False
    assert len(mail.outbox) == 1
    assert reload(note).email_attempts == 1


def test_a_claim_taken_by_another_sender_is_left_alone(make_person):
    ana = make_person()
    note = services.notification_send(person=ana, subject="Taken", now=TUESDAY_NIGHT)
    Notification.objects.filter(pk=note.pk).update(
        email_state=State.SENDING, email_attempts=1, email_retry_at=WEDNESDAY_NOON
    )
    assert services.notifications_deliver_due(now=lisbon(2030, 5, 15, 11, 59)) == 0
    assert mail.outbox == []


def test_a_sender_that_crashed_mid_send_is_replaced_after_its_lease(make_person):
    ana = make_person()
    note = services.notification_send(person=ana, subject="Crashed", now=TUESDAY_NIGHT)
    lapsed = WEDNESDAY_MORNING + services.SENDING_LEASE
    Notification.objects.filter(pk=note.pk).update(
        email_state=State.SENDING, email_attempts=1, email_retry_at=lapsed
    )
    assert services.notifications_deliver_due(now=lapsed) == 1
    assert (reload(note).email_state, note.email_attempts) == (State.SENT, 2)


def test_a_lapsed_claim_on_the_last_attempt_is_marked_failed(make_person):
    ana = make_person()
    note = services.notification_send(person=ana, subject="Crashed", now=TUESDAY_NIGHT)
    Notification.objects.filter(pk=note.pk).update(
        email_state=State.SENDING, email_attempts=MAX_EMAIL_ATTEMPTS, email_retry_at=WEDNESDAY_NOON
    )
    assert services.notifications_deliver_due(now=WEDNESDAY_NOON) == 0
    assert (reload(note).email_state, note.email_retry_at) == (State.FAILED, None)


# --- failures and retries -------------------------------------------------------------------


def test_refused_email_is_retried_later_then_given_up(make_person, refusing_smtp, caplog):
    ana = make_person()
    note = services.notification_send(person=ana, subject="Refused", now=TUESDAY_NIGHT)
    now = WEDNESDAY_MORNING
    expected_waits = [*services.RETRY_DELAYS, None]
    with caplog.at_level(logging.WARNING, logger="kith.notify.services"):
        for attempt, wait in enumerate(expected_waits, start=1):
            assert services.notifications_deliver_due(now=now) == 0
            note = reload(note)
            assert (note.email_state, note.email_attempts) == (State.FAILED, attempt)
            assert note.email_retry_at == (now + wait if wait else None)
            # Not retried before its time.
            assert services.notifications_deliver_due(now=now + dt.timedelta(seconds=30)) == 0
            assert reload(note).email_attempts == attempt
            now += wait or dt.timedelta(days=1)
    assert note.email_attempts == MAX_EMAIL_ATTEMPTS
    assert services.notifications_deliver_due(now=now + dt.timedelta(days=30)) == 0
    assert reload(note).email_attempts == MAX_EMAIL_ATTEMPTS
    assert "giving up" in caplog.text
    assert ana.email not in caplog.text  # the log names the notification, not the person


def test_email_goes_out_once_the_server_takes_it_again(make_person, refusing_smtp):
    ana = make_person()
    note = services.notification_send(person=ana, subject="Eventually", now=TUESDAY_NIGHT)
    assert services.notifications_deliver_due(now=WEDNESDAY_MORNING) == 0
    refusing_smtp.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry_at = reload(note).email_retry_at
    assert retry_at == WEDNESDAY_MORNING + services.RETRY_DELAYS[0]
    assert services.notifications_deliver_due(now=retry_at) == 1
    assert len(mail.outbox) == 1
    assert (reload(note).email_state, note.email_attempts) == (State.SENT, 2)


def test_a_retry_waits_for_working_hours_too(make_person, refusing_smtp):
    ana = make_person()
    note = services.notification_send(person=ana, subject="Late", now=TUESDAY_NIGHT)
    services.notification_deliver_email(notification_id=note.pk, now=lisbon(2030, 5, 15, 16, 59))
    assert reload(note).email_retry_at == lisbon(2030, 5, 16, 9, 0)


def test_sweep_stops_after_failures_in_a_row(make_person, refusing_smtp):
    people = [make_person() for _ in range(5)]
    for person in people:
        services.notification_send(person=person, subject="Hello", now=TUESDAY_NIGHT)
    assert services.notifications_deliver_due(now=WEDNESDAY_MORNING) == 0
    attempts = sorted(Notification.objects.values_list("email_attempts", flat=True))
    assert attempts == [0, 0, 1, 1, 1]


# --- content and reading ------------------------------------------------------------------------


def test_email_carries_an_absolute_link_attachments_and_no_reply_header(make_person, settings):
    settings.KITH_BASE_URL = "https://kith.example.org"
    settings.KITH_ORG_NAME = "Example Co"
    ana = make_person(**ALWAYS_AT_WORK)
    invite = Attachment("coffee.ics", "text/calendar", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    note = services.notification_send(
        person=ana, subject="Coffee", body="Bea says hi.", url="/people/7/", attachments=[invite]
    )
    assert services.notification_deliver_email(notification_id=note.pk)
    [message] = mail.outbox
    assert message.subject == "Coffee"
    assert "Bea says hi.\n\nhttps://kith.example.org/people/7/" in message.body
    assert "part of Example Co" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.attachments == [
        ("coffee.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    ]


def test_mark_read_touches_only_the_persons_delivered_messages(make_person):
    ana, bea = make_person(), make_person()
    delivered = services.notification_send(person=ana, subject="a", now=WEDNESDAY_MORNING)
    also = services.notification_send(person=ana, subject="b", now=WEDNESDAY_MORNING)
    later = services.notification_send(person=ana, subject="c", due=lisbon(2030, 5, 20, 10, 0))
    others = services.notification_send(person=bea, subject="d", now=WEDNESDAY_MORNING)

    assert (
        services.notification_mark_read(person=ana, notification_id=others.pk, now=WEDNESDAY_NOON)
        == 0
    )
    assert (
        services.notification_mark_read(
            person=ana, notification_id=delivered.pk, now=WEDNESDAY_NOON
        )
        == 1
    )
    assert selectors.unread_count_for_person(person=ana, now=WEDNESDAY_NOON) == 1
    assert services.notification_mark_read(person=ana, now=WEDNESDAY_NOON) == 1
    assert reload(also).read_at == WEDNESDAY_NOON
    assert reload(later).read_at is None  # not delivered yet: cannot have been read
    assert reload(others).read_at is None
