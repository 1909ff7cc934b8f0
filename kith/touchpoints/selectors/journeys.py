"""Every read of onboarding journeys that a page or the API returns, already authorised.

A journey is seen by its new joiner, by the people who own one of its steps (their manager,
their buddy) and by HR (kith.core.permissions.can_see_journey). Lists are read in a fixed number
of queries: the journeys, then one grouped count of their steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kith.core.permissions import (
    Viewer,
    can_complete_journey_step,
    can_manage_touchpoints,
    can_see_journey,
)
from kith.directory.models import Person
from kith.touchpoints.engine import journeys as engine
from kith.touchpoints.models import Journey, JourneyStep, JourneyTemplate, Meeting
from kith.touchpoints.models.journeys import Owner, Special, StepKind

OVERVIEW_LIMIT = 500
# A booked welcome call or check-in is not late until a day after its time (as for nudges).
BOOKED_GRACE = dt.timedelta(days=engine.NUDGE_AFTER_DAYS)
HELD = Meeting.Status.HELD


def _today(viewer: Viewer) -> dt.date:
    return timezone.localdate()  # the viewer's zone: ViewerMiddleware activates it


def _is_done(step: JourneyStep) -> bool:
    return step.done_at is not None or (
        step.meeting_id is not None and step.meeting is not None and step.meeting.status == HELD
    )


# --- One journey ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    step: JourneyStep
    owner_label: str
    is_done: bool
    is_overdue: bool
    is_mine: bool
    can_tick: bool
    waiting_for: str  # why nobody owns it yet ("" when someone does)

    @property
    def meeting_starts_at(self) -> dt.datetime | None:
        meeting = self.step.meeting
        if meeting is None or meeting.status == Meeting.Status.CANCELLED:
            return None
        return meeting.starts_at

    @property
    def meeting_is_past(self) -> bool:
        starts_at = self.meeting_starts_at
        return starts_at is not None and starts_at < timezone.now()


@dataclass(frozen=True)
class JourneyView:
    journey: Journey
    steps: list[StepView]
    viewer_is_joiner: bool

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.is_done)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return engine.percent_done(self.done, self.total)

    @property
    def overdue(self) -> list[StepView]:
        return [s for s in self.steps if s.is_overdue]

    @property
    def mine_open(self) -> list[StepView]:
        return [s for s in self.steps if s.is_mine and not s.is_done]


def _owner_ids(journey: Journey, steps: list[JourneyStep]) -> set[int]:
    ids = {s.owner_id for s in steps if s.owner_id is not None}
    return ids | {i for i in (journey.manager_id, journey.buddy_id) if i is not None}


def journey_for_viewer(viewer: Viewer, journey_id: int) -> JourneyView | None:
    """One journey with its steps, or None when it is not there or not the viewer's to see."""
    journey = (
        Journey.objects.select_related("person", "manager", "buddy", "template")
        .filter(pk=journey_id)
        .first()
    )
    if journey is None:
        return None
    steps = list(
        journey.steps.select_related("owner", "meeting", "done_by").order_by("due_on", "id")
    )
    if not can_see_journey(
        viewer, joiner_id=journey.person_id, step_owner_ids=_owner_ids(journey, steps)
    ):
        return None
    return _view(viewer, journey, steps)


def _booked_ahead(step: JourneyStep, now: dt.datetime) -> bool:
    """Its 1:1 is still to come (or only just happened): not late, whatever the date says."""
    meeting = step.meeting
    return (
        meeting is not None
        and meeting.status == Meeting.Status.PLANNED
        and meeting.starts_at >= now - BOOKED_GRACE
    )


def _view(viewer: Viewer, journey: Journey, steps: list[JourneyStep]) -> JourneyView:
    me = viewer.person.pk if viewer.person is not None else None
    today, now = _today(viewer), timezone.now()
    live = journey.status != Journey.Status.CANCELLED
    views = []
    for step in steps:
        done = _is_done(step)
        held = step.meeting is not None and step.meeting.status == HELD
        views.append(
            StepView(
                step=step,
                owner_label=_owner_label(step, journey, me),
                is_done=done,
                is_overdue=not done
                and live
                and step.kind != StepKind.AUTOMATED  # they tick themselves off on their day
                and not _booked_ahead(step, now)
                and engine.is_overdue(step.due_on, today),
                is_mine=me is not None and step.owner_id == me,
                can_tick=live
                and not held
                and can_complete_journey_step(
                    viewer, owner_id=step.owner_id, owner_role=step.owner_role
                ),
                waiting_for=_waiting_for(step, journey),
            )
        )
    return JourneyView(journey=journey, steps=views, viewer_is_joiner=me == journey.person_id)


