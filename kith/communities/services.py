"""Every Communities write: communities (HR), joining and leaving, approvals, announcements,
city ambassadors and the welcome opt-in. Each runs in one transaction and validates first.

Membership changes are deliberately not written to the audit log: HR admins read it, and a
row "person X joined community Y" would reveal a confidential group's membership. HR naming a
leader of a members-only or confidential group is written (HR chose whom), and so is each
answer to it, with no actor: the log never names which leader decided, and the rows are the
same whoever is in the group.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kith.accounts.models import User
from kith.communities.models import (
    Announcement,
    CityAmbassador,
    Community,
    LeadershipRequest,
    Membership,
    WelcomePreference,
)
from kith.communities.selectors import (
    LEADING_ROLES,
    has_leader_membership,
    is_leader,
    leader_needs_consent_for,
)
from kith.core import audit
from kith.core.permissions import AMBASSADORS_GROUP
from kith.directory.models import Person, Tag
from kith.directory.services import tags_get_or_create
from kith.notify.services import in_language_of, language_of_people, notification_send

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
    """Create or change a community (HR). `new_leader`, if given, is appointed through
    `community_leader_appoint`: at once for a public community, only with consent for a
    members-only or confidential one."""
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
                "visibility": _(
                    "People joined under the current visibility: it can only become "
                    "more private, never less."
                )
            }
        )
    if creating and new_leader is None:
        raise ValidationError({"leader": _("Name a first leader: they approve requests.")})
    if len(interests) > MAX_INTERESTS:
        raise ValidationError(
            {"interests": _("Interests: at most %(n)d interests.") % {"n": MAX_INTERESTS}}
        )
    if community.is_confidential:
        community.requires_approval = True
    community.country = (community.country or "").upper()
    community.slug = _unique_slug(community.name, community)
    community.full_clean()
    try:
        with transaction.atomic():
            community.save()
    except IntegrityError as exc:
        raise ValidationError({"name": _("Another community already has this name.")}) from exc
    community.interests.set(tags_get_or_create(kind=Tag.Kind.INTEREST, names=interests))
    audit.record(
        actor=actor,
        action="communities.community_created" if creating else "communities.community_changed",
        target=f"community:{community.pk}",
        name=community.name,
        visibility=community.visibility,
    )
    if new_leader is not None:
        community_leader_appoint(community=community, person=new_leader, actor=actor)
    return community


# --- Leaders named by HR ------------------------------------------------------------------------


@transaction.atomic
def community_leader_appoint(
    *, community: Community, person: Person, actor: User
) -> LeadershipRequest | None:
    """HR names a leader. Of a public community they become one at once. Of a members-only
    or confidential group this only asks (LeadershipRequest): nobody, HR included, becomes a
    leader there without the appointee's acceptance and, when the group has leaders (active
    or deactivated by an import), one of them approving. What HR sees (the answer, the audit
    rows) never depends on who is in the group: someone who already leads it is asked, and
    decided on, like anyone else."""
    if not person.is_active:
        raise ValidationError({"leader": _("A leader must be an active colleague.")})
    if not leader_needs_consent_for(community):
        _make_leader(community, person)
        _audit_leadership(community, "leader_appointed", actor=actor, person=person.pk)
        return None
    waiting = (
        LeadershipRequest.objects.select_for_update()
        .filter(community=community, person=person, status__in=LeadershipRequest.OPEN)
        .first()
    )
    if waiting is not None:
        return _leadership_request_renewed(waiting, person)
    request = LeadershipRequest.objects.create(
        community=community, person=person, requested_by=actor
    )
    _audit_leadership(
        community, "leadership_requested", actor=actor, request=request.pk, person=person.pk
    )
    if person.email.lower() == (actor.email or "").lower():
        _leadership_accepted(request)  # naming yourself is asking for it
    else:
        _notify_appointee(request)
    return request


def _leadership_request_renewed(request: LeadershipRequest, person: Person) -> LeadershipRequest:
    """Named again while a request waits. If it waits for leaders the group no longer has
    (no leader membership is left: they all left the group), the appointee's acceptance is now
    enough; otherwise it keeps waiting. Leaders an import deactivated still count."""
    if request.status == LeadershipRequest.Status.AWAITING_LEADERS and not has_leader_membership(
        request.community
    ):
        _leadership_granted(request, without_leaders=True)
        return request
    raise ValidationError(
        {
            "leader": _(
                "%(name)s was already asked to lead %(community)s; the request is waiting "
                "for an answer."
            )
            % {"name": person.display_name, "community": request.community.name}
        }
    )


def _audit_leadership(community: Community, what: str, *, actor: Any = None, **detail: Any) -> None:
    """HR's own requests carry HR as the actor; every answer is written without one, so the
    log (which HR reads) never names a member of a confidential group."""
    audit.record(
        actor=actor, action=f"communities.{what}", target=f"community:{community.pk}", **detail
    )


def _locked(request: LeadershipRequest, status: str) -> LeadershipRequest:
    locked = (
        LeadershipRequest.objects.select_for_update()
        .select_related("community", "person")
        .get(pk=request.pk)
    )
    if locked.status != status:
        raise ValidationError(_("This request was already answered."))
    return locked


@transaction.atomic
def leadership_request_accept(*, request: LeadershipRequest, person: Person) -> LeadershipRequest:
    """The person named says yes. They lead at once if the group has no leader membership
    left (its members are told); otherwise the group's leaders now decide."""
    request = _appointee_check(request, person)
    return _leadership_accepted(request)


