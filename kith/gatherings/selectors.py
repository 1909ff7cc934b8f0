"""Every read the gatherings pages and API return, already authorised for the viewer.

Who sees a gathering: its organiser, always; its participants once invitations went out (a
draft or a chosen-but-not-sent plan is the organiser's alone). Nobody sees it by role, HR
included: the organiser sees names, distances and groups (docs/gatherings.md, "Privacy")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kith.core.permissions import Viewer
from kith.directory.models import OrgUnit, Person
from kith.directory.selectors import reporting_line_ids
from kith.events.models import Rsvp
from kith.gatherings.models import AgendaDay, Gathering, Group, GroupMember, Participant

MAX_PEOPLE = 500
ONLY_PLANNERS = "Only HR admins and managers (for their reporting line) plan gatherings."


# --- who may plan for whom ----------------------------------------------------------------------


def can_plan(viewer: Viewer) -> bool:
    """HR for anyone; a manager for their reporting line. Both need a directory entry, since
    a gathering's organiser (and its event's) is a person."""
    person = viewer.person
    if person is None or not person.is_active:
        return False
    return viewer.is_hr or viewer.is_manager


def require_may_plan_for(viewer: Viewer, people: Sequence[Person]) -> None:
    if not can_plan(viewer):
        raise PermissionDenied(ONLY_PLANNERS)
    if viewer.is_hr:
        return
    assert viewer.person is not None
    line = reporting_line_ids(viewer.person)
    outside = [p for p in people if p.pk not in line]
    if outside:
        raise ValidationError(
            {
                "participants": (
                    f"{len(outside)} of these people are outside your reporting line: a "
                    "manager plans gatherings for their own people (HR plans for anyone)."
                )
            }
        )


# --- choosing the participants ------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """One way of naming the participants; exactly one of the fields is used."""

    team_id: int | None = None
    department_id: int | None = None
    joined_from: dt.date | None = None
    joined_to: dt.date | None = None
    emails: tuple[str, ...] = ()


def parse_emails(text: str) -> tuple[str, ...]:
    parts = [p.strip().lower() for p in text.replace(";", ",").replace("\n", ",").split(",")]
    return tuple(dict.fromkeys(p for p in parts if p))


NOBODY_IN_LINE = "No one in your reporting line matches."


def people_for(selection: Selection, *, viewer: Viewer | None = None) -> list[Person]:
    """The active people a selection names; ValidationError naming the field otherwise.

    A cohort chosen by a manager (a viewer who is not HR) is looked for in their reporting
    line only, before anything is counted: the answer never depends on people outside it (an
    exact start date is private to the person, their manager and HR)."""
    active = Person.objects.filter(is_active=True).select_related("org_unit")
    if selection.emails:
        return _by_email(active, selection.emails)
    if selection.team_id is not None:
        unit = OrgUnit.objects.filter(pk=selection.team_id).first()
        if unit is None:
            raise ValidationError({"team": f"There is no team with id {selection.team_id}."})
        people = list(active.filter(org_unit=unit))
        field_name = "team"
    elif selection.department_id is not None:
        unit = OrgUnit.objects.filter(pk=selection.department_id).first()
        if unit is None:
            raise ValidationError(
                {"department": f"There is no department with id {selection.department_id}."}
            )
        people = list(active.filter(org_unit__path__startswith=unit.path))
        field_name = "department"
    elif selection.joined_from is not None and selection.joined_to is not None:
        if selection.joined_from > selection.joined_to:
            raise ValidationError(
                {"joined_to": _("The cohort's last start date is before its first.")}
            )
        cohort = active.filter(
            start_date__gte=selection.joined_from, start_date__lte=selection.joined_to
        )
        field_name = "joined_from"
        if viewer is not None and not viewer.is_hr:
            if viewer.person is None:
                raise PermissionDenied(ONLY_PLANNERS)
            people = list(cohort.filter(pk__in=reporting_line_ids(viewer.person)))
            if not people:
                raise ValidationError({field_name: NOBODY_IN_LINE})
            return _capped(people, field_name)
        people = list(cohort)
    else:
        raise ValidationError(
            {"participants": _("Choose a team, a department, a cohort of new joiners or emails.")}
        )
    if not people:
        raise ValidationError({field_name: "Nobody active is in it."})
    return _capped(people, field_name)


def _by_email(active: QuerySet[Person], emails: tuple[str, ...]) -> list[Person]:
    for email in emails:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"emails": f"“{email}” is not an email address."}) from None
    found = {p.email.lower(): p for p in active.filter(_iexact_any(emails))}
    unknown = [e for e in emails if e not in found]
    if unknown:
        raise ValidationError(
            {"emails": f"Nobody active in the directory has these emails: {', '.join(unknown)}."}
        )
    return _capped([found[e] for e in emails], "emails")


def _iexact_any(emails: Sequence[str]) -> Q:
    query = Q(pk__in=[])
    for email in emails:
        query |= Q(email__iexact=email)
    return query


def _capped(people: list[Person], field_name: str) -> list[Person]:
    if len(people) > MAX_PEOPLE:
        raise ValidationError({field_name: f"A gathering has at most {MAX_PEOPLE} people."})
    if len(people) < 2:
        raise ValidationError({field_name: "A gathering needs at least two people."})
    return sorted(people, key=lambda p: p.pk)


# --- reading gatherings -------------------------------------------------------------------------


# Participants see a gathering once invited (and a cancellation of what they were invited to);
# the export holds the same ones.
_SENT = Q(status=Gathering.Status.INVITED) | Q(
    status=Gathering.Status.CANCELLED, event__isnull=False
)


def _visible(viewer: Viewer) -> Q:
    person = viewer.person
    if person is None:
        return Q(pk__in=[])
    return Q(organiser=person) | (Q(people__person=person) & _SENT)


def gatherings_for_viewer(viewer: Viewer) -> list[Gathering]:
    return list(
        Gathering.objects.filter(_visible(viewer))
        .distinct()
        .select_related("office", "organiser")
        .annotate(people_count=Count("people", distinct=True))
        .order_by("-created_at", "-id")
    )


@dataclass
class GroupView:
    number: int
    reasons: str
    members: list[Person]


@dataclass
class GatheringPage:
    gathering: Gathering
    is_organiser: bool
    people: list[Person]
    agenda: list[AgendaDay]
    groups: list[GroupView] = field(default_factory=list)  # all (organiser) or one's own
    my_group: GroupView | None = None
    rsvp_counts: dict[str, int] = field(default_factory=dict)
    started: bool = False


def gathering_for_viewer(viewer: Viewer, gathering_id: int, *, today: dt.date) -> GatheringPage:
    """404 for anyone who may not see it (it does not exist, for them)."""
    gathering = (
        Gathering.objects.filter(_visible(viewer), pk=gathering_id)
        .select_related("office", "organiser", "event")
        .distinct()
        .first()
    )
    if gathering is None:
        raise Http404("No such gathering.")
    assert viewer.person is not None
    is_organiser = gathering.organiser_id == viewer.person.pk
    people = list(
        Person.objects.filter(
            pk__in=Participant.objects.filter(gathering=gathering).values("person_id")
        )
        .select_related("org_unit")
        .order_by("full_name", "id")
    )
    page = GatheringPage(
        gathering=gathering,
        is_organiser=is_organiser,
        people=people,
        agenda=list(AgendaDay.objects.filter(gathering=gathering).order_by("position")),
        started=gathering.week_start is not None and gathering.week_start <= today,
    )
    groups = groups_of(gathering)
    mine = next((g for g in groups if viewer.person.pk in {m.pk for m in g.members}), None)
    page.groups = groups if is_organiser else ([mine] if mine else [])
    page.my_group = mine
    if is_organiser and gathering.event_id:
        page.rsvp_counts = rsvp_counts(gathering)
    return page


def groups_of(gathering: Gathering) -> list[GroupView]:
    members: dict[int, list[Person]] = {}
    rows = (
        GroupMember.objects.filter(gathering=gathering)
        .select_related("person", "person__org_unit")
        .order_by("person__full_name", "person_id")
    )
    for row in rows:
        members.setdefault(row.group_id, []).append(row.person)
    return [
        GroupView(g.number, g.reasons, members.get(g.pk, []))
        for g in Group.objects.filter(gathering=gathering).order_by("number")
    ]


def rsvp_counts(gathering: Gathering) -> dict[str, int]:
    counts = {s: 0 for s in Rsvp.Status.values}
    if gathering.event_id is not None:
        rows = (
            Rsvp.objects.filter(event_id=gathering.event_id)
            .values("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        counts.update(dict(rows))
    answered = sum(counts.values())
    counts["no_answer"] = max(Participant.objects.filter(gathering=gathering).count() - answered, 0)
    return counts


def organised_for_viewer(viewer: Viewer, gathering_id: int) -> Gathering:
    """The gathering, for its organiser only (404 for anyone else: it stays unseen)."""
    person = viewer.person
    gathering = (
        Gathering.objects.filter(pk=gathering_id, organiser=person).select_related("office").first()
        if person is not None
        else None
    )
    if gathering is None:
        raise Http404("No such gathering.")
    return gathering


def teams_and_departments() -> tuple[list[OrgUnit], list[OrgUnit]]:
    units = list(OrgUnit.objects.order_by("name"))
    return (
        [u for u in units if u.kind == OrgUnit.Kind.TEAM],
        [u for u in units if u.kind != OrgUnit.Kind.TEAM],
    )


# --- the personal export ------------------------------------------------------------------------


def gatherings_data_of_person(person: Person) -> dict[str, object]:
    """A person's gatherings (those they organise, and those they were invited to) and their
    own group in each: what the export holds about them."""
    mine = Gathering.objects.filter(
        Q(organiser=person) | (Q(people__person=person) & _SENT)
    ).distinct()
    group_of = {
        m.gathering_id: m.group
        for m in GroupMember.objects.filter(person=person).select_related("group")
    }
    out = []
    for g in mine.select_related("office").order_by("created_at", "id"):
        group = group_of.get(g.pk)
        out.append(
            {
                "name": g.name,
                "kind": g.kind,
                "role": "organiser" if g.organiser_id == person.pk else "participant",
                "status": g.status,
                "place": g.place,
                "week_start": g.week_start.isoformat() if g.week_start else None,
                "days": g.days,
                "my_group": (
                    {
                        "number": group.number,
                        "members": list(
                            GroupMember.objects.filter(group=group)
                            .exclude(person=person)
                            .values_list("person__full_name", flat=True)
                        ),
                    }
                    if group
                    else None
                ),
            }
        )
    return {"gatherings": out}