def _owner_label(step: JourneyStep, journey: Journey, me: int | None) -> str:
    if step.owner_id is not None and step.owner_id == me:
        return "You"
    if step.owner is not None:
        role = {
            Owner.MANAGER: "manager",
            Owner.BUDDY: "buddy",
        }.get(Owner(step.owner_role))
        return f"{step.owner.display_name} ({role})" if role else step.owner.display_name
    return {
        Owner.HR: "HR",
        Owner.IT: "IT",
        Owner.MANAGER: "Manager",
        Owner.BUDDY: "Buddy",
        Owner.JOINER: journey.person.display_name,
    }[Owner(step.owner_role)]


def _waiting_for(step: JourneyStep, journey: Journey) -> str:
    if step.owner_id is not None or step.owner_role not in (Owner.MANAGER, Owner.BUDDY):
        return ""
    if step.owner_role == Owner.BUDDY:
        return "Connect's buddy program has not found a buddy yet; this step waits for one."
    return "There is no manager in the directory yet: the step is theirs once there is one."


# --- Lists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JourneySummary:
    journey: Journey
    total: int
    done: int
    overdue: int
    overdue_titles: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return engine.percent_done(self.done, self.total)


def _summaries(journeys: list[Journey], today: dt.date) -> list[JourneySummary]:
    ids = [j.pk for j in journeys]
    done_q = Q(done_at__isnull=False) | Q(meeting__status=HELD)
    counts = {
        row["journey_id"]: row
        for row in JourneyStep.objects.filter(journey_id__in=ids)
        .values("journey_id")
        .annotate(total=Count("id"), done=Count("id", filter=done_q))
    }
    late: dict[int, list[str]] = {}
    overdue_rows = (
        JourneyStep.objects.filter(journey_id__in=ids, due_on__lt=today)
        .exclude(done_q)
        .exclude(kind=StepKind.AUTOMATED)
        .exclude(
            meeting__status=Meeting.Status.PLANNED,
            meeting__starts_at__gte=timezone.now() - BOOKED_GRACE,
        )
        .order_by("due_on", "id")
        .values_list("journey_id", "title")
    )
    for journey_id, title in overdue_rows:
        late.setdefault(journey_id, []).append(title)
    return [
        JourneySummary(
            journey=j,
            total=counts.get(j.pk, {}).get("total", 0),
            done=counts.get(j.pk, {}).get("done", 0),
            overdue=len(late.get(j.pk, [])) if j.status == Journey.Status.ACTIVE else 0,
            overdue_titles=late.get(j.pk, []) if j.status == Journey.Status.ACTIVE else [],
        )
        for j in journeys
    ]


def helping_for_viewer(viewer: Viewer) -> list[JourneySummary]:
    """Journeys in progress where the viewer owns a step: their new reports', their buddies'."""
    person = viewer.person
    if person is None:
        return []
    owns = JourneyStep.objects.filter(journey=OuterRef("pk"), owner=person)
    journeys = (
        Journey.objects.filter(status=Journey.Status.ACTIVE)
        .filter(Q(manager=person) | Q(buddy=person) | Exists(owns))
        .exclude(person=person)
        .select_related("person", "manager", "buddy")
        .order_by("start_date", "id")[:OVERVIEW_LIMIT]
    )
    return _summaries(list(journeys), _today(viewer))


@dataclass(frozen=True)
class JourneyHome:
    mine: JourneyView | None
    helping: list[JourneySummary]
    may_manage: bool


def journey_home_for_viewer(viewer: Viewer) -> JourneyHome:
    mine = None
    if viewer.person is not None:
        journey_id = Journey.objects.filter(person=viewer.person).values_list("pk", flat=True)
        first = journey_id.first()
        mine = journey_for_viewer(viewer, first) if first is not None else None
    return JourneyHome(
        mine=mine, helping=helping_for_viewer(viewer), may_manage=can_manage_touchpoints(viewer)
    )


