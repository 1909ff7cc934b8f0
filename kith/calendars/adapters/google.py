"""Google Calendar: `freebusy.query` with a service account and domain-wide delegation.

The service account signs a JWT (RS256) that impersonates the person (`sub` = their
directory email) with the one scope `calendar.freebusy`, exchanges it at the token endpoint
for an access token, and asks for the person's primary calendar's busy intervals. The answer
holds start and end times only; anything else in it is ignored.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

from kith.calendars.adapters import CalendarError, Interval, clipped, utc
from kith.calendars.adapters.http import post_form, post_json

SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
# The audience Google expects in the assertion, wherever the token endpoint is reached.
TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
DEFAULT_TOKEN_URL = TOKEN_AUDIENCE
DEFAULT_API_BASE = "https://www.googleapis.com"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_CALENDARS_PER_QUERY = 50


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key_pem: str


def parse_service_account(text: str) -> ServiceAccount:
    """The JSON key file Google gives for a service account. Raises ValueError with a
    sentence that says what is wrong (never the key itself)."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("is not JSON: paste the whole key file Google downloaded") from None
    if not isinstance(data, dict) or data.get("type") != "service_account":
        raise ValueError('is not a service account key (expected "type": "service_account")')
    email, pem = data.get("client_email"), data.get("private_key")
    if not isinstance(email, str) or "@" not in email:
        raise ValueError('has no "client_email"')
    if not isinstance(pem, str) or not pem.strip():
        raise ValueError('has no "private_key"')
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise ValueError('has a "private_key" that is not a readable PEM key') from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError('has a "private_key" that is not an RSA key')
    return ServiceAccount(client_email=email, private_key_pem=pem)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def signed_assertion(
    account: ServiceAccount, *, subject: str | None, now: float | None = None
) -> str:
    """The JWT for the token endpoint: as `subject` (domain-wide delegation), or as the
    service account itself when `subject` is None (a credentials check)."""
    issued = int(time.time() if now is None else now)
    header = {"alg": "RS256", "typ": "JWT"}
    claims: dict[str, str | int] = {
        "iss": account.client_email,
        "scope": SCOPE,
        "aud": TOKEN_AUDIENCE,
        "iat": issued,
        "exp": issued + 3600,
    }
    if subject is not None:
        claims["sub"] = subject
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    key = serialization.load_pem_private_key(account.private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


class GoogleCalendar:
    """One service account; `busy(email, …)` for any person in the Workspace domain."""

    def __init__(
        self, account: ServiceAccount, *, token_url: str | None = None, api_base: str | None = None
    ) -> None:
        self.account = account
        self.token_url = token_url or str(
            getattr(settings, "KITH_CALENDARS_GOOGLE_TOKEN_URL", "") or DEFAULT_TOKEN_URL
        )
        self.api_base = (
            api_base or str(getattr(settings, "KITH_CALENDARS_GOOGLE_API_BASE", "") or "")
        ) or DEFAULT_API_BASE

    def token_for(self, email: str | None) -> str:
        answer = post_form(
            self.token_url,
            {"grant_type": JWT_BEARER, "assertion": signed_assertion(self.account, subject=email)},
        )
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise CalendarError("bad_response")
        return token

    def busy(self, email: str, start: dt.datetime, end: dt.datetime) -> list[Interval]:
        start, end = utc(start), utc(end)
        token = self.token_for(email)
        answer = post_json(
            self.api_base.rstrip("/") + "/calendar/v3/freeBusy",
            {
                "timeMin": _rfc3339(start),
                "timeMax": _rfc3339(end),
                "timeZone": "UTC",
                "items": [{"id": email}],
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        return clipped(_busy_of(answer, email), start, end)


def _rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _busy_of(answer: dict[str, Any], email: str) -> list[Interval]:
    calendars = answer.get("calendars")
    entry = calendars.get(email) if isinstance(calendars, dict) else None
    if not isinstance(entry, dict):
        raise CalendarError("bad_response")
    errors = entry.get("errors")
    if errors:
        reasons = {e.get("reason") for e in errors if isinstance(e, dict)}
        raise CalendarError("not_found" if "notFound" in reasons else "bad_response")
    found = []
    for item in entry.get("busy") or []:
        try:
            found.append((_moment(item["start"]), _moment(item["end"])))
        except (KeyError, TypeError, ValueError):
            raise CalendarError("bad_response") from None
    return found


def _moment(text: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        raise ValueError("a busy time without an offset")
    return moment.astimezone(dt.UTC)
