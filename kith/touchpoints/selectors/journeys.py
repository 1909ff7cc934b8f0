"""Every read of onboarding journeys that a page or the API returns, already authorised.

A journey is seen by its new joiner, by the people who own one of its steps (their manager,
their buddy) and by HR (kith.core.permissions.can_see_journey). Lists are read in a fixed number
of queries: the journeys, then their steps in one query.

Welcome calls and check-ins are 1:1s, private to the pair; whether a joiner met their buddy is
Connect's, and Connect promises HR never learns whether two named people met. So these steps
(PRIVATE_SPECIALS) show "done" only to the joiner, their manager, their buddy and the step's
owner. Anyone else who sees the journey (HR, looking at other people's journeys) sees them as
booked or not booked yet (a 1:1 booked or a buddy assigned), never done, held or met, and they
are left out of that viewer's progress counts, late steps and the journey's status: a journey
is completed for them once every step they see is done and the days of the others have passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

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
# Steps whose "done" would tell whether a 1:1 was held or two people met.
PRIVATE_SPECIALS = frozenset(
    {Special.WELCOME_CALL.value, Special.CHECK_IN.value, Special.BUDDY.value}
)
# A booked welcome call or check-in is not late until a day after its time (as for nudges).
BOOKED_GRACE = dt.timedelta(days=engine.NUDGE_AFTER_DAYS)
HELD = Meeting.Status.HELD


def _today(viewer: Viewer) -> dt.date:
    return timezone.localdate()  # the viewer's zone: ViewerMiddleware activates it


def _is_done(step: JourneyStep) -> bool:
    return step.done_at is not None or (
        step.meeting_id is not None and step.meeting is not None and step.meeting.status == HELD
    )


def sees_done(
    me: int | None, *, joiner_id: int, manager_id: int | None, buddy_id: int | None, step: Any
) -> bool:
    """Whether `me` sees this step as done or open: any step but a private one; a private one
    only as the joiner, their manager, their buddy or the step's owner."""
    if step.special not in PRIVATE_SPECIALS:
        return True
    return me is not None and me in {joiner_id, manager_id, buddy_id, step.owner_id}


def is_booked(*, special: str, meeting_id: int | None, done: bool, buddy_id: int | None) -> bool:
    """What a private step shows to anyone else. A 1:1 step: a 1:1 is linked to it (planned,
    held or called off alike), or its owner ticked it off before one was booked (Kith books
    no 1:1 for a step that is done, so "not booked" must not follow from it). The buddy step:
    the journey has a buddy. None of it depends on whether the 1:1 was held or the two met."""
    if special == Special.BUDDY:
        return buddy_id is not None
    return meeting_id is not None or done


def _status(journey: Journey, *, any_open: bool, private_ahead: bool) -> str:
    """The journey's status as the viewer may know it: completed once every step they see as
    done or open is done and the days of the steps they see only as booked have passed.
    Without such steps, exactly the stored status."""
    if journey.status == Journey.Status.CANCELLED:
        return journey.status
    return Journey.Status.ACTIVE if any_open or private_ahead else Journey.Status.COMPLETED


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
    # A private step of someone else's journey: shown only as booked or not (is_booked);
    # is_done and is_overdue are then always False and say nothing.
    booking_only: bool = False
    is_booked: bool = False

    @property
    def meeting_starts_at(self) -> dt.datetime | None:
        meeting = self.step.meeting
        if self.booking_only or meeting is None or meeting.status == Meeting.Status.CANCELLED:
            return None
        return meeting.starts_at

    @property
    def meeting_held(self) -> bool:
        meeting = self.step.meeting
        return not self.booking_only and meeting is not None and meeting.status == HELD

    @property
    def booking_label(self) -> str:
        if self.step.special == Special.BUDDY:
            return _("Buddy assigned") if self.is_booked else _("No buddy yet")
        return _("Booked") if self.is_booked else _("Not booked yet")

    @property
    def booking_note(self) -> str:
        if self.step.special == Special.BUDDY:
            return _(
                "Whether they have met stays between the two of them: you see whether a "
                "buddy is assigned."
            )
        return _(
            "A 1:1 is private to the pair: you see whether it is booked, never whether it was held."
        )

    @property
    def meeting_is_past(self) -> bool:
        starts_at = self.meeting_starts_at
        return starts_at is not None and starts_at < timezone.now()


