"""Every read the Events pages and API return, already authorised for the viewer.

What a viewer may see is decided by `kith.core.permissions` from a few facts about them
(`ViewerFacts`: their communities, the units they belong to and manage, the invitation-only
events they are invited to), computed once per request; lists use the same rule as a query
(`visible_events`), and a test checks both agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.communities.models import CityAmbassador, Community, Membership
from kith.communities.selectors import is_city_ambassador
from kith.core.permissions import (
    Viewer,
    can_browse_directory,
    can_count_invitation_only_event,
    can_host_city_events,
    can_host_events,
    can_host_hr_events,
    can_manage_invitations,
    can_organise_event,
    can_read_event_stats,
    can_rsvp,
    can_see_attendees,
    can_see_event,
    can_see_every_team_event,
    can_take_part_in_event,
)
from kith.directory.engine.text import fold
from kith.directory.models import ContactPreference, OrgUnit, Person
from kith.events.engine import for_you
from kith.events.engine.times import in_check_in_window
from kith.events.models import Event, EventInvite, FeedToken, Met, Rsvp
from kith.notify.engine.calendar import EARLIEST as CALENDAR_EARLIEST
from kith.notify.engine.calendar import LATEST as CALENDAR_LATEST

CONFIDENTIAL = Community.Visibility.CONFIDENTIAL
LEADING_ROLES = (Membership.Role.LEADER, Membership.Role.AMBASSADOR)
LIST_LIMIT = 100
# Lists leave out a row stored with times no calendar holds (from before the date limits in
# services): showing it in each viewer's zone could overflow and break the whole list.
_FITS_A_CALENDAR = Q(starts_at__gte=CALENDAR_EARLIEST, ends_at__lt=CALENDAR_LATEST)
PAST_LIMIT = 30


@dataclass(frozen=True)
class ViewerFacts:
    """What the event rules need to know about a viewer, read in a few queries."""

    member_of: frozenset[int] = frozenset()
    leads: frozenset[int] = frozenset()
    own_units: frozenset[int] = frozenset()  # their unit and every unit above it
    managed_units: frozenset[int] = frozenset()  # units of their active reports
    city_ambassador: bool = False
    invited_to: frozenset[int] = frozenset()  # invitation-only events they are invited to


def facts_for(viewer: Viewer) -> ViewerFacts:
    person = viewer.person
    if person is None or not person.is_active:
        return ViewerFacts()
    rows = Membership.objects.filter(
        person=person, status=Membership.Status.ACTIVE, community__is_active=True
    ).values_list("community_id", "role")
    own_units: set[int] = set()
    if person.org_unit_id:
        unit = OrgUnit.objects.filter(pk=person.org_unit_id).only("path").first()
        own_units = {person.org_unit_id, *(unit.ancestor_ids if unit else [])}
    managed = Person.objects.filter(manager=person, is_active=True, org_unit__isnull=False)
    return ViewerFacts(
        member_of=frozenset(c for c, _ in rows),
        leads=frozenset(c for c, role in rows if role in LEADING_ROLES),
        own_units=frozenset(own_units),
        managed_units=frozenset(managed.values_list("org_unit_id", flat=True)),
        city_ambassador=_ambassador_somewhere(person),
        invited_to=frozenset(
            EventInvite.objects.filter(person=person).values_list("event_id", flat=True)
        ),
    )


def _ambassador_somewhere(person: Person) -> bool:
    """HR appointed them ambassador of some city (they host local events there)."""
    return CityAmbassador.objects.filter(person=person).exists()


def may_host_city(viewer: Viewer, city: str, country: str) -> bool:
    """A local event in `city`: HR, the ambassadors' group, or that city's ambassador."""
    return can_host_city_events(
        viewer, ambassador_of_city=is_city_ambassador(viewer.person, city, country)
    )


def viewer_may_host(viewer: Viewer, facts: ViewerFacts) -> bool:
    return can_host_events(
        viewer,
        leads_a_community=bool(facts.leads),
        manages_someone=bool(facts.managed_units),
        is_city_ambassador=facts.city_ambassador,
    )


def is_organiser(viewer: Viewer, event: Event, facts: ViewerFacts) -> bool:
    person = viewer.person
    return can_organise_event(
        viewer,
        host=event.host,
        is_creator=person is not None and event.created_by_id == person.pk,
        leads_host_community=event.community_id in facts.leads,
        manages_host_team=event.org_unit_id in facts.managed_units,
        confidential=_is_confidential(event),
        invite_only=event.invite_only,
    )


def may_see(viewer: Viewer, event: Event, facts: ViewerFacts) -> bool:
    return can_see_event(
        viewer,
        confidential=_is_confidential(event),
        is_member=event.community_id in facts.member_of,
        is_organiser=is_organiser(viewer, event, facts),
        team_only=event.host == Event.Host.TEAM,
        in_team=event.org_unit_id in facts.own_units | facts.managed_units,
        invite_only=event.invite_only,
        is_invitee=event.pk in facts.invited_to,
    )


def takes_part(viewer: Viewer, event: Event, facts: ViewerFacts) -> bool:
    """More than the event's existence and counts (see `can_take_part_in_event`)."""
    return can_take_part_in_event(
        viewer,
        invite_only=event.invite_only,
        is_invitee=event.pk in facts.invited_to,
        is_organiser=is_organiser(viewer, event, facts),
    )


