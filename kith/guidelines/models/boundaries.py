from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.directory.models import OrgUnit, Person


class TechFreeHours(models.Model):
    """A team's weekly time without Kith: no notification reaches its members and Kith
    proposes no meeting in it. It applies to the unit and every unit below it, in each
    member's own time zone."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)], help_text="ISO, 1 = Monday"
    )
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["org_unit", "weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="tech_free_ends_after_start",
                violation_error_message=_(
                    "Ends at: tech-free hours must end after they start, on the same day."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=1, weekday__lte=7),
                name="tech_free_weekday",
                violation_error_message=_("Weekday: from 1 (Monday) to 7 (Sunday)."),
            ),
        ]

    def __str__(self) -> str:
        return f"tech-free hours {self.pk} of unit {self.org_unit_id}"


class WellnessWeek(models.Model):
    """The company logs off, both days inclusive, in each person's own time zone: every
    notification is held until it ends, no matching round is drawn, no reminder is sent,
    and every page shows a banner."""

    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day off (inclusive)")
    message = models.TextField(blank=True, max_length=1000)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="wellness_week_ends_after_start",
                violation_error_message=_("Last day: cannot be before the first day."),
            )
        ]

    def __str__(self) -> str:
        return self.name
