"""Gatherings: introdays, core weeks and offsites planned where and when they cost people
least, with their agenda, invitations and small groups of people who have not met."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.directory.models import Office, Person
from kith.events.models import Event


class Gathering(models.Model):
    class Kind(models.TextChoices):
        INTRODAY = "introday", _("Introday")
        CORE_WEEK = "core_week", _("Core week")
        OFFSITE = "offsite", _("Offsite")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being planned")
        PLANNED = "planned", _("Place and week chosen")
        INVITED = "invited", _("Invitations sent")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    organiser = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    participants: models.ManyToManyField[Person, Participant] = models.ManyToManyField(
        Person, through="Participant", related_name="gatherings"
    )
    first_day = models.DateField(help_text=_("The earliest day it may start"))
    last_day = models.DateField(help_text=_("The latest day it may end"))
    days = models.PositiveSmallIntegerField(default=5)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # What the organiser compared: the planner's ranked options when last computed (JSON, as
    # the API returns them) and the aggregate of what was avoided. No one's holiday or leave.
    options = models.JSONField(default=list, blank=True)
    avoided = models.JSONField(default=list, blank=True)
    not_counted = models.PositiveIntegerField(default=0)
    # Whether declared leave was taken into account (only for k or more people besides the
    # organiser: inputs.leave_counts).
    leave_counted = models.BooleanField(default=True)
    options_at = models.DateTimeField(null=True, blank=True)
    # The chosen place: an office, or a venue in a city (its coordinates city-level).
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.SET_NULL, related_name="gatherings"
    )
    city = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    week_start = models.DateField(null=True, blank=True)
    event = models.OneToOneField(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="gathering"
    )
    groups_drawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["office", "week_start"], name="gathering_office_week")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="gathering_range_in_order",
                violation_error_message=_("Last day: it is on or after the first day."),
            ),
            models.CheckConstraint(
                condition=models.Q(days__gte=1, days__lte=7),
                name="gathering_days_1_to_7",
                violation_error_message=_("Days: a gathering lasts 1 to 7 days."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def place(self) -> str:
        if self.office_id and self.office:
            return f"{self.office.name}, {self.office.city}"
        return self.city

    @property
    def week_end(self) -> dt.date | None:
        if self.week_start is None:
            return None
        return self.week_start + dt.timedelta(days=self.days - 1)


class Participant(models.Model):
    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gathering", "person"], name="gathering_person_once")
        ]
        indexes = [models.Index(fields=["person"], name="gathering_participant_person")]

    def __str__(self) -> str:
        return f"participant {self.person_id} of gathering {self.gathering_id}"


class AgendaDay(models.Model):
    class Kind(models.TextChoices):
        TRAVEL = "travel", _("Travel")
        STRUCTURED = "structured", _("Structured")
        UNSTRUCTURED = "unstructured", _("Unstructured")

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(help_text=_("0 = the first day"))
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=120)
    notes = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["gathering", "position"]
        constraints = [
            models.UniqueConstraint(fields=["gathering", "position"], name="agenda_day_once")
        ]

    def __str__(self) -> str:
        return f"day {self.position + 1} of gathering {self.gathering_id}"


class Group(models.Model):
    """A small group of participants who have not met yet (Connect's engine drew it)."""

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveSmallIntegerField()
    reasons = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["gathering", "number"]
        constraints = [
            models.UniqueConstraint(fields=["gathering", "number"], name="gathering_group_once")
        ]

    def __str__(self) -> str:
        return f"group {self.number} of gathering {self.gathering_id}"


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gathering", "person"], name="gathering_one_group_each")
        ]

    def __str__(self) -> str:
        return f"member {self.person_id} of group {self.group_id}"
