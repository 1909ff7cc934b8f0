"""ISO weekdays (1 = Monday … 7 = Sunday), named in the reader's language, for every form and
page that asks for a day of the week."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

WEEKDAY_NAMES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
WEEKDAY_CHOICES = [(number, name) for number, name in enumerate(WEEKDAY_NAMES, start=1)]


def weekday_name(weekday: int | None) -> str:
    return str(WEEKDAY_NAMES[weekday - 1]) if weekday and 1 <= weekday <= 7 else ""
