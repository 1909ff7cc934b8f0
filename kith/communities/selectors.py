"""Every read the Communities pages and API return, already authorised for the viewer.

The membership rule lives in `can_see_members`; every count, list, search result, suggestion
and export of membership goes through it, so a confidential group's membership never leaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Case, Count, Q, QuerySet, When
from django.utils.translation import gettext as _

from kith.communities.engine.hubs import CityPoint, Hub, banded_count, city_key, find_hubs
from kith.communities.models import (
    Announcement,
    CityAmbassador,
    Community,
    LeadershipRequest,
    Membership,
    WelcomePreference,
)
from kith.core.permissions import (
    Viewer,
    can_answer_leadership_offer,
    can_browse_directory,
    can_lead_community,
    can_see_archived_communities,
    can_see_community_count,
    can_see_community_members,
    leader_needs_consent,
    require,
)
from kith.directory.models import Office, Person, Tag

LEADING_ROLES = (Membership.Role.LEADER, Membership.Role.AMBASSADOR)


def is_member(person: Person | None, community: Community) -> bool:
    """An active (approved) member in any role; a pending request is not membership."""
    if person is None or not person.is_active:
        return False
    return Membership.objects.filter(
        community=community, person=person, status=Membership.Status.ACTIVE
    ).exists()


def can_see_members(viewer: Viewer, community: Community) -> bool:
    """Who is in a community (names and the count): public to every colleague; members-only
    and confidential groups only to their active members. HR admins get no exception for
    confidential groups (docs/communities.md explains why)."""
    if community.visibility == Community.Visibility.PUBLIC:
        return can_see_community_members(
            viewer, visibility=community.visibility, viewer_is_member=False
        )
    return can_see_community_members(
        viewer,
        visibility=community.visibility,
        viewer_is_member=is_member(viewer.person, community),
    )


def communities_visible_to(viewer: Viewer) -> QuerySet[Community]:
    """The communities a viewer may know exist: every active one for a colleague (confidential
    groups too, so people can find them), none for an anonymous or former login. HR also sees
    archived ones. Membership information is a separate question: `can_see_members`."""
    if not can_browse_directory(viewer):
        return Community.objects.none()
    if can_see_archived_communities(viewer):
        return Community.objects.all()
    return Community.objects.filter(is_active=True)


def led_by(person: Person | None) -> QuerySet[Community]:
    """Active communities where the person is an active leader or ambassador."""
    if person is None or not person.is_active:
        return Community.objects.none()
    return Community.objects.filter(
        is_active=True,
        memberships__person=person,
        memberships__status=Membership.Status.ACTIVE,
        memberships__role__in=LEADING_ROLES,
    ).distinct()


def is_city_ambassador(person: Person | None, city: str, country: str) -> bool:
    """Whether HR appointed this (active) person ambassador of the city."""
    if person is None or not person.is_active or not city:
        return False
    return CityAmbassador.objects.filter(
        person=person, city__iexact=city.strip(), country__iexact=country.strip()
    ).exists()


def leader_needs_consent_for(community: Community) -> bool:
    """Whether naming a leader of this community only asks (LeadershipRequest) instead of
    appointing: the rule is kith.core.permissions.leader_needs_consent."""
    return leader_needs_consent(visibility=community.visibility)


def has_leader_membership(community: Community) -> bool:
    """Whether the group has any leader membership left, whether or not that person is active
    now. A leader whom an HRIS import deactivated still leads for the "no leader" rule: the
    group only counts as leaderless once no leader membership is left at all (its leaders
    left the group or were made members by a leader). Otherwise an import that leaves the
    leaders out would let HR lead the group at once and read every member."""
    return Membership.objects.filter(
        community=community, status=Membership.Status.ACTIVE, role__in=LEADING_ROLES
    ).exists()


def is_leader(person: Person | None, community: Community) -> bool:
    if person is None or not person.is_active:
        return False
    return Membership.objects.filter(
        community=community,
        person=person,
        status=Membership.Status.ACTIVE,
        role__in=LEADING_ROLES,
    ).exists()


def viewer_leads(viewer: Viewer, community: Community) -> bool:
    return can_lead_community(viewer, viewer_leads=is_leader(viewer.person, community))


# --- Cards: a community as one viewer may see it ----------------------------------------------


@dataclass
class CommunityCard:
    """A community with only what this viewer may know of its membership: `member_count` is
    None and `members_visible` False where the rules withhold them."""

    community: Community
    member_count: int | None
    members_visible: bool
    my_status: str = ""
    my_role: str = ""
    interests: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def is_member(self) -> bool:
        return self.my_status == Membership.Status.ACTIVE

    @property
    def is_pending(self) -> bool:
        return self.my_status == Membership.Status.PENDING

    @property
    def leads(self) -> bool:
        return self.is_member and self.my_role in LEADING_ROLES

    @property
    def needs_approval(self) -> bool:
        return self.community.is_confidential or self.community.requires_approval


def _with_counts(communities: QuerySet[Community]) -> QuerySet[Community]:
    active = Q(memberships__status=Membership.Status.ACTIVE)
    return communities.annotate(active_count=Count("memberships", filter=active)).prefetch_related(
        "interests"
    )


def my_memberships(viewer: Viewer) -> dict[int, Membership]:
    """The viewer's memberships by community id (every status): read once for a page that
    lists communities in several places, and passed to each list as `memberships`."""
    if viewer.person is None:
        return {}
    return {m.community_id: m for m in Membership.objects.filter(person=viewer.person)}


def _cards(
    viewer: Viewer,
    communities: Iterable[Community],
    memberships: dict[int, Membership] | None = None,
) -> list[CommunityCard]:
    mine = memberships if memberships is not None else my_memberships(viewer)
    cards = []
    for community in communities:
        own = mine.get(community.pk)
        member = (
            own is not None
            and own.status == Membership.Status.ACTIVE
            and viewer.person is not None
            and viewer.person.is_active
        )
        visibility, is_in = community.visibility, bool(member)
        count_ok = can_see_community_count(viewer, visibility=visibility, viewer_is_member=is_in)
        members_ok = can_see_community_members(
            viewer, visibility=visibility, viewer_is_member=is_in
        )
        cards.append(
            CommunityCard(
                community=community,
                member_count=getattr(community, "active_count", None) if count_ok else None,
                members_visible=members_ok,
                my_status=own.status if own else "",
                my_role=own.role if own else "",
                interests=[t.name for t in community.interests.all()],
            )
        )
    return cards


def communities_for_viewer(
    viewer: Viewer,
    *,
    query: str = "",
    kind: str = "",
    memberships: dict[int, Membership] | None = None,
) -> list[CommunityCard]:
    """The directory: active communities matching a search of name, description or interest.
    Always ordered by name, never by size: an order by member count would leak it."""
    communities = communities_visible_to(viewer).filter(is_active=True)
    query = query.strip()
    if query:
        communities = communities.filter(
            Q(name__icontains=query)
            | Q(description__icontains=query)
            | Q(interests__name__icontains=query)
        )
    if kind:
        communities = communities.filter(kind=kind)
    ids = communities.values("pk")
    found = _with_counts(Community.objects.filter(pk__in=ids)).order_by("name")
    return _cards(viewer, found, memberships)


def my_communities_for_viewer(
    viewer: Viewer, *, memberships: dict[int, Membership] | None = None
) -> list[CommunityCard]:
    """Communities the viewer is in or asked to join."""
    if viewer.person is None:
        return []
    mine = memberships if memberships is not None else my_memberships(viewer)
    communities = communities_visible_to(viewer).filter(pk__in=list(mine), is_active=True)
    return _cards(viewer, _with_counts(communities).order_by("name"), mine)


def community_for_viewer(viewer: Viewer, *, slug: str = "", pk: int = 0) -> CommunityCard | None:
    communities = communities_visible_to(viewer)
    found = communities.filter(slug=slug) if slug else communities.filter(pk=pk)
    community = _with_counts(found).first()
    return _cards(viewer, [community])[0] if community else None


SUGGESTIONS = 6


def suggestions_for_viewer(
    viewer: Viewer,
    *,
    limit: int = SUGGESTIONS,
    memberships: dict[int, Membership] | None = None,
) -> list[CommunityCard]:
    """Communities the viewer is not in, that share their interests or their city. Scored on
    the viewer's own data only: never on who else is in a community, or how many."""
    person = viewer.person
    if person is None or not person.is_active:
        return []
    interests = {t.pk: t.name for t in person.tags.filter(kind=Tag.Kind.INTEREST)}
    mine = memberships if memberships is not None else my_memberships(viewer)
    candidates = (
        communities_visible_to(viewer)
        .filter(is_active=True)
        .exclude(pk__in=list(mine))
        .filter(
            Q(interests__in=list(interests))
            | Q(city__iexact=person.city or "\x00", country__iexact=person.country)
        )
        .distinct()
    )
    scored = []
    for card in _cards(viewer, _with_counts(candidates), mine):
        shared = sorted(n for n in card.interests if n in interests.values())
        if shared:
            card.reasons.append(_("You are into %(what)s") % {"what": ", ".join(shared)})
        local = card.community.city and card.community.city.casefold() == person.city.casefold()
        if local:
            card.reasons.append(_("Meets in %(city)s, your city") % {"city": card.community.city})
        scored.append((-(len(shared) + (2 if local else 0)), card.community.name, card))
    return [card for *_, card in sorted(scored, key=lambda s: (s[0], s[1]))[:limit]]


