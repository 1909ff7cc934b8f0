"""Every read of office days, leave and anchor days that a page, the API or a task returns,
already authorised for the viewer.

Who is there, for an office and a day (the page, the per-office view and the API alike):
- people the viewer knows are named, with why: their team (same org unit), communities the
  viewer is an active member of (so a confidential group's members are only ever named to
  its members), and people they met (Connect matches they said they met, events' "I met");
- everyone else is one count per office and day, shown only from the Band Map's minimum
  (kith.bandmap.selectors.MIN_CITY_COUNT; "fewer than 3" below it);
- people hidden from the Band Map are never named to others and are in no count;
- leave is private: it only removes its days from the person's plans.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from kith.bandmap.models import MapPreference
from kith.bandmap.selectors import MIN_CITY_COUNT, shown_count
from kith.core import permissions
from kith.core.permissions import Viewer, can_browse_directory, can_see_community_members
from kith.directory.models import Office, OrgUnit, Person
from kith.places.engine import days as engine
from kith.places.models import AnchorDay, Leave, OfficeDay

DAYS_SHOWN = 28  # "My office days" covers the next four weeks
MAX_DAYS_AHEAD = 366
NUDGE_MIN_PEOPLE = max(2, MIN_CITY_COUNT)
Key = tuple[int, dt.date]


def office_day_path(office_id: int, day: dt.date) -> str:
    return reverse("places:office_day", args=[office_id, day.isoformat()])


def _hidden() -> QuerySet[MapPreference, Any]:
    return MapPreference.objects.filter(hidden=True).values("person_id")


def _covering(start: dt.date, end: dt.date) -> Q:
    return Q(starts_on__lte=end) & (Q(ends_on__isnull=True) | Q(ends_on__gte=start))


def _rows(plans: QuerySet[OfficeDay]) -> list[engine.PlanRow]:
    fields = ("id", "person_id", "office_id", "weekday", "starts_on", "ends_on")
    return [engine.PlanRow(*values) for values in plans.values_list(*fields)]


def _away(people: Any, start: dt.date, end: dt.date) -> list[engine.AwayRow]:
    leave = Leave.objects.filter(person_id__in=people, starts_on__lte=end, ends_on__gte=start)
    return [engine.AwayRow(*v) for v in leave.values_list("person_id", "starts_on", "ends_on")]


def _whereabouts(
    people: Any, start: dt.date, end: dt.date
) -> dict[int, dict[dt.date, engine.PlanRow]]:
    """Where `people` (ids or a subquery of ids) plan to be on each day, leave applied."""
    plans = OfficeDay.objects.filter(_covering(start, end), person_id__in=people)
    return engine.whereabouts(_rows(plans), _away(people, start, end), start, end)


def _presence(office_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[Key, set[int]]:
    """Active, visible people in each of these offices on each day. Their plans elsewhere
    are read too: a one-off day in another office takes them out of a recurring one here."""
    office_ids = list(office_ids)
    here = (
        OfficeDay.objects.filter(_covering(start, end), office_id__in=office_ids)
        .filter(person__is_active=True)
        .exclude(person_id__in=_hidden())
        .values("person_id")
    )
    there = engine.presence(_whereabouts(here, start, end))
    return {key: people for key, people in there.items() if key[0] in office_ids}


# --- Circles ----------------------------------------------------------------------------------


def _community_circles(viewer: Viewer, me: Person, ids: set[int]) -> dict[int, list[str]]:
    from kith.communities.models import Community, Membership

    active = Membership.Status.ACTIVE
    mine = Community.objects.filter(
        is_active=True, memberships__person=me, memberships__status=active
    ).values_list("id", "visibility")
    # Only groups the viewer is an active member of: their members may see each other,
    # whatever the group's visibility (a confidential one included).
    shown = [
        pk
        for pk, visibility in mine
        if can_see_community_members(viewer, visibility=visibility, viewer_is_member=True)
    ]
    circles: dict[int, list[str]] = defaultdict(list)
    rows = Membership.objects.filter(
        community_id__in=shown, person_id__in=ids, status=active
    ).values_list("person_id", "community__name")
    for person_id, name in rows.order_by("community__name"):
        circles[person_id].append(name)
    return circles


def _met_ids(me: Person, ids: set[int]) -> set[int]:
    from kith.connect.models import MatchMember
    from kith.events.models import Met

    said_yes = MatchMember.objects.filter(person=me, met=MatchMember.Met.YES).values("match_id")
    matched = MatchMember.objects.filter(match_id__in=said_yes, person_id__in=ids).exclude(
        person=me
    )
    met = Met.objects.filter(person=me, other_id__in=ids)
    return set(matched.values_list("person_id", flat=True)) | set(
        met.values_list("other_id", flat=True)
    )


def _circles(viewer: Viewer, ids: set[int]) -> dict[int, list[str]]:
    """{person id: why the viewer knows them} for those of `ids` the viewer may see named."""
    me = viewer.person
    if me is None or not ids:
        return {}
    circles: dict[int, list[str]] = defaultdict(list)
    if me.org_unit_id:
        team = Person.objects.filter(pk__in=ids, org_unit_id=me.org_unit_id)
        for pk in team.values_list("pk", flat=True):
            circles[pk].append(_("your team"))
    for pk, names in _community_circles(viewer, me, ids).items():
        circles[pk].extend(names)
    for pk in _met_ids(me, ids):
        circles[pk].append(_("you met"))
    return circles


# --- Who is there -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    person_id: int
    name: str
    reasons: list[str]


@dataclass(frozen=True)
class DayAtOffice:
    office: Office
    day: dt.date
    people: list[Attendee]  # those the viewer knows, by name
    others: int | None  # everyone else; None when fewer than `min_count`
    viewer_there: bool
    min_count: int = MIN_CITY_COUNT

    @property
    def path(self) -> str:
        return office_day_path(self.office.pk, self.day)


def _days_at_offices(
    viewer: Viewer, keys: set[Key], offices: dict[int, Office] | None = None
) -> dict[Key, DayAtOffice]:
    """`offices`: every office by id, when the caller has them already."""
    if not keys or not can_browse_directory(viewer):
        return {}
    office_ids = {office_id for office_id, _day in keys}
    days = sorted(day for _office, day in keys)
    present = _presence(office_ids, days[0], days[-1])
    me = viewer.person.pk if viewer.person else 0
    everyone = set().union(*(present.get(key, set()) for key in keys)) - {me}
    circles = _circles(viewer, everyone)
    names = {
        p.pk: p.display_name
        for p in Person.objects.filter(pk__in=list(circles)).only("full_name", "preferred_name")
    }
    if offices is None:
        offices = Office.objects.in_bulk(office_ids)
    result = {}
    for key in keys:
        there = present.get(key, set())
        known = sorted(
            (Attendee(pk, names[pk], circles[pk]) for pk in there - {me} if pk in circles),
            key=lambda a: (a.name.casefold(), a.person_id),
        )
        result[key] = DayAtOffice(
            office=offices[key[0]],
            day=key[1],
            people=known,
            others=shown_count(len(there - {me}) - len(known)),
            viewer_there=me in there,
        )
    return result


def who_is_there_for_viewer(viewer: Viewer, *, office_id: int, day: dt.date) -> DayAtOffice:
    """One office on one day. Raises Office.DoesNotExist for an unknown office (a 404)."""
    if not Office.objects.filter(pk=office_id).exists():
        raise Office.DoesNotExist("No such office.")
    if not can_browse_directory(viewer):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only colleagues see who plans to be in an office."))
    return _days_at_offices(viewer, {(office_id, day)})[(office_id, day)]


# --- My office days ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MyDay:
    day: dt.date
    plan: engine.PlanRow | None
    away: bool
    there: DayAtOffice | None
    anchors: list[AnchorDay]


@dataclass
class MyOfficeDays:
    days: list[MyDay]
    plans: list[OfficeDay]
    leave: list[Leave]
    anchors: list[AnchorCard]
    offices: list[Office]
    managed_units: list[OrgUnit] = field(default_factory=list)
    managed_anchors: list[AnchorDay] = field(default_factory=list)


@dataclass(frozen=True)
class AnchorCard:
    anchor: AnchorDay
    joined: bool  # the viewer already plans to be there on that weekday


def my_plans_for_viewer(viewer: Viewer, *, today: dt.date) -> list[OfficeDay]:
    """The viewer's plans that still have days to come, soonest first."""
    if viewer.person is None:
        return []
    ongoing = Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    return list(
        OfficeDay.objects.filter(ongoing, person=viewer.person)
        .select_related("office", "anchor")
        .order_by("weekday", "starts_on", "id")
    )


