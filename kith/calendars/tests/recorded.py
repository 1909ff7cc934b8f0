"""Exchanges recorded from the providers' documentation, with a planted word where a careless
client could pick it up (titles, locations, unknown fields)."""

from __future__ import annotations

from typing import Any

# Google: OAuth 2.0 for server-to-server applications, "Handling the response".
GOOGLE_TOKEN_RESPONSE: dict[str, Any] = {
    "access_token": "1/8xbJqaOZXSUZbHLl5EOtu1pxz3fmmetKx9W8CV4t79M",
    "scope": "https://www.googleapis.com/auth/calendar.freebusy",
    "token_type": "Bearer",
    "expires_in": 3600,
}


def google_freebusy_response(email: str, word: str) -> dict[str, Any]:
    """Calendar API v3, freebusy.query: the response body (kind, timeMin, timeMax,
    calendars: {id: {errors, busy: [{start, end}]}}), plus fields no client should read."""
    return {
        "kind": "calendar#freeBusy",
        "timeMin": "2030-01-07T00:00:00.000Z",
        "timeMax": "2030-01-08T00:00:00.000Z",
        "calendars": {
            email: {
                "busy": [
                    {"start": "2030-01-07T10:00:00Z", "end": "2030-01-07T11:00:00Z"},
                    {"start": "2030-01-07T13:30:00+01:00", "end": "2030-01-07T14:00:00+01:00"},
                ],
                "summary": f"Planted {word}",
            }
        },
        "groups": {"planted": {"errors": [{"domain": "global", "reason": word}]}},
    }


# Microsoft identity platform: client credentials flow, "Successful response example".
MICROSOFT_TOKEN_RESPONSE: dict[str, Any] = {
    "token_type": "Bearer",
    "expires_in": 3599,
    "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsIng1dCI6Ik1uQ19WWmNBVGZNNXBP",
}


def graph_get_schedule_response(email: str, word: str) -> dict[str, Any]:
    """Microsoft Graph v1.0, calendar: getSchedule, "Example response" (times in UTC, as the
    Prefer: outlook.timezone header asks), with the planted word in subject and location."""
    return {
        "@odata.context": (
            "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)"
        ),
        "value": [
            {
                "scheduleId": email,
                "availabilityView": "000220000",
                "scheduleItems": [
                    {
                        "isPrivate": False,
                        "status": "busy",
                        "subject": f"Let's go for lunch {word}",
                        "location": f"Harry's Bar {word}",
                        "start": {"dateTime": "2030-01-07T12:00:00.0000000", "timeZone": "UTC"},
                        "end": {"dateTime": "2030-01-07T14:00:00.0000000", "timeZone": "UTC"},
                    },
                    {
                        "isPrivate": False,
                        "status": "tentative",
                        "subject": f"Maybe {word}",
                        "location": "",
                        "start": {"dateTime": "2030-01-07T15:00:00.0000000", "timeZone": "UTC"},
                        "end": {"dateTime": "2030-01-07T15:30:00.0000000", "timeZone": "UTC"},
                    },
                    {
                        "isPrivate": False,
                        "status": "free",
                        "subject": f"Focus {word}",
                        "location": "",
                        "start": {"dateTime": "2030-01-07T16:00:00.0000000", "timeZone": "UTC"},
                        "end": {"dateTime": "2030-01-07T17:00:00.0000000", "timeZone": "UTC"},
                    },
                ],
                "workingHours": {
                    "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                    "startTime": "08:00:00.0000000",
                    "endTime": "17:00:00.0000000",
                    "timeZone": {"name": "Pacific Standard Time"},
                },
            }
        ],
    }
