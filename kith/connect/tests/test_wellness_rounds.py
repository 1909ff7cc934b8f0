"""Manual rounds and wellness weeks: `kith run_round --date D`, HR's Draw and the API refuse a
date inside a wellness week with a message naming the week; nothing is drawn or sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kith.connect import rounds, selectors
from kith.connect.models import Round
from kith.connect.tests.factories import ProgramFactory
from kith.core import boundaries
from kith.directory.tests.factories import PersonFactory
from kith.guidelines.models import WellnessWeek
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db


def _next_weekday(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.isoweekday()) % 7)


@pytest.fixture
def setting():
    """A Wednesday program, four people, and a wellness week Monday–Friday three weeks on."""
    today = timezone.localdate()
    monday = _next_weekday(today + dt.timedelta(days=14), 1)
    program = ProgramFactory(name="Coffee", starts_on=today, weekday=3)
    PersonFactory.create_batch(4)
    week = WellnessWeek.objects.create(
        name="Summer log-off", starts_on=monday, ends_on=monday + dt.timedelta(days=4)
    )
    return program, week, monday + dt.timedelta(days=2)  # the Wednesday inside it


def test_the_week_is_named_through_core(setting):
    _program, week, wednesday = setting
    assert boundaries.pause_name_on(wednesday).startswith("Summer log-off (")
    assert boundaries.pause_name_on(week.ends_on + dt.timedelta(days=1)) == ""


def test_round_run_refuses_a_date_in_a_wellness_week(setting):
    program, _week, wednesday = setting

    with pytest.raises(rounds.RoundPaused, match="Summer log-off") as caught:
        rounds.round_run(program=program, round_date=wednesday)

    assert caught.value.round_date == wednesday
    assert not Round.objects.filter(program=program).exists()
    assert not Notification.objects.exists()


def test_the_week_after_is_drawn_as_usual(setting):
    program, week, wednesday = setting
    after = wednesday + dt.timedelta(days=7)
    assert after > week.ends_on

    drawn = rounds.round_run(program=program, round_date=after)

    assert drawn.scheduled_for == after


def test_demo_history_without_notifications_is_not_refused(setting):
    """`notify=False` stores a record (demo history, imports): nobody is told anything."""
    program, _week, wednesday = setting
    drawn = rounds.round_run(program=program, round_date=wednesday, notify=False)
    assert drawn.scheduled_for == wednesday


@pytest.mark.parametrize("dry_run", [False, True])
def test_run_round_command_refuses_with_the_weeks_name(setting, dry_run):
    program, week, wednesday = setting
    args = ["run_round", str(program.pk), "--date", wednesday.isoformat()]
    if dry_run:
        args.append("--dry-run")

    with pytest.raises(CommandError) as caught:
        call_command(*args)

    message = str(caught.value)
    assert "Summer log-off" in message
    assert f"{week.starts_on:%-d %b}" in message
    assert "Nothing was drawn or sent" in message
    assert not Round.objects.filter(program=program).exists()


def test_run_round_command_still_draws_outside_the_week(setting, capsys):
    program, _week, wednesday = setting
    later = wednesday + dt.timedelta(days=7)
    call_command("run_round", "Coffee", "--date", later.isoformat())
    assert Round.objects.filter(program=program, scheduled_for=later).exists()


def test_hr_draw_for_a_date_now_in_a_wellness_week_names_it(setting, hr_client):
    """HR previewed a round; HR then planned a wellness week over it: Draw refuses and says
    which week, instead of "drawn meanwhile"."""
    program, _week, wednesday = setting

    response = hr_client.post(
        f"/connect/manage/{program.pk}/draw/", {"date": wednesday.isoformat()}, follow=True
    )

    text = response.content.decode()
    assert "Summer log-off" in text
    assert "drawn meanwhile" not in text
    assert not Round.objects.filter(program=program).exists()


def test_hr_draw_through_the_api_is_refused_with_409(setting, hr_client, monkeypatch):
    """Should the next date fall in a week planned a moment ago, the API says so (409)."""
    program, _week, wednesday = setting
    monkeypatch.setattr(selectors, "next_round_date", lambda _program: wednesday)

    response = hr_client.post(
        f"/api/v1/connect/programs/{program.pk}/rounds?date={wednesday.isoformat()}"
    )

    assert response.status_code == 409
    assert "Summer log-off" in response.json()["detail"]
    assert not Round.objects.filter(program=program).exists()
