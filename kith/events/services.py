"""Every write of the Events app: keyword-only, validated, in one transaction each.

Places are handed out under a row lock on the event (`select_for_update`), so two people
taking the last place at once, or a cancellation racing a new RSVP, can never overfill a
room or skip someone on the waitlist. The messages an RSVP sends are written in its
transaction, so any error leaves neither the RSVP nor a message behind. Reminders are
claimed with a conditional update, so any number of schedulers send each one once.

An invitation-only event takes answers from the people on its list only, here, whoever calls:
the page, the API, another app or a command; its waitlist and reminders leave out anyone who
is not (or no longer) on it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kith.communities.models import Community
from kith.core import audit
from kith.core.permissions import (
    Viewer,
    can_host_community_events,
    can_host_hr_events,
    can_host_team_events,
    can_manage_invitations,
    can_rsvp,
)
from kith.directory.models import Office, OrgUnit, Person
from kith.events import messages, selectors
from kith.events.engine.seats import has_room, places_to_fill
from kith.events.engine.times import in_check_in_window, local_to_utc, zone_or_error
from kith.events.hooks import event_created
from kith.events.models import Event, EventInvite, FeedToken, Met, Rsvp
from kith.notify.engine.calendar import EARLIEST as CALENDAR_EARLIEST

# The dates an event may have (docs/events.md): a new start at most a year back (to record a
# recent gathering) and five years ahead; at most two weeks long. Well inside what calendar
# files and time-zone arithmetic hold (an event on 9999-12-31 overflowed them).
MAX_START_PAST = dt.timedelta(days=365)
MAX_START_AHEAD = dt.timedelta(days=5 * 365 + 1)
MAX_DURATION = dt.timedelta(days=14)
# A new start is now or later (an event starting as the form is sent still counts); only HR
# records one that has passed, by saying so (`EventInput.record_past`, audited).
PAST_GRACE = dt.timedelta(minutes=15)
# Wall-clock times are held against those limits before any zone arithmetic, with room for
# the zone's offset (at most 14 hours), so that the exact check in UTC decides.
_ZONE_SLACK = dt.timedelta(days=1)
MAX_MET = 200
MAX_INVITEES = 1000  # on one invitation-only event's list
Fail = Callable[[str, str], None]


class EventOver(ValidationError):
    """The event has ended: nothing about its places can change any more (API: 409)."""


class EventOutOfRange(EventOver):
    """The event's stored times are outside what a calendar holds (a row saved before the
    date limits, or around them): it takes no RSVPs until an organiser fixes them (API: 409)."""


class NotInvited(ValidationError):
    """An invitation-only event, and this person is not on its list (API: 403)."""


NOT_INVITED = gettext_lazy(
    "This event is by invitation only: only the people invited can answer it."
)


@dataclass(frozen=True)
class EventInput:
    """An event as a form or the API gives it: times are wall-clock times in `timezone`."""

    title: str
    kind: str
    host: str  # "hr", "city", "community:<id>" or "team:<id>"
    mode: str
    starts_local: dt.datetime
    ends_local: dt.datetime
    timezone: str = ""
    description: str = ""
    office_id: int | None = None
    venue: str = ""
    city: str = ""
    country: str = ""
    link: str = ""
    capacity: int | None = None
    invite_only: bool = False
    # HR recording a gathering that already happened: a start before now is then taken.
    record_past: bool = False


# --- creating and editing ----------------------------------------------------------------------


def event_save(
    *,
    viewer: Viewer,
    event: Event | None,
    data: EventInput,
    organiser: Person | None = None,
    invitees: Sequence[Person] = (),
    invitees_fixed: bool = False,
) -> Event:
    """Create (event=None) or change an event. Raises ValidationError with a message per
    field; nothing is written unless everything is valid and the viewer may host it.

    For an app creating an event on someone's behalf (a Pulse focus group), on creation only:
    `organiser` is who runs it (its creator) instead of the viewer; `invitees` go on an
    invitation-only event's list without a message from Events (the app writes its own), and
    `invitees_fixed` keeps that list as it is."""
    if event is not None and (organiser is not None or invitees or invitees_fixed):
        raise ValueError("organiser, invitees and invitees_fixed are for a new event only")
    creator = organiser if event is None and organiser is not None else None
    fields = _validated(viewer, event, data, creator=creator)
    recorded_past = bool(fields.pop("recorded_past", False))
    if invitees and not data.invite_only:
        raise ValidationError({"invite_only": _("Only an invitation-only event has invitees.")})
    if len({p.pk for p in invitees}) > MAX_INVITEES:
        raise ValidationError({"invitees": _("Invite at most %(n)d people.") % {"n": MAX_INVITEES}})
    if any(not p.is_active for p in invitees):
        raise ValidationError({"invitees": _("Only active colleagues can be invited.")})
    with transaction.atomic():
        if event is None:
            event = Event(created_by=creator or viewer.person, **fields)
            event.invitees_fixed = invitees_fixed and event.invite_only
            event.full_clean()
            event.save()
            action = "events.event_created"
            _add_invites(event, {p.pk for p in invitees})
            event_created(event.pk)  # apps downstream (webhooks) hear of it once this commits
        else:
            event = Event.objects.select_for_update().get(pk=event.pk)
            opening_to_invitations = fields["invite_only"] and not event.invite_only
            for name, value in fields.items():
                setattr(event, name, value)
            event.sequence += 1
            event.full_clean()
            event.save()
            action = "events.event_changed"
            if opening_to_invitations:
                _invite_everyone_answered(event)
            _promote_waitlist(event)
        detail = {"invite_only": True, "invited": len(invitees)} if event.invite_only else {}
        audit.record(actor=viewer.user, action=action, target=f"event:{event.pk}", **detail)
        if recorded_past:
            audit.record(
                actor=viewer.user, action="events.past_event_recorded", target=f"event:{event.pk}"
            )
    return event


def _add_invites(event: Event, person_ids: set[int]) -> set[int]:
    """Put these people on the list; returns who was not on it yet."""
    have = set(
        EventInvite.objects.filter(event=event, person_id__in=person_ids).values_list(
            "person_id", flat=True
        )
    )
    new = person_ids - have
    EventInvite.objects.bulk_create(
        [EventInvite(event=event, person_id=pk) for pk in sorted(new)], ignore_conflicts=True
    )
    return new


def _invite_everyone_answered(event: Event) -> None:
    """An event made invitation-only keeps everyone who already has a place or waits for one:
    they go on the list, so nobody loses a place they were given."""
    answered = Rsvp.objects.filter(
        event=event, status__in=(Rsvp.Status.GOING, Rsvp.Status.WAITLISTED)
    ).values_list("person_id", flat=True)
    _add_invites(event, set(answered))


def _validated(
    viewer: Viewer, event: Event | None, data: EventInput, *, creator: Person | None = None
) -> dict[str, object]:
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    title = " ".join(data.title.split())
    if not title:
        fail("title", _("Give the event a title."))
    if data.kind not in Event.Kind.values:
        fail(
            "kind",
            _("Choose a kind of event: %(kinds)s.") % {"kinds": ", ".join(Event.Kind.values)},
        )
    if data.mode not in Event.Mode.values:
        fail("mode", _("Choose in person, virtual or hybrid."))
    office = _office(data.office_id, fail)
    host_fields = _host(viewer, event, data, office, fail)
    where = _where(data, office, fail)
    times = _times(data, office, viewer, fail, event=event)
    if data.capacity is not None and data.capacity < 1:
        fail("capacity", _("Capacity must be at least 1, or empty for no limit."))
    _invitation_only(viewer, event, data, creator, fail)
    if errors:
        raise ValidationError(errors)
    return {
        "title": title[:160],
        "description": data.description.strip(),
        "kind": data.kind,
        **host_fields,
        **where,
        **times,
        "capacity": data.capacity if data.mode != Event.Mode.VIRTUAL else None,
        "invite_only": bool(data.invite_only),
    }


def _invitation_only(
    viewer: Viewer, event: Event | None, data: EventInput, creator: Person | None, fail: Fail
) -> None:
    """Once invitation-only, always: the people invited answered on that promise. And an
    invitation-only event needs a person to organise it, since nobody does so by role."""
    if event is not None and event.invite_only and not data.invite_only:
        fail(
            "invite_only",
            _(
                "This event stays invitation-only: the people invited were told only they would "
                "see it. Create a new event open to everyone instead."
            ),
        )
    if not data.invite_only:
        return
    runs_it = creator or (event.created_by if event is not None else viewer.person)
    if runs_it is None or not runs_it.is_active:
        fail(
            "invite_only",
            _(
                "An invitation-only event is organised by the colleague who creates it, so it "
                "needs someone in the directory: sign in with your own account."
            ),
        )


def _office(office_id: int | None, fail: Fail) -> Office | None:
    if office_id is None:
        return None
    office = Office.objects.filter(pk=office_id).first()
    if office is None:
        fail("office", _("There is no office with id %(id)d.") % {"id": office_id})
    return office


def _host(
    viewer: Viewer, event: Event | None, data: EventInput, office: Office | None, fail: Fail
) -> dict[str, object]:
    """Who hosts it, and whether this viewer may host for them."""
    kind, _colon, raw_id = data.host.partition(":")
    facts = selectors.facts_for(viewer)
    fields: dict[str, object] = {"host": kind, "community": None, "org_unit": None}
    if kind == Event.Host.HR:
        if not can_host_hr_events(viewer) and not _unchanged_host(event, kind, None):
            fail("host", _("Only HR admins host events for the People team."))
    elif kind == Event.Host.CITY:
        city = data.city.strip() or (office.city if office else "")
        country = data.country.strip().upper() or (office.country if office else "")
        if not city:
            fail("city", _("A local event needs its city."))
        elif not selectors.may_host_city(viewer, city, country) and not _unchanged_host(
            event, kind, None
        ):
            fail("host", _("Only %(city)s's ambassadors host local events there.") % {"city": city})
    elif kind in (Event.Host.COMMUNITY, Event.Host.TEAM) and raw_id.isdigit():
        pk = int(raw_id)
        if kind == Event.Host.COMMUNITY:
            fields["community"] = Community.objects.filter(pk=pk, is_active=True).first()
            allowed = can_host_community_events(viewer, leads_community=pk in facts.leads)
            who = _("Only that community's leaders and ambassadors host its events.")
        else:
            fields["org_unit"] = OrgUnit.objects.filter(pk=pk).first()
            allowed = can_host_team_events(viewer, manages_team=pk in facts.managed_units)
            who = _("Only managers of people in that team host its events.")
        if fields["community"] is None and fields["org_unit"] is None:
            fail("host", _("There is no %(kind)s with id %(id)d.") % {"kind": kind, "id": pk})
        elif not allowed and not _unchanged_host(event, kind, pk):
            fail("host", who)
    else:
        fail("host", _("Choose who hosts it: hr, city, community:<id> or team:<id>."))
    return fields


def _unchanged_host(event: Event | None, kind: str, pk: int | None) -> bool:
    """An organiser editing an event keeps its host even if they could not create it anew
    (the event's creator after leaving a community's leadership, say)."""
    if event is None or event.host != kind:
        return False
    return pk is None or pk in (event.community_id, event.org_unit_id)


def _where(data: EventInput, office: Office | None, fail: Fail) -> dict[str, object]:
    in_person = data.mode in (Event.Mode.IN_PERSON, Event.Mode.HYBRID)
    online = data.mode in (Event.Mode.VIRTUAL, Event.Mode.HYBRID)
    venue = " ".join(data.venue.split())
    city = data.city.strip() or (office.city if office else "")
    country = (data.country.strip() or (office.country if office else "")).upper()
    if in_person and office is None and not venue:
        fail("venue", _("Say where it happens: choose an office or name a venue."))
    if in_person and not city:
        fail("city", _("Give the city it happens in."))
    if country and (len(country) != 2 or not country.isalpha()):
        fail("country", _("Use the two-letter country code, e.g. PT."))
    link = data.link.strip()
    if online and not link:
        fail("link", _("A virtual or hybrid event needs the link to join."))
    if link and not link.startswith(("https://", "http://")):
        fail("link", _("The link must start with https://."))
    return {
        "mode": data.mode,
        "office": office if in_person else None,
        "venue": venue[:200] if in_person else "",
        "city": city[:200],
        "country": country[:2],
        "link": link if online else "",
    }


def _times(
    data: EventInput, office: Office | None, viewer: Viewer, fail: Fail, *, event: Event | None
) -> dict[str, object]:
    zone_name = data.timezone.strip() or (office.timezone if office else "")
    if not zone_name and viewer.person is not None:
        zone_name = viewer.person.timezone
    try:
        zone = zone_or_error(zone_name or "UTC")
    except ValueError as exc:
        fail("timezone", f"{exc}.")
        return {}
    now = timezone.now()
    window = _start_window(event, now)
    starts = _wall_to_utc("starts_local", data.starts_local, zone, window, fail)
    ends = _wall_to_utc("ends_local", data.ends_local, zone, window, fail)
    if starts is None or ends is None:
        return {}
    if not window[0] <= starts <= window[1]:
        fail("starts_local", _outside(window, "starts_local", data.starts_local))
        return {}
    if ends <= starts:
        fail("ends_local", _("The event must end after it starts."))
    elif ends - starts > MAX_DURATION:
        fail(
            "ends_local",
            _("An event lasts at most %(days)d days.") % {"days": MAX_DURATION.days},
        )
    past = _moved_into_the_past(event, starts, now)
    if past:
        _past_allowed(viewer, data, fail)
    return {"starts_at": starts, "ends_at": ends, "timezone": zone.key, "recorded_past": past}


def _moved_into_the_past(event: Event | None, starts: dt.datetime, now: dt.datetime) -> bool:
    """A start that has passed, new or moved (an edit keeps the start it had, even one that has
    passed since: renaming last week's event is fine)."""
    if event is not None and starts == event.starts_at:
        return False
    return starts < now - PAST_GRACE


def _past_allowed(viewer: Viewer, data: EventInput, fail: Fail) -> None:
    """Events are planned ahead; HR alone records one that happened, and says so."""
    when = data.starts_local.isoformat(" ", "minutes")
    if not viewer.is_hr:
        fail(
            "starts_local",
            _("The start, %(when)s, has passed: an event starts from now on.") % {"when": when},
        )
    elif not data.record_past:
        fail(
            "starts_local",
            _(
                "The start, %(when)s, has passed: an event starts from now on. To record one "
                "that already happened, tick “Record a past event”."
            )
            % {"when": when},
        )


Window = tuple[dt.datetime, dt.datetime]


def _start_window(event: Event | None, now: dt.datetime) -> Window:
    """From a year back to five years ahead; an edit may keep an older start (not one from
    before what a calendar holds)."""
    first = now - MAX_START_PAST
    if event is not None and CALENDAR_EARLIEST <= event.starts_at < first:
        first = event.starts_at
    return first, now + MAX_START_AHEAD


def _wall_to_utc(
    name: str, wall: dt.datetime, zone: ZoneInfo, window: Window, fail: Fail
) -> dt.datetime | None:
    """`wall` in UTC, or None once `fail` says why under the field. A time far outside the
    window is refused before the zone arithmetic, which overflows near the year 9999."""
    if (
        not _naive_utc(window[0] - _ZONE_SLACK)
        <= wall
        <= _naive_utc(window[1] + MAX_DURATION + _ZONE_SLACK)
    ):
        fail(name, _outside(window, name, wall))
        return None
    try:
        return local_to_utc(wall, zone)
    except (ValueError, OverflowError) as exc:
        fail(name, f"{str(exc)[0].upper()}{str(exc)[1:]}.")
        return None


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _outside(window: Window, name: str, wall: dt.datetime) -> str:
    first, last = window
    label = _("The start") if name == "starts_local" else _("The end")
    return _(
        "%(label)s, %(when)s, is outside the dates Kith takes: an event starts between "
        "%(first)s and %(last)s and lasts at most %(days)d days."
    ) % {
        "label": label,
        "when": wall.isoformat(" ", "minutes"),
        "first": f"{first:%Y-%m-%d}",
        "last": f"{last:%Y-%m-%d}",
        "days": MAX_DURATION.days,
    }


# --- invitation-only events: the list ----------------------------------------------------------


def _require_list_keeper(viewer: Viewer, event: Event, now: dt.datetime) -> None:
    facts = selectors.facts_for(viewer)
    if not event.invite_only:
        raise ValidationError(_("This event is open to everyone: it has no list of invitees."))
    organiser = selectors.is_organiser(viewer, event, facts)
    if not can_manage_invitations(viewer, is_organiser=organiser, fixed=event.invitees_fixed):
        if event.invitees_fixed and organiser:
            raise PermissionDenied(
                _(
                    "The people invited to this event were drawn at random when it was made: "
                    "nobody adds or removes anyone."
                )
            )
        raise PermissionDenied(_("Only the event's organiser changes who is invited."))
    _require_not_over(event, now)


def event_invite(
    *, viewer: Viewer, event: Event, person_ids: set[int], now: dt.datetime | None = None
) -> list[Person]:
    """The organiser invites these colleagues to an invitation-only event. Each one not yet on
    the list is told (in their working hours), with a link to answer; returns them."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        _require_list_keeper(viewer, locked, now)
        if not person_ids:
            raise ValidationError({"people": _("Choose at least one colleague to invite.")})
        found = set(
            Person.objects.filter(pk__in=person_ids, is_active=True).values_list("pk", flat=True)
        )
        if found != person_ids:
            missing = len(person_ids - found)
            raise ValidationError(
                {
                    "people": ngettext(
                        "%(n)d of them is not an active colleague in the directory.",
                        "%(n)d of them are not active colleagues in the directory.",
                        missing,
                    )
                    % {"n": missing}
                }
            )
        listed = EventInvite.objects.filter(event=locked).count()
        new = _add_invites(locked, person_ids)
        if listed + len(new) > MAX_INVITEES:
            raise ValidationError(
                {"people": _("An event invites at most %(n)d people.") % {"n": MAX_INVITEES}}
            )
        invited = list(Person.objects.filter(pk__in=new).order_by("full_name", "pk"))
        for person in invited:
            messages.invitation_tell(event=locked, person=person, by=viewer.person)
        audit.record(
            actor=viewer.user,
            action="events.people_invited",
            target=f"event:{locked.pk}",
            count=len(invited),
        )
    return invited


def event_uninvite(
    *, viewer: Viewer, event: Event, person_id: int, now: dt.datetime | None = None
) -> bool:
    """The organiser takes someone off the list. Whoever had a place or waited for one loses
    it (the next on the waitlist moves up) and is told. False if they were not on the list."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        _require_list_keeper(viewer, locked, now)
        deleted, _count = EventInvite.objects.filter(event=locked, person_id=person_id).delete()
        if not deleted:
            return False
        rsvp = (
            Rsvp.objects.select_for_update()
            .filter(
                event=locked,
                person_id=person_id,
                status__in=(Rsvp.Status.GOING, Rsvp.Status.WAITLISTED),
            )
            .select_related("person")
            .first()
        )
        if rsvp is not None:
            rsvp.status, rsvp.checked_in_at = Rsvp.Status.NOT_GOING, None
            rsvp.save(update_fields=["status", "checked_in_at", "answered_at"])
            messages.uninvited_tell(event=locked, person=rsvp.person)
            _promote_waitlist(locked)
        audit.record(
            actor=viewer.user, action="events.invitation_withdrawn", target=f"event:{locked.pk}"
        )
    return True


# --- RSVP and the waitlist ---------------------------------------------------------------------


def rsvp_going(*, event: Event, person: Person, now: dt.datetime | None = None) -> Rsvp:
    """Ask for a place: going while there is room, else onto the end of the waitlist.
    Asking again changes nothing (and keeps a waitlist place)."""
    now = now or timezone.now()
    _require_person(person)
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        _require_invited(locked, person)
        _require_not_over(locked, now)
        _require_fits_a_calendar(locked)
        rsvp = Rsvp.objects.select_for_update().filter(event=locked, person=person).first()
        if rsvp is not None and rsvp.status in (Rsvp.Status.GOING, Rsvp.Status.WAITLISTED):
            return rsvp
        going = Rsvp.objects.filter(event=locked, status=Rsvp.Status.GOING).count()
        status = Rsvp.Status.GOING if has_room(locked.capacity, going) else Rsvp.Status.WAITLISTED
        if rsvp is None:
            rsvp = Rsvp.objects.create(event=locked, person=person, status=status, queued_at=now)
        else:
            rsvp.status, rsvp.queued_at = status, now
            rsvp.save(update_fields=["status", "queued_at", "answered_at"])
        _tell(rsvp.pk, "going" if status == Rsvp.Status.GOING else "waitlisted")
    return rsvp


def rsvp_cancel(*, event: Event, person: Person, now: dt.datetime | None = None) -> Rsvp | None:
    """Not going (any more). A freed place goes to the first on the waitlist, who is told."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        _require_invited(locked, person)
        _require_not_over(locked, now)
        rsvp = Rsvp.objects.select_for_update().filter(event=locked, person=person).first()
        if rsvp is None:
            return Rsvp.objects.create(
                event=locked, person=person, status=Rsvp.Status.NOT_GOING, queued_at=now
            )
        if rsvp.status == Rsvp.Status.NOT_GOING:
            return rsvp
        rsvp.status = Rsvp.Status.NOT_GOING
        rsvp.checked_in_at = None
        rsvp.save(update_fields=["status", "checked_in_at", "answered_at"])
        _promote_waitlist(locked)
    return rsvp


def _promote_waitlist(event: Event) -> list[int]:
    """Fill free places from the waitlist in order. Call with the event row locked."""
    going = Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING).count()
    queue = selectors.still_invited(Rsvp.objects.filter(event=event, status=Rsvp.Status.WAITLISTED))
    count = places_to_fill(event.capacity, going, queue.count())
    promoted = list(queue.order_by("queued_at", "id").values_list("pk", flat=True)[:count])
    # Conditional: only rows still waiting move, whoever else touched them meanwhile.
    Rsvp.objects.filter(pk__in=promoted, status=Rsvp.Status.WAITLISTED).update(
        status=Rsvp.Status.GOING
    )
    for pk in promoted:
        _tell(pk, "promoted")
    return promoted


def _tell(rsvp_id: int, what: str) -> None:
    """Inside the caller's transaction: a message that cannot be written (or its invitation)
    undoes the RSVP too, rather than leaving a place nobody heard of. The email goes on commit."""
    messages.rsvp_tell(rsvp_id=rsvp_id, what=what)


def is_invited(event: Event, person: Person) -> bool:
    return EventInvite.objects.filter(event=event, person=person).exists()


def _require_invited(event: Event, person: Person) -> None:
    if event.invite_only and not is_invited(event, person):
        raise NotInvited(NOT_INVITED)


def _require_person(person: Person) -> None:
    if not person.is_active:
        raise ValidationError(_("Only active colleagues can RSVP."))


def _require_not_over(event: Event, now: dt.datetime) -> None:
    if now >= event.ends_at:
        raise EventOver(_("This event is over: RSVPs are closed."))


def _require_fits_a_calendar(event: Event) -> None:
    if not messages.fits_a_calendar(event):
        raise EventOutOfRange(
            _(
                "This event's dates are outside what a calendar can hold, so it takes no RSVPs "
                "until its organisers correct them."
            )
        )


@transaction.atomic
def rsvp_for_viewer_act(*, viewer: Viewer, event: Event, going: bool) -> Rsvp | None:
    """The page's and the API's RSVP button: checks the viewer may answer at all."""
    if not can_rsvp(viewer) or viewer.person is None:
        raise ValidationError(_("Only colleagues in the directory can RSVP."))
    invited = event.invite_only and is_invited(event, viewer.person)
    if not can_rsvp(viewer, invite_only=event.invite_only, is_invitee=invited):
        raise NotInvited(NOT_INVITED)
    if going:
        return rsvp_going(event=event, person=viewer.person)
    return rsvp_cancel(event=event, person=viewer.person)


# --- attendance and "who did you meet?" --------------------------------------------------------


def check_in_mark(
    *, event: Event, person_ids: set[int], actor: Viewer, now: dt.datetime | None = None
) -> int:
    """The organiser's attendance list: exactly these people (who were going) came."""
    now = now or timezone.now()
    if now < event.starts_at - dt.timedelta(hours=1):
        raise ValidationError(_("Attendance can be taken once the event is about to start."))
    with transaction.atomic():
        going = Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING)
        unknown = person_ids - set(going.values_list("person_id", flat=True))
        if unknown:
            raise ValidationError(
                ngettext(
                    "%(n)d of the people ticked is not going to this event.",
                    "%(n)d of the people ticked are not going to this event.",
                    len(unknown),
                )
                % {"n": len(unknown)}
            )
        came = going.filter(person_id__in=person_ids, checked_in_at__isnull=True).update(
            checked_in_at=now
        )
        going.exclude(person_id__in=person_ids).update(checked_in_at=None)
        audit.record(actor=actor.user, action="events.attendance_taken", target=f"event:{event.pk}")
    return came


