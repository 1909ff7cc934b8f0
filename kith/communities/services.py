"""Every Communities write: communities (HR), joining and leaving, approvals, announcements,
city ambassadors and the welcome opt-in. Each runs in one transaction and validates first.

Membership changes are deliberately not written to the audit log: HR admins read it, and a
row "person X joined community Y" would reveal a confidential group's membership.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import slugify

from kith.accounts.models import User
from kith.communities.models import (
    Announcement,
    CityAmbassador,
    Community,
    Membership,
    WelcomePreference,
)
from kith.communities.selectors import LEADING_ROLES, is_leader
from kith.core import audit
from kith.core.permissions import AMBASSADORS_GROUP
from kith.directory.models import Person, Tag
from kith.directory.services import tags_get_or_create
from kith.notify.services import notification_send

# How private each visibility is; a community may only ever become more private once it has
# members, who joined trusting the promise made when they did.
PRIVACY_ORDER = {
    Community.Visibility.PUBLIC: 0,
    Community.Visibility.MEMBERS: 1,
    Community.Visibility.CONFIDENTIAL: 2,
}
MAX_INTERESTS = 12


def _clean(value: Any) -> Any:
    """No database stores NUL in text (PostgreSQL refuses it)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def community_url(community: Community) -> str:
    return reverse("communities:community", args=[community.slug])


def _unique_slug(name: str, community: Community) -> str:
    base = slugify(name)[:100] or "community"
    slug, n = base, 2
    while Community.objects.filter(slug=slug).exclude(pk=community.pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def community_save(
    *,
    community: Community | None,
    fields: dict[str, Any],
    interests: list[str],
    new_leader: Person | None,
    actor: User,
) -> Community:
    """Create or change a community (HR). `new_leader`, if given, becomes an active leader."""
    creating = community is None
    community = community or Community()
    old_visibility = community.visibility if not creating else None
    for name, value in fields.items():
        setattr(community, name, _clean(value))
    has_members = not creating and community.memberships.exists()
    if (
        has_members
        and old_visibility is not None
        and PRIVACY_ORDER[Community.Visibility(community.visibility)]
        < PRIVACY_ORDER[Community.Visibility(old_visibility)]
    ):
        raise ValidationError(
            {
                "visibility": "People joined under the current visibility: it can only become "
                "more private, never less."
            }
        )
    if creating and new_leader is None:
        raise ValidationError({"leader": "Name a first leader: they approve requests."})
    if len(interests) > MAX_INTERESTS:
        raise ValidationError({"interests": f"At most {MAX_INTERESTS} interests."})
    if community.is_confidential:
        community.requires_approval = True
    community.country = (community.country or "").upper()
    community.slug = _unique_slug(community.name, community)
    community.full_clean()
    try:
        with transaction.atomic():
            community.save()
    except IntegrityError as exc:
        raise ValidationError({"name": "Another community already has this name."}) from exc
    community.interests.set(tags_get_or_create(kind=Tag.Kind.INTEREST, names=interests))
    if new_leader is not None:
        _make_leader(community, new_leader)
    audit.record(
        actor=actor,
        action="communities.community_created" if creating else "communities.community_changed",
        target=f"community:{community.pk}",
        name=community.name,
        visibility=community.visibility,
    )
    return community


def _make_leader(community: Community, person: Person) -> None:
    if not person.is_active:
        raise ValidationError({"leader": "A leader must be an active colleague."})
    Membership.objects.update_or_create(
        community=community,
        person=person,
        defaults={"role": Membership.Role.LEADER, "status": Membership.Status.ACTIVE},
    )


def _leaders(community: Community) -> list[Person]:
    return [
        m.person
        for m in Membership.objects.filter(
            community=community, status=Membership.Status.ACTIVE, role__in=LEADING_ROLES
        ).select_related("person")
        if m.person.is_active
    ]


@transaction.atomic
def membership_request(*, community: Community, person: Person) -> Membership:
    """Join, or ask to join when the community needs a leader's approval (always for a
    confidential one). Leaders hear of a request in their inbox."""
    if not community.is_active:
        raise ValidationError("This community is archived.")
    if not person.is_active:
        raise ValidationError("Only active colleagues can join.")
    existing = Membership.objects.filter(community=community, person=person).first()
    if existing is not None:
        raise ValidationError(
            "You already asked to join: a leader will answer soon."
            if existing.status == Membership.Status.PENDING
            else "You are already a member."
        )
    needs_approval = community.is_confidential or community.requires_approval
    membership = Membership.objects.create(
        community=community,
        person=person,
        status=Membership.Status.PENDING if needs_approval else Membership.Status.ACTIVE,
    )
    if needs_approval:
        manage = reverse("communities:manage", args=[community.slug])
        for leader in _leaders(community):
            notification_send(
                person=leader,
                subject=f"{person.display_name} asked to join {community.name}",
                body="Approve or decline the request on the community's page for leaders.",
                url=manage,
                kind="community_request",
            )
    return membership


@transaction.atomic
def membership_leave(*, community: Community, person: Person) -> None:
    """Leave a community, or withdraw a request. The last leader of a community with other
    members hands over first, so requests never go unanswered."""
    membership = Membership.objects.filter(community=community, person=person).first()
    if membership is None:
        raise ValidationError("You are not in this community.")
    if membership.role in LEADING_ROLES and membership.status == Membership.Status.ACTIVE:
        others = Membership.objects.filter(community=community).exclude(pk=membership.pk)
        other_leaders = [p for p in _leaders(community) if p.pk != person.pk]
        if others.exists() and not other_leaders:
            raise ValidationError(
                "You are this community's only leader: make another member a leader first."
            )
    membership.delete()


def _leader_check(membership: Membership, by: Person) -> None:
    if not is_leader(by, membership.community):
        raise ValidationError("Only this community's leaders can do that.")


@transaction.atomic
def membership_approve(*, membership: Membership, by: Person) -> Membership:
    _leader_check(membership, by)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError("This request was already answered.")
    membership.status = Membership.Status.ACTIVE
    membership.save(update_fields=["status"])
    community = membership.community
    notification_send(
        person=membership.person,
        subject=f"Welcome to {community.name}",
        body=f"{by.display_name} approved your request. You can now see the other members.",
        url=community_url(community),
        kind="community_welcome",
    )
    return membership


@transaction.atomic
def membership_decline(*, membership: Membership, by: Person) -> None:
    _leader_check(membership, by)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError("This request was already answered.")
    community = membership.community
    person = membership.person
    membership.delete()
    notification_send(
        person=person,
        subject=f"Your request to join {community.name}",
        body="The leaders could not approve it this time. You are welcome to ask them why.",
        url=community_url(community),
        kind="community_declined",
    )


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, by: Person) -> Membership:
    _leader_check(membership, by)
    if role not in Membership.Role.values:
        raise ValidationError(f"Unknown role {role!r}: choose member, leader or ambassador.")
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError("Approve the request first.")
    if role == Membership.Role.MEMBER and membership.role in LEADING_ROLES:
        others = [p for p in _leaders(membership.community) if p.pk != membership.person_id]
        if not others:
            raise ValidationError("A community needs at least one leader.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def announcement_post(
    *, community: Community, author: Person, title: str, body: str
) -> Announcement:
    """Post to the community's page and notify every other active member."""
    if not is_leader(author, community):
        raise ValidationError("Only this community's leaders post announcements.")
    title, body = _clean(title), _clean(body)
    announcement = Announcement(community=community, author=author, title=title, body=body)
    announcement.full_clean()
    announcement.save()
    members = (
        Membership.objects.filter(
            community=community, status=Membership.Status.ACTIVE, person__is_active=True
        )
        .exclude(person=author)
        .select_related("person")
    )
    for m in members:
        notification_send(
            person=m.person,
            subject=f"{community.name}: {title}",
            body=body,
            url=community_url(community),
            kind="community_announcement",
        )
    return announcement


