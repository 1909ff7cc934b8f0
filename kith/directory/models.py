from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class OrgUnit(models.Model):
    """A node of the organisation tree (department → team → …), of any depth.

    `path` is a materialised path of ids ("1.7.42."), so a subtree is one indexed prefix
    query instead of a recursive walk.
    """

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")
        UNIT = "unit", _("Unit")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=1024, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="orgunit_unique_name_in_parent",
                violation_error_message=_(
                    "Name: another unit under the same parent already has this name; names "
                    "are unique within a parent."
                ),
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(parent__isnull=True),
                name="orgunit_unique_root_name",
                violation_error_message=_(
                    "Name: another top-level unit already has this name; top-level names are "
                    "unique."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.split(".") if part][:-1]


class Office(models.Model):
    name = models.CharField(max_length=200, unique=True)
    city = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    latitude = models.FloatField()
    longitude = models.FloatField()
    timezone = models.CharField(max_length=64)
    capacity = models.PositiveIntegerField(default=0, help_text="Desks or seats; 0 = not set")
    # Offices are managed by HR in the places app (kith/places); the model lives here because
    # the directory, the Band Map and events all point at it (decision 0012).
    address = models.CharField(max_length=300, blank=True, help_text="The office's address line")
    amenities = models.JSONField(default=list, blank=True, help_text="Short labels")
    photo = models.BinaryField(null=True, blank=True, editable=True)
    photo_type = models.CharField(max_length=40, blank=True, help_text="The photo's content type")
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    class Kind(models.TextChoices):
        INTEREST = "interest", _("Interest")
        SKILL = "skill", _("Skill")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "slug"],
                name="tag_unique_kind_slug",
                violation_error_message=_(
                    "Name: this tag already exists; a tag is unique per kind, whatever its "
                    "capitals and accents."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


def default_work_days() -> list[int]:
    return [1, 2, 3, 4, 5]


class Person(models.Model):
    class EmploymentType(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        CONTRACTOR = "contractor", _("Contractor")
        FREELANCER = "freelancer", _("Freelancer")

    employee_id = models.CharField(max_length=64, unique=True)
    full_name = models.CharField(max_length=200)
    preferred_name = models.CharField(max_length=200, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    email = models.EmailField(unique=True)
    title = models.CharField(max_length=200, blank=True)
    employment_type = models.CharField(
        max_length=20, choices=EmploymentType.choices, default=EmploymentType.EMPLOYEE
    )
    start_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    city = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    # The subdivision whose public holidays apply (the `holidays` package's code, e.g. "BY"
    # in DE, "CA" in US); empty means the country's national holidays only.
    region = models.CharField(max_length=10, blank=True)
    latitude = models.FloatField(null=True, blank=True, help_text="The city's, never an address")
    longitude = models.FloatField(null=True, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    work_start = models.TimeField(default=dt.time(9, 0))
    work_end = models.TimeField(default=dt.time(17, 0))
    work_days = models.JSONField(default=default_work_days, help_text="ISO weekdays, 1 = Monday")
    languages = models.JSONField(default=list, blank=True)
    bio = models.TextField(blank=True, max_length=2000)
    tags = models.ManyToManyField(Tag, blank=True, related_name="people")
    # Lower-cased, accent-free names and title, so "jose" finds "José" with one LIKE.
    search_text = models.CharField(max_length=600, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the work email (the sign-in address) last changed: private data is held back from
    # the new address for a while (decision 0011), until confirmed from the previous one.
    email_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["full_name", "id"]
        indexes = [
            models.Index(fields=["is_active", "full_name", "id"], name="person_active_name"),
            models.Index(fields=["full_name", "id"], name="person_name"),
            models.Index(fields=["city", "country"], name="person_city"),
            models.Index(Lower("email"), name="person_email_lower"),
            # The home page's new joiners: this month's start dates, not every person.
            models.Index(fields=["start_date"], name="person_start_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("id")),
                name="person_not_own_manager",
                violation_error_message=_("Manager: a person cannot be their own manager."),
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name

    @property
    def initials(self) -> str:
        parts = self.display_name.split()
        return "".join(p[0] for p in parts[:2]).upper() if parts else "?"


class ImportRun(models.Model):
    """One HRIS file uploaded through the page: validated, previewed, then applied by a task."""

    class Status(models.TextChoices):
        INVALID = "invalid", _("Has errors")
        PREVIEWED = "previewed", _("Ready to apply")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Applying")
        DONE = "done", _("Applied")
        FAILED = "failed", _("Failed")

    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    deactivate_missing = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class ContactPreference(models.Model):
    """How a person likes to be reached and to meet: respected by Connect, events, office-day
    nudges and every notification. No row means the defaults. Edited on the guidelines
    app's "My boundaries" page; kept here because every app reads it (decision 0012)."""

    class MeetingMode(models.TextChoices):
        EITHER = "either", _("In person or virtually")
        IN_PERSON = "in_person", _("In person when possible")
        VIRTUAL = "virtual", _("Virtually")

    class IntroFrequency(models.TextChoices):
        EVERY_ROUND = "every_round", _("Every round of the programs I am in")
        MONTHLY = "monthly", _("At most once a month")
        QUARTERLY = "quarterly", _("At most once a quarter")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email (and in Kith)")
        IN_APP = "in_app", _("Only in Kith")
        SLACK = "slack", _("Slack (and in Kith)")
        MATRIX = "matrix", _("Matrix (and in Kith)")

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="contact_preference"
    )
    meeting_mode = models.CharField(
        max_length=10, choices=MeetingMode.choices, default=MeetingMode.EITHER
    )
    intro_frequency = models.CharField(
        max_length=12, choices=IntroFrequency.choices, default=IntroFrequency.EVERY_ROUND
    )
    preferred_channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    office_day_nudges = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"contact preferences of person {self.person_id}"