@transaction.atomic
def leadership_request_refuse(*, request: LeadershipRequest, person: Person) -> LeadershipRequest:
    """The person named says no. The group's leaders never hear of it."""
    request = _appointee_check(request, person)
    request.status = LeadershipRequest.Status.REFUSED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    _audit_leadership(request.community, "leadership_refused", request=request.pk)
    return request


def _appointee_check(request: LeadershipRequest, person: Person) -> LeadershipRequest:
    if request.person_id != person.pk or not person.is_active:
        raise ValidationError(_("Only the person named can answer this request."))
    return _locked(request, LeadershipRequest.Status.AWAITING_APPOINTEE)


def _leadership_accepted(request: LeadershipRequest) -> LeadershipRequest:
    # Someone who already leads the group goes through the same steps as anyone else (the
    # leaders, them included, approve), so the audit rows HR reads never tell whether the
    # person named was already in the group. Leaders an HRIS import deactivated still count:
    # the request waits for them, and they see it on the manage page when they come back.
    _audit_leadership(request.community, "leadership_accepted", request=request.pk)
    if not has_leader_membership(request.community):
        return _leadership_granted(request, without_leaders=True)
    request.status = LeadershipRequest.Status.AWAITING_LEADERS
    request.save(update_fields=["status"])
    community, name = request.community, request.person.display_name
    for leader in _leaders(community):
        with in_language_of(leader):  # the recipient's language
            notification_send(
                person=leader,
                subject=_("HR asks that %(name)s help lead %(community)s")
                % {"name": name, "community": community.name},
                body=_(
                    "%(name)s has accepted. They become a leader, and see every member and request "
                    "to join, only if one of the group's leaders approves."
                )
                % {"name": name},
                url=reverse("communities:manage", args=[community.slug]),
                kind="community_leadership_request",
            )
    return request


@transaction.atomic
def leadership_request_approve(*, request: LeadershipRequest, by: Person) -> LeadershipRequest:
    """One of the group's active leaders agrees: the appointee (who accepted) now leads."""
    if not is_leader(by, request.community):
        raise ValidationError(_("Only this community's leaders can do that."))
    request = _locked(request, LeadershipRequest.Status.AWAITING_LEADERS)
    _audit_leadership(request.community, "leadership_approved", request=request.pk)
    return _leadership_granted(request, without_leaders=False)


