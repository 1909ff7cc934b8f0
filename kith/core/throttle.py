"""Throttles that hold across every Kith process: counters in the shared cache.

Each scope in settings.KITH_RATE_LIMITS allows `limit` hits per `window` for one "who" (a
client address, a token). Windows are fixed (they start on multiples of their length), so
a client can get up to twice the limit across a window's edge; that is the price of one
atomic counter per window instead of a list of timestamps. Counters live in the cache named
"default" (the database, or Redis with KITH_CACHE_URL): every web worker and host sees the
same count, and a restart resets nothing. Keys hold a keyed hash of "who", never an address
or a token in clear.

If the cache cannot be reached the error propagates and the request fails: a throttle that
silently stopped counting would be no throttle.

Logins and one-time codes are throttled by allauth (ACCOUNT_RATE_LIMITS), in the same cache.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`"30/10m"`: 30 hits per 10 minutes (units s, m, h, d)."""
        match = _RATE.match(text)
        if match is None or int(match.group(1)) < 1 or match.group(2) == "0":
            raise ValueError(f"{text!r} is not a rate: expected hits/period such as 30/10m")
        return cls(int(match.group(1)), int(match.group(2) or 1) * _UNITS[match.group(3)])


class Throttled(Exception):
    """Too many requests in `scope`; the caller answers 429 with Retry-After."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(scope, retry_after)
        self.scope = scope
        self.retry_after = retry_after

    @property
    def detail(self) -> str:
        return _("Too many requests: try again in %(seconds)d seconds.") % {
            "seconds": self.retry_after
        }


def rate_for(scope: str) -> Rate:
    try:
        return Rate.parse(settings.KITH_RATE_LIMITS[scope])
    except KeyError as exc:
        raise ImproperlyConfigured(f"KITH_RATE_LIMITS has no rate for {scope!r}") from exc
    except ValueError as exc:
        raise ImproperlyConfigured(f"KITH_RATE_LIMITS[{scope!r}]: {exc}") from exc


def _window(rate: Rate, now: float) -> int:
    return int(now // rate.seconds)


def _key(scope: str, who: str, rate: Rate, now: float) -> str:
    digest = salted_hmac("kith.core.throttle", f"{scope}:{who}").hexdigest()[:32]
    return f"kith:throttle:{scope}:{rate.seconds}:{_window(rate, now)}:{digest}"


def retry_after(scope: str, *, now: float | None = None) -> int:
    """Seconds until the current window of `scope` ends."""
    rate = rate_for(scope)
    now = time.time() if now is None else now
    return max(1, int((_window(rate, now) + 1) * rate.seconds - now))


def is_exhausted(scope: str, who: str, *, now: float | None = None) -> bool:
    """Whether `who` has used up `scope` in this window (reads only)."""
    rate = rate_for(scope)
    now = time.time() if now is None else now
    return int(cache.get(_key(scope, who, rate, now), 0)) >= rate.limit


def hit(scope: str, who: str, *, now: float | None = None) -> bool:
    """Count one hit of `who` in `scope`; True while the count is within the limit."""
    rate = rate_for(scope)
    now = time.time() if now is None else now
    key = _key(scope, who, rate, now)
    try:
        count = cache.incr(key)
    except ValueError:
        # The first hit of this window, unless another process adds the key first. It lives
        # a little longer than the window, so a slow clock never cuts the window short.
        count = 1 if cache.add(key, 1, timeout=rate.seconds + 5) else cache.incr(key)
    return count <= rate.limit


def check(scope: str, who: str) -> None:
    """Count a hit and raise Throttled once `who` is over the limit of `scope`."""
    if not hit(scope, who):
        raise Throttled(scope, retry_after(scope))
