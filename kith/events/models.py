"""Events and gatherings: who hosts them, where and when, who is going, who came, and whom
they met there.

Times are stored in UTC beside the event's IANA zone, so the page can show both the
viewer's local time and the time where the event happens. A confidential community's
events, their RSVPs and their counts are visible to its members only; an invitation-only
event to the people invited and its organiser, and to HR as counts (docs/events.md).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.communities.models import Community
from kith.directory.models import Office, OrgUnit, Person


class Event(models.Model):
    class Kind(models.TextChoices):
        MEETUP = "meetup", _("Meetup")
        LISTENING = "listening", _("Listening session")
        TOWN_HALL = "town_hall", _("Town hall")
        INTRODAY = "introday", _("Introday (new joiners meet)")
        CORE_WEEK = "core_week", _("Core week (a team meets in person)")
        OFFSITE = "offsite", _("Offsite")
        OTHER = "other", _("Other")

    class Host(models.TextChoices):
        COMMUNITY = "community", _("A community")
        TEAM = "team", _("A team")
        HR = "hr", _("HR / People team")
        CITY = "city", _("A city (local event)")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIRTUAL = "virtual", _("Virtual")
        HYBRID = "hybrid", _("Hybrid (in person and online)")

    title = models.CharField(max_length=160)
    description = models.TextField(blank=True, max_length=4000)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MEETUP)
    host = models.CharField(max_length=10, choices=Host.choices)
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    venue = models.CharField(max_length=200, blank=True, help_text=_("A place, when not an office"))
    city = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2"))
    link = models.URLField(max_length=500, blank=True, help_text=_("Where to join online"))
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Places in the room; empty means no limit")
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, help_text=_("The IANA zone where it happens"))
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Invitation only (docs/events.md, "Invitation-only events"): seen and answered by the
    # people on its list (`EventInvite`) and organised by its creator alone; HR sees that it
    # exists and its counts. Once set it stays set: the people invited were told so.
    invite_only = models.BooleanField(default=False)
    # The list was set by the app that made the event (a Pulse focus group's random draw):
    # nobody adds anyone to it or takes anyone off.
    invitees_fixed = models.BooleanField(default=False)
    # Bumped on every change, so calendar apps replace the invite they hold.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("Ends: the event must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_place(self) -> bool:
        return self.mode in (self.Mode.IN_PERSON, self.Mode.HYBRID)

    @property
    def has_link(self) -> bool:
        return self.mode in (self.Mode.VIRTUAL, self.Mode.HYBRID)

    @property
    def place(self) -> str:
        """Where, in one line: the office or venue, and the city."""
        where = self.office.name if self.office_id and self.office else self.venue
        parts = [p for p in (where, self.city) if p]
        if len(parts) == 2 and parts[1].lower() in parts[0].lower():
            parts = parts[:1]
        return ", ".join(parts)


class EventInvite(models.Model):
    """One person on an invitation-only event's list: they see it and may answer it."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invites")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="event_invites")
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="event_invite_once")
        ]
        indexes = [models.Index(fields=["person"], name="event_invite_person")]

    def __str__(self) -> str:
        return f"Invitation {self.pk} to event {self.event_id}"


class Rsvp(models.Model):
    """One person's answer to one event. Waitlisted people wait in `queued_at` order."""

    class Status(models.TextChoices):
        GOING = "going", _("Going")
        WAITLISTED = "waitlisted", _("On the waitlist")
        NOT_GOING = "not_going", _("Not going")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="event_rsvps")
    status = models.CharField(max_length=10, choices=Status.choices)
    queued_at = models.DateTimeField(help_text=_("When they last asked for a place"))
    answered_at = models.DateTimeField(auto_now=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="rsvp_once")]
        indexes = [
            models.Index(fields=["event", "status", "queued_at"], name="rsvp_queue"),
            models.Index(fields=["person", "status"], name="rsvp_person_status"),
        ]

    def __str__(self) -> str:
        return f"RSVP {self.pk} to event {self.event_id}"


class Met(models.Model):
    """'I met them at this event': private to `person`; HR only ever sees counts."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="met")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "person", "other"], name="met_once"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("other")),
                name="met_someone_else",
                violation_error_message=_("Met: pick the people you met, not yourself."),
            ),
        ]

    def __str__(self) -> str:
        return f"Met {self.pk} at event {self.event_id}"


class FeedToken(models.Model):
    """The secret in a person's calendar feed URL. Regenerating revokes the old one."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="event_feed_tokens")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(revoked_at__isnull=True),
                name="feed_token_one_active",
                violation_error_message=_("Calendar feed: a person has one address at a time."),
            )
        ]

    def __str__(self) -> str:
        return f"Feed token {self.pk}"  # never the secret


# --- Town halls: questions, votes, moderation and notes (docs/events.md, "Town halls") ---------


class TownHall(models.Model):
    """A town hall's settings and its notes afterwards. Made on first use: an event of kind
    town hall without this row takes questions straight away and has no notes yet."""

    event = models.OneToOneField(
        Event, primary_key=True, on_delete=models.CASCADE, related_name="town_hall"
    )
    approval_needed = models.BooleanField(
        default=False, help_text=_("New questions wait for a moderator before anyone sees them")
    )
    notes = models.TextField(blank=True, max_length=10000)
    notes_published_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Town hall of event {self.event_id}"


class Question(models.Model):
    """A question for a town hall. A named question keeps its author; an anonymous one keeps
    nothing of the person who asked: no author, no time finer than the day, and no insertion
    order (a random key; a WITHOUT ROWID table on SQLite; on PostgreSQL an event's questions
    are rewritten in random order on every new one, kith/events/storage.py)."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for approval")
        SHOWN = "shown", _("Shown")
        HIDDEN = "hidden", _("Hidden by a moderator")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=500)
    # Named questions only. An anonymous question has none, and nothing else points to a person.
    author = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    asked_on = models.DateField(help_text=_("The day (UTC) it was asked; never the time"))
    state = models.CharField(max_length=8, choices=State.choices, default=State.SHOWN)
    answered = models.BooleanField(default=False)
    hidden_reason = models.CharField(
        max_length=300, blank=True, help_text=_("Why a moderator hid it: for moderators only")
    )

    class Meta:
        indexes = [models.Index(fields=["event", "state"], name="question_event_state")]

    def __str__(self) -> str:
        return f"Question on event {self.event_id}"

    @property
    def is_anonymous(self) -> bool:
        return self.author_id is None


class QuestionVote(models.Model):
    """One person's upvote of one question. Counts are shown; voters never are. Random keys
    and no time, as for questions: the first vote on a question (often its asker's) cannot
    be told from the others."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "person"], name="question_vote_once")
        ]
        indexes = [models.Index(fields=["person"], name="question_vote_person")]

    def __str__(self) -> str:
        return f"Vote on question {self.question_id}"
