"""The one way Google and Microsoft adapters talk HTTP: POST, JSON back, a timeout, no
redirects, a size limit, and failures as short codes. Response bodies are never logged."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from kith.calendars.adapters import TIMEOUT_SECONDS, CalendarError

# Free/busy answers for one person over a few weeks are a few kilobytes.
MAX_RESPONSE_BYTES = 2_000_000


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: credentials and the person's email go only where configured."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def post(url: str, *, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise CalendarError(_code_for_status(exc.code)) from None
    except TimeoutError:
        raise CalendarError("timeout") from None
    except urllib.error.URLError as exc:
        timed_out = isinstance(exc.reason, TimeoutError)
        raise CalendarError("timeout" if timed_out else "unreachable") from None
    except (OSError, ValueError):
        raise CalendarError("unreachable") from None
    if len(raw) > MAX_RESPONSE_BYTES:
        raise CalendarError("bad_response")
    try:
        data = json.loads(raw)
    except ValueError:
        raise CalendarError("bad_response") from None
    if not isinstance(data, dict):
        raise CalendarError("bad_response")
    return data


def post_json(url: str, payload: dict[str, Any], *, headers: dict[str, str]) -> dict[str, Any]:
    return post(
        url,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
    )


def post_form(url: str, fields: dict[str, str]) -> dict[str, Any]:
    return post(
        url,
        body=urllib.parse.urlencode(fields).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )


def _code_for_status(status: int) -> str:
    if status in (400, 401, 403):
        # Token endpoints answer 400 invalid_grant / unauthorized_client for bad credentials.
        return "auth"
    if status == 404:
        return "not_found"
    if 300 <= status < 400:
        return "unreachable"
    return "bad_response"