def my_leave_for_viewer(viewer: Viewer, *, today: dt.date) -> list[Leave]:
    if viewer.person is None:
        return []
    return list(Leave.objects.filter(person=viewer.person, ends_on__gte=today))


def team_anchor_days_for_viewer(
    viewer: Viewer, *, today: dt.date, plans: list[OfficeDay] | None = None
) -> list[AnchorCard]:
    """The viewer's team's anchor days; `plans` are the viewer's own when already read."""
    person = viewer.person
    if person is None or not person.org_unit_id:
        return []
    anchors = AnchorDay.objects.filter(org_unit_id=person.org_unit_id).select_related(
        "office", "org_unit"
    )
    if plans is None:
        plans = my_plans_for_viewer(viewer, today=today)
    joined = {(p.office_id, p.weekday) for p in plans}
    return [AnchorCard(a, (a.office_id, a.weekday) in joined) for a in anchors]


def can_set_anchor_days(viewer: Viewer, org_unit_id: int) -> bool:
    """kith.core.permissions.can_set_anchor_days, with whether the viewer manages someone
    active in that team."""
    me = viewer.person
    manages = (
        me is not None
        and Person.objects.filter(manager=me, is_active=True, org_unit_id=org_unit_id).exists()
    )
    return permissions.can_set_anchor_days(viewer, manages_team=manages)


