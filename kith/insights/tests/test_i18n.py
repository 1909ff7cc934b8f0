"""Insights in European Portuguese: my insights page and a service's message."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import login_for
from kith.insights import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in Portuguese leaves Portuguese active in this thread (LocaleMiddleware does
    not switch back): later tests must start in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_my_insights_speaks_portuguese_to_a_portuguese_browser(employee):
    client = Client()
    client.force_login(login_for(employee))
    page = client.get("/insights/me/", HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    assert "As minhas análises" in page
    assert "As análises de colaboração estão desligadas" in page


def test_a_target_message_names_the_field_and_the_values_in_portuguese(hr_person):
    viewer = viewer_for_user(login_for(hr_person, hr=True))
    with translation.override("pt"), pytest.raises(ValidationError) as refused:
        services.target_set(viewer=viewer, metric="density", minimum=0.5, maximum=0.2)
    assert refused.value.message_dict["minimum"] == ["Mínimo: 0.5 está acima do máximo, 0.2."]
