"""Every write of the gatherings app: keyword-only, validated, one transaction each.

A gathering goes draft (options computed) → planned (a place and a week chosen, the agenda
drawn from its template) → invited (an invitation-only, in-person event made through Events'
services, its list fixed to the participants, each invited with an .ics) — or cancelled.
Small groups of people who have not met are drawn by Connect's engine (`match_round`) and
may be drawn again until the gathering starts."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kith.connect.engine.matching import match_round
from kith.connect.engine.types import Participant as MatchParticipant
from kith.connect.engine.types import Rules, Weights
from kith.connect.inputs import (
    UNKNOWN,
    city_key,
    department_of,
    interests_by_person,
    pairs_of,
    tenure_days,
)
from kith.connect.models import MatchMember
from kith.core import audit, throttle
from kith.core.permissions import Viewer
from kith.directory.models import Office, Person
from kith.events import messages as event_messages
from kith.events import selectors as event_selectors
from kith.events.models import Event, Met
from kith.events.services import EventInput, event_save
from kith.gatherings import inputs, selectors
from kith.gatherings.engine import planner
from kith.gatherings.models import AgendaDay, Gathering, Group, GroupMember, Participant
from kith.notify.services import Attachment, language_of_people, notification_send

MAX_NAME = 160
MAX_AGENDA_TITLE = 120
MAX_AGENDA_NOTES = 2000
GROUP_SIZE = 4  # Connect's lunch-group path: groups of 3 to 4
DAY_STARTS, DAY_ENDS = dt.time(9, 0), dt.time(17, 0)
# Public holiday calendars and calendar files hold these years comfortably.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
EVENT_KINDS: dict[str, Event.Kind] = {
    Gathering.Kind.INTRODAY: Event.Kind.INTRODAY,
    Gathering.Kind.CORE_WEEK: Event.Kind.CORE_WEEK,
    Gathering.Kind.OFFSITE: Event.Kind.OFFSITE,
}
# Groups: people from other teams and departments first, then shared interests and a mix of
# tenure. Working hours and cities do not matter: they are in the same room.
GROUP_WEIGHTS = Weights(
    different_team=1.0,
    different_department=0.5,
    shared_interests=0.5,
    working_hours_overlap=0.0,
    same_city=0.0,
    seniority_mix=0.5,
    new_joiners_first=0.0,
)


@dataclass(frozen=True)
class GatheringInput:
    name: str
    kind: str
    first_day: dt.date
    last_day: dt.date
    days: int = 5


def range_errors(first_day: dt.date, last_day: dt.date, days: int) -> dict[str, str]:
    """What is wrong with a range and a length (field -> message); empty when fine."""
    for name, day in (("first_day", first_day), ("last_day", last_day)):
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            return {
                name: _("Choose a date between %(first)d and %(last)d.")
                % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
            }
    if not planner.MIN_DAYS <= days <= planner.MAX_DAYS:
        return {
            "days": _("A gathering lasts %(min)d to %(max)d days.")
            % {"min": planner.MIN_DAYS, "max": planner.MAX_DAYS}
        }
    if first_day > last_day:
        return {"last_day": _("The range ends before it starts.")}
    if (last_day - first_day).days > 366:
        return {"last_day": _("Plan within a year at most.")}
    if not planner.candidate_weeks(first_day, last_day, days):
        return {
            "last_day": _(
                "No week fits: the range needs a Monday followed by %(n)d days inside it."
            )
            % {"n": days}
        }
    return {}


def _validated(data: GatheringInput) -> str:
    errors = range_errors(data.first_day, data.last_day, data.days)
    name = " ".join(data.name.replace("\x00", "").split())
    if not name:
        errors["name"] = _("Give the gathering a name.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("Keep the name under %(n)d characters.") % {"n": MAX_NAME}
    if data.kind not in Gathering.Kind.values:
        errors["kind"] = _("Choose a kind: %(kinds)s.") % {
            "kinds": ", ".join(Gathering.Kind.values)
        }
    if errors:
        raise ValidationError(errors)
    return name


# --- planning -------------------------------------------------------------------------------------

# Plans an organiser may compute (page, API: new, again, or without saving), per window. Each
# plan is audited too: comparing plans that differ by one person is slow and visible.
PLAN_SCOPE = "gatherings_plan"


def plan_throttle(*, viewer: Viewer) -> None:
    """Count one plan of the organiser; throttle.Throttled once over the limit."""
    throttle.check(PLAN_SCOPE, f"person:{viewer.person.pk if viewer.person else 0}")


def _audit_plan(
    viewer: Viewer, action: str, people: int, first: dt.date, last: dt.date, **more: Any
) -> None:
    """A plan computed by an organiser: how many people and which range, never who."""
    audit.record(
        actor=viewer.user,
        action=action,
        people=people,
        first_day=first.isoformat(),
        last_day=last.isoformat(),
        **more,
    )


def plan_compute(
    *,
    viewer: Viewer,
    people: Sequence[Person],
    first_day: dt.date,
    last_day: dt.date,
    days: int,
    top: int = planner.DEFAULT_TOP,
) -> planner.Plan:
    """The ranked options for these people, saving no gathering: checked (who may plan for
    them, the range), throttled per organiser and audited (count and range only)."""
    selectors.require_may_plan_for(viewer, people)
    errors = range_errors(first_day, last_day, days)
    if errors:
        raise ValidationError(errors)
    assert viewer.person is not None
    plan_throttle(viewer=viewer)
    result = inputs.plan_for(
        people,
        first=first_day,
        last=last_day,
        days=days,
        top=top,
        organiser_id=viewer.person.pk,
    )
    _audit_plan(viewer, "gatherings.plan_computed", len(people), first_day, last_day, days=days)
    return result


def gathering_create(
    *,
    viewer: Viewer,
    data: GatheringInput,
    people: Sequence[Person],
    now: dt.datetime | None = None,
) -> Gathering:
    """A draft with the planner's options computed; nothing written on any error."""
    now = now or timezone.now()
    selectors.require_may_plan_for(viewer, people)
    name = _validated(data)
    assert viewer.person is not None
    plan_throttle(viewer=viewer)
    with transaction.atomic():
        gathering = Gathering.objects.create(
            name=name,
            kind=data.kind,
            organiser=viewer.person,
            first_day=data.first_day,
            last_day=data.last_day,
            days=data.days,
        )
        Participant.objects.bulk_create(Participant(gathering=gathering, person=p) for p in people)
        options_store(gathering, people, now)
        _audit_plan(
            viewer,
            "gatherings.planned",
            len(people),
            data.first_day,
            data.last_day,
            target=f"gathering:{gathering.pk}",
            days=data.days,
        )
    return gathering


