"""Celebrations: kudos between colleagues, and milestones (work anniversaries, welcomes and
birthdays of the people who opted in).

Kudos messages are stored: they are deliberate recognition written to be read, not metadata of
an interaction. Who may read one depends on the visibility its sender chose (docs/celebrate.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from kith.celebrate.engine.milestones import KIND_ANNIVERSARY, KIND_BIRTHDAY, KIND_WELCOME

if TYPE_CHECKING:
    from kith.directory.models import Person

MAX_RECIPIENTS = 10
MAX_MESSAGE_LENGTH = 1000


class CompanyValue(models.Model):
    """A value the organisation recognises ("Be kind"); HR keeps the list."""

    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True, help_text=_("Archived values stay on old kudos"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Kudos(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Everyone in the organisation")
        TEAM = "team", _("Our teams")
        PRIVATE = "private", _("Only us")

    sender = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="kudos_sent"
    )
    recipients: models.ManyToManyField[Person, KudosRecipient] = models.ManyToManyField(
        "directory.Person", through="KudosRecipient", related_name="kudos_received"
    )
    message = models.TextField(max_length=MAX_MESSAGE_LENGTH)
    value = models.ForeignKey(
        CompanyValue, null=True, blank=True, on_delete=models.SET_NULL, related_name="kudos"
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # "Our teams" is fixed when the kudos is given: the org units of the sender and of every
    # recipient at that moment, so a later team change never widens who reads it.
    audience_units = models.ManyToManyField("directory.OrgUnit", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "kudos"
        indexes = [models.Index(fields=["sender", "created_at"], name="kudos_sender_day")]

    def __str__(self) -> str:
        return f"Kudos {self.pk}"


class KudosRecipient(models.Model):
    kudos = models.ForeignKey(Kudos, on_delete=models.CASCADE, related_name="recipient_rows")
    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="kudos_recipient_rows"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kudos", "person"], name="kudos_recipient_once")
        ]

    def __str__(self) -> str:
        return f"Recipient {self.person_id} of kudos {self.kudos_id}"


class Milestone(models.Model):
    """A celebration of one person on one day, written once by the daily job."""

    class Kind(models.TextChoices):
        ANNIVERSARY = KIND_ANNIVERSARY, "Work anniversary"
        WELCOME = KIND_WELCOME, "Welcome"
        BIRTHDAY = KIND_BIRTHDAY, "Birthday"

    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="milestones"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    date = models.DateField(help_text=_("The organisation's calendar day it is celebrated"))
    years = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Anniversaries"))
    at = models.DateTimeField(help_text=_("Start of that day in the organisation's zone (sorting)"))

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "date"], name="milestone_once_per_day"
            )
        ]
        indexes = [models.Index(fields=["date"], name="milestone_date")]

    def __str__(self) -> str:
        return f"{self.kind} of person {self.person_id} on {self.date}"

    @property
    def summary(self) -> str:
        """The words after the person's name in a feed."""
        if self.kind == self.Kind.ANNIVERSARY:
            years = self.years or 0
            return ngettext(
                "celebrates %(n)d year with us", "celebrates %(n)d years with us", years
            ) % {"n": years}
        if self.kind == self.Kind.WELCOME:
            return gettext("joined us: say welcome")
        return gettext("has a birthday")


class BirthdayOptIn(models.Model):
    """A birthday someone chose to share: day and month only, the year is never asked."""

    person = models.OneToOneField(
        "directory.Person", on_delete=models.CASCADE, related_name="birthday_opt_in"
    )
    month = models.PositiveSmallIntegerField()
    day = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["month", "day"], name="birthday_month_day")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12, day__gte=1, day__lte=31),
                name="birthday_day_in_range",
                violation_error_message=_(
                    "Birthday: the month is 1 to 12 and the day 1 to 31 (MM-DD)."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"Birthday of person {self.person_id}"


class CelebrationSettings(models.Model):
    """A person's choices; someone without a row has the defaults."""

    person = models.OneToOneField(
        "directory.Person", on_delete=models.CASCADE, related_name="celebration_settings"
    )
    celebrate_work_dates = models.BooleanField(
        default=True, help_text=_("Work anniversaries and the welcome on the first day")
    )
    weekly_digest = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "celebration settings"

    def __str__(self) -> str:
        return f"Celebration settings of person {self.person_id}"


class WeeklyDigest(models.Model):
    """The claim that one person's digest for one week was handled: sent, or nothing to say.
    Unique per (person, week), so two schedulers never send it twice."""

    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="celebration_digests"
    )
    week_start = models.DateField(help_text=_("Monday of the ISO week it was sent in"))
    notification = models.ForeignKey(
        "notify.Notification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kudos_count = models.PositiveSmallIntegerField(default=0)
    celebrations_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "week_start"], name="digest_once_per_week")
        ]

    def __str__(self) -> str:
        return f"Digest of person {self.person_id} for {self.week_start}"
