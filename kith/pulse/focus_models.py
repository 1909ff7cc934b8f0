"""Focus groups (docs/pulse.md, "Focus groups"): from a published result cell, HR invites a
random sample of the people it describes to a facilitated session, then records what was
heard as themes without attribution. Imported by kith/pulse/models.py.

- `FocusGroup` is the request: the cell (wave, unit, attribute value), the item it is about,
  the facilitator, the session (an `events.Event`), how many were drawn and from how many.
- `FocusInvitee` is who was drawn. Drawn from the cell's *invitees* (everyone the wave asked
  in that group), never from its respondents: a list of people drawn from respondents would
  be a record of who answered, which Pulse never keeps (docs/privacy.md).
- `FocusTheme` is one thing the group said, in a sentence: no person, no quote tied to
  anyone; optionally linked to an `Action` of the action plan.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.pulse.models import Action, Wave

MAX_THEME = 300
MAX_THEMES = 30


class FocusGroup(models.Model):
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="focus_groups")
    unit = models.IntegerField(help_text="Index into the wave's unit snapshot")
    attr = models.SmallIntegerField(default=-1)
    value = models.SmallIntegerField(default=-1)
    item = models.CharField(max_length=40, help_text="An item or instrument key of the wave")
    prompt = models.CharField(max_length=300, blank=True, help_text="What the session asks")
    # SET_NULL: an event removed by its organisers leaves the request and its themes.
    event = models.OneToOneField(
        "events.Event", null=True, on_delete=models.SET_NULL, related_name="focus_group"
    )
    facilitator = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, related_name="focus_groups_facilitated"
    )
    size = models.PositiveSmallIntegerField(help_text="How many were drawn")
    drawn_from = models.PositiveIntegerField(help_text="How many could have been drawn")
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["wave", "unit"], name="focusgroup_wave_unit")]

    def __str__(self) -> str:
        return f"Focus group {self.pk} on wave {self.wave_id}"


class FocusInvitee(models.Model):
    """One person drawn. Each person is drawn at most once per wave (focus.py)."""

    focus_group = models.ForeignKey(FocusGroup, on_delete=models.CASCADE, related_name="invitees")
    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="focus_invitations"
    )
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "person"],
                name="focusinvitee_once_per_wave",
                violation_error_message=_("Person: drawn for at most one focus group per wave."),
            )
        ]

    def __str__(self) -> str:
        return f"Invitee {self.pk} of focus group {self.focus_group_id}"


class FocusTheme(models.Model):
    """What the group said, in the facilitator's words: no person, no attribution."""

    focus_group = models.ForeignKey(FocusGroup, on_delete=models.CASCADE, related_name="themes")
    item = models.CharField(max_length=40, help_text="The item it concerns")
    text = models.CharField(max_length=MAX_THEME)
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="focus_themes"
    )
    recorded_on = models.DateField()

    class Meta:
        ordering = ["focus_group_id", "id"]

    def __str__(self) -> str:
        return f"Theme {self.pk} of focus group {self.focus_group_id}"