def managed_units_for_viewer(viewer: Viewer) -> list[OrgUnit]:
    """The teams whose anchor days the viewer may set."""
    if viewer.is_hr:
        return list(OrgUnit.objects.order_by("name", "id"))
    if viewer.person is None or not viewer.person.is_active:
        return []
    units = Person.objects.filter(manager=viewer.person, is_active=True).values("org_unit_id")
    return list(OrgUnit.objects.filter(pk__in=units).order_by("name", "id"))


def anchor_days_for_viewer(
    viewer: Viewer, *, managed: list[OrgUnit] | None = None
) -> list[AnchorDay]:
    """Anchor days the viewer sees: their own team's, and those of teams they manage (HR:
    every team's). `managed` is managed_units_for_viewer's answer when already read."""
    units: Any
    if viewer.is_hr:
        anchors = AnchorDay.objects.all()
    else:
        if managed is None:
            managed = managed_units_for_viewer(viewer)
        units = {u.pk for u in managed}
        if viewer.person is not None and viewer.person.org_unit_id:
            units.add(viewer.person.org_unit_id)
        anchors = AnchorDay.objects.filter(org_unit_id__in=units)
    return list(anchors.select_related("office", "org_unit").order_by("org_unit__name", "weekday"))


def my_office_days_for_viewer(viewer: Viewer, *, today: dt.date) -> MyOfficeDays:
    """The next four weeks: where the viewer plans to be and who they know will be there.
    Each of the viewer's plans, leave, offices and teams is read once for the whole page."""
    end = today + engine.DAY * (DAYS_SHOWN - 1)
    me = viewer.person
    plans = my_plans_for_viewer(viewer, today=today)
    leave = my_leave_for_viewer(viewer, today=today)
    offices = list(Office.objects.order_by("name"))
    # The same rows as _whereabouts([me.pk], today, end) and _away(...), from those read above.
    away_rows = [
        engine.AwayRow(x.person_id, x.starts_on, x.ends_on) for x in leave if x.starts_on <= end
    ]
    plan_rows = [
        engine.PlanRow(p.pk, p.person_id, p.office_id, p.weekday, p.starts_on, p.ends_on)
        for p in plans
        if p.starts_on <= end
    ]
    mine = engine.whereabouts(plan_rows, away_rows, today, end).get(me.pk, {}) if me else {}
    away = {
        day
        for row in away_rows
        for day in engine.days_between(max(today, row.starts_on), min(end, row.ends_on))
    }
    at = _days_at_offices(
        viewer,
        {(plan.office_id, day) for day, plan in mine.items()},
        offices={o.pk: o for o in offices},
    )
    cards = team_anchor_days_for_viewer(viewer, today=today, plans=plans)
    by_weekday: dict[int, list[AnchorDay]] = defaultdict(list)
    for card in cards:
        by_weekday[card.anchor.weekday].append(card.anchor)
    days = [
        MyDay(
            day=day,
            plan=mine.get(day),
            away=day in away,
            there=at.get((mine[day].office_id, day)) if day in mine else None,
            anchors=by_weekday.get(day.isoweekday(), []),
        )
        for day in engine.days_between(today, end)
    ]
    managed = managed_units_for_viewer(viewer)
    return MyOfficeDays(
        days=days,
        plans=plans,
        leave=leave,
        anchors=cards,
        offices=offices,
        managed_units=managed,
        managed_anchors=anchor_days_for_viewer(viewer, managed=managed) if managed else [],
    )


