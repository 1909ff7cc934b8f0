"""No database wording reaches a person: every rule the tables enforce says which field and
what limit, in the person's language (issue 14, item 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.places.models import AnchorDay, Leave, OfficeDay
from kith.places.tests.days_builders import office

pytestmark = pytest.mark.django_db
DAY = dt.date(2030, 3, 4)


def messages_of(instance) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    text = caught.value.messages
    assert not any("Constraint" in m or "violated" in m for m in text), text
    return text


def test_an_anchor_day_names_the_weekday_and_its_range():
    unit, where = OrgUnitFactory(), office()
    day = AnchorDay(org_unit=unit, office=where, weekday=9)
    assert "Weekday: from 1 (Monday) to 7 (Sunday)." in messages_of(day)
    AnchorDay.objects.create(org_unit=unit, office=where, weekday=2)
    twice = AnchorDay(org_unit=unit, office=office("Porto office"), weekday=2)
    assert any("at most one office per weekday per team" in m for m in messages_of(twice))


def test_office_days_and_leave_name_the_last_day():
    person, where = PersonFactory(), office()
    backwards = OfficeDay(
        person=person, office=where, weekday=1, starts_on=DAY, ends_on=DAY - dt.timedelta(days=1)
    )
    assert "Last day: on or after the first day." in messages_of(backwards)
    leave = Leave(person=person, starts_on=DAY, ends_on=DAY - dt.timedelta(days=1))
    assert "Last day away: on or after the first day away." in messages_of(leave)


def test_the_messages_are_in_portuguese_for_a_portuguese_reader():
    day = AnchorDay(org_unit=OrgUnitFactory(), office=office(), weekday=0)
    with translation.override("pt"):
        assert "Dia da semana: de 1 (segunda-feira) a 7 (domingo)." in messages_of(day)
