"""Fixtures: the fake Slack Web API (a real HTTP server), a connected workspace, signing."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from kith.slack.tests.fake_slack import BOT_TOKEN, BOT_USER_ID, TEAM_ID, TEAM_NAME, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the example secret in Slack's docs
PAYLOADS = Path(__file__).parent / "payloads"


@pytest.fixture
def fake_slack(settings):
    fake = FakeSlack().start()
    settings.KITH_SLACK_API_URL = fake.base_url
    settings.KITH_SLACK_SIGNING_SECRET = SIGNING_SECRET
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def workspace(db, fake_slack):
    from kith.slack.models import SlackWorkspace

    return SlackWorkspace.objects.create(
        team_id=TEAM_ID, team_name=TEAM_NAME, bot_user_id=BOT_USER_ID, bot_token=BOT_TOKEN
    )


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


def signed_headers(body: bytes, *, secret: str = SIGNING_SECRET, at: int | None = None) -> dict:
    """Headers as Slack sends them: v0=HMAC-SHA256(secret, "v0:<timestamp>:<body>")."""
    timestamp = str(int(time.time()) if at is None else at)
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp, "HTTP_X_SLACK_SIGNATURE": signature}


def post_signed(client, path: str, body: bytes, content_type: str, **kwargs: Any):
    return client.post(path, body, content_type=content_type, **signed_headers(body, **kwargs))


def post_interaction(client, data: dict, **kwargs: Any):
    body = urlencode({"payload": json.dumps(data)}).encode()
    return post_signed(
        client,
        "/integrations/slack/interactions",
        body,
        "application/x-www-form-urlencoded",
        **kwargs,
    )


def post_event(client, data: dict, **kwargs: Any):
    body = json.dumps(data).encode()
    return post_signed(client, "/integrations/slack/events", body, "application/json", **kwargs)


def post_command(client, form: dict, **kwargs: Any):
    body = urlencode(form).encode()
    return post_signed(
        client, "/integrations/slack/commands", body, "application/x-www-form-urlencoded", **kwargs
    )