# --- Inside a community ------------------------------------------------------------------------


def members_for_viewer(viewer: Viewer, community: Community) -> list[Membership]:
    """Active members, leaders first; refused (PermissionDenied) where the rules withhold them."""
    require(
        can_see_members(viewer, community), _("Only members of this community see who is in it.")
    )
    return list(
        Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
        .select_related("person__org_unit")
        .order_by(
            Case(When(role=Membership.Role.MEMBER, then=1), default=0),
            "person__full_name",
            "person__id",
        )
    )


def announcements_for_viewer(viewer: Viewer, community: Community) -> list[Announcement]:
    """Announcements name their author, a member: seen by those who may see the members."""
    if not can_see_members(viewer, community):
        return []
    return list(community.announcements.select_related("author")[:50])


def pending_requests_for_viewer(viewer: Viewer, community: Community) -> list[Membership]:
    require(viewer_leads(viewer, community), _("Only this community's leaders manage it."))
    return list(
        Membership.objects.filter(community=community, status=Membership.Status.PENDING)
        .select_related("person__org_unit")
        .order_by("joined_at", "id")
    )


def leadership_requests_for_viewer(viewer: Viewer, community: Community) -> list[LeadershipRequest]:
    """HR's requests that someone help lead the community, once the person named accepted:
    for its leaders to approve or decline. Before that, leaders never see the name."""
    require(viewer_leads(viewer, community), _("Only this community's leaders manage it."))
    return list(
        LeadershipRequest.objects.filter(
            community=community, status=LeadershipRequest.Status.AWAITING_LEADERS
        )
        .select_related("person__org_unit", "requested_by")
        .order_by("created_at", "id")
    )


