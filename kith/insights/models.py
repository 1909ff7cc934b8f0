"""Collaboration metadata and the relational-health figures published from it.

What is kept is metadata only: who interacted with whom, in which ISO week, on which
channel, how often (and meeting minutes). No event, message, subject or body is ever stored:
imports reduce raw files to these counts while parsing (kith.insights.importers).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.directory.models import Person

CHANNELS = ("email", "chat", "meeting", "call", "other")  # code = index (importers.CHANNELS)


class InsightsSettings(models.Model):
    """The organisation's switch (one row, pk=1): collaboration analytics stays off until HR
    turns it on, and the switch records who did it and when."""

    enabled = models.BooleanField(default=False)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return "Insights on" if self.enabled else "Insights off"


class NoticeSeen(models.Model):
    """A person has read the notice about what collaboration analytics collects."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"notice seen by {self.person_id}"


class OptOut(models.Model):
    """A person left collaboration analytics: their interaction data was deleted, later
    imports drop them and no later computation includes them."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"opt-out of {self.person_id}"


class PairWeek(models.Model):
    """Interactions of one unordered pair (person_a < person_b) in one ISO week on one channel."""

    # No index of their own: each leads a composite index below (an extra index per column
    # costs a quarter of a 10M-row import).
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    week = models.DateField(help_text="Monday of the ISO week")
    channel = models.PositiveSmallIntegerField(choices=list(enumerate(CHANNELS)))
    count = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)
    one_to_one_minutes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_a", "person_b", "week", "channel"],
                name="pairweek_unique",
                violation_error_message=_("Week: one count per pair of people, week and channel."),
            ),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")),
                name="pairweek_ordered",
                violation_error_message=_(
                    "Person: a pair is two different people, the lower id first."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["week"], name="pairweek_week"),
            models.Index(fields=["person_b", "week"], name="pairweek_b_week"),
        ]

    def __str__(self) -> str:
        return f"{self.person_a_id}-{self.person_b_id} {self.week}"


class PersonWeek(models.Model):
    """One person's interactions in one ISO week: how many, how many after their own hours,
    and meeting minutes."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    week = models.DateField()
    interactions = models.PositiveIntegerField(default=0)
    after_hours = models.PositiveIntegerField(default=0)
    meeting_minutes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "week"],
                name="personweek_unique",
                violation_error_message=_("Week: one row per person and week."),
            )
        ]
        indexes = [models.Index(fields=["week"], name="personweek_week")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.week}"


class ImportRun(models.Model):
    """One metadata file: parsed at upload (the raw file is never stored: only its reduced
    counts wait here until HR applies them), then written by a task."""

    class Status(models.TextChoices):
        INVALID = "invalid", _("Has errors")
        PREVIEWED = "previewed", _("Ready to import")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    fmt = models.CharField(max_length=10)
    sha256 = models.CharField(max_length=64, db_index=True)
    reduced = models.BinaryField(
        default=b"", help_text="npz of the reduced counts; emptied once applied"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class Computation(models.Model):
    """One computation of the 4-week window ending with `week`. The members it described are
    kept (person and own unit, with the unit tree) so the disclosure ledger can resolve what
    was published; its figures live in UnitFigures, only for cells that were published."""

    week = models.DateField(help_text="Monday of the window's last ISO week")
    computed_at = models.DateTimeField()
    members = models.BinaryField(help_text="npz: person ids and their own unit ids")
    tree = models.JSONField(default=dict, help_text="{unit id: parent id or 0}")
    current = models.BooleanField(default=True, help_text="The latest computation of its week")
    k = models.PositiveSmallIntegerField()
    organisation = models.JSONField(default=dict, help_text="communities, modularity, NMI")

    class Meta:
        ordering = ["-week", "-id"]
        indexes = [models.Index(fields=["current", "week"], name="computation_current")]

    def __str__(self) -> str:
        return f"Insights for the 4 weeks to {self.week}"


class UnitFigures(models.Model):
    """A published cell: one unit's subtree (unit 0: the whole organisation) in one
    computation. Cells the disclosure layer withholds are never stored; a figure it withholds
    inside a published cell is null."""

    computation = models.ForeignKey(Computation, on_delete=models.CASCADE, related_name="cells")
    unit = models.IntegerField(help_text="org unit id, 0 for the organisation")
    name = models.CharField(max_length=1024, help_text="names from the top level down")
    depth = models.PositiveSmallIntegerField()
    parent = models.IntegerField(
        null=True, help_text="the parent unit's id; null for the organisation"
    )
    people = models.PositiveIntegerField()
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["depth", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["computation", "unit"],
                name="unitfigures_unique",
                violation_error_message=_("Unit: a computation has one row per unit."),
            )
        ]
        indexes = [models.Index(fields=["computation", "parent"], name="unitfigures_parent")]

    def __str__(self) -> str:
        return f"{self.name} in computation {self.computation_id}"


class Target(models.Model):
    """HR's target for one metric, like any KPI: a unit is off target when its figure is
    below `minimum` or above `maximum`."""

    metric = models.CharField(max_length=40, unique=True)
    minimum = models.FloatField(null=True, blank=True)
    maximum = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"target for {self.metric}"
