"""HR's Slack page: install by token (auth.test) or OAuth (signed state, oauth.v2.access), the
test message, disconnect; audit rows; nobody else gets in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.db import connection

from kith.core.models import AuditEvent
from kith.notify.models import ChatIdentity
from kith.slack.models import SlackWorkspace
from kith.slack.selectors import slack_status_for
from kith.slack.tests.fake_slack import BOT_TOKEN, CLIENT_ID, CLIENT_SECRET, OAUTH_CODE, TEAM_ID

pytestmark = pytest.mark.django_db


def test_only_hr_sees_the_page(employee_client, hr_client, fake_slack):
    assert employee_client.get("/integrations/slack/").status_code == 403
    assert (
        employee_client.post("/integrations/slack/token/", {"token": BOT_TOKEN}).status_code == 403
    )
    assert not SlackWorkspace.objects.exists()
    page = hr_client.get("/integrations/slack/")
    assert page.status_code == 200
    assert "/integrations/slack/interactions" in page.content.decode()


def test_hr_installs_with_a_bot_token(hr_client, fake_slack):
    response = hr_client.post("/integrations/slack/token/", {"token": BOT_TOKEN})
    assert response.status_code == 302
    workspace = SlackWorkspace.objects.get()
    assert (workspace.team_id, workspace.team_name, workspace.bot_user_id) == (
        TEAM_ID,
        "Kith Test Workspace",
        "U0KITHBOT",
    )
    assert workspace.bot_token == BOT_TOKEN
    with connection.cursor() as cursor:
        cursor.execute("SELECT bot_token FROM slack_slackworkspace")
        (raw,) = cursor.fetchone()
    assert raw.startswith("sealed:") and BOT_TOKEN not in raw  # sealed at rest
    assert AuditEvent.objects.filter(action="slack.installed", target=f"slack:{TEAM_ID}").exists()
    assert "Kith Test Workspace" in hr_client.get("/integrations/slack/").content.decode()


def test_a_wrong_token_is_refused_with_the_reason(hr_client, fake_slack):
    hr_client.post("/integrations/slack/token/", {"token": "xoxb-not-a-real-one"})
    assert not SlackWorkspace.objects.exists()
    page = hr_client.get("/integrations/slack/").content.decode()
    assert "invalid_auth" in page
    hr_client.post("/integrations/slack/token/", {"token": "xoxp-a-user-token"})
    assert "xoxb-" in hr_client.get("/integrations/slack/").content.decode()


def test_oauth_install(hr_client, hr_person, fake_slack, settings):
    settings.KITH_SLACK_CLIENT_ID = CLIENT_ID
    settings.KITH_SLACK_CLIENT_SECRET = CLIENT_SECRET
    start = hr_client.get("/integrations/slack/install/")
    assert start.status_code == 302
    url = urlsplit(start["Location"])
    query = parse_qs(url.query)
    assert url.netloc == "slack.com" and query["client_id"] == [CLIENT_ID]
    assert "chat:write" in query["scope"][0]
    state = query["state"][0]
    # A forged or foreign state is refused before Slack is asked.
    forged = signing.dumps({"user": 999999}, salt="kith.slack.oauth")
    hr_client.get("/integrations/slack/oauth/callback/", {"code": OAUTH_CODE, "state": forged})
    assert not fake_slack.calls_to("oauth.v2.access") and not SlackWorkspace.objects.exists()
    hr_client.get("/integrations/slack/oauth/callback/", {"code": OAUTH_CODE, "state": state})
    (exchange,) = fake_slack.calls_to("oauth.v2.access")
    assert exchange.args["redirect_uri"].endswith("/integrations/slack/oauth/callback/")
    workspace = SlackWorkspace.objects.get()
    assert workspace.bot_token == BOT_TOKEN and workspace.team_id == TEAM_ID
    assert AuditEvent.objects.get(action="slack.installed").detail["how"] == "oauth"


def test_test_message_and_disconnect(hr_client, hr_person, workspace, fake_slack):
    fake_slack.add_user("U0JASMINE", hr_person.email, hr_person.full_name)
    assert slack_status_for(hr_person).startswith("Your Slack account is not linked")
    hr_client.post("/integrations/slack/test/")
    (post,) = fake_slack.calls_to("chat.postMessage")
    assert post.args["text"].startswith("Kith is connected to Slack")
    assert AuditEvent.objects.filter(action="slack.test_sent").exists()
    assert slack_status_for(hr_person).startswith("Your Slack account is linked")
    hr_client.post(f"/integrations/slack/{workspace.pk}/disconnect/")
    assert not SlackWorkspace.objects.exists()
    assert not ChatIdentity.objects.filter(provider="slack").exists()
    assert AuditEvent.objects.get(action="slack.disconnected").detail["unlinked"] == 1
    assert slack_status_for(hr_person) == "Slack is not connected to Kith."


def test_listed_on_the_integrations_page_and_the_privacy_page(hr_client, workspace):
    page = hr_client.get("/integrations/").content.decode()
    assert "Slack" in page and "Connected to Kith Test Workspace." in page
    assert "/integrations/slack/" in page
    assert "keeps only its id" in hr_client.get("/privacy/").content.decode()