@transaction.atomic
def city_ambassador_appoint(
    *, person: Person, city: str, country: str, actor: User
) -> CityAmbassador:
    city, country = " ".join(_clean(city).split()), _clean(country).upper()
    if not person.is_active:
        raise ValidationError({"person": "An ambassador must be an active colleague."})
    if not city:
        raise ValidationError({"city": "Name the city."})
    if len(country) != 2 or not country.isalpha():
        raise ValidationError({"country": "Use the two-letter country code, e.g. PT."})
    if CityAmbassador.objects.filter(
        person=person, city__iexact=city, country__iexact=country
    ).exists():
        raise ValidationError({"person": f"{person.display_name} already looks after {city}."})
    ambassador = CityAmbassador(person=person, city=city, country=country, appointed_by=actor)
    ambassador.full_clean()
    ambassador.save()
    _sync_group(person)
    audit.record(
        actor=actor,
        action="communities.ambassador_appointed",
        target=f"person:{person.pk}",
        city=city,
        country=country,
    )
    notification_send(
        person=person,
        subject=f"You are now Kith's city ambassador for {city}",
        body="Your dashboard shows newcomers who would like a welcome, your city's teams and "
        "nearby hubs without an office.",
        url=reverse("communities:ambassador"),
        kind="community_ambassador",
    )
    return ambassador


@transaction.atomic
def city_ambassador_remove(*, ambassador: CityAmbassador, actor: User) -> None:
    person = ambassador.person
    audit.record(
        actor=actor,
        action="communities.ambassador_removed",
        target=f"person:{person.pk}",
        city=ambassador.city,
        country=ambassador.country,
    )
    ambassador.delete()
    _sync_group(person)


def _sync_group(person: Person) -> None:
    """Keep the "Community ambassadors" group (shown as a role) in step with appointments."""
    user = User.objects.filter(email__iexact=person.email).first()
    if user is None:
        return
    group, _ = Group.objects.get_or_create(name=AMBASSADORS_GROUP)
    if CityAmbassador.objects.filter(person=person).exists():
        user.groups.add(group)
    else:
        user.groups.remove(group)


@transaction.atomic
def welcome_preference_set(*, person: Person, wants_welcome: bool) -> WelcomePreference:
    preference, _ = WelcomePreference.objects.update_or_create(
        person=person, defaults={"wants_welcome": wants_welcome}
    )
    return preference
