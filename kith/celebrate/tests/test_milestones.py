"""Milestones: written once per (person, kind, day), only for what people allow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kith.celebrate import services
from kith.celebrate.models import BirthdayOptIn, Milestone
from kith.core.dates import org_today
from kith.directory.tests.factories import PersonFactory


def _kinds(on: dt.date) -> set[tuple[str, str, int | None]]:
    return {
        (m.person.full_name, m.kind, m.years)
        for m in Milestone.objects.filter(date=on).select_related("person")
    }


def test_anniversaries_and_welcomes_on_the_right_day_once(db):
    PersonFactory(full_name="Old Hand", start_date=dt.date(2019, 5, 20))
    PersonFactory(full_name="New Joiner", start_date=dt.date(2025, 5, 20))
    PersonFactory(full_name="Left Us", start_date=dt.date(2019, 5, 20), is_active=False)
    PersonFactory(full_name="Other Day", start_date=dt.date(2019, 5, 21))
    on = dt.date(2025, 5, 20)
    assert services.milestones_generate(on=on) == 2
    assert services.milestones_generate(on=on) == 0  # idempotent: a rerun adds nothing
    assert _kinds(on) == {("Old Hand", "anniversary", 6), ("New Joiner", "welcome", None)}


def test_leap_day_starters_are_celebrated_on_28_february_in_other_years(db):
    PersonFactory(full_name="Leap Starter", start_date=dt.date(2020, 2, 29))
    assert services.milestones_generate(on=dt.date(2025, 3, 1)) == 0
    assert services.milestones_generate(on=dt.date(2025, 2, 28)) == 1
    assert _kinds(dt.date(2025, 2, 28)) == {("Leap Starter", "anniversary", 5)}
    assert services.milestones_generate(on=dt.date(2028, 2, 28)) == 0  # leap year: on the 29th
    assert services.milestones_generate(on=dt.date(2028, 2, 29)) == 1


def test_birthdays_only_for_people_who_opted_in_and_never_with_a_year(db):
    shared = PersonFactory(full_name="Shares Birthday")
    PersonFactory(full_name="Keeps It Private")
    services.settings_update(
        person=shared, celebrate_work_dates=True, weekly_digest=True, birthday=(7, 4)
    )
    assert {f.name for f in BirthdayOptIn._meta.get_fields()} == {
        "id",
        "person",
        "month",
        "day",
        "created_at",
    }
    on = dt.date(org_today().year + 1, 7, 4)
    services.milestones_generate(on=on)
    assert _kinds(on) == {("Shares Birthday", "birthday", None)}


def test_a_birthday_shared_after_its_day_is_not_backfilled(db):
    person = PersonFactory()
    services.settings_update(
        person=person, celebrate_work_dates=True, weekly_digest=True, birthday=(1, 2)
    )
    assert services.milestones_generate(on=dt.date(2000, 1, 2)) == 0


def test_opting_out_removes_what_was_shown_and_stops_new_ones(db):
    person = PersonFactory(start_date=dt.date(2020, 9, 9))
    services.settings_update(
        person=person, celebrate_work_dates=True, weekly_digest=True, birthday=(9, 9)
    )
    BirthdayOptIn.objects.filter(person=person).update(
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    services.milestones_generate(on=dt.date(2025, 9, 9))
    assert Milestone.objects.filter(person=person).count() == 2
    services.settings_update(
        person=person, celebrate_work_dates=False, weekly_digest=True, birthday=None
    )
    assert not Milestone.objects.filter(person=person).exists()
    assert not BirthdayOptIn.objects.filter(person=person).exists()
    assert services.milestones_generate(on=dt.date(2026, 9, 9)) == 0


def test_an_impossible_birthday_is_refused(db):
    person = PersonFactory()
    with pytest.raises(ValidationError, match="31/4 is not a day of the year"):
        services.settings_update(
            person=person, celebrate_work_dates=True, weekly_digest=True, birthday=(4, 31)
        )
    assert not BirthdayOptIn.objects.exists()


def test_catch_up_covers_the_last_week(db):
    PersonFactory(start_date=dt.date(2020, 4, 3))
    assert services.milestones_generate_recent(today=dt.date(2025, 4, 8)) == 1
    assert services.milestones_generate_recent(today=dt.date(2025, 4, 8)) == 0
    assert services.milestones_generate_recent(today=dt.date(2025, 4, 10)) == 0  # 3rd is 7 back
