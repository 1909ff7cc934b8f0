"""1:1s: a standing arrangement between two people, its meetings, a shared agenda that
carries open talking points to the next meeting, shared notes, each participant's own
private notes, and action items.

Private notes and shared notes are sealed at rest (kith.core.fields.SealedTextField): a
database dump or backup shows ciphertext, not what people wrote."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.core.fields import SealedTextField


class OneOnOne(models.Model):
    """A manager (or skip-level manager) and one person who meet on a cadence."""

    class Kind(models.TextChoices):
        DIRECT = "direct", _("Manager and report")
        SKIP_LEVEL = "skip_level", _("Skip-level")

    manager = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="one_on_ones_led"
    )
    report = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="one_on_ones"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DIRECT)
    cadence_days = models.PositiveSmallIntegerField(help_text="Days between meetings")
    # Either side may propose another cadence; the other side accepts or declines.
    proposed_cadence_days = models.PositiveSmallIntegerField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        "directory.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When the report last asked for a 1:1"
    )
    nudged_at = models.DateTimeField(null=True, blank=True, help_text="Last overdue reminder")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["manager_id", "report_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["manager", "report"],
                name="one_on_one_pair_once",
                violation_error_message=_("Report: this manager and report already have a 1:1."),
            ),
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("report")),
                name="one_on_one_two_people",
                violation_error_message=_("Report: a 1:1 needs two different people."),
            ),
        ]
        indexes = [models.Index(fields=["report", "is_active"], name="one_on_one_report")]

    def __str__(self) -> str:
        return f"1:1 {self.pk}"

    def participant_ids(self) -> set[int]:
        return {self.manager_id, self.report_id}


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    one_on_one = models.ForeignKey(OneOnOne, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=30)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    held_on = models.DateField(null=True, blank=True)
    shared_notes = SealedTextField(purpose="touchpoints.shared_notes", blank=True)
    # Bumped on every change, so calendar apps replace the invite they hold.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["one_on_one", "status", "starts_at"], name="meeting_pair_status"),
            # Coverage and span read held meetings by date and pair: an index-only scan.
            models.Index(fields=["status", "held_on", "one_on_one"], name="meeting_held_on_pair"),
        ]

    def __str__(self) -> str:
        return f"Meeting {self.pk}"


class AgendaItem(models.Model):
    """A talking point. It belongs to the pair, not to one meeting: it shows on every
    meeting's agenda from `added_for` on until it is marked done."""

    one_on_one = models.ForeignKey(OneOnOne, on_delete=models.CASCADE, related_name="agenda")
    added_for = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by = models.ForeignKey("directory.Person", on_delete=models.CASCADE, related_name="+")
    text = SealedTextField(purpose="touchpoints.agenda")
    done_in = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["one_on_one", "done_at"], name="agenda_open")]

    def __str__(self) -> str:
        return f"Agenda item {self.pk}"


class PrivateNote(models.Model):
    """One participant's own note on one meeting: readable by its author and nobody else."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="private_notes")
    author = models.ForeignKey("directory.Person", on_delete=models.CASCADE, related_name="+")
    text = SealedTextField(purpose="touchpoints.private_note")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "author"],
                name="private_note_once",
                violation_error_message=_("My private note: one note per person and meeting."),
            )
        ]

    def __str__(self) -> str:
        return f"Private note {self.pk}"


class ActionItem(models.Model):
    one_on_one = models.ForeignKey(OneOnOne, on_delete=models.CASCADE, related_name="actions")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    owner = models.ForeignKey("directory.Person", on_delete=models.CASCADE, related_name="+")
    text = SealedTextField(purpose="touchpoints.action")
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return f"Action item {self.pk}"
