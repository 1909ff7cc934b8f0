"""CalDAV: the free-busy REPORT (RFC 4791 §7.10) on the person's calendar collection.

The server answers a VFREEBUSY with FREEBUSY periods only: no event ever leaves the server,
so Kith never sees a title, attendee, description or location. Periods marked FREE are
ignored; BUSY, BUSY-TENTATIVE and BUSY-UNAVAILABLE count as busy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from caldav.davclient import DAVClient
from caldav.lib import error as caldav_errors

from kith.calendars.adapters import TIMEOUT_SECONDS, CalendarError, Interval, clipped, utc
from kith.calendars.adapters.addresses import check_url

BUSY_TYPES = frozenset({"BUSY", "BUSY-TENTATIVE", "BUSY-UNAVAILABLE"})


class CaldavCalendar:
    def __init__(self, *, url: str, username: str, password: str) -> None:
        self.url = url
        self.username = username
        self.password = password

    def busy(self, start: dt.datetime, end: dt.datetime) -> list[Interval]:
        start, end = utc(start), utc(end)
        check_url(self.url)
        try:
            with DAVClient(
                url=self.url,
                username=self.username or None,
                password=self.password or None,
                timeout=int(TIMEOUT_SECONDS),
            ) as client:
                # A redirect could lead past the address check: refuse to follow any.
                client.session.max_redirects = 0
                calendar = client.calendar(url=self.url)
                answer = calendar.freebusy_request(start, end)
                periods = _busy_periods(answer.icalendar_instance)
        except CalendarError:
            raise
        except caldav_errors.AuthorizationError:
            raise CalendarError("auth") from None
        except caldav_errors.NotFoundError:
            raise CalendarError("not_found") from None
        except caldav_errors.DAVError:
            raise CalendarError("bad_response") from None
        except Exception as exc:  # the HTTP library's own errors, named by class
            raise CalendarError(_code_for(exc)) from None
        return clipped(periods, start, end)


def _busy_periods(icalendar_instance: Any) -> list[Interval]:
    """Every busy FREEBUSY period (icalendar gives one value per period, even when a line
    lists several), start/end or start/duration."""
    found: list[Interval] = []
    for component in icalendar_instance.walk("VFREEBUSY"):
        values = component.get("FREEBUSY") or []
        for value in values if isinstance(values, list) else [values]:
            if str(value.params.get("FBTYPE", "BUSY")).upper() not in BUSY_TYPES:
                continue
            left, right = value.dt
            if isinstance(right, dt.timedelta):
                right = left + right
            if not isinstance(left, dt.datetime) or left.tzinfo is None:
                raise CalendarError("bad_response")
            found.append((left.astimezone(dt.UTC), right.astimezone(dt.UTC)))
    return found


def _code_for(exc: Exception) -> str:
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"Timeout", "ReadTimeout", "ConnectTimeout", "TimeoutError"}:
        return "timeout"
    if names & {"ConnectionError", "TooManyRedirects", "OSError", "SSLError"}:
        return "unreachable"
    return "bad_response"