def _is_confidential(event: Event) -> bool:
    community = event.community if event.community_id else None
    return community is not None and community.visibility == CONFIDENTIAL


def visible_events(viewer: Viewer, facts: ViewerFacts) -> QuerySet[Event]:
    """The query form of `may_see` (kept in step with it by tests)."""
    if not can_browse_directory(viewer):
        return Event.objects.none()
    not_confidential = Q(community__isnull=True) | ~Q(community__visibility=CONFIDENTIAL)
    team_ok = Q(org_unit_id__in=facts.own_units | facts.managed_units)
    if can_see_every_team_event(viewer):
        team_ok = Q(host=Event.Host.TEAM)  # (an empty Q() would vanish from the OR below)
    rule = (not_confidential & (~Q(host=Event.Host.TEAM) | team_ok)) | Q(
        community__visibility=CONFIDENTIAL, community_id__in=facts.member_of
    )
    active = viewer.person is not None and viewer.person.is_active
    if active:
        rule |= Q(host=Event.Host.COMMUNITY, community_id__in=facts.leads)
    # An invitation-only event: the people invited, and HR as counts (never a confidential
    # community's); its creator below, as for every event.
    listed = Q(pk__in=sorted(facts.invited_to))
    if can_count_invitation_only_event(viewer, confidential=False):
        listed |= not_confidential
    rule = (Q(invite_only=False) & rule) | (Q(invite_only=True) & listed)
    if active:
        rule |= Q(created_by=viewer.person)
    return Event.objects.filter(rule)


def still_invited(rsvps: QuerySet[Rsvp]) -> QuerySet[Rsvp]:
    """RSVPs to open events, and those of people on an invitation-only event's list (the feed,
    reminders and the waitlist leave out anyone else)."""
    listed = EventInvite.objects.filter(
        event_id=OuterRef("event_id"), person_id=OuterRef("person_id")
    )
    return rsvps.filter(Q(event__invite_only=False) | Exists(listed))


