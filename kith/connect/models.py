"""Matching programs (coffee chats, cross-team intros, mentoring, buddies, lunch groups),
who takes part, the rounds that were drawn and the matches they made."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.directory.models import OrgUnit, Person

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WEIGHT_FIELDS = (
    "weight_different_team",
    "weight_different_department",
    "weight_shared_interests",
    "weight_working_hours_overlap",
    "weight_same_city",
    "weight_seniority_mix",
    "weight_new_joiners_first",
)


def _weight(default: float, label: StrOrPromise) -> models.FloatField:
    return models.FloatField(
        default=default,
        validators=[MinValueValidator(0.0), MaxValueValidator(5.0)],
        verbose_name=label,
        help_text=_("0 switches this preference off; 5 is the strongest."),
    )


class Program(models.Model):
    class Kind(models.TextChoices):
        COFFEE = "coffee", _("Coffee chat")
        CROSS_TEAM = "cross_team", _("Cross-team intro")
        MENTORING = "mentoring", _("Mentoring")
        BUDDY = "buddy", _("Onboarding buddy")
        LUNCH = "lunch", _("Lunch group")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("The whole organisation")
        ORG_UNITS = "org_units", _("Chosen teams and departments")
        LIST = "list", _("An opt-in list")

    class JoinMode(models.TextChoices):
        OPT_IN = "opt_in", _("Opt in: people join themselves")
        OPT_OUT = "opt_out", _("Opt out: everyone in the audience takes part unless they leave")

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        BIWEEKLY = "biweekly", _("Every two weeks")
        MONTHLY = "monthly", _("Every month (first such weekday)")

    name = models.CharField(
        _("name"),
        max_length=120,
        unique=True,
        error_messages={
            "unique": _("name: a program with this name already exists; choose another name.")
        },
    )
    description = models.TextField(blank=True, max_length=2000)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COFFEE)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    org_units = models.ManyToManyField(OrgUnit, blank=True, related_name="+")
    join_mode = models.CharField(max_length=10, choices=JoinMode.choices, default=JoinMode.OPT_IN)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.BIWEEKLY)
    weekday = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text=_("ISO weekday the intros arrive on, 1 = Monday"),
    )
    local_hour = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(23)],
        help_text=_("Hour the intro arrives, in each person's own time zone"),
    )
    group_size = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(2), MaxValueValidator(4)]
    )
    meeting_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(15), MaxValueValidator(120)]
    )
    repeat_window_weeks = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(104)]
    )
    follow_up_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    new_joiner_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
        help_text=_("People who started within this many days count as new joiners"),
    )
    starts_on = models.DateField(_("starts on"), help_text=_("No round is drawn before this date"))
    is_active = models.BooleanField(default=True)
    weight_different_team = _weight(1.0, _("different team"))
    weight_different_department = _weight(0.5, _("different department"))
    weight_shared_interests = _weight(1.0, _("shared interests"))
    weight_working_hours_overlap = _weight(1.0, _("overlap of working hours"))
    weight_same_city = _weight(1.0, _("same city (suggest meeting in person)"))
    weight_seniority_mix = _weight(0.5, _("seniority mix"))
    weight_new_joiners_first = _weight(0.5, _("new joiners first"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_pairing(self) -> bool:
        """Programs whose rounds are drawn by the pair/group matcher."""
        return self.kind in (self.Kind.COFFEE, self.Kind.CROSS_TEAM, self.Kind.LUNCH)


class Participation(models.Model):
    """A person's standing in one program. In an opt-out program a missing row means "in"."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Taking part")
        LEFT = "left", _("Left")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="participations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    paused_until = models.DateField(null=True, blank=True)
    # Set after three rounds in a row without an answer to "did you meet?": the person is
    # asked before they are matched again, so silence never turns into endless intros.
    needs_confirmation = models.BooleanField(default=False)
    # When they last said "yes, keep introducing me" (or joined): older silence is forgiven.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Mentoring: what a mentor offers and a mentee wants.
    role = models.CharField(
        max_length=10,
        blank=True,
        choices=[("mentor", _("Mentor")), ("mentee", _("Mentee"))],
    )
    capacity = models.PositiveSmallIntegerField(default=0)
    topics = models.JSONField(default=list, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "person"],
                name="participation_unique",
                violation_error_message=_(
                    "person: already has a place in this program (one per person)."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.program}"


