from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for
from kith.notify.models import Notification
from kith.touchpoints.models import AgendaItem, Meeting, OneOnOne, TouchpointSettings
from kith.touchpoints.services import oneonones as s

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)  # a Monday


def viewer(person, *, hr=False):
    return viewer_for_user(login_for(person, hr=hr))


@pytest.fixture
def pair(employee, manager):
    return s.one_on_one_ensure(manager=manager, report=employee)


def test_sync_creates_one_pair_per_manager_and_report_and_lapses_moved_ones(db, manager, employee):
    other = PersonFactory(manager=manager)
    assert s.one_on_ones_sync() == {"created": 2, "revived": 0, "lapsed": 0}
    new_manager = PersonFactory()
    other.manager = new_manager
    other.save()
    assert s.one_on_ones_sync() == {"created": 1, "revived": 0, "lapsed": 1}
    assert OneOnOne.objects.filter(is_active=True).count() == 2
    assert OneOnOne.objects.get(report=employee).cadence_days == 14


def test_scheduled_meeting_lies_inside_both_working_hours_and_sends_ics(
    db, pair, manager, employee, django_capture_on_commit_callbacks
):
    manager.timezone, employee.timezone = "Europe/Lisbon", "America/New_York"
    manager.save()
    employee.save()
    pair = OneOnOne.objects.select_related("manager", "report").get(pk=pair.pk)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = s.meeting_schedule(one_on_one=pair, not_before=NOW, now=NOW)
    for person in (manager, employee):
        local = meeting.starts_at.astimezone(ZoneInfo(person.timezone))
        assert dt.time(9) <= local.time() and (local + dt.timedelta(minutes=30)).time() <= dt.time(
            17
        )
        note = Notification.objects.get(person=person, kind="touchpoints.meeting")
        assert "BEGIN:VCALENDAR" in note.attachments[0]["content"]
    with pytest.raises(ValidationError, match="already planned"):
        s.meeting_schedule(one_on_one=pair, not_before=NOW, now=NOW)


def test_talking_point_carries_over_until_done(db, pair, manager, employee):
    first = s.meeting_schedule(one_on_one=pair, starts_at=NOW + dt.timedelta(hours=2), now=NOW)
    item = s.agenda_add(viewer=viewer(employee), pair=pair, text="Conference budget", meeting=first)
    s.meeting_hold(viewer=viewer(manager), meeting=first, now=NOW + dt.timedelta(hours=3))
    nxt = Meeting.objects.filter(one_on_one=pair, status="planned").get()
    assert nxt.starts_at.date() >= (first.starts_at + dt.timedelta(days=12)).date()
    assert AgendaItem.objects.filter(one_on_one=pair, done_at__isnull=True).get() == item
    s.agenda_mark(viewer=viewer(manager), item=item, done=True, meeting=nxt)
    assert AgendaItem.objects.filter(one_on_one=pair, done_at__isnull=True).count() == 0


def test_only_participants_write(db, pair, hr_person):
    boss = PersonFactory()
    with pytest.raises(PermissionDenied):
        s.agenda_add(viewer=viewer(hr_person, hr=True), pair=pair, text="x")
    with pytest.raises(PermissionDenied):
        s.cadence_propose(viewer=viewer(boss), pair=pair, days=21)


def test_cadence_needs_the_other_side_and_respects_the_floor(db, pair, manager, employee):
    with pytest.raises(ValidationError, match="between 7 and 91"):
        s.cadence_propose(viewer=viewer(employee), pair=pair, days=120)
    s.cadence_propose(viewer=viewer(employee), pair=pair, days=21)
    with pytest.raises(ValidationError):
        s.cadence_answer(viewer=viewer(employee), pair=pair, accept=True)
    s.cadence_answer(viewer=viewer(manager), pair=pair, accept=True)
    assert OneOnOne.objects.get(pk=pair.pk).cadence_days == 21


def test_hr_floor_clamps_longer_cadences(db, pair, hr_person):
    OneOnOne.objects.filter(pk=pair.pk).update(cadence_days=60)
    s.settings_update(
        viewer=viewer(hr_person, hr=True),
        default_cadence_days=14,
        floor_cadence_days=30,
        one_on_one_minutes=30,
        skip_level_enabled=True,
        skip_level_cadence_days=91,
    )
    assert OneOnOne.objects.get(pk=pair.pk).cadence_days == 30
    assert TouchpointSettings.current().floor_cadence_days == 30