def check_in_self(*, event: Event, person: Person, now: dt.datetime | None = None) -> Rsvp:
    now = now or timezone.now()
    if not in_check_in_window(event.starts_at, event.ends_at, now):
        raise ValidationError(
            _(
                "You can check yourself in from 30 minutes before the start until an hour after "
                "the end."
            )
        )
    rsvp = Rsvp.objects.filter(event=event, person=person, status=Rsvp.Status.GOING).first()
    if rsvp is None:
        raise ValidationError(_("Only people going to this event can check in."))
    Rsvp.objects.filter(pk=rsvp.pk, checked_in_at__isnull=True).update(checked_in_at=now)
    rsvp.refresh_from_db()
    return rsvp


def met_record(*, event: Event, person: Person, other_ids: set[int]) -> int:
    """Replace whom `person` says they met at `event` (people who were going too)."""
    if len(other_ids) > MAX_MET:
        raise ValidationError(_("Pick at most %(n)d people.") % {"n": MAX_MET})
    going = set(
        Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING).values_list(
            "person_id", flat=True
        )
    )
    if person.pk not in going:
        raise ValidationError(_("Only people who went can say whom they met."))
    if person.pk in other_ids:
        raise ValidationError(_("Pick the people you met, not yourself."))
    if not other_ids <= going:
        raise ValidationError(_("Pick people who went to this event."))
    with transaction.atomic():
        Met.objects.filter(event=event, person=person).exclude(other_id__in=other_ids).delete()
        have = set(
            Met.objects.filter(event=event, person=person).values_list("other_id", flat=True)
        )
        Met.objects.bulk_create(
            [Met(event=event, person=person, other_id=pk) for pk in sorted(other_ids - have)]
        )
    return len(other_ids)


# --- reminders -----------------------------------------------------------------------------------


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Everyone going to an event that starts within a day gets one reminder, in their
    working hours. Each RSVP is claimed with a conditional update, so it is sent once."""
    now = now or timezone.now()
    due = selectors.still_invited(
        Rsvp.objects.filter(
            status=Rsvp.Status.GOING,
            reminded_at__isnull=True,
            person__is_active=True,
            event__starts_at__gt=now,
            event__starts_at__lte=now + dt.timedelta(days=1),
        )
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due[:5000]):
        with transaction.atomic():
            claimed = Rsvp.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now)
            if claimed and messages.reminder_send(rsvp_id=pk, now=now):
                sent += 1
    return sent


# --- the calendar feed ---------------------------------------------------------------------------


def feed_token_regenerate(*, person: Person, now: dt.datetime | None = None) -> FeedToken:
    """A new secret feed URL; the old one stops working at once."""
    now = now or timezone.now()
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()  # one at a time
        FeedToken.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
        token = FeedToken.objects.create(person=person, token=secrets.token_urlsafe(32))
    return token


def feed_token_revoke(*, person: Person, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return FeedToken.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
