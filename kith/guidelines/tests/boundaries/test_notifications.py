"""Boundaries hold notifications: tests with the real SMTP server (aiosmtpd in its own process).

The person works 9–17 UTC, Monday to Friday. 3–7 June 2030 is Monday to Friday.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kith.core.permissions import viewer_for_user
from kith.directory.models import ContactPreference
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.guidelines.models import TechFreeHours, WellnessWeek
from kith.guidelines.services import boundaries as services
from kith.notify import services as notify
from kith.notify.models import Notification
from kith.notify.selectors import delivered_notifications
from kith.notify.tasks import reschedule_notifications

UTC = dt.UTC
OFFICE_HOURS = {
    "timezone": "UTC",
    "work_start": dt.time(9),
    "work_end": dt.time(17),
    "work_days": [1, 2, 3, 4, 5],
}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, 6, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def hr_viewer(db):
    return viewer_for_user(login_for(PersonFactory(), hr=True))


def test_nothing_is_emailed_or_shown_during_a_wellness_week_and_it_arrives_after_in_working_hours(
    smtp_server, make_person
):
    WellnessWeek.objects.create(
        name="Summer log-off", starts_on=dt.date(2030, 6, 3), ends_on=dt.date(2030, 6, 7)
    )
    ana = make_person(email="ana@example.org", **OFFICE_HOURS)

    note = notify.notification_send(person=ana, subject="Coffee with Bea", now=at(4, 10))

    assert note.deliver_at == dt.datetime(2030, 6, 10, 9, tzinfo=UTC)  # next Monday, 9:00
    for moment in (at(4, 10), at(5, 12), at(7, 16, 59), dt.datetime(2030, 6, 9, 12, tzinfo=UTC)):
        assert notify.notifications_deliver_due(now=moment) == 0
        assert not delivered_notifications(person=ana, now=moment).exists()  # inbox empty too
    assert smtp_server.messages() == []

    assert notify.notifications_deliver_due(now=dt.datetime(2030, 6, 10, 9, tzinfo=UTC)) == 1
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["ana@example.org"]
    assert received.message["Subject"] == "Coffee with Bea"
    assert delivered_notifications(person=ana, now=dt.datetime(2030, 6, 10, 9, tzinfo=UTC)).count()


def test_nothing_is_emailed_inside_tech_free_hours_of_the_team_or_a_unit_above_it(
    smtp_server, make_person
):
    department = OrgUnitFactory(name="Engineering", kind="department")
    team = OrgUnitFactory(name="Platform", parent=department)
    # Friday 13:00–15:00, set on the department: it reaches every team below it.
    TechFreeHours.objects.create(
        org_unit=department, weekday=5, starts_at=dt.time(13), ends_at=dt.time(15)
    )
    ana = make_person(email="ana@example.org", org_unit=team, **OFFICE_HOURS)
    elsewhere = make_person(email="eli@example.org", **OFFICE_HOURS)  # no team: not concerned

    held = notify.notification_send(person=ana, subject="Your intro", now=at(7, 13, 30))
    free = notify.notification_send(person=elsewhere, subject="Your intro", now=at(7, 13, 30))

    assert held.deliver_at == at(7, 15)
    assert free.deliver_at == at(7, 13, 30)
    assert notify.notifications_deliver_due(now=at(7, 14)) == 1
    [first] = smtp_server.wait_for(1)
    assert first.rcpt_tos == ["eli@example.org"]
    assert not delivered_notifications(person=ana, now=at(7, 14, 59)).exists()

    assert notify.notifications_deliver_due(now=at(7, 15)) == 1
    received = smtp_server.wait_for(2)
    assert sorted(r.rcpt_tos[0] for r in received) == ["ana@example.org", "eli@example.org"]


def test_the_sweep_moves_an_email_that_became_due_inside_a_new_quiet_period(
    smtp_server, make_person
):
    team = OrgUnitFactory()
    ana = make_person(email="ana@example.org", org_unit=team, **OFFICE_HOURS)
    note = notify.notification_send(person=ana, subject="Hello", now=at(7, 12))
    assert note.deliver_at == at(7, 12)
    # Set after the message was queued (and before anything rescheduled it).
    TechFreeHours.objects.create(
        org_unit=team, weekday=5, starts_at=dt.time(13), ends_at=dt.time(17)
    )

    assert notify.notifications_deliver_due(now=at(7, 13, 5)) == 0

    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.PENDING
    assert note.email_attempts == 0
    # Only the email waits: the message is already in the inbox and stays there.
    assert note.deliver_at == at(7, 12)
    assert note.email_retry_at == dt.datetime(2030, 6, 10, 9, tzinfo=UTC)  # Friday ends at 17
    assert smtp_server.messages() == []
    assert notify.notifications_deliver_due(now=dt.datetime(2030, 6, 10, 9, tzinfo=UTC)) == 1
    smtp_server.wait_for(1)


def test_tech_free_hours_over_every_working_hour_never_release_a_message_inside_them(
    make_person,
):
    """Quiet periods are read a horizon (60 days) at a time: a moment past the horizon is not
    free just because nothing was read there."""
    team = OrgUnitFactory()
    ana = make_person(email="ana@example.org", org_unit=team, **OFFICE_HOURS)
    for weekday in range(1, 6):
        TechFreeHours.objects.create(
            org_unit=team, weekday=weekday, starts_at=dt.time(0), ends_at=dt.time(23, 59)
        )
    TechFreeHours.objects.filter(org_unit=team, weekday=3).delete()
    WellnessWeek.objects.create(
        name="Long log-off", starts_on=dt.date(2030, 6, 10), ends_on=dt.date(2030, 8, 31)
    )
    note = notify.notification_send(person=ana, subject="Hello", now=at(7, 12))
    # The first Wednesday after the wellness week (past the first 60-day horizon), at 9.
    assert note.deliver_at == dt.datetime(2030, 9, 4, 9, tzinfo=UTC)


def test_a_new_wellness_week_reschedules_waiting_notifications_and_cancelling_it_brings_them_back(
    make_person, hr_viewer, django_capture_on_commit_callbacks
):
    ana = make_person(**OFFICE_HOURS)
    note = notify.notification_send(
        person=ana, subject="Round 4", due=at(4, 10), now=at(1, 10)
    )  # queued on Saturday for Tuesday
    assert note.deliver_at == at(4, 10)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        week = services.wellness_week_create(
            viewer=hr_viewer,
            name="Log-off",
            starts_on=dt.date(2030, 6, 3),
            ends_on=dt.date(2030, 6, 7),
            today=dt.date(2030, 6, 1),
        )
    assert len(callbacks) == 1  # the reschedule task is queued after commit
    assert notify.notifications_reschedule(now=at(1, 10)) == 1
    note.refresh_from_db()
    assert note.deliver_at == dt.datetime(2030, 6, 10, 9, tzinfo=UTC)

    services.wellness_week_cancel(viewer=hr_viewer, week=week, today=dt.date(2030, 6, 1))
    assert notify.notifications_reschedule(now=at(1, 10)) == 1
    note.refresh_from_db()
    assert note.deliver_at == at(4, 10)  # as first asked


def test_new_tech_free_hours_reschedule_only_the_team_below_the_unit(make_person, db):
    team, other = OrgUnitFactory(), OrgUnitFactory()
    ana = make_person(org_unit=team, **OFFICE_HOURS)
    bo = make_person(org_unit=other, **OFFICE_HOURS)
    for person in (ana, bo):
        notify.notification_send(person=person, subject="Later", due=at(7, 14), now=at(3, 9))
    TechFreeHours.objects.create(
        org_unit=team, weekday=5, starts_at=dt.time(13), ends_at=dt.time(16)
    )

    assert reschedule_notifications.call(team.pk) == 1  # the task as the worker runs it

    assert Notification.objects.get(person=ana).deliver_at == at(7, 16)
    assert Notification.objects.get(person=bo).deliver_at == at(7, 14)


def test_in_app_preference_means_no_email_but_the_inbox(smtp_server, make_person):
    ana = make_person(**OFFICE_HOURS)
    ContactPreference.objects.create(person=ana, preferred_channel=ContactPreference.Channel.IN_APP)
    note = notify.notification_send(person=ana, subject="Kudos!", now=at(4, 10))

    assert note.email_state == Notification.EmailState.NONE
    assert notify.notifications_deliver_due(now=at(4, 10)) == 0
    assert smtp_server.messages() == []
    assert list(delivered_notifications(person=ana, now=at(4, 10))) == [note]


def test_a_pending_email_is_dropped_when_the_person_switches_to_in_app(smtp_server, make_person):
    ana = make_person(**OFFICE_HOURS)
    notify.notification_send(person=ana, subject="Kudos!", now=at(4, 10))
    ContactPreference.objects.create(person=ana, preferred_channel=ContactPreference.Channel.IN_APP)

    assert notify.notifications_deliver_due(now=at(4, 10)) == 0
    assert smtp_server.messages() == []


def test_security_notices_ignore_wellness_weeks_and_the_channel(make_person):
    WellnessWeek.objects.create(
        name="Log-off", starts_on=dt.date(2030, 6, 3), ends_on=dt.date(2030, 6, 7)
    )
    ana = make_person(**OFFICE_HOURS)
    ContactPreference.objects.create(person=ana, preferred_channel=ContactPreference.Channel.IN_APP)

    note = notify.notification_send(
        person=ana,
        subject="Your sign-in address changed",
        kind="directory.email_changed",
        now=at(4, 10),
    )

    assert note.deliver_at == at(4, 10)
    assert note.email_state == Notification.EmailState.PENDING