def leadership_offers_for_viewer(viewer: Viewer) -> list[LeadershipRequest]:
    """Requests that the viewer lead a members-only or confidential group, waiting for their
    answer."""
    person = viewer.person
    if not can_answer_leadership_offer(viewer, is_appointee=person is not None):
        return []
    return list(
        LeadershipRequest.objects.filter(
            person=person,
            status=LeadershipRequest.Status.AWAITING_APPOINTEE,
            community__is_active=True,
        )
        .select_related("community", "requested_by")
        .order_by("created_at", "id")
    )


def leadership_offer_for_viewer(viewer: Viewer, offer_id: int) -> LeadershipRequest | None:
    """One request naming the viewer (answered or not); None for anyone else's."""
    person = viewer.person
    offer = (
        LeadershipRequest.objects.filter(pk=offer_id, community__is_active=True)
        .select_related("community", "person")
        .first()
    )
    if offer is None or person is None:
        return None
    return (
        offer
        if can_answer_leadership_offer(viewer, is_appointee=offer.person_id == person.pk)
        else None
    )


def communities_of_person_for_viewer(viewer: Viewer, person: Person) -> list[Membership]:
    """A person's memberships as shown on their profile: only communities whose members the
    viewer may see (so never a confidential group the viewer is not in)."""
    if not can_browse_directory(viewer):
        return []
    rows = Membership.objects.filter(
        person=person, status=Membership.Status.ACTIVE, community__is_active=True
    ).select_related("community")
    mine = {
        m.community_id
        for m in my_memberships(viewer).values()
        if m.status == Membership.Status.ACTIVE
    }
    return [
        m
        for m in rows.order_by("community__name")
        if can_see_community_members(
            viewer, visibility=m.community.visibility, viewer_is_member=m.community_id in mine
        )
    ]


def my_communities_data(person: Person) -> dict[str, Any]:
    """For the person's own export: their memberships and requests (only theirs), what they
    announced, their ambassador appointments and their welcome choice."""
    memberships = Membership.objects.filter(person=person).select_related("community")
    return {
        "memberships": [
            {
                "community": m.community.name,
                "kind": m.community.kind,
                "visibility": m.community.visibility,
                "role": m.role,
                "status": m.status,
                "since": m.joined_at,
            }
            for m in memberships.order_by("community__name")
        ],
        "announcements_written": list(
            Announcement.objects.filter(author=person).values(
                "community__name", "title", "body", "created_at"
            )
        ),
        "city_ambassador_for": list(
            CityAmbassador.objects.filter(person=person).values("city", "country", "appointed_at")
        ),
        "welcome_newcomers_opt_in": wants_welcome(person),
        "asked_to_lead": [
            {
                "community": r.community.name,
                "status": r.status,
                "asked_by": r.requested_by.email if r.requested_by else "",
                "asked_at": r.created_at,
                "answered_at": r.decided_at,
            }
            for r in LeadershipRequest.objects.filter(person=person)
            .select_related("community", "requested_by")
            .order_by("created_at", "id")
        ],
    }


def wants_welcome(person: Person) -> bool:
    return WelcomePreference.objects.filter(person=person, wants_welcome=True).exists()


