"""Pulse surveys. Confidential by construction (docs/privacy.md, docs/pulse.md):

- a `Response` row never references a person: it holds the invitee's *stored* group (a unit
  and coarse attributes shared by at least k of the wave's invitees, engine/storage.py), the
  week it was given, and the answers;
- an `Invitation` never records whether its person answered: answering writes a `Receipt`, an
  HMAC of the wave and the token keyed by SECRET_KEY (which is never in the database), so a
  dump cannot tell who answered (receipts.py);
- free-text answers are `Comment` rows, not joined to the response they came with;
- responses, comments and receipts have random primary keys and are kept in key order, not
  in the order they were written (storage.py);
- results are computed once a wave closes, and only cells that pass the privacy engine are
  stored (`ResultCell`), so every page, API response and export reads the same cells.
"""

from __future__ import annotations

import secrets
import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kith.pulse.engine.suppression import DEFAULT_COMMENT_K, DEFAULT_K, MAX_K, MIN_K

ATTRIBUTE_CHOICES = [
    ("country", _("Country")),
    ("tenure", _("Tenure band")),
    ("employment_type", _("Employment type")),
]


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Campaign(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    instruments = models.JSONField(default=list, help_text="Instrument keys, in order")
    audience_units = models.ManyToManyField(
        "directory.OrgUnit", blank=True, related_name="+", help_text="Empty = everyone"
    )
    attributes = models.JSONField(
        default=list, blank=True, help_text="Coarse attributes recorded with each response"
    )
    opens_on = models.DateField()
    closes_on = models.DateField()
    cadence_weeks = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(52)], help_text="0 = once"
    )
    min_group = models.PositiveSmallIntegerField(
        default=DEFAULT_K, validators=[MinValueValidator(MIN_K), MaxValueValidator(MAX_K)]
    )
    min_comment_group = models.PositiveSmallIntegerField(
        default=DEFAULT_COMMENT_K, validators=[MinValueValidator(MIN_K), MaxValueValidator(50)]
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="campaign_closes_after_opening",
                violation_error_message=_(
                    "Closes on: the closing day must be on or after the opening day."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(min_group__gte=MIN_K, min_group__lte=MAX_K),
                name="campaign_min_group_range",
                violation_error_message=format_lazy(
                    _("Minimum group size (k): between {min} and {max} people."),
                    min=MIN_K,
                    max=MAX_K,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """A campaign's own question, asked after its instruments."""

    class Kind(models.TextChoices):
        AGREE = "agree", _("Agreement (1–5)")
        CHOICE = "choice", _("Single choice")
        ZERO_TO_TEN = "zero_to_ten", "0–10"
        TEXT = "text", _("Free text")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def key(self) -> str:
        return f"custom.{self.pk}"


class Wave(models.Model):
    """One sending of a campaign. What it asked, and the org tree and attribute values as they
    were when it was sent, are frozen here so later reorganisations change no result."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="waves")
    number = models.PositiveSmallIntegerField()
    opens_on = models.DateField()
    closes_on = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    items = models.JSONField(default=list, help_text="[{key, text, kind, ...}] in answer order")
    units = models.JSONField(default=list, help_text="[[org unit id, name, parent index], …]")
    # A list, not a dict: PostgreSQL's jsonb does not keep key order, and the codes on every
    # invitation and response are positions in this list.
    attributes = models.JSONField(
        default=list, help_text="[[attribute, [label, …]], …] in the order of the codes"
    )
    invited = models.PositiveIntegerField(default=0)
    # The reminder goes to every invitee at once: a per-person record of who was reminded
    # would tell who had not answered.
    reminded_at = models.DateTimeField(null=True, blank=True)
    results_at = models.DateTimeField(null=True, blank=True)
    results_error = models.TextField(blank=True)

    class Meta:
        ordering = ["campaign_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"],
                name="wave_unique_number",
                violation_error_message=_("Wave: a campaign numbers each wave once."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign.name} · wave {self.number}"

    @property
    def attribute_names(self) -> list[str]:
        return [str(name) for name, _labels in self.attributes]


class Invitation(models.Model):
    """Who was asked; never whether or what they answered (see `Receipt`).

    `unit` and `attrs` are the invitee's true place and attributes in the wave's snapshot
    (the results engine counts groups by them); `stored_unit` and `stored_attrs` are the
    coarser group their answers are filed under, shared by at least k invitees."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    # PROTECT: an invitation is how the disclosure ledger knows who a published cell
    # described; deleting it would make earlier results forget people (people leave by being
    # deactivated, never deleted).
    person = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, related_name="pulse_invitations"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    unit = models.IntegerField(help_text="Index into the wave's unit snapshot")
    attrs = models.JSONField(default=list, help_text="Coarse attribute codes, as sent")
    stored_unit = models.IntegerField(help_text="Unit index answers are stored under (>= k)")
    stored_attrs = models.JSONField(
        default=list, help_text="Attribute codes answers are stored under; -1 = not kept"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "person"],
                name="invitation_once_per_wave",
                violation_error_message=_("Person: invited at most once per wave."),
            )
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} to wave {self.wave_id}"


class Receipt(models.Model):
    """That someone answered a wave, not who: HMAC-SHA256 of "wave:token" keyed by SECRET_KEY
    (receipts.receipt_digest). Without the key, a receipt cannot be matched to an invitation.
    The digest is the primary key: one answer per invitation, rows kept in digest order."""

    digest = models.CharField(max_length=64, primary_key=True)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="receipts")

    class Meta:
        indexes = [models.Index(fields=["wave"], name="receipt_wave")]

    def __str__(self) -> str:
        return f"Receipt for wave {self.wave_id}"