class DoNotPair(models.Model):
    """ "Please never match me with this person": private to its owner, in every program."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="do_not_pair")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "other"],
                name="do_not_pair_unique",
                violation_error_message=_("other: already on your do-not-pair list."),
            ),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("other")),
                name="do_not_pair_not_self",
                violation_error_message=_("other: that is you; name someone else."),
            ),
        ]

    def __str__(self) -> str:
        return f"do-not-pair {self.person_id} → {self.other_id}"


class Round(models.Model):
    """One draw of a program for one date. Unique per (program, date): drawn exactly once."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rounds")
    scheduled_for = models.DateField(help_text="The date intros arrive (in each person's zone)")
    ran_at = models.DateTimeField()
    algorithm = models.CharField(max_length=40, blank=True)
    seed = models.BigIntegerField(default=0)
    # participants, matched, unmatched, cross_team_share, repeats, new_connections, score
    stats = models.JSONField(default=dict)

    class Meta:
        ordering = ["-scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "scheduled_for"],
                name="round_unique_date",
                violation_error_message=_(
                    "scheduled_for: this program already has a round on that date (one per date)."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.program} · {self.scheduled_for}"


class Match(models.Model):
    class Kind(models.TextChoices):
        INTRO = "intro", _("Intro")
        MENTORING = "mentoring", _("Mentoring")
        BUDDY = "buddy", _("Onboarding buddy")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="matches")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="matches")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INTRO)
    score = models.FloatField(default=0.0)
    explanation = models.CharField(max_length=500)
    meet_in_person_city = models.CharField(max_length=200, blank=True)
    # ISO UTC start times inside every member's working hours; shown in the reader's zone.
    suggested_times = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-round__scheduled_for", "id"]

    def __str__(self) -> str:
        return f"Match {self.pk} in {self.program}"


class MatchMember(models.Model):
    class Met(models.TextChoices):
        YES = "yes", _("We met")
        NO = "no", _("We did not meet")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="match_memberships")

    class Role(models.TextChoices):
        PEER = "", _("Peer")
        MENTOR = "mentor", _("Mentor")
        MENTEE = "mentee", _("Mentee")
        JOINER = "joiner", _("New joiner")
        BUDDY = "buddy", _("Buddy")

    role = models.CharField(max_length=10, choices=Role.choices, blank=True, default="")
    met = models.CharField(max_length=3, choices=Met.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    follow_up_sent_at = models.DateTimeField(null=True, blank=True)
    # One reminder when "did you meet?" goes unanswered; one re-ask after "Not yet".
    reminded_at = models.DateTimeField(null=True, blank=True)
    reask_at = models.DateTimeField(null=True, blank=True)
    reasked_at = models.DateTimeField(null=True, blank=True)
    # Mentoring and buddies: both sides confirm before the pairing starts.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["match", "person"],
                name="match_member_unique",
                violation_error_message=_("person: already in this match (once per match)."),
            )
        ]
        indexes = [models.Index(fields=["person", "match"], name="match_member_person")]

    def __str__(self) -> str:
        return f"person {self.person_id} in match {self.match_id}"


class Unmatched(models.Model):
    """Someone a round could not place, with the plain-word reason they were told."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="unmatched")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="unmatched_entries")
    reason = models.CharField(max_length=40)
    detail = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person"],
                name="unmatched_unique",
                violation_error_message=_("person: already listed as unmatched in this round."),
            )
        ]

    def __str__(self) -> str:
        return f"person {self.person_id} unmatched in round {self.round_id}"