@transaction.atomic
def leadership_request_decline(*, request: LeadershipRequest, by: Person) -> LeadershipRequest:
    """One of the group's active leaders says no; the appointee is told."""
    if not is_leader(by, request.community):
        raise ValidationError(_("Only this community's leaders can do that."))
    request = _locked(request, LeadershipRequest.Status.AWAITING_LEADERS)
    request.status = LeadershipRequest.Status.DECLINED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    _audit_leadership(request.community, "leadership_declined", request=request.pk)
    community = request.community
    with in_language_of(request.person):  # the recipient's language
        notification_send(
            person=request.person,
            subject=_("About leading %(community)s") % {"community": community.name},
            body=_(
                "The group's leaders decided not to add a leader this time. Thank you for offering."
            ),
            url=reverse("communities:leadership"),
            kind="community_leadership_declined",
        )
    return request


def _leadership_granted(request: LeadershipRequest, *, without_leaders: bool) -> LeadershipRequest:
    community, person = request.community, request.person
    _make_leader(community, person)
    request.status = LeadershipRequest.Status.GRANTED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    _audit_leadership(community, "leadership_granted", request=request.pk)
    with in_language_of(person):  # the recipient's language
        notification_send(
            person=person,
            subject=_("You now lead %(community)s") % {"community": community.name},
            body=_("Requests to join and announcements are on the community's page for leaders."),
            url=reverse("communities:manage", args=[community.slug]),
            kind="community_leadership_granted",
        )
    if without_leaders:
        _tell_members_of_new_leader(community, person)
    return request


def _tell_members_of_new_leader(community: Community, leader: Person) -> None:
    """A leader no existing leader approved (the group had none): every member hears of it,
    and that they may leave."""
    members = Membership.objects.filter(
        community=community, status=Membership.Status.ACTIVE, person__is_active=True
    ).exclude(person=leader)
    people = [m.person for m in members.select_related("person")]
    languages = language_of_people(people)  # one query for the whole group
    for member in people:
        with translation.override(languages[member.pk]):  # the recipient's language
            notification_send(
                person=member,
                subject=_("%(name)s now leads %(community)s")
                % {"name": leader.display_name, "community": community.name},
                body=_(
                    "The group had no leader, so HR asked %(name)s, who accepted. Leaders see "
                    "who is in the group and answer requests to join. If that does not suit you, "
                    "you can leave the group from its page at any time."
                )
                % {"name": leader.display_name},
                url=community_url(community),
                kind="community_new_leader",
            )


def _notify_appointee(request: LeadershipRequest) -> None:
    community = request.community
    with in_language_of(request.person):  # the recipient's language
        notification_send(
            person=request.person,
            subject=_("Would you help lead %(community)s?") % {"community": community.name},
            body=_(
                "HR has asked whether you would help lead this group, whose membership is private. "
                "Nothing changes, and nobody in the group hears of it, unless you accept."
            ),
            url=reverse("communities:leadership"),
            kind="community_leadership_offer",
        )


def _make_leader(community: Community, person: Person) -> None:
    if not person.is_active:
        raise ValidationError({"leader": _("A leader must be an active colleague.")})
    Membership.objects.update_or_create(
        community=community,
        person=person,
        defaults={"role": Membership.Role.LEADER, "status": Membership.Status.ACTIVE},
    )