# Response, Comment and Receipt are WITHOUT ROWID tables on SQLite (migration 0006): rows
# live in random-key order, not insertion order. SQLite remakes a table on most schema
# changes, dropping that: a migration that changes one of these models must end with
# `storage.sqlite_without_rowid` again (test_storage checks it).


class Response(models.Model):
    """One set of answers. No person, no time of day: a random id, the week, and the stored
    group (never finer than k invitees) of whoever gave it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    unit = models.IntegerField()
    attrs = models.JSONField(default=list)
    week = models.DateField(help_text="Monday of the week it was given")
    values = models.JSONField(default=list, help_text="Answers in the wave's item order")

    class Meta:
        indexes = [models.Index(fields=["wave"], name="response_wave")]

    def __str__(self) -> str:
        return f"Response to wave {self.wave_id}"


class Comment(models.Model):
    """A free-text answer, stored apart from its response so the two cannot be joined."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="comments")
    item = models.CharField(max_length=40)
    unit = models.IntegerField()
    attrs = models.JSONField(default=list)
    text = models.TextField(max_length=4000)

    def __str__(self) -> str:
        return f"Comment on wave {self.wave_id}"


class ResultCell(models.Model):
    """One published aggregate: a unit's subtree, optionally one attribute value. Cells the
    privacy engine withholds are never stored."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="cells")
    unit = models.IntegerField()
    attr = models.SmallIntegerField(default=-1)
    value = models.SmallIntegerField(default=-1)
    respondents = models.PositiveIntegerField()
    invited = models.PositiveIntegerField()
    scores = models.JSONField(default=dict)
    items = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "attr", "value", "unit"],
                name="resultcell_unique",
                violation_error_message=_("Group: one result per group and wave."),
            )
        ]

    def __str__(self) -> str:
        return f"Wave {self.wave_id} cell {self.unit}/{self.attr}/{self.value}"


class CommentCell(models.Model):
    """A unit whose comments for one question may be shown (enough people wrote one)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="comment_cells")
    unit = models.IntegerField()
    item = models.CharField(max_length=40)
    writers = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "item", "unit"],
                name="commentcell_unique",
                violation_error_message=_("Group: one comment set per question, group and wave."),
            )
        ]

    def __str__(self) -> str:
        return f"Wave {self.wave_id} comments {self.unit}/{self.item}"


class Action(models.Model):
    """A manager's plan to work on one item with their team, in person."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Conversation held")
        DONE = "done", _("Done")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="actions")
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="actions")
    unit = models.IntegerField(help_text="Index into the wave's unit snapshot")
    owner = models.ForeignKey("directory.Person", on_delete=models.CASCADE, related_name="+")
    item = models.CharField(max_length=40)
    note = models.TextField(blank=True, max_length=2000)
    meeting_at = models.DateTimeField()
    meeting_minutes = models.PositiveSmallIntegerField(default=45)
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    invited = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-meeting_at", "-id"]

    def __str__(self) -> str:
        return f"Action {self.pk} on {self.item}"


class AICell(models.Model):
    """AI use and connection figures for one published whole-unit cell of depth <= 1 (the
    organisation and its large units; kith/pulse/ai.py). `figures` holds the share who
    cannot relate their AI use to company goals and, where the disclosure check allows,
    the heavier vs lighter AI users' figures; `split` is null where it is withheld. Rows exist
    only for cells the privacy engine published, never finer."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="ai_cells")
    unit = models.IntegerField(help_text="Index into the wave's unit snapshot")
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["wave_id", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "unit"],
                name="aicell_unique",
                violation_error_message=_("Group: one set of AI figures per group and wave."),
            )
        ]

    def __str__(self) -> str:
        return f"Wave {self.wave_id} AI figures {self.unit}"


# Focus groups live in their own module (kith/pulse/focus_models.py); imported here so Django
# registers them with the app.
from kith.pulse.focus_models import FocusGroup, FocusInvitee, FocusTheme  # noqa: E402, F401