@dataclass(frozen=True)
class Overview:
    journeys: list[JourneySummary]
    month: dt.date | None  # first day of the month shown, None: every journey in progress
    more: bool
    has_default_template: bool


def overview_for_viewer(viewer: Viewer, *, month: dt.date | None = None) -> Overview | None:
    """HR: journeys in progress (all, or of the people who start in `month`), with progress
    and late steps. None for anyone else."""
    if not can_manage_touchpoints(viewer):
        return None
    journeys: QuerySet[Journey] = Journey.objects.select_related("person", "manager", "buddy")
    if month is not None:
        first = month.replace(day=1)
        after = (first + dt.timedelta(days=32)).replace(day=1)
        journeys = journeys.filter(start_date__gte=first, start_date__lt=after).exclude(
            status=Journey.Status.CANCELLED
        )
    else:
        journeys = journeys.filter(status=Journey.Status.ACTIVE)
    rows = list(journeys.order_by("start_date", "id")[: OVERVIEW_LIMIT + 1])
    has_default = JourneyTemplate.objects.filter(is_default=True, is_active=True).exists()
    return Overview(
        journeys=_summaries(rows[:OVERVIEW_LIMIT], _today(viewer)),
        month=month.replace(day=1) if month else None,
        more=len(rows) > OVERVIEW_LIMIT,
        has_default_template=has_default,
    )


def visible_journeys_for_viewer(viewer: Viewer) -> list[JourneySummary]:
    """The API's list: the viewer's own journey, those they help with, and for HR every
    journey in progress."""
    if can_manage_touchpoints(viewer):
        overview = overview_for_viewer(viewer)
        assert overview is not None
        listed = overview.journeys
    else:
        listed = helping_for_viewer(viewer)
    if viewer.person is not None:
        own = Journey.objects.filter(person=viewer.person).select_related(
            "person", "manager", "buddy"
        )
        known = {s.journey.pk for s in listed}
        listed = [*_summaries([j for j in own if j.pk not in known], _today(viewer)), *listed]
    return listed


# --- Templates (HR) -----------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateSummary:
    template: JourneyTemplate
    steps: int
    journeys_active: int


def templates_for_viewer(viewer: Viewer) -> list[TemplateSummary] | None:
    if not can_manage_touchpoints(viewer):
        return None
    rows = JourneyTemplate.objects.annotate(
        step_count=Count("steps", distinct=True),
        active_count=Count(
            "journeys", filter=Q(journeys__status=Journey.Status.ACTIVE), distinct=True
        ),
    ).order_by("-is_default", "name")
    return [
        TemplateSummary(template=t, steps=t.step_count, journeys_active=t.active_count)
        for t in rows
    ]


def template_for_viewer(viewer: Viewer, template_id: int) -> JourneyTemplate | None:
    if not can_manage_touchpoints(viewer):
        return None
    return JourneyTemplate.objects.prefetch_related("steps").filter(pk=template_id).first()


# --- The person's own export ------------------------------------------------------------


def my_journey_data(person: Person) -> dict[str, Any]:
    """For the person's own export: their journey, and the steps they own or ticked off in
    other people's journeys (the step and whose journey, nothing more)."""
    own = Journey.objects.filter(person=person).select_related("template").first()
    mine: dict[str, Any] | None = None
    if own is not None:
        mine = {
            "template": own.template.name if own.template else "",
            "start_date": own.start_date.isoformat(),
            "status": own.status,
            "steps": [_step_data(s) for s in own.steps.select_related("meeting")],
        }
    others = (
        JourneyStep.objects.filter(Q(owner=person) | Q(done_by=person))
        .exclude(journey__person=person)
        .select_related("journey__person", "meeting")
        .order_by("due_on", "id")
    )
    return {
        "my_journey": mine,
        "steps_for_others": [
            {**_step_data(s), "journey_of": s.journey.person.display_name} for s in others
        ],
    }


def _step_data(step: JourneyStep) -> dict[str, Any]:
    return {
        "title": step.title,
        "owner": step.owner_role,
        "kind": step.kind,
        "special": step.special,
        "due_on": step.due_on.isoformat(),
        "done_at": step.done_at.isoformat() if step.done_at else None,
        "meeting_held": bool(step.meeting and step.meeting.status == HELD),
        "reminders_sent": step.nudged_at is not None,
    }


def special_label(special: str) -> str:
    return Special(special).label if special else ""
