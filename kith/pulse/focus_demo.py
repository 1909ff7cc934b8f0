"""The demo's focus group (called from kith/pulse/demo_seed.py): after the latest closed wave
of the relational-health pulse, HR invited eight people of one published department to a
listening session about psychological safety; most went, the facilitator wrote down four
themes, and one of them is on the department manager's action plan."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from kith.accounts.models import User
from kith.core.permissions import HR_ADMINS_GROUP, Viewer, viewer_for_user
from kith.directory.models import Office, Person
from kith.events import services as event_services
from kith.events.models import Event
from kith.pulse import focus
from kith.pulse.focus_models import FocusGroup
from kith.pulse.models import ResultCell, Wave

THEMES = [
    "People hold back in large meetings; small groups feel safer to disagree in.",
    "Mistakes are talked about openly in some teams and quietly in others.",
    "Nobody is sure who decides on priorities, so raising a concern feels risky.",
    "Newer colleagues do not know whom to ask for help outside their team.",
]
ON_THE_ACTION_PLAN = 2  # the theme about who decides


def seed_focus_group(*, wave: Wave, seed: int) -> str:
    # The session is an invitation-only event, which the events demo does not count when it
    # decides whether it ran already: the two demos seed in either order.
    hr = _hr_viewer()
    if hr is None or wave.results_at is None:
        return "Pulse: no focus group (no HR admin or no closed wave)."
    cell, facilitator = _cell_and_facilitator(wave)
    if cell is None or facilitator is None:
        return "Pulse: no focus group (no published department large enough)."
    session = _session_time(wave, facilitator)
    group = focus.focus_group_create(
        viewer=hr,
        wave=wave,
        data=_input(wave, cell, facilitator, session),
        now=session - dt.timedelta(days=6),
        rng=random.Random(seed + 17),  # a reproducible demo; real draws use the system's source
    )
    _answer_invitations(group, session)
    _record_themes(hr, group, session)
    return (
        f"Pulse: a focus group of {group.size} from "
        f"{wave.units[cell.unit][1]} with {len(THEMES)} themes."
    )


def _hr_viewer() -> Viewer | None:
    user = User.objects.filter(groups__name=HR_ADMINS_GROUP, is_active=True).order_by("pk").first()
    user = user or User.objects.filter(is_superuser=True).order_by("pk").first()
    return viewer_for_user(user) if user is not None else None


def _cell_and_facilitator(wave: Wave) -> tuple[ResultCell | None, Person | None]:
    """The largest published department other than People, and someone from People (HR's
    own team) to facilitate: from outside the group, and not an HR admin, so that signing in
    as the demo's HR admin shows the session as HR sees it (counts, no names)."""
    hr_admins = User.objects.filter(groups__name=HR_ADMINS_GROUP).values_list("email", flat=True)
    hr_emails = {email.lower() for email in hr_admins}
    departments = [i for i, unit in enumerate(wave.units) if int(unit[2]) == 0]
    cells = ResultCell.objects.filter(wave=wave, attr=-1, value=-1, unit__in=departments)
    for cell in cells.order_by("-invited", "unit"):
        if str(wave.units[cell.unit][1]) == "People" or cell.invited < 12:
            continue
        population = focus.cell_population(wave, cell.unit, -1, -1).everyone
        candidates = (
            Person.objects.filter(is_active=True, org_unit__name="People")
            .exclude(pk__in=population)
            .order_by("pk")
        )
        facilitator = next((p for p in candidates if p.email.lower() not in hr_emails), None)
        if facilitator is not None:
            return cell, facilitator
    return None, None


def _session_time(wave: Wave, facilitator: Person) -> dt.datetime:
    """A week after the wave closed, 15:00 where the facilitator works."""
    day = wave.closes_on + dt.timedelta(days=7)
    zone = timezone.get_default_timezone()
    if facilitator.timezone:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(facilitator.timezone)
    return dt.datetime.combine(day, dt.time(15), tzinfo=zone)


def _input(
    wave: Wave, cell: ResultCell, facilitator: Person, session: dt.datetime
) -> focus.FocusInput:
    office = Office.objects.filter(city=facilitator.city).order_by("pk").first()
    place: dict[str, object] = (
        {"mode": Event.Mode.IN_PERSON, "office_id": office.pk}
        if office is not None
        else {"mode": Event.Mode.VIRTUAL, "link": "https://meet.example.com/listening-session"}
    )
    largest = focus.drawable_count(wave, cell.unit, -1, -1)
    return focus.FocusInput(
        unit=cell.unit,
        item="edmondson",
        prompt="What makes it easier, or harder, to speak up in your team?",
        size=min(8, largest),
        facilitator_id=facilitator.pk,
        starts_local=session.replace(tzinfo=None),
        record_past=True,  # seeded after the fact: the session is in the demo's past
        minutes=60,
        timezone=str(session.tzinfo),
        **place,  # type: ignore[arg-type]
    )


def _answer_invitations(group: FocusGroup, session: dt.datetime) -> None:
    """All but one went; the last said they could not make it. (Everyone went, when one
    fewer would leave the session under k: themes need at least k people there.)"""
    assert group.event is not None
    answered = session - dt.timedelta(days=3)
    people = list(Person.objects.filter(focus_invitations__focus_group=group).order_by("pk"))
    regrets = people[-1:] if len(people) > group.wave.campaign.min_group else []
    for person in people[: len(people) - len(regrets)]:
        event_services.rsvp_going(event=group.event, person=person, now=answered)
    for person in regrets:
        event_services.rsvp_cancel(event=group.event, person=person, now=answered)


def _record_themes(hr: Viewer, group: FocusGroup, session: dt.datetime) -> None:
    after = session + dt.timedelta(hours=2)
    owner = _manager_of(group)
    for index, text in enumerate(THEMES):
        new_action = None
        if index == ON_THE_ACTION_PLAN and owner is not None:
            new_action = focus.NewAction(
                owner_id=owner.pk,
                meeting_at=timezone.now() + dt.timedelta(days=9),
                location="The team's usual room",
            )
        focus.focus_theme_record(
            viewer=hr, group=group, text=text, new_action=new_action, now=after
        )


def _manager_of(group: FocusGroup) -> Person | None:
    """Whoever manages most of the group's people: the department's head, usually."""
    population = focus.cell_population(group.wave, group.unit, -1, -1).active
    managers = Counter(
        Person.objects.filter(pk__in=population, manager__is_active=True).values_list(
            "manager_id", flat=True
        )
    )
    if not managers:
        return None
    return Person.objects.get(pk=managers.most_common(1)[0][0])