def _leaders(community: Community) -> list[Person]:
    """The leaders who can act now (active people): they are notified, and one of them must
    stay while the group has members. For the "no leader" rule see `has_leader_membership`."""
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
        raise ValidationError(_("This community is archived."))
    if not person.is_active:
        raise ValidationError(_("Only active colleagues can join."))
    existing = Membership.objects.filter(community=community, person=person).first()
    if existing is not None:
        raise ValidationError(
            _("You already asked to join: a leader will answer soon.")
            if existing.status == Membership.Status.PENDING
            else _("You are already a member.")
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
            with in_language_of(leader):  # the recipient's language
                notification_send(
                    person=leader,
                    subject=_("%(name)s asked to join %(community)s")
                    % {"name": person.display_name, "community": community.name},
                    body=_("Approve or decline the request on the community's page for leaders."),
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
        raise ValidationError(_("You are not in this community."))
    if membership.role in LEADING_ROLES and membership.status == Membership.Status.ACTIVE:
        others = Membership.objects.filter(community=community).exclude(pk=membership.pk)
        other_leaders = [p for p in _leaders(community) if p.pk != person.pk]
        if others.exists() and not other_leaders:
            raise ValidationError(
                _("You are this community's only leader: make another member a leader first.")
            )
    membership.delete()


def _leader_check(membership: Membership, by: Person) -> None:
    if not is_leader(by, membership.community):
        raise ValidationError(_("Only this community's leaders can do that."))


@transaction.atomic
def membership_approve(*, membership: Membership, by: Person) -> Membership:
    _leader_check(membership, by)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("This request was already answered."))
    membership.status = Membership.Status.ACTIVE
    membership.save(update_fields=["status"])
    community = membership.community
    with in_language_of(membership.person):  # the recipient's language
        notification_send(
            person=membership.person,
            subject=_("Welcome to %(community)s") % {"community": community.name},
            body=_("%(name)s approved your request. You can now see the other members.")
            % {"name": by.display_name},
            url=community_url(community),
            kind="community_welcome",
        )
    return membership


@transaction.atomic
def membership_decline(*, membership: Membership, by: Person) -> None:
    _leader_check(membership, by)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("This request was already answered."))
    community = membership.community
    person = membership.person
    membership.delete()
    with in_language_of(person):  # the recipient's language
        notification_send(
            person=person,
            subject=_("Your request to join %(community)s") % {"community": community.name},
            body=_("The leaders could not approve it this time. You are welcome to ask them why."),
            url=community_url(community),
            kind="community_declined",
        )


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, by: Person) -> Membership:
    _leader_check(membership, by)
    if role not in Membership.Role.values:
        raise ValidationError(
            _("Unknown role %(role)r: choose member, leader or ambassador.") % {"role": role}
        )
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("Approve the request first."))
    if role == Membership.Role.MEMBER and membership.role in LEADING_ROLES:
        others = [p for p in _leaders(membership.community) if p.pk != membership.person_id]
        if not others:
            raise ValidationError(_("A community needs at least one leader."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


REPEAT_WINDOW = dt.timedelta(minutes=10)  # the same announcement again within it is a repeat


@transaction.atomic
def announcement_post(
    *, community: Community, author: Person, title: str, body: str
) -> Announcement:
    """Post to the community's page and notify every other active member."""
    if not is_leader(author, community):
        raise ValidationError(_("Only this community's leaders post announcements."))
    title, body = _clean(title), _clean(body)
    # The community's row lock orders posts, so a second click or a resent form finds the first
    # and nobody is told twice.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    repeat = (
        Announcement.objects.filter(
            community=community,
            author=author,
            title=title,
            body=body,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )
    if repeat is not None:
        return repeat
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
        raise ValidationError({"person": _("An ambassador must be an active colleague.")})
    if not city:
        raise ValidationError({"city": _("Name the city.")})
    if len(country) != 2 or not country.isalpha():
        raise ValidationError({"country": _("Use the two-letter country code, e.g. PT.")})
    if CityAmbassador.objects.filter(
        person=person, city__iexact=city, country__iexact=country
    ).exists():
        raise ValidationError(
            {
                "person": _("%(name)s already looks after %(city)s.")
                % {"name": person.display_name, "city": city}
            }
        )
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
    with in_language_of(person):  # the recipient's language
        notification_send(
            person=person,
            subject=_("You are now Kith's city ambassador for %(city)s") % {"city": city},
            body=_(
                "Your dashboard shows newcomers who would like a welcome, your city's teams and "
                "nearby hubs without an office."
            ),
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
    group, _created = Group.objects.get_or_create(name=AMBASSADORS_GROUP)
    if CityAmbassador.objects.filter(person=person).exists():
        user.groups.add(group)
    else:
        user.groups.remove(group)


@transaction.atomic
def welcome_preference_set(*, person: Person, wants_welcome: bool) -> WelcomePreference:
    preference, _created = WelcomePreference.objects.update_or_create(
        person=person, defaults={"wants_welcome": wants_welcome}
    )
    return preference
