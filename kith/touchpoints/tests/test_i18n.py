"""Touchpoints in European Portuguese: a page follows the browser's language, a service's
message and an email to a person are in Portuguese, and a model's rule names its field and
limit instead of the database's constraint text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import login_for
from kith.touchpoints.models import OneOnOne, TouchpointSettings
from kith.touchpoints.services import checkins, oneonones

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in Portuguese leaves Portuguese active in this thread (LocaleMiddleware does
    not switch back): later tests must start in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_touchpoints_home_speaks_portuguese_to_a_portuguese_browser(employee):
    client = Client()
    client.force_login(login_for(employee))
    page = client.get("/touchpoints/", HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    assert "Escrever um check-in" in page
    assert "Os seus 1:1 com a sua chefia" in page
    english = client.get("/touchpoints/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Write a check-in" in english


def test_a_check_in_message_names_the_field_and_the_limit_in_portuguese(employee):
    viewer = viewer_for_user(login_for(employee))
    with translation.override("pt"), pytest.raises(ValidationError) as refused:
        checkins.check_in_write(viewer=viewer, how=9, energy=3, support="x" * 2001)
    errors = refused.value.message_dict
    assert errors["how"] == ["Como está?: escolha de 1 a 5."]
    assert errors["support"] == ["Que apoio ajudaria?: no máximo 2000 caracteres (este tem 2001)."]


def test_a_broken_rule_is_named_not_the_database_constraint(manager):
    with translation.override("pt"):
        with pytest.raises(ValidationError) as refused:
            OneOnOne(manager=manager, report=manager, cadence_days=14).full_clean()
        text = " ".join(str(m) for m in refused.value.messages)
    assert "Colaborador: um 1:1 precisa de duas pessoas diferentes." in text
    assert "Constraint" not in text and "violated" not in text
    rules = TouchpointSettings(default_cadence_days=60, floor_cadence_days=30)
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            rules.full_clean()
        text = " ".join(str(m) for m in refused.value.messages)
    assert "Default rhythm: at most the longest gap allowed" in text


def test_a_second_click_on_a_time_plans_one_1on1_and_one_invite(
    manager, employee, django_capture_on_commit_callbacks
):
    pair = oneonones.one_on_one_ensure(manager=manager, report=employee)
    viewer = viewer_for_user(login_for(employee))
    now = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
    at = now + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True) as first:
        meeting = oneonones.meeting_schedule(one_on_one=pair, actor=viewer, starts_at=at, now=now)
    with django_capture_on_commit_callbacks(execute=True) as second:
        again = oneonones.meeting_schedule(one_on_one=pair, actor=viewer, starts_at=at, now=now)
    assert again.pk == meeting.pk and len(first) == 1 and second == []
    with translation.override("en"), pytest.raises(ValidationError, match="already planned"):
        oneonones.meeting_schedule(
            one_on_one=pair, actor=viewer, starts_at=at + dt.timedelta(hours=1), now=now
        )
    oneonones.meeting_cancel(viewer=viewer, meeting=meeting)
    with django_capture_on_commit_callbacks(execute=True) as cancelled_again:
        oneonones.meeting_cancel(viewer=viewer, meeting=meeting)
    assert cancelled_again == []  # no second cancellation in anyone's calendar


def test_a_message_to_a_person_is_in_their_language_not_the_senders(manager, employee):
    from kith.accounts.services import user_language_set
    from kith.notify.models import Notification

    user_language_set(user=login_for(manager), language="pt")
    pair = oneonones.one_on_one_ensure(manager=manager, report=employee)
    with translation.override("en"):  # the report asks from an English page
        oneonones.one_on_one_request(viewer=viewer_for_user(login_for(employee)), pair=pair)
    note = Notification.objects.get(person=manager, kind="touchpoints.request")
    assert note.subject == f"{employee.display_name} gostaria de um 1:1"
