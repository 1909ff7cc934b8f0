"""The Slack Web API through slack-sdk's WebClient, and what its errors mean to Kith.

`KITH_SLACK_API_URL` (default https://slack.com/api/) is the base URL, so the tests point the
client at the fake server in kith/slack/tests/fake_slack.py."""

from __future__ import annotations

import logging
from typing import Any
from urllib.error import URLError

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from kith.notify.channels import ChatFailed, Unreachable

log = logging.getLogger(__name__)

# slack-sdk logs every request's body at DEBUG (message text, blocks, emails): its client
# gets a logger that never goes below WARNING, whatever the deployment's logging says.
sdk_log = logging.getLogger("kith.slack.sdk")
sdk_log.setLevel(logging.WARNING)

DEFAULT_API_URL = "https://slack.com/api/"
TIMEOUT_SECONDS = 10

# Errors that mean "this person or conversation is not there": notify falls back to email.
UNREACHABLE_ERRORS = frozenset(
    {
        "users_not_found",
        "user_not_found",
        "channel_not_found",
        "user_disabled",
        "user_is_restricted",
        "user_is_ultra_restricted",
        "cannot_dm_bot",
        "not_in_channel",
        "is_archived",
        "too_many_users",
    }
)

# Errors worth trying again later.
TEMPORARY_ERRORS = frozenset(
    {"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"}
)


def api_url() -> str:
    url = str(getattr(settings, "KITH_SLACK_API_URL", "") or DEFAULT_API_URL)
    return url if url.endswith("/") else url + "/"


def web_client(token: str = "") -> WebClient:
    return WebClient(
        token=token or None, base_url=api_url(), timeout=TIMEOUT_SECONDS, logger=sdk_log
    )


class SlackError(Exception):
    """A Slack API answer that is not ok, with Slack's error code (never a message text)."""

    def __init__(self, method: str, code: str) -> None:
        super().__init__(f"{method}: {code}")
        self.method = method
        self.code = code


def call(client: WebClient, method: str, **params: Any) -> dict[str, Any]:
    """One Web API call through the client's typed method (`method` is "conversations.open",
    "users.lookupByEmail", …, which slack-sdk names conversations_open). Raises SlackError
    with Slack's error code, or ChatFailed when Slack could not be reached or answered with a
    temporary failure (rate limit, 5xx)."""
    try:
        response = getattr(client, method.replace(".", "_"))(**params)
    except SlackApiError as exc:
        status = getattr(exc.response, "status_code", 0) or 0
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        code = str(data.get("error") or f"http_{status}")
        if status == 429 or status >= 500 or code in TEMPORARY_ERRORS:
            log.warning("slack %s failed temporarily: %s", method, code)
            raise ChatFailed(f"Slack {method}: {code}") from exc
        raise SlackError(method, code) from exc
    except (SlackClientError, URLError, OSError, ValueError) as exc:
        log.warning("slack %s could not be reached: %s", method, type(exc).__name__)
        raise ChatFailed(f"Slack {method}: {type(exc).__name__}") from exc
    return dict(response.data) if isinstance(response.data, dict) else {}


def call_for_delivery(client: WebClient, method: str, **params: Any) -> dict[str, Any]:
    """`call` for sending: a missing person or conversation is Unreachable, any other error a
    ChatFailed (notify retries)."""
    try:
        return call(client, method, **params)
    except SlackError as exc:
        if exc.code in UNREACHABLE_ERRORS:
            raise Unreachable(f"Slack {method}: {exc.code}") from exc
        raise ChatFailed(f"Slack {method}: {exc.code}") from exc
