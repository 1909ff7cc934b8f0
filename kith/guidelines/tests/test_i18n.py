"""The channel guide in European Portuguese: the advisor page, its reasons (from the engine),
and a service's message."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import login_for
from kith.guidelines.models import TechFreeHours
from kith.guidelines.services import guide as services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in Portuguese leaves Portuguese active in this thread (LocaleMiddleware does
    not switch back): later tests must start in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_advisor_speaks_portuguese_down_to_the_engines_reasons(employee):
    client = Client()
    client.force_login(login_for(employee))
    page = client.get(
        "/guidelines/advisor/?kind=feedback&sensitivity=high&urgency=today&distance=far_apart",
        HTTP_ACCEPT_LANGUAGE="pt",
    ).content.decode()
    assert "Como devo ter esta conversa?" in page
    assert "Uma conversa delicada nunca vai para chat ou email." in page
    assert "Nunca para uma conversa delicada: o tom perde-se na escrita." in page


def test_a_guide_message_names_the_field_and_the_limit_in_portuguese(hr_person):
    viewer = viewer_for_user(login_for(hr_person, hr=True))
    with translation.override("pt"), pytest.raises(ValidationError) as refused:
        services.kind_create(viewer=viewer, name="x" * 101)
    assert refused.value.message_dict["name"] == ["Nome: no máximo 100 caracteres (este tem 101)."]


def test_a_broken_rule_is_named_not_the_database_constraint(team):
    import datetime as dt

    hours = TechFreeHours(org_unit=team, weekday=9, starts_at=dt.time(15), ends_at=dt.time(14))
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            hours.validate_constraints()
        text = " ".join(str(m) for m in refused.value.messages)
    assert "Weekday: from 1 (Monday) to 7 (Sunday)." in text
    assert "Ends at: tech-free hours must end after they start" in text
    assert "Constraint" not in text