def test_overdue_pairs_nudge_the_manager_once_a_week_inside_working_hours(db, pair, manager):
    OneOnOne.objects.filter(pk=pair.pk).update(created_at=NOW - dt.timedelta(days=40))
    saturday_night = dt.datetime(2026, 12, 12, 23, 0, tzinfo=dt.UTC)
    assert s.overdue_nudge(now=saturday_night) == 1
    assert s.overdue_nudge(now=saturday_night + dt.timedelta(days=1)) == 0
    note = Notification.objects.get(person=manager, kind="touchpoints.overdue")
    local = note.deliver_at.astimezone(ZoneInfo("Europe/Lisbon"))
    assert local.isoweekday() == 1 and dt.time(9) <= local.time() < dt.time(17)


def test_report_asks_for_a_one_on_one(db, pair, manager, employee):
    s.one_on_one_request(viewer=viewer(employee), pair=pair, now=NOW)
    s.one_on_one_request(viewer=viewer(employee), pair=pair, now=NOW + dt.timedelta(hours=1))
    assert Notification.objects.filter(person=manager, kind="touchpoints.request").count() == 1


def test_skip_level(db, manager, employee):
    boss = PersonFactory()
    manager.manager = boss
    manager.save()
    pair = s.skip_level_start(viewer=viewer(employee), report=employee)
    assert (pair.manager, pair.kind, pair.cadence_days) == (boss, "skip_level", 91)


def test_a_manager_is_not_booked_twice_at_the_same_time(db, manager, employee):
    others = [PersonFactory(manager=manager) for _ in range(4)]
    s.one_on_ones_sync()
    meetings = [
        s.meeting_schedule(one_on_one=OneOnOne.objects.get(report=p), not_before=NOW, now=NOW)
        for p in [employee, *others]
    ]
    spans = sorted((m.starts_at, m.starts_at + dt.timedelta(minutes=m.minutes)) for m in meetings)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))


def test_two_requests_cancelling_at_once_send_one_cancellation(
    db, pair, employee, django_capture_on_commit_callbacks
):
    me = viewer(employee)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = s.meeting_schedule(
            one_on_one=pair, actor=me, starts_at=NOW + dt.timedelta(days=2), now=NOW
        )
    first_load = Meeting.objects.get(pk=meeting.pk)  # request 1
    second_load = Meeting.objects.get(pk=meeting.pk)  # request 2, loaded at the same moment
    with django_capture_on_commit_callbacks(execute=True) as one:
        s.meeting_cancel(viewer=me, meeting=first_load)
    with django_capture_on_commit_callbacks(execute=True) as two:
        s.meeting_cancel(viewer=me, meeting=second_load)
    assert len(one) == 1
    assert two == []
    assert second_load.status == Meeting.Status.CANCELLED
    assert Meeting.objects.get(pk=meeting.pk).sequence == first_load.sequence


def test_a_move_loaded_before_a_cancel_does_not_move_the_cancelled_meeting(
    db, pair, employee, django_capture_on_commit_callbacks
):
    me = viewer(employee)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = s.meeting_schedule(
            one_on_one=pair, actor=me, starts_at=NOW + dt.timedelta(days=2), now=NOW
        )
    stale = Meeting.objects.get(pk=meeting.pk)
    s.meeting_cancel(viewer=me, meeting=Meeting.objects.get(pk=meeting.pk))
    with pytest.raises(ValidationError), django_capture_on_commit_callbacks(execute=True) as sent:
        s.meeting_move(viewer=me, meeting=stale, starts_at=NOW + dt.timedelta(days=3), now=NOW)
    assert sent == []
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CANCELLED


def test_two_moves_loaded_at_once_take_increasing_sequence_numbers(
    db, pair, employee, django_capture_on_commit_callbacks
):
    me = viewer(employee)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = s.meeting_schedule(
            one_on_one=pair, actor=me, starts_at=NOW + dt.timedelta(days=2), now=NOW
        )
    a, b = Meeting.objects.get(pk=meeting.pk), Meeting.objects.get(pk=meeting.pk)
    s.meeting_move(viewer=me, meeting=a, starts_at=NOW + dt.timedelta(days=3), now=NOW)
    s.meeting_move(viewer=me, meeting=b, starts_at=NOW + dt.timedelta(days=4), now=NOW)
    assert b.sequence == a.sequence + 1
    assert Meeting.objects.get(pk=meeting.pk).sequence == b.sequence