def options_store(gathering: Gathering, people: Sequence[Person], now: dt.datetime) -> None:
    result = inputs.plan_for(
        people,
        first=gathering.first_day,
        last=gathering.last_day,
        days=gathering.days,
        excluding=gathering.pk,
        organiser_id=gathering.organiser_id,
    )
    gathering.options = inputs.plan_json(result, people)
    gathering.avoided = result.avoided.sentences()
    gathering.not_counted = result.not_counted
    gathering.leave_counted = result.avoided.leave_counted
    gathering.options_at = now
    gathering.save(
        update_fields=[
            "options",
            "avoided",
            "not_counted",
            "leave_counted",
            "options_at",
            "updated_at",
        ]
    )


def participants_of(gathering: Gathering) -> list[Person]:
    return list(
        Person.objects.filter(
            pk__in=Participant.objects.filter(gathering=gathering).values("person_id")
        ).order_by("pk")
    )


def _require_organiser(viewer: Viewer, gathering: Gathering) -> None:
    if viewer.person is None or gathering.organiser_id != viewer.person.pk:
        raise PermissionDenied(_("Only the gathering's organiser changes it."))


def _require_open(gathering: Gathering, *statuses: str) -> None:
    if gathering.status not in statuses:
        raise ValidationError(
            {
                "status": _("This gathering is %(status)s.")
                % {"status": str(gathering.get_status_display()).lower()}
            }
        )


