"""Check-ins: how someone is, their energy, the support they need. Not a performance
record: readable by the author and, when written for a 1:1, by the other participant of that
1:1; nobody else, HR included (DESIGN §4). No other table references a check-in, so nothing
in one can be attached to anything else; HR sees only coverage, through the disclosure layer.
The content is sealed at rest."""

from __future__ import annotations

from django.db import models

from kith.core.fields import SealedTextField


class CheckIn(models.Model):
    author = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="check_ins"
    )
    # Shared with the other participant of this 1:1; null = private to the author.
    one_on_one = models.ForeignKey(
        "touchpoints.OneOnOne",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="check_ins",
    )
    # The check-in's answers (how, energy, support, free text) as sealed JSON.
    content = SealedTextField(purpose="touchpoints.check_in")
    written_on = models.DateField(help_text="A date, never a time")

    class Meta:
        ordering = ["-written_on", "-id"]
        indexes = [models.Index(fields=["author", "written_on"], name="check_in_author")]

    def __str__(self) -> str:
        return f"Check-in {self.pk}"