def _with_counts(events: QuerySet[Event], viewer: Viewer) -> QuerySet[Event]:
    going = Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.GOING), distinct=True)
    waiting = Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.WAITLISTED), distinct=True)
    mine = Rsvp.objects.filter(event=OuterRef("pk"), person_id=_person_id(viewer))
    invited = (
        EventInvite.objects.filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return events.select_related("community", "org_unit", "office", "created_by").annotate(
        going_count=going,
        waitlist_count=waiting,
        invited_count=Coalesce(Subquery(invited, output_field=IntegerField()), 0),
        my_status=Subquery(mine.values("status")[:1]),
        my_checked_in=Subquery(mine.values("checked_in_at")[:1]),
    )


def _person_id(viewer: Viewer) -> int:
    return viewer.person.pk if viewer.person is not None else 0


@dataclass
class EventCard:
    event: Event
    going: int
    waiting: int
    my_status: str
    checked_in: bool
    organiser: bool
    invited: int = 0  # how many are on an invitation-only event's list
    invitee: bool = False  # the viewer is on it
    takes_part: bool = True  # more than its existence and counts (`takes_part`)
    for_you: bool = False  # suits the viewer's meeting preference (listed first)

    @property
    def is_full(self) -> bool:
        cap = self.event.capacity
        return cap is not None and self.going >= cap

    @property
    def places_left(self) -> int | None:
        cap = self.event.capacity
        return None if cap is None else max(0, cap - self.going)


def _card(viewer: Viewer, event: Event, facts: ViewerFacts) -> EventCard:
    return EventCard(
        event=event,
        going=getattr(event, "going_count", 0),
        waiting=getattr(event, "waitlist_count", 0),
        my_status=getattr(event, "my_status", None) or "",
        checked_in=getattr(event, "my_checked_in", None) is not None,
        organiser=is_organiser(viewer, event, facts),
        invited=getattr(event, "invited_count", 0) if event.invite_only else 0,
        invitee=event.invite_only and event.pk in facts.invited_to,
        takes_part=takes_part(viewer, event, facts),
    )


@dataclass
class EventsHome:
    upcoming: list[EventCard]  # those suiting the viewer's preference first ("For you")
    mine: list[EventCard]
    past: list[EventCard]
    may_host: bool
    more_upcoming: bool
    # The viewer's meeting preference when it orders the list: "virtual" or "in_person"
    # ("" for either, or no preference saved); `for_you_city` is their city, if any.
    for_you_mode: str = ""
    for_you_city: str = ""

    @property
    def for_you(self) -> list[EventCard]:
        return [c for c in self.upcoming if c.for_you]

    @property
    def others(self) -> list[EventCard]:
        return [c for c in self.upcoming if not c.for_you]


def taste_of(viewer: Viewer) -> for_you.Taste:
    """The viewer's meeting preference and city (one query; no row means "either")."""
    person = viewer.person
    if person is None:
        return for_you.Taste()
    mode = (
        ContactPreference.objects.filter(person=person)
        .values_list("meeting_mode", flat=True)
        .first()
    )
    return for_you.Taste(
        meeting_mode=mode or for_you.EITHER,
        city=fold(person.city or ""),
        country=(person.country or "").upper(),
        latitude=person.latitude,
        longitude=person.longitude,
    )


def _where(event: Event) -> for_you.Where:
    office = event.office if event.office_id else None
    return for_you.Where(
        mode=event.mode,
        city=fold(event.city or ""),
        country=(event.country or "").upper(),
        latitude=office.latitude if office else None,
        longitude=office.longitude if office else None,
    )


def _for_you_first(cards: list[EventCard], taste: for_you.Taste) -> list[EventCard]:
    """Mark the cards that suit the preference and put them first; nothing is left out."""
    for card in cards:
        card.for_you = for_you.suits(taste, _where(card.event))
    return for_you.for_you_first(cards, [c.for_you for c in cards])


def events_home_for_viewer(viewer: Viewer, *, now: dt.datetime | None = None) -> EventsHome:
    """The events home and the API's list. The upcoming events are the same for every
    preference (the soonest LIST_LIMIT the viewer may see); a preference for virtual or in
    person only puts those that suit it first (docs/events.md, "For you")."""
    now = now or timezone.now()
    facts = facts_for(viewer)
    taste = taste_of(viewer)
    visible = _with_counts(visible_events(viewer, facts), viewer).filter(_FITS_A_CALENDAR)
    soonest_first = visible.filter(ends_at__gte=now).order_by("starts_at", "id")
    upcoming = [_card(viewer, e, facts) for e in soonest_first[: LIST_LIMIT + 1]]
    more_upcoming = len(upcoming) > LIST_LIMIT
    mine = [c for c in upcoming if c.my_status in (Rsvp.Status.GOING, Rsvp.Status.WAITLISTED)]
    upcoming = _for_you_first(upcoming[:LIST_LIMIT], taste)
    me = _person_id(viewer)
    past_rows = (
        visible.filter(ends_at__lt=now)
        .filter(Q(rsvps__person_id=me, rsvps__status=Rsvp.Status.GOING) | Q(created_by_id=me))
        .distinct()
        .order_by("-starts_at", "-id")[:PAST_LIMIT]
    )
    ordering = taste.meeting_mode if taste.meeting_mode != for_you.EITHER else ""
    return EventsHome(
        upcoming=upcoming,
        mine=mine,
        past=[_card(viewer, e, facts) for e in past_rows],
        may_host=viewer_may_host(viewer, facts),
        more_upcoming=more_upcoming,
        for_you_mode=ordering,
        for_you_city=(viewer.person.city if viewer.person and ordering else "") or "",
    )


def upcoming_for_viewer(viewer: Viewer, *, now: dt.datetime | None = None) -> list[EventCard]:
    return events_home_for_viewer(viewer, now=now).upcoming


def card_for_viewer(
    viewer: Viewer, event_id: int, *, facts: ViewerFacts | None = None
) -> EventCard | None:
    """One event as this viewer may see it, or None (also when it is hidden from them).
    `facts`: facts_for(viewer), when the request has read them already."""
    facts = facts if facts is not None else facts_for(viewer)
    event = _with_counts(Event.objects.filter(pk=event_id), viewer).first()
    if event is None or not may_see(viewer, event, facts):
        return None
    return _card(viewer, event, facts)


@dataclass
class EventPage:
    card: EventCard
    attendees: list[Person] | None  # None: the viewer may see counts only
    waitlist: list[Person] | None  # organisers only
    can_rsvp: bool
    can_check_in_self: bool
    can_record_met: bool
    met_stats: MetStats | None  # HR only
    has_ended: bool
    has_started: bool


@dataclass(frozen=True)
class MetStats:
    connections: int
    people: int


def event_page_for_viewer(
    viewer: Viewer, event_id: int, *, now: dt.datetime | None = None
) -> EventPage | None:
    now = now or timezone.now()
    card = card_for_viewer(viewer, event_id)
    if card is None:
        return None
    event = card.event
    attending = card.my_status == Rsvp.Status.GOING and card.takes_part
    show_names = can_see_attendees(viewer, is_organiser=card.organiser, is_attendee=attending)
    going = _people(event, Rsvp.Status.GOING) if show_names else None
    waiting = _people(event, Rsvp.Status.WAITLISTED) if card.organiser else None
    started = now >= event.starts_at
    stats = None
    may_read_stats = can_read_event_stats(
        viewer, invite_only=event.invite_only, is_organiser=card.organiser
    )
    if started and may_read_stats and not _is_confidential(event):
        stats = met_stats(event)
    answers = can_rsvp(viewer, invite_only=event.invite_only, is_invitee=card.invitee)
    return EventPage(
        card=card,
        attendees=going,
        waitlist=waiting,
        can_rsvp=answers and now < event.ends_at,
        can_check_in_self=attending
        and not card.checked_in
        and in_check_in_window(event.starts_at, event.ends_at, now),
        can_record_met=attending and started and card.going > 1,
        met_stats=stats,
        has_ended=now >= event.ends_at,
        has_started=started,
    )


def _people(event: Event, status: str) -> list[Person]:
    rows = (
        Rsvp.objects.filter(event=event, status=status, person__is_active=True)
        .select_related("person", "person__org_unit")
        .order_by("queued_at", "id")
    )
    return [r.person for r in rows]


def met_stats(event: Event) -> MetStats:
    """Counts only: how many "I met them" answers, from how many people."""
    rows = Met.objects.filter(event=event).aggregate(
        connections=Count("id"), people=Count("person", distinct=True)
    )
    return MetStats(connections=rows["connections"] or 0, people=rows["people"] or 0)


@dataclass
class AttendanceRow:
    rsvp: Rsvp
    person: Person


def attendance_for_viewer(viewer: Viewer, event_id: int) -> tuple[EventCard, list[Rsvp]] | None:
    """Organisers only: everyone going, with their check-in."""
    card = card_for_viewer(viewer, event_id)
    if card is None or not card.organiser:
        return None
    rows = list(
        Rsvp.objects.filter(event=card.event, status=Rsvp.Status.GOING, person__is_active=True)
        .select_related("person", "person__org_unit")
        .order_by("person__full_name", "id")
    )
    return card, rows


@dataclass
class MetPage:
    card: EventCard
    others: list[Person]
    chosen: set[int] = field(default_factory=set)


def met_page_for_viewer(
    viewer: Viewer, event_id: int, *, now: dt.datetime | None = None
) -> MetPage | None:
    """The people I could have met there (the others going) and whom I said I met."""
    page = event_page_for_viewer(viewer, event_id, now=now)
    if page is None or not page.can_record_met or viewer.person is None:
        return None
    me = viewer.person
    others = [p for p in page.attendees or [] if p.pk != me.pk]
    chosen = set(
        Met.objects.filter(event=page.card.event, person=me).values_list("other_id", flat=True)
    )
    return MetPage(card=page.card, others=others, chosen=chosen)


def my_met_for_viewer(viewer: Viewer) -> list[Met]:
    """Everyone I said I met, at which event: only ever shown to me."""
    if viewer.person is None:
        return []
    return list(
        Met.objects.filter(person=viewer.person)
        .select_related("event", "other")
        .order_by("-event__starts_at", "other__full_name")
    )


def active_feed_token(person: Person | None) -> FeedToken | None:
    if person is None:
        return None
    return FeedToken.objects.filter(person=person, revoked_at__isnull=True).first()


def feed_rsvps_for_token(token: str, *, now: dt.datetime | None = None) -> list[Rsvp] | None:
    """The events a feed's owner is going to or waiting for, or None for a token that is
    unknown, revoked, or belongs to someone who left."""
    now = now or timezone.now()
    if not token or len(token) > 64:
        return None
    found = (
        FeedToken.objects.filter(token=token, revoked_at__isnull=True, person__is_active=True)
        .select_related("person")
        .first()
    )
    if found is None:
        return None
    return list(
        still_invited(
            Rsvp.objects.filter(
                person=found.person,
                status__in=(Rsvp.Status.GOING, Rsvp.Status.WAITLISTED),
                event__ends_at__gte=now - dt.timedelta(days=90),
            )
        )
        .select_related("event", "event__office")
        .order_by("event__starts_at")
    )


@dataclass(frozen=True)
class InviteRow:
    person: Person
    answer: str  # the RSVP status, or "" for no answer yet


@dataclass
class InvitationsPage:
    """An invitation-only event's list, for its organiser."""

    card: EventCard
    rows: list[InviteRow]
    has_ended: bool


def invitations_for_viewer(
    viewer: Viewer, event_id: int, *, now: dt.datetime | None = None
) -> InvitationsPage | None:
    """None unless the viewer may keep this invitation-only event's list: its organiser, when
    the list was not fixed by the app that made the event (a Pulse focus group's draw: there
    the organiser sees who is going on the event page, as for any event, and not who was
    drawn and declined)."""
    now = now or timezone.now()
    card = card_for_viewer(viewer, event_id)
    if card is None or not card.event.invite_only:
        return None
    event = card.event
    if not can_manage_invitations(viewer, is_organiser=card.organiser, fixed=event.invitees_fixed):
        return None
    rows = (
        EventInvite.objects.filter(event=event)
        .select_related("person", "person__org_unit")
        .order_by("person__full_name", "pk")
    )
    answers = dict(Rsvp.objects.filter(event=event).values_list("person_id", "status"))
    return InvitationsPage(
        card=card,
        rows=[InviteRow(r.person, answers.get(r.person_id, "")) for r in rows],
        has_ended=now >= event.ends_at,
    )


def host_choices_for_viewer(
    viewer: Viewer, *, facts: ViewerFacts | None = None
) -> list[tuple[str, str]]:
    """What this viewer may host for, as (value, label): "hr", "city",
    "community:<id>", "team:<id>"."""
    facts = facts if facts is not None else facts_for(viewer)
    choices: list[tuple[str, str]] = []
    if can_host_hr_events(viewer):
        choices.append(("hr", _("HR / People team")))
    if can_host_city_events(viewer, ambassador_of_city=facts.city_ambassador):
        choices.append(("city", _("A local event in a city")))
    for community in Community.objects.filter(pk__in=facts.leads).order_by("name"):
        choices.append(
            (f"community:{community.pk}", _("Community: %(name)s") % {"name": community.name})
        )
    units = OrgUnit.objects.filter(pk__in=facts.managed_units).order_by("name")
    for unit in units:
        choices.append((f"team:{unit.pk}", _("Team: %(name)s") % {"name": unit.name}))
    return choices


def my_events_data(person: Person) -> dict[str, Any]:
    """For the person's own export: the invitation-only events they are invited to, their
    RSVPs and check-ins, who they said they met,
    whether they have a calendar feed address (never the token itself), their named town hall
    questions and the questions they upvoted (never an anonymous question: nothing says whose
    it is)."""
    rsvps = Rsvp.objects.filter(person=person).select_related("event").order_by("event__starts_at")
    met = Met.objects.filter(person=person).select_related("event", "other").order_by("pk")
    invites = (
        EventInvite.objects.filter(person=person)
        .select_related("event")
        .order_by("event__starts_at", "pk")
    )
    return {
        "invitations": [
            {
                "event": i.event.title,
                "starts_at": i.event.starts_at.isoformat(),
                "invited_at": i.invited_at.isoformat(),
            }
            for i in invites
        ],
        "rsvps": [
            {
                "event": r.event.title,
                "starts_at": r.event.starts_at.isoformat(),
                "status": r.status,
                "checked_in": r.checked_in_at is not None,
            }
            for r in rsvps
        ],
        "met": [{"event": m.event.title, "person": m.other.display_name} for m in met],
        "has_calendar_feed": FeedToken.objects.filter(
            person=person, revoked_at__isnull=True
        ).exists(),
        **_town_hall_data(person),
    }


def _town_hall_data(person: Person) -> dict[str, Any]:
    """Named questions and upvotes (kith/events/town_hall_selectors.py imports this module)."""
    from kith.events.town_hall_selectors import my_town_hall_data

    return my_town_hall_data(person.pk)