def gathering_replan(
    *, viewer: Viewer, gathering: Gathering, now: dt.datetime | None = None
) -> Gathering:
    """Compute the options again (leave, holidays or offices may have changed)."""
    _require_organiser(viewer, gathering)
    _require_open(gathering, Gathering.Status.DRAFT, Gathering.Status.PLANNED)
    plan_throttle(viewer=viewer)
    people = participants_of(gathering)
    with transaction.atomic():
        options_store(gathering, people, now or timezone.now())
        _audit_plan(
            viewer,
            "gatherings.replanned",
            len(people),
            gathering.first_day,
            gathering.last_day,
            target=f"gathering:{gathering.pk}",
            days=gathering.days,
        )
    return gathering


def gathering_choose(
    *,
    viewer: Viewer,
    gathering: Gathering,
    option: int,
    week: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Gathering:
    """Choose the option at rank `option` (1-based) of the snapshot, at its best week or one of
    its other weeks; checked again against today's leave, holidays and bookings."""
    _require_organiser(viewer, gathering)
    _require_open(gathering, Gathering.Status.DRAFT, Gathering.Status.PLANNED)
    if not 1 <= option <= len(gathering.options):
        raise ValidationError(
            {"option": _("Choose an option from 1 to %(n)d.") % {"n": len(gathering.options)}}
        )
    chosen = gathering.options[option - 1]
    week = week or dt.date.fromisoformat(chosen["week_start"])
    weeks = {chosen["week_start"], *chosen.get("other_weeks", [])}
    if week.isoformat() not in weeks:
        raise ValidationError({"week": _("That week is not one that works for this option.")})
    with transaction.atomic():
        Gathering.objects.select_for_update().filter(pk=gathering.pk).values("pk").get()
        _require_still_possible(gathering, chosen, week)
        office = (
            Office.objects.filter(pk=chosen["office_id"]).first() if chosen["office_id"] else None
        )
        gathering.office = office
        gathering.city = chosen["city"]
        gathering.country = chosen["country"]
        gathering.latitude = chosen["latitude"]
        gathering.longitude = chosen["longitude"]
        gathering.week_start = week
        gathering.status = Gathering.Status.PLANNED
        gathering.save()
        agenda_from_template(gathering)
        audit.record(
            actor=viewer.user,
            action="gatherings.chosen",
            target=f"gathering:{gathering.pk}",
            week=week.isoformat(),
            office=chosen["office_id"],
        )
    return gathering


def _require_still_possible(gathering: Gathering, chosen: dict[str, Any], week: dt.date) -> None:
    people = participants_of(gathering)
    result = inputs.plan_for(
        people,
        first=gathering.first_day,
        last=gathering.last_day,
        days=gathering.days,
        top=10**6,
        excluding=gathering.pk,
        organiser_id=gathering.organiser_id,
    )
    for option in result.options:
        venue = option.venue
        same = (
            venue.office_id == chosen["office_id"]
            if chosen["office_id"]
            else (venue.office_id is None and venue.city == chosen["city"])
        )
        if same and week in (option.week_start, *option.other_weeks):
            return
    raise ValidationError(
        {
            "option": _(
                "This place and week no longer work (new leave, a booking or a holiday): "
                "compute the options again."
            )
        }
    )


# --- the agenda ---------------------------------------------------------------------------------


def template_days(kind: str, days: int) -> list[tuple[str, str]]:
    """(kind, title) per day. A core week or offsite: a travel day at each end (from 3 days),
    2 structured days, the rest unstructured; an introday: one structured day (and any more
    days unstructured)."""
    if kind == Gathering.Kind.INTRODAY or days < 3:
        plan: list[tuple[str, str]] = [(AgendaDay.Kind.STRUCTURED, _("Welcome and introductions"))]
        plan += [(AgendaDay.Kind.UNSTRUCTURED, _("Time together"))] * (days - 1)
        return plan[:days]
    middle = days - 2
    structured = min(2, middle)
    return [
        (AgendaDay.Kind.TRAVEL, _("Travel and a relaxed dinner")),
        *[
            (AgendaDay.Kind.STRUCTURED, _("Working together %(n)d") % {"n": i + 1})
            for i in range(structured)
        ],
        *[(AgendaDay.Kind.UNSTRUCTURED, _("Unstructured: walks, pairing, long lunches"))]
        * (middle - structured),
        (AgendaDay.Kind.TRAVEL, _("Travel home")),
    ]


def agenda_from_template(gathering: Gathering) -> None:
    AgendaDay.objects.filter(gathering=gathering).delete()
    AgendaDay.objects.bulk_create(
        AgendaDay(gathering=gathering, position=i, kind=kind, title=title)
        for i, (kind, title) in enumerate(template_days(gathering.kind, gathering.days))
    )


@dataclass(frozen=True)
class DayInput:
    kind: str
    title: str
    notes: str = ""


def agenda_update(*, viewer: Viewer, gathering: Gathering, days: Sequence[DayInput]) -> None:
    """Replace the agenda: one entry per gathering day."""
    _require_organiser(viewer, gathering)
    _require_open(
        gathering, Gathering.Status.DRAFT, Gathering.Status.PLANNED, Gathering.Status.INVITED
    )
    if len(days) != gathering.days:
        raise ValidationError(
            {"days": _("Give one entry for each of the %(n)d days.") % {"n": gathering.days}}
        )
    errors: dict[str, str] = {}
    for i, day in enumerate(days, start=1):
        if day.kind not in AgendaDay.Kind.values:
            errors[f"days[{i}].kind"] = _("Choose %(kinds)s.") % {
                "kinds": ", ".join(AgendaDay.Kind.values)
            }
        if not " ".join(day.title.replace("\x00", "").split()):
            errors[f"days[{i}].title"] = _("Give the day a title.")
        elif len(day.title) > MAX_AGENDA_TITLE:
            errors[f"days[{i}].title"] = _("Keep it under %(n)d characters.") % {
                "n": MAX_AGENDA_TITLE
            }
        if len(day.notes) > MAX_AGENDA_NOTES:
            errors[f"days[{i}].notes"] = _("Keep notes under %(n)d characters.") % {
                "n": MAX_AGENDA_NOTES
            }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        AgendaDay.objects.filter(gathering=gathering).delete()
        AgendaDay.objects.bulk_create(
            AgendaDay(
                gathering=gathering,
                position=i,
                kind=d.kind,
                title=" ".join(d.title.replace("\x00", "").split()),
                notes=d.notes.replace("\x00", "").strip(),
            )
            for i, d in enumerate(days)
        )


# --- invitations --------------------------------------------------------------------------------


def _zone_of(gathering: Gathering, people: Sequence[Person], organiser: Person) -> str:
    if gathering.office is not None and gathering.office.timezone:
        return gathering.office.timezone
    there = Counter(
        p.timezone
        for p in people
        if p.timezone and (p.city, (p.country or "").upper()) == (gathering.city, gathering.country)
    )
    return there.most_common(1)[0][0] if there else organiser.timezone


def _host(viewer: Viewer, people: Sequence[Person]) -> str:
    if viewer.is_hr:
        return Event.Host.HR
    managed = event_selectors.facts_for(viewer).managed_units
    counts = Counter(p.org_unit_id for p in people if p.org_unit_id in managed)
    if counts:
        return f"team:{min(counts, key=lambda u: (-counts[u], u))}"
    if managed:
        return f"team:{min(managed)}"
    raise ValidationError({"host": _("Only HR admins and managers send gathering invitations.")})


def gathering_send_invitations(
    *, viewer: Viewer, gathering: Gathering, now: dt.datetime | None = None
) -> Event:
    """Make the invitation-only, in-person event (its list fixed to the participants), invite
    each with an .ics, and mark the gathering invited. All or nothing."""
    now = now or timezone.now()
    _require_organiser(viewer, gathering)
    with transaction.atomic():
        # Under the row lock, so a second click, a browser's Back and resend, or two organisers
        # at once send the invitations once: the second finds them sent and changes nothing.
        gathering = Gathering.objects.select_for_update().get(pk=gathering.pk)
        if gathering.status == Gathering.Status.INVITED and gathering.event is not None:
            return gathering.event
        _require_open(gathering, Gathering.Status.PLANNED)
        assert gathering.week_start is not None and viewer.person is not None
        people = [p for p in participants_of(gathering) if p.is_active]
        last = gathering.week_start + dt.timedelta(days=gathering.days - 1)
        zone = _zone_of(gathering, people, viewer.person)
        first = dt.datetime.combine(
            gathering.week_start, DAY_STARTS, tzinfo=ZoneInfo(zone or "UTC")
        )
        if first <= now:
            raise ValidationError({"week": _("This week has started: choose a later one.")})
        event = event_save(
            viewer=viewer,
            event=None,
            data=EventInput(
                title=gathering.name,
                kind=EVENT_KINDS[gathering.kind],
                host=_host(viewer, people),
                mode=Event.Mode.IN_PERSON,
                starts_local=dt.datetime.combine(gathering.week_start, DAY_STARTS),
                ends_local=dt.datetime.combine(last, DAY_ENDS),
                timezone=zone,
                description=_description(gathering),
                office_id=gathering.office_id,
                venue=""
                if gathering.office_id
                else _("A venue in %(city)s (to be confirmed)") % {"city": gathering.city},
                city=gathering.city,
                country=gathering.country,
                invite_only=True,
            ),
            organiser=viewer.person,
            invitees=people,
            invitees_fixed=True,
        )
        gathering.event = event
        gathering.status = Gathering.Status.INVITED
        gathering.save(update_fields=["event", "status", "updated_at"])
        languages = language_of_people(people)
        for person in people:
            with translation.override(languages[person.pk]):  # each in their own language
                _invite(gathering, event, person, now)
        audit.record(
            actor=viewer.user,
            action="gatherings.invited",
            target=f"gathering:{gathering.pk}",
            event=event.pk,
            invited=len(people),
        )
    return event


def _description(gathering: Gathering) -> str:
    """The event's description: stored once, so in the organiser's language (the request's)."""
    lines = [
        ngettext(
            "%(kind)s: %(days)d day together in person.",
            "%(kind)s: %(days)d days together in person.",
            gathering.days,
        )
        % {"kind": gathering.get_kind_display(), "days": gathering.days}
    ]
    for day in AgendaDay.objects.filter(gathering=gathering).order_by("position"):
        lines.append(
            _("Day %(n)d — %(title)s (%(kind)s)")
            % {"n": day.position + 1, "title": day.title, "kind": day.get_kind_display()}
        )
    lines.append(_("Kith chose the place and week that made the trip shortest for everyone."))
    return "\n".join(lines)[:4000]


def _invite(gathering: Gathering, event: Event, person: Person, now: dt.datetime) -> None:
    invite = event_messages.invite_for(event, person)
    notification_send(
        person=person,
        subject=(_("You are invited: %(name)s") % {"name": gathering.name})[:200],
        body=ngettext(
            "%(organiser)s invites you to %(name)s, %(days)d day in person.\n\n"
            "When: %(when)s\nWhere: %(where)s\n\nThe agenda and your small group of people "
            "you have not met yet are on the gathering's page. Say whether you are going on the "
            "event page.",
            "%(organiser)s invites you to %(name)s, %(days)d days in person.\n\n"
            "When: %(when)s\nWhere: %(where)s\n\nThe agenda and your small group of people "
            "you have not met yet are on the gathering's page. Say whether you are going on the "
            "event page.",
            gathering.days,
        )
        % {
            "organiser": gathering.organiser.display_name,
            "name": gathering.name,
            "days": gathering.days,
            "when": event_messages.when_for(event, person),
            "where": event_messages.where_for(event),
        },
        url=reverse("gatherings:detail", args=[gathering.pk]),
        kind="gatherings.invite",
        attachments=[
            Attachment(f"kith-event-{event.pk}.ics", "text/calendar", invite.decode("utf-8"))
        ],
        now=now,
    )


def gathering_cancel(*, viewer: Viewer, gathering: Gathering) -> Gathering:
    """Cancel a plan. Once invitations went out, the event stays with Events (its organiser
    edits or tells people there); the gathering is marked cancelled."""
    _require_organiser(viewer, gathering)
    with transaction.atomic():
        gathering = Gathering.objects.select_for_update().get(pk=gathering.pk)
        if gathering.status == Gathering.Status.CANCELLED:
            return gathering  # cancelled already (a second click): nothing more to do
        _require_open(
            gathering, Gathering.Status.DRAFT, Gathering.Status.PLANNED, Gathering.Status.INVITED
        )
        gathering.status = Gathering.Status.CANCELLED
        gathering.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=viewer.user, action="gatherings.cancelled", target=f"gathering:{gathering.pk}"
        )
    return gathering


