"""CalDAV: the free-busy REPORT (RFC 4791 §7.10) on the person's calendar collection.

The server answers a VFREEBUSY with FREEBUSY periods only: no event ever leaves the server,
so Kith never sees a title, attendee, description or location. Periods marked FREE are
ignored; BUSY, BUSY-TENTATIVE and BUSY-UNAVAILABLE count as busy.

The URL is vetted before every call (addresses.py) and the HTTP session then resolves the
host only to the addresses that were vetted: a name that answers a public address to the
check and an internal one to the call (DNS rebinding) gets no second answer. The URL, the
Host header and the TLS server name stay the host name, so the certificate is still checked
against it. Redirects are refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import niquests
from caldav.davclient import DAVClient
from caldav.lib import error as caldav_errors
from niquests.packages.urllib3.contrib.resolver.in_memory import InMemoryResolver

from kith.calendars.adapters import TIMEOUT_SECONDS, CalendarError, Interval, clipped, utc
from kith.calendars.adapters.addresses import check_url
from kith.core import netpolicy

BUSY_TYPES = frozenset({"BUSY", "BUSY-TENTATIVE", "BUSY-UNAVAILABLE"})


class CaldavCalendar:
    def __init__(
        self,
        *,
        url: str,
        username: str,
        password: str,
        resolve: netpolicy.Resolver | None = None,  # tests: a resolver instead of the system's
    ) -> None:
        self.url = url
        self.username = username
        self.password = password
        self.resolve = resolve

    def busy(self, start: dt.datetime, end: dt.datetime) -> list[Interval]:
        start, end = utc(start), utc(end)
        target = check_url(self.url, resolve=self.resolve)
        try:
            with DAVClient(
                url=self.url,
                username=self.username or None,
                password=self.password or None,
                timeout=int(TIMEOUT_SECONDS),
                enable_rfc6764=False,
            ) as client:
                client.session.close()
                client.session = pinned_session(target)
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


def pinned_session(target: netpolicy.Target) -> niquests.Session:
    """A session that resolves the target's host only to its vetted addresses (any other name
    fails to resolve) and follows no redirect (one could lead past the address check)."""
    resolver = InMemoryResolver()
    for address in target.addresses:
        resolver.register(target.host, address)
    session = niquests.Session(resolver=resolver)
    session.max_redirects = 0
    return session


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