@dataclass(frozen=True)
class JourneyView:
    journey: Journey
    steps: list[StepView]
    viewer_is_joiner: bool
    status: str = ""  # as the viewer may know it (_status); the stored one when empty

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.is_done)

    @property
    def total(self) -> int:
        """Steps the viewer sees as done or open (those shown only as booked are apart)."""
        return sum(1 for s in self.steps if not s.booking_only)

    @property
    def private_total(self) -> int:
        return sum(1 for s in self.steps if s.booking_only)

    @property
    def private_booked(self) -> int:
        return sum(1 for s in self.steps if s.booking_only and s.is_booked)

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
    any_open = private_ahead = False
    for step in steps:
        done = _is_done(step)
        if not sees_done(
            me,
            joiner_id=journey.person_id,
            manager_id=journey.manager_id,
            buddy_id=journey.buddy_id,
            step=step,
        ):
            private_ahead |= not engine.is_overdue(step.due_on, today)
            views.append(
                StepView(
                    step=step,
                    owner_label=_owner_label(step, journey, me),
                    is_done=False,
                    is_overdue=False,
                    is_mine=False,
                    can_tick=False,
                    waiting_for=_waiting_for(step, journey),
                    booking_only=True,
                    is_booked=is_booked(
                        special=step.special,
                        meeting_id=step.meeting_id,
                        done=done,
                        buddy_id=journey.buddy_id,
                    ),
                )
            )
            continue
        any_open |= not done
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
    return JourneyView(
        journey=journey,
        steps=views,
        viewer_is_joiner=me == journey.person_id,
        status=_status(journey, any_open=any_open, private_ahead=private_ahead),
    )


def _owner_label(step: JourneyStep, journey: Journey, me: int | None) -> str:
    if step.owner_id is not None and step.owner_id == me:
        return _("You")
    if step.owner is not None:
        name = step.owner.display_name
        if step.owner_role == Owner.MANAGER:
            return _("%(name)s (manager)") % {"name": name}
        if step.owner_role == Owner.BUDDY:
            return _("%(name)s (buddy)") % {"name": name}
        return name
    return {
        Owner.HR: _("HR"),
        Owner.IT: _("IT"),
        Owner.MANAGER: _("Manager"),
        Owner.BUDDY: _("Buddy"),
        Owner.JOINER: journey.person.display_name,
    }[Owner(step.owner_role)]


def _waiting_for(step: JourneyStep, journey: Journey) -> str:
    if step.owner_id is not None or step.owner_role not in (Owner.MANAGER, Owner.BUDDY):
        return ""
    if step.owner_role == Owner.BUDDY:
        return _("Connect's buddy program has not found a buddy yet; this step waits for one.")
    return _("There is no manager in the directory yet: the step is theirs once there is one.")


# --- Lists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JourneySummary:
    journey: Journey
    total: int
    done: int
    overdue: int
    overdue_titles: list[str] = field(default_factory=list)
    status: str = ""  # as the viewer may know it
    private_total: int = 0  # steps shown to this viewer only as booked or not
    private_booked: int = 0

    @property
    def percent(self) -> int:
        return engine.percent_done(self.done, self.total)


def _summaries(journeys: list[Journey], today: dt.date, me: int | None) -> list[JourneySummary]:
    """Progress, late steps and status of each journey as `me` may see them, from one query
    over their steps."""
    ids = [j.pk for j in journeys]
    rows = (
        JourneyStep.objects.filter(journey_id__in=ids)
        .order_by("due_on", "id")
        .values_list(
            "journey_id",
            "title",
            "special",
            "owner_id",
            "kind",
            "due_on",
            "done_at",
            "meeting_id",
            "meeting__status",
            "meeting__starts_at",
        )
    )
    steps: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        steps.setdefault(row[0], []).append(row)
    grace = timezone.now() - BOOKED_GRACE
    out = []
    for j in journeys:
        total = done = private_total = private_booked = 0
        late: list[str] = []
        any_open = private_ahead = False
        for (
            _journey_id,
            title,
            special,
            owner_id,
            kind,
            due_on,
            done_at,
            meeting_id,
            status,
            starts,
        ) in steps.get(j.pk, []):
            step = _StepFacts(special=special, owner_id=owner_id)
            is_done = done_at is not None or status == HELD
            if not sees_done(
                me, joiner_id=j.person_id, manager_id=j.manager_id, buddy_id=j.buddy_id, step=step
            ):
                private_total += 1
                private_booked += is_booked(
                    special=special, meeting_id=meeting_id, done=is_done, buddy_id=j.buddy_id
                )
                private_ahead |= not engine.is_overdue(due_on, today)
                continue
            total += 1
            done += is_done
            any_open |= not is_done
            booked_ahead = (
                status == Meeting.Status.PLANNED and starts is not None and starts >= grace
            )
            if (
                not is_done
                and kind != StepKind.AUTOMATED
                and not booked_ahead
                and engine.is_overdue(due_on, today)
                and j.status != Journey.Status.CANCELLED
            ):
                late.append(title)
        out.append(
            JourneySummary(
                journey=j,
                total=total,
                done=done,
                overdue=len(late),
                overdue_titles=late,
                status=_status(j, any_open=any_open, private_ahead=private_ahead),
                private_total=private_total,
                private_booked=private_booked,
            )
        )
    return out


