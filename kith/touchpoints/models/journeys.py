"""Onboarding journeys: HR's templates (steps with an owner, a day offset from the start
date and a kind), and each new person's journey made from one."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Owner(models.TextChoices):
    JOINER = "joiner", _("New joiner")
    MANAGER = "manager", _("Manager")
    BUDDY = "buddy", _("Buddy")
    HR = "hr", _("HR")
    IT = "it", _("IT")


class StepKind(models.TextChoices):
    HUMAN = "human", _("Human")
    AUTOMATED = "automated", _("Automated")
    HYBRID = "hybrid", _("Hybrid")


class Special(models.TextChoices):
    """Steps Kith carries out itself, besides reminding the owner."""

    NONE = "", _("—")
    WELCOME_CALL = "welcome_call", _("Welcome call with the manager (scheduled by Kith)")
    BUDDY = "buddy", _("Meet the onboarding buddy (from Connect's buddy program)")
    CHECK_IN = "check_in", _("Check-in with the manager (a 1:1)")


class JourneyTemplate(models.Model):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    is_default = models.BooleanField(default=False, help_text="Used for every new person")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="journey_template_one_default",
                violation_error_message=_(
                    "Use for every new person: only one template can be the default."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class StepTemplate(models.Model):
    template = models.ForeignKey(JourneyTemplate, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True, max_length=2000)
    owner = models.CharField(max_length=10, choices=Owner.choices)
    day_offset = models.SmallIntegerField(help_text="Days from the start date (negative: before)")
    kind = models.CharField(max_length=10, choices=StepKind.choices)
    special = models.CharField(max_length=20, choices=Special.choices, blank=True, default="")

    class Meta:
        ordering = ["template_id", "day_offset", "id"]

    def __str__(self) -> str:
        return self.title


class Journey(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    person = models.OneToOneField(
        "directory.Person", on_delete=models.CASCADE, related_name="journey"
    )
    template = models.ForeignKey(
        JourneyTemplate, null=True, on_delete=models.SET_NULL, related_name="journeys"
    )
    start_date = models.DateField()
    manager = models.ForeignKey(
        "directory.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    buddy = models.ForeignKey(
        "directory.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "id"]

    def __str__(self) -> str:
        return f"Journey {self.pk}"


class JourneyStep(models.Model):
    """One step of one journey, copied from the template when the journey starts (so editing
    a template never changes a journey under way)."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True, max_length=2000)
    owner_role = models.CharField(max_length=10, choices=Owner.choices)
    owner = models.ForeignKey(
        "directory.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=StepKind.choices)
    special = models.CharField(max_length=20, choices=Special.choices, blank=True, default="")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        "directory.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nudged_at = models.DateTimeField(null=True, blank=True)
    meeting = models.ForeignKey(
        "touchpoints.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The welcome call or check-in Kith scheduled for this step",
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_at", "due_on"], name="journey_step_due")]

    def __str__(self) -> str:
        return self.title
