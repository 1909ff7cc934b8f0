"""Communities: clubs (hobbies) and belonging groups (employee resource groups).

Membership visibility is the privacy-critical part: a confidential community's membership is
invisible to non-members in every page, count, search, suggestion, API response and export
(docs/privacy.md). `kith.communities.selectors.can_see_members` is the one rule everyone asks.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Community(models.Model):
    class Kind(models.TextChoices):
        CLUB = "club", _("Club")
        BELONGING = "belonging", _("Belonging group")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can see who is in it")
        MEMBERS = "members", _("Members only: members see each other")
        CONFIDENTIAL = "confidential", _("Confidential: membership is never shown to non-members")

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CLUB)
    description = models.TextField(blank=True, max_length=4000)
    visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    requires_approval = models.BooleanField(
        default=False, help_text=_("Leaders approve each request (always on when confidential)")
    )
    city = models.CharField(max_length=200, blank=True, help_text=_("For a local community"))
    country = models.CharField(max_length=2, blank=True)
    interests = models.ManyToManyField("directory.Tag", blank=True, related_name="communities")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"

    def __str__(self) -> str:
        return self.name

    @property
    def is_confidential(self) -> bool:
        return self.visibility == self.Visibility.CONFIDENTIAL


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        LEADER = "leader", _("Leader")
        AMBASSADOR = "ambassador", _("Ambassador")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Member")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="community_memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "person"], name="membership_once")
        ]
        indexes = [models.Index(fields=["person", "status"], name="membership_person_status")]

    def __str__(self) -> str:
        return f"Membership {self.pk} of community {self.community_id}"


class LeadershipRequest(models.Model):
    """HR naming someone a leader of a confidential community. Being a leader means seeing
    every member and every request to join, so it takes effect only with the consent of the
    people concerned (DESIGN §4: no role grants itself access): first the person named
    accepts, then one of the group's active leaders approves. A group with no active leader
    gets one on the appointee's acceptance alone, and its members are told.

    Public and members-only communities get the leaders HR names directly (no row here)."""

    class Status(models.TextChoices):
        AWAITING_APPOINTEE = "awaiting_appointee", _("Waiting for the person named to accept")
        AWAITING_LEADERS = "awaiting_leaders", _("Waiting for the group's leaders")
        GRANTED = "granted", _("Granted: they lead the group")
        REFUSED = "refused", _("Refused by the person named")
        DECLINED = "declined", _("Declined by the group's leaders")

    OPEN = (Status.AWAITING_APPOINTEE, Status.AWAITING_LEADERS)

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="leadership_requests"
    )
    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="leadership_requests"
    )
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_APPOINTEE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "person"],
                condition=models.Q(status__in=["awaiting_appointee", "awaiting_leaders"]),
                name="leadership_request_open_once",
                violation_error_message=_(
                    "Leader: this person already has an open request to lead this community."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"Leadership request {self.pk} for community {self.community_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Announcement(models.Model):
    """A leader's message to a community: listed on its page (for those who may see its
    members) and sent to every active member as a notification."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="announcements")
    author = models.ForeignKey(
        "directory.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=160)
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Announcement {self.pk} of community {self.community_id}"


class CityAmbassador(models.Model):
    """A person HR appointed to look after the colleagues of one city."""

    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="city_ambassadorships"
    )
    city = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    appointed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appointed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["country", "city", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "city", "country"], name="city_ambassador_once"
            )
        ]

    def __str__(self) -> str:
        return f"City ambassador {self.pk} ({self.city}, {self.country})"


class WelcomePreference(models.Model):
    """A person's own choice: may their city's ambassador welcome them when they join?"""

    person = models.OneToOneField(
        "directory.Person", on_delete=models.CASCADE, related_name="welcome_preference"
    )
    wants_welcome = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Welcome preference of person {self.person_id}"
