"""Email through a real SMTP server (aiosmtpd in its own process), the way production sends."""

from __future__ import annotations

import datetime as dt

from kith.notify import services
from kith.notify.models import Notification
from kith.notify.services import Attachment
from kith.notify.tasks import deliver_due_notifications, deliver_email
from kith.notify.tests.conftest import ALWAYS_AT_WORK

INVITE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kith//test//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:coffee-1@kith\r\nDTSTAMP:20300515T090000Z\r\n"
    "DTSTART:20300516T100000Z\r\nDTEND:20300516T103000Z\r\nSUMMARY:Coffee with Bea\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_email_arrives_with_recipient_subject_link_and_calendar_file(
    smtp_server, make_person, settings, django_capture_on_commit_callbacks
):
    settings.KITH_BASE_URL = "https://kith.example.org"
    settings.DEFAULT_FROM_EMAIL = "Kith <kith@example.org>"
    ana = make_person(email="ana@example.org", **ALWAYS_AT_WORK)
    with django_capture_on_commit_callbacks(execute=True):
        note = services.notification_send(
            person=ana,
            subject="Coffee with Bea — Thursday",
            body="Bea would love to meet you.",
            url="/connect/intros/1/",
            attachments=[Attachment("coffee.ics", "text/calendar", INVITE)],
        )

    assert deliver_email.call(note.pk) is True  # the queued task, as the worker runs it

    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["ana@example.org"]
    assert received.mail_from == "kith@example.org"
    assert received.message["To"] == "ana@example.org"
    assert received.message["Subject"] == "Coffee with Bea — Thursday"
    assert received.message["Auto-Submitted"] == "auto-generated"
    assert "Bea would love to meet you." in received.text
    assert "https://kith.example.org/connect/intros/1/" in received.text
    [calendar] = received.attachments
    assert calendar.get_filename() == "coffee.ics"
    assert calendar.get_content_type() == "text/calendar"
    assert "SUMMARY:Coffee with Bea" in calendar.get_content()
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.SENT


def test_sweep_sends_every_due_email_over_the_real_server(smtp_server, make_person):
    people = [make_person(**ALWAYS_AT_WORK) for _ in range(3)]
    for person in people:
        services.notification_send(person=person, subject=f"Hello {person.full_name}")

    assert deliver_due_notifications.call() == 3  # the periodic task
    assert deliver_due_notifications.call() == 0  # and never twice

    received = smtp_server.wait_for(3)
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(p.email for p in people)
    assert {r.message["Subject"] for r in received} == {f"Hello {p.full_name}" for p in people}
    assert len({r.peer for r in received}) == 1  # one SMTP connection for the whole sweep


def test_a_server_that_refuses_gets_a_retry_later(smtp_server, make_person):
    ana = make_person(**ALWAYS_AT_WORK)
    note = services.notification_send(person=ana, subject="Try again")
    smtp_server.refuse()

    assert services.notification_deliver_email(notification_id=note.pk) is False
    note.refresh_from_db()
    assert (note.email_state, note.email_attempts) == (Notification.EmailState.FAILED, 1)
    assert smtp_server.messages() == []

    smtp_server.refuse(False)
    assert services.notifications_deliver_due() == 0  # the retry is not due yet
    assert note.email_retry_at is not None
    later = note.email_retry_at + dt.timedelta(seconds=1)
    assert services.notifications_deliver_due(now=later) == 1
    [received] = smtp_server.wait_for(1)
    assert received.message["Subject"] == "Try again"
    note.refresh_from_db()
    assert (note.email_state, note.email_attempts) == (Notification.EmailState.SENT, 2)


def test_one_refused_recipient_does_not_hold_up_the_rest_of_the_sweep(smtp_server, make_person):
    ana, bea, cai = (make_person(**ALWAYS_AT_WORK) for _ in range(3))
    for person in (ana, bea, cai):
        services.notification_send(person=person, subject="Hi")
    smtp_server.refuse(only=(bea.email,))

    assert services.notifications_deliver_due() == 2

    received = smtp_server.wait_for(2)
    assert sorted(r.rcpt_tos[0] for r in received) == sorted([ana.email, cai.email])
    states = dict(Notification.objects.values_list("person__email", "email_state"))
    assert states[bea.email] == Notification.EmailState.FAILED