# --- Nudges -----------------------------------------------------------------------------------


@dataclass
class NudgeFacts:
    """What the nudge job needs for one window, read in a handful of queries."""

    team_days: dict[int, list[tuple[int, dt.date, int]]]  # unit → (office, day, visible count)
    there: dict[int, list[Key]]  # visible person → where they are
    unit_of: dict[int, int | None]
    known: dict[int, set[int]]  # person → people they met who are somewhere in the window
    busy: dict[int, set[dt.date]]  # person → days planned (anywhere) or away

    def known_there(self, person: Person) -> dict[Key, int]:
        counts: Counter[Key] = Counter()
        for other in self.known.get(person.pk, ()):
            if person.org_unit_id and self.unit_of.get(other) == person.org_unit_id:
                continue  # counted with the team
            counts.update(self.there.get(other, ()))
        return dict(counts)


def _met_pairs(present: set[int]) -> dict[int, set[int]]:
    from kith.connect.models import MatchMember
    from kith.events.models import Met

    known: dict[int, set[int]] = defaultdict(set)
    said_yes = MatchMember.objects.filter(met=MatchMember.Met.YES)
    members: dict[int, list[int]] = defaultdict(list)
    rows = MatchMember.objects.filter(match_id__in=said_yes.values("match_id"))
    for match_id, person_id in rows.values_list("match_id", "person_id"):
        members[match_id].append(person_id)
    for match_id, person_id in said_yes.values_list("match_id", "person_id"):
        known[person_id].update(p for p in members[match_id] if p != person_id and p in present)
    for person_id, other_id in Met.objects.values_list("person_id", "other_id"):
        if other_id in present:
            known[person_id].add(other_id)
    return known


def nudge_facts(start: dt.date, end: dt.date) -> NudgeFacts:
    active = Person.objects.filter(is_active=True).values("pk")
    where = _whereabouts(active, start, end)
    busy: dict[int, set[dt.date]] = {pk: set(days) for pk, days in where.items()}
    for row in _away(active, start, end):
        busy.setdefault(row.person_id, set()).update(
            engine.days_between(max(start, row.starts_on), min(end, row.ends_on))
        )
    hidden = set(_hidden().values_list("person_id", flat=True))
    visible = {pk: days for pk, days in where.items() if pk not in hidden}
    unit_of: dict[int, int | None] = dict(
        Person.objects.filter(pk__in=list(visible)).values_list("pk", "org_unit_id")
    )
    counts: Counter[tuple[int, int, dt.date]] = Counter()
    there: dict[int, list[Key]] = {}
    for pk, days in visible.items():
        there[pk] = [(plan.office_id, day) for day, plan in days.items()]
        unit = unit_of.get(pk)
        if unit:
            counts.update((unit, office_id, day) for office_id, day in there[pk])
    team_days: dict[int, list[tuple[int, dt.date, int]]] = defaultdict(list)
    for (unit, office_id, day), count in counts.items():
        team_days[unit].append((office_id, day, count))
    return NudgeFacts(dict(team_days), there, unit_of, _met_pairs(set(visible)), busy)


# --- Export -----------------------------------------------------------------------------------


def my_office_days_data(person: Person) -> dict[str, Any]:
    """Everything the places app holds about a person's office days and leave."""
    from kith.places.models import OfficeDayNudge

    plans = OfficeDay.objects.filter(person=person).select_related("office")
    return {
        "office_days": [
            {
                "office": p.office.name,
                "weekday": p.weekday,
                "starts_on": p.starts_on.isoformat(),
                "ends_on": p.ends_on.isoformat() if p.ends_on else None,
                "from_anchor_day": p.anchor_id is not None,
            }
            for p in plans
        ],
        "leave": [
            {"starts_on": x.starts_on.isoformat(), "ends_on": x.ends_on.isoformat()}
            for x in Leave.objects.filter(person=person)
        ],
        "office_day_nudges": [
            {
                "week_start": n.week_start.isoformat(),
                "office": n.office.name if n.office else None,
                "on_date": n.on_date.isoformat(),
                "people": n.people,
            }
            for n in OfficeDayNudge.objects.filter(person=person).select_related("office")
        ],
    }
