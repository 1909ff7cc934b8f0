from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.directory.models import Person


class Leave(models.Model):
    """Days a person said they are away (holiday, leave, a course), both ends inclusive.

    The gatherings planner avoids them and office-day views skip them. Only the person sees
    their own entries; the planner says that a week was avoided, never for whom or why."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="leaves")
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day away (inclusive)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        indexes = [models.Index(fields=["person", "starts_on"], name="leave_person_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="leave_ends_after_start",
                violation_error_message=_("Last day away: on or after the first day away."),
            )
        ]

    def __str__(self) -> str:
        return f"leave {self.pk} of person {self.person_id}"