# --- small groups of people who have not met -----------------------------------------------------


def pairs_already_met(person_ids: Sequence[int]) -> set[tuple[int, int]]:
    """Pairs among these people introduced by any Connect match, or where either said they
    met the other at an event."""
    ids = set(person_ids)
    members = MatchMember.objects.filter(
        match__in=MatchMember.objects.filter(person_id__in=ids).values("match_id"),
        person_id__in=ids,
    ).values_list("match_id", "person_id")
    met = pairs_of(members)
    rows = Met.objects.filter(person_id__in=ids, other_id__in=ids).values_list(
        "person_id", "other_id"
    )
    met |= {(min(a, b), max(a, b)) for a, b in rows}
    return met


def _match_participants(people: Sequence[Person], on: dt.date) -> list[MatchParticipant]:
    interests = interests_by_person(people)
    return [
        MatchParticipant(
            id=p.pk,
            team=p.org_unit_id or UNKNOWN,
            department=department_of(p),
            city=city_key(p),
            interests=interests.get(p.pk, frozenset()),
            tenure_days=tenure_days(p, on),
            manager=p.manager_id,
        )
        for p in people
    ]


def groups_for(people: Sequence[Person], *, on: dt.date, seed: int) -> list[tuple[list[int], str]]:
    """Connect's engine draws groups of 3–4 who have not met; anyone it cannot place joins
    the smallest group (nobody is left alone at a gathering)."""
    if len(people) < 3:
        return [([p.pk for p in people], "")] if people else []
    result = match_round(
        _match_participants(people, on),
        weights=GROUP_WEIGHTS,
        rules=Rules(
            forbidden_pairs=frozenset(pairs_already_met([p.pk for p in people])),
            min_overlap_minutes=0,
        ),
        group_size=GROUP_SIZE,
        seed=seed,
    )
    groups = [(list(m.members), m.explanation) for m in result.matches]
    left = sorted(u.id for u in result.unmatched)
    if not groups:  # everyone has met everyone: plain groups of about four
        size = -(-len(left) // -(-len(left) // GROUP_SIZE))
        return [(left[i : i + size], "") for i in range(0, len(left), size)]
    for pk in left:
        smallest = min(range(len(groups)), key=lambda i: (len(groups[i][0]), i))
        groups[smallest][0].append(pk)
    return [(sorted(members), reasons) for members, reasons in groups]


def groups_draw(
    *,
    viewer: Viewer,
    gathering: Gathering,
    today: dt.date,
    seed: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Draw (or draw again) the gathering's groups; only before it starts. Returns how many."""
    _require_organiser(viewer, gathering)
    _require_open(
        gathering, Gathering.Status.DRAFT, Gathering.Status.PLANNED, Gathering.Status.INVITED
    )
    if gathering.week_start is not None and gathering.week_start <= today:
        raise ValidationError(
            {"groups": _("The gathering has started: its groups stay as they are.")}
        )
    seed = secrets.randbelow(2**31) if seed is None else seed
    people = list(
        Person.objects.filter(
            pk__in=Participant.objects.filter(gathering=gathering).values("person_id"),
            is_active=True,
        )
        .select_related("org_unit")
        .order_by("pk")
    )
    drawn = groups_for(people, on=today, seed=seed)
    with transaction.atomic():
        GroupMember.objects.filter(gathering=gathering).delete()
        Group.objects.filter(gathering=gathering).delete()
        for number, (members, reasons) in enumerate(drawn, start=1):
            group = Group.objects.create(gathering=gathering, number=number, reasons=reasons[:300])
            GroupMember.objects.bulk_create(
                GroupMember(group=group, gathering=gathering, person_id=pk) for pk in members
            )
        gathering.groups_drawn_at = now or timezone.now()
        gathering.save(update_fields=["groups_drawn_at", "updated_at"])
    return len(drawn)