@dataclass(frozen=True)
class _StepFacts:
    special: str
    owner_id: int | None


def _in_progress_for(me: int | None, today: dt.date) -> Q:
    """Journeys in progress as `me` may know it (_status): not stopped, with a step they see
    as open, or a step they see only as booked whose day is still to come."""
    private = Q(special__in=PRIVATE_SPECIALS)
    visible = ~private
    if me is not None:
        visible |= (
            Q(owner_id=me)
            | Q(journey__person_id=me)
            | Q(journey__manager_id=me)
            | Q(journey__buddy_id=me)
        )
    open_step = Q(done_at__isnull=True) & ~Q(meeting__status=HELD)
    wanted = JourneyStep.objects.filter(journey=OuterRef("pk")).filter(
        (visible & open_step) | (~visible & Q(due_on__gte=today))
    )
    return ~Q(status=Journey.Status.CANCELLED) & Q(Exists(wanted))


def helping_for_viewer(viewer: Viewer) -> list[JourneySummary]:
    """Journeys in progress where the viewer owns a step: their new reports', their buddies'."""
    person = viewer.person
    if person is None:
        return []
    owns = JourneyStep.objects.filter(journey=OuterRef("pk"), owner=person)
    today = _today(viewer)
    journeys = (
        Journey.objects.filter(_in_progress_for(person.pk, today))
        .filter(Q(manager=person) | Q(buddy=person) | Exists(owns))
        .exclude(person=person)
        .select_related("person", "manager", "buddy")
        .order_by("start_date", "id")[:OVERVIEW_LIMIT]
    )
    return _summaries(list(journeys), today, person.pk)


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
    and late steps as HR may see them (private steps only as booked or not). None for anyone
    else."""
    if not can_manage_touchpoints(viewer):
        return None
    me = viewer.person.pk if viewer.person is not None else None
    today = _today(viewer)
    journeys: QuerySet[Journey] = Journey.objects.select_related("person", "manager", "buddy")
    if month is not None:
        first = month.replace(day=1)
        after = (first + dt.timedelta(days=32)).replace(day=1)
        journeys = journeys.filter(start_date__gte=first, start_date__lt=after).exclude(
            status=Journey.Status.CANCELLED
        )
    else:
        journeys = journeys.filter(_in_progress_for(me, today))
    rows = list(journeys.order_by("start_date", "id")[: OVERVIEW_LIMIT + 1])
    has_default = JourneyTemplate.objects.filter(is_default=True, is_active=True).exists()
    return Overview(
        journeys=_summaries(rows[:OVERVIEW_LIMIT], today, me),
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
        fresh = [j for j in own if j.pk not in known]
        listed = [*_summaries(fresh, _today(viewer), viewer.person.pk), *listed]
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
            {
                **_step_data(s, hidden=not _exported_in_full(person.pk, s)),
                "journey_of": s.journey.person.display_name,
            }
            for s in others
        ],
    }


def _exported_in_full(me: int, step: JourneyStep) -> bool:
    journey = step.journey
    return sees_done(
        me,
        joiner_id=journey.person_id,
        manager_id=journey.manager_id,
        buddy_id=journey.buddy_id,
        step=step,
    )


def _step_data(step: JourneyStep, *, hidden: bool = False) -> dict[str, Any]:
    """One step for an export; `hidden`: a private step of a journey the person may see only
    as booked or not, so nothing about whether it happened."""
    done = _is_done(step)
    return {
        "title": step.title,
        "owner": step.owner_role,
        "kind": step.kind,
        "special": step.special,
        "due_on": step.due_on.isoformat(),
        "done_at": step.done_at.isoformat() if step.done_at and not hidden else None,
        "meeting_held": None if hidden else bool(step.meeting and step.meeting.status == HELD),
        "booked": (
            is_booked(
                special=step.special,
                meeting_id=step.meeting_id,
                done=done,
                buddy_id=step.journey.buddy_id,
            )
            if hidden
            else None
        ),
        "reminders_sent": step.nudged_at is not None,
    }


def special_label(special: str) -> str:
    return str(Special(special).label) if special else ""