# --- City ambassadors --------------------------------------------------------------------------

HUB_MIN_COLLEAGUES = 5
HUB_RADIUS_KM = 300.0
NO_TEAM = "No team yet"


@dataclass
class CityDashboard:
    """What one city's ambassador sees: counts by team (small ones banded), the newcomers of
    this month who asked to be welcomed, nearby hubs without an office, local communities."""

    city: str
    country: str
    colleagues: str
    teams: list[tuple[str, str]]
    newcomers: list[Person]
    hubs: list[Hub]
    has_office: bool
    local_communities: list[CommunityCard]


def ambassadorships_for_viewer(viewer: Viewer) -> list[CityAmbassador]:
    if viewer.person is None or not viewer.person.is_active:
        return []
    return list(CityAmbassador.objects.filter(person=viewer.person))


def city_ambassadors_for_viewer(viewer: Viewer) -> list[CityAmbassador]:
    """Who looks after which city: public to every colleague, so newcomers know whom to ask."""
    if not can_browse_directory(viewer):
        return []
    return list(
        CityAmbassador.objects.filter(person__is_active=True).select_related("person__org_unit")
    )


def ambassador_dashboards_for_viewer(viewer: Viewer, *, today: dt.date) -> list[CityDashboard]:
    """One dashboard per city the viewer looks after. The offices and every city's headcount
    (for the hubs) are read once for the page, whatever the number of cities."""
    cities = ambassadorships_for_viewer(viewer)
    if not cities:
        return []
    offices = list(Office.objects.values_list("city", "country", "latitude", "longitude"))
    points = _city_points()
    return [
        _city_dashboard(viewer, a.city, a.country, today=today, offices=offices, points=points)
        for a in cities
    ]


def _city_people(city: str, country: str) -> QuerySet[Person]:
    return Person.objects.filter(is_active=True, city__iexact=city, country__iexact=country)


OfficeRow = tuple[str, str, float, float]  # city, country, latitude, longitude


def _city_dashboard(
    viewer: Viewer,
    city: str,
    country: str,
    *,
    today: dt.date,
    offices: list[OfficeRow],
    points: list[CityPoint],
) -> CityDashboard:
    people = _city_people(city, country)
    by_team = (
        people.values("org_unit__name").annotate(n=Count("id")).order_by("-n", "org_unit__name")
    )
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    newcomers = (
        people.filter(
            start_date__gte=month_start,
            start_date__lt=next_month,
            welcome_preference__wants_welcome=True,
        )
        .exclude(pk=viewer.person.pk if viewer.person else 0)
        .select_related("org_unit")
        .order_by("start_date", "full_name")
    )
    office_cities = {(c, k) for c, k, _lat, _lon in offices}
    local = communities_visible_to(viewer).filter(
        is_active=True, city__iexact=city, country__iexact=country
    )
    return CityDashboard(
        city=city,
        country=country,
        colleagues=banded_count(people.count()),
        teams=[(row["org_unit__name"] or NO_TEAM, banded_count(row["n"])) for row in by_team],
        newcomers=list(newcomers),
        hubs=_hubs_near(city, country, offices, points),
        has_office=city_key(city, country) in {city_key(c, k) for c, k in office_cities},
        local_communities=_cards(viewer, _with_counts(local).order_by("name")),
    )


def _city_points() -> list[CityPoint]:
    """City-level only: each city's colleagues counted, located at the mean of the (city-centre)
    coordinates the directory holds for them."""
    rows = (
        Person.objects.filter(is_active=True, latitude__isnull=False, longitude__isnull=False)
        .exclude(city="")
        .values("city", "country")
        .annotate(n=Count("id"), lat=Avg("latitude"), lon=Avg("longitude"))
    )
    return [CityPoint(r["city"], r["country"], r["lat"], r["lon"], r["n"]) for r in rows]


def _hubs_near(
    city: str, country: str, offices: list[OfficeRow], points: list[CityPoint]
) -> list[Hub]:
    home = next((p for p in points if city_key(p.city, p.country) == city_key(city, country)), None)
    # The city's office (the first by name), else the centre of its colleagues.
    office = next(
        (o for o in offices if city_key(o[0], o[1]) == city_key(city, country)),
        None,
    )
    if office is not None:
        centre = (office[2], office[3])
    elif home is not None:
        centre = (home.latitude, home.longitude)
    else:
        return []
    return find_hubs(
        home=centre,
        cities=points,
        office_cities={(c, k) for c, k, _lat, _lon in offices},
        min_colleagues=HUB_MIN_COLLEAGUES,
        radius_km=HUB_RADIUS_KM,
    )


def welcome_preference_for(person: Person) -> WelcomePreference:
    return WelcomePreference.objects.filter(person=person).first() or WelcomePreference(
        person=person
    )
