"""Span of control: HR's own notes on flagged managers, and a monthly snapshot of the spread
of spans across the organisation (so the trend survives reorganisations)."""

from __future__ import annotations

from django.db import models


class SpanNote(models.Model):
    """HR's note on one manager's span (a plan: a team lead, an assistant manager, a split)."""

    manager = models.OneToOneField(
        "directory.Person", on_delete=models.CASCADE, related_name="span_note"
    )
    text = models.TextField(max_length=2000)
    updated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Span note {self.pk}"


class SpanSnapshot(models.Model):
    """The distribution of spans on one day: counts of managers per band, median and mean,
    and the thresholds in force. Managers' spans are facts of the org chart, not about any
    report, so they need no disclosure check; the snapshot holds no person."""

    taken_on = models.DateField(unique=True)
    managers = models.PositiveIntegerField()
    median = models.FloatField()
    mean = models.FloatField()
    bands = models.JSONField(help_text="{band label: number of managers}")
    flagged_warn = models.PositiveIntegerField()
    flagged_alert = models.PositiveIntegerField()

    class Meta:
        ordering = ["taken_on"]

    def __str__(self) -> str:
        return f"Span snapshot {self.taken_on}"
