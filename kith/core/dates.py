"""The organisation's calendar.

Request middleware activates each viewer's own zone, so `timezone.localdate()` is the
viewer's date. Things scheduled for the whole organisation (Connect rounds, survey waves)
live on the organisation's calendar instead: the date in `settings.TIME_ZONE`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def org_today() -> dt.date:
    """Today in the organisation's zone, whatever zone the current request activated."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def seen_today() -> dt.date:
    """The later of the viewer's date and the organisation's date.

    A dated item (an intro for round D) is shown once either calendar has reached D: people
    east of the organisation see it on their own D, people west of it no later than the
    organisation does.
    """
    return max(timezone.localdate(), org_today())
