"""The organisation's calendar stays put whatever zone a request activates."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from unittest import mock

from django.utils import timezone

from kith.core.dates import org_today, seen_today


def test_org_today_ignores_the_viewers_zone(settings):
    settings.TIME_ZONE = "UTC"
    moment = dt.datetime(2026, 11, 30, 23, 35, tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
            assert timezone.localdate() == dt.date(2026, 12, 1)
            assert org_today() == dt.date(2026, 11, 30)
            assert seen_today() == dt.date(2026, 12, 1)
        with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
            assert org_today() == dt.date(2026, 11, 30)
            assert seen_today() == dt.date(2026, 11, 30)
