from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.core.weekdays import weekday_name
from kith.directory.models import Office, OrgUnit, Person


class AnchorDay(models.Model):
    """A team's day in an office ("Team Tools is in Lisbon on Tuesdays"), set by a manager of
    the team's people or by HR. One office per weekday per team; members see it on their
    office-days page and join it with one click (a recurring plan)."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="anchor_days")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="anchor_days")
    weekday = models.PositiveSmallIntegerField(help_text="ISO weekday, 1 = Monday")
    set_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["org_unit_id", "weekday"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "weekday"],
                name="anchor_day_once",
                violation_error_message=_(
                    "Weekday: this team already has an anchor day on that weekday (at most one "
                    "office per weekday per team)."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=1, weekday__lte=7),
                name="anchor_day_weekday",
                violation_error_message=_("Weekday: from 1 (Monday) to 7 (Sunday)."),
            ),
        ]

    def __str__(self) -> str:
        return f"anchor day {self.weekday} of unit {self.org_unit_id}"

    @property
    def weekday_name(self) -> str:
        return weekday_name(self.weekday)


class OfficeDay(models.Model):
    """A day (one-off) or a weekday (recurring) a person plans to be in an office.

    One-off: `weekday` is null and `ends_on` equals `starts_on`. Recurring: `weekday` is set,
    from `starts_on`, until `ends_on` (inclusive) or open-ended. On a given date a one-off plan
    wins over a recurring one, and declared leave wins over both
    (kith.places.selectors.days resolves it)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="office_days")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="office_days")
    weekday = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="ISO weekday of a recurring plan; empty for one day"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="The last day (inclusive)")
    anchor = models.ForeignKey(
        AnchorDay, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        indexes = [
            models.Index(fields=["office", "starts_on"], name="office_day_office_start"),
            models.Index(fields=["person", "starts_on"], name="office_day_person_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__isnull=True, ends_on=models.F("starts_on"))
                | models.Q(weekday__gte=1, weekday__lte=7),
                name="office_day_once_or_weekly",
                violation_error_message=_(
                    "Weekday: a weekly plan's weekday is 1 (Monday) to 7 (Sunday); a plan for "
                    "one day has no weekday and ends the day it starts."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="office_day_ends_after_start",
                violation_error_message=_("Last day: on or after the first day."),
            ),
        ]

    def __str__(self) -> str:
        return f"office day {self.pk} of person {self.person_id}"

    @property
    def is_recurring(self) -> bool:
        return self.weekday is not None

    @property
    def weekday_name(self) -> str:
        return weekday_name(self.weekday)


class OfficeDayNudge(models.Model):
    """The one nudge a person got in a week (Monday `week_start`): its unique row is the claim
    that makes the periodic job idempotent. Only the person sees it (their export)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    office = models.ForeignKey(Office, null=True, on_delete=models.SET_NULL, related_name="+")
    on_date = models.DateField()
    people = models.PositiveIntegerField(help_text="How many people they know were counted")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "week_start"],
                name="office_nudge_weekly",
                violation_error_message=_("Week: at most one office-day nudge a week per person."),
            )
        ]

    def __str__(self) -> str:
        return f"office-day nudge of person {self.person_id} for {self.week_start}"
