"""Slack and Matrix as a channel on My boundaries: offered only where HR connected them,
refused (naming the field) where not, and the person told whether their account is linked."""

from __future__ import annotations

import json

from django.test import Client

from kith.directory.models import ContactPreference
from kith.directory.tests.factories import login_for
from kith.notify.models import ChatIdentity
from kith.slack.models import SlackWorkspace

PAGE = "/guidelines/boundaries/"
API = "/api/v1/guidelines/boundaries/preferences"
FORM = {"meeting_mode": "either", "intro_frequency": "every_round"}


def client_for(person) -> Client:
    client = Client()
    client.force_login(login_for(person))
    return client


def test_a_chat_tool_nobody_connected_is_neither_offered_nor_accepted(db, employee):
    client = client_for(employee)
    page = client.get(PAGE).content.decode()
    assert 'value="slack"' not in page and 'value="matrix"' not in page
    refused = client.put(
        API,
        json.dumps({**FORM, "preferred_channel": "matrix", "office_day_nudges": True}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("preferred_channel:")
    assert "Matrix is not connected" in refused.json()["detail"]
    assert not ContactPreference.objects.filter(person=employee).exists()


def test_a_connected_chat_tool_is_offered_and_its_link_shown(db, employee):
    SlackWorkspace.objects.create(team_id="T0001", team_name="Acme", bot_user_id="UBOT")
    client = client_for(employee)
    page = client.get(PAGE).content.decode()
    assert 'value="slack"' in page and 'value="matrix"' not in page
    assert "Slack is connected to Kith" in page
    saved = client.post(PAGE, {**FORM, "preferred_channel": "slack"})
    assert saved.status_code == 302
    assert ContactPreference.objects.get(person=employee).preferred_channel == "slack"
    ChatIdentity.objects.create(person=employee, provider="slack", external_id="T0001:U42")
    assert "Your Slack account is linked" in client.get(PAGE).content.decode()
