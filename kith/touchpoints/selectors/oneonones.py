"""Every read of 1:1s and check-ins, already authorised for the viewer.

A pair, its meetings, agenda, shared notes and action items are readable by its two
participants only; a private note by its author only; a check-in by its author and, when
written for a 1:1, the other participant. Anyone else — the manager's manager, HR — gets 404,
the same answer as for a pair that does not exist, so not even existence leaks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.permissions import (
    Viewer,
    can_read_check_in,
    can_read_private_note,
    can_take_part_in_one_on_one,
    private_data_on_hold,
)
from kith.touchpoints.models import (
    ActionItem,
    AgendaItem,
    CheckIn,
    Meeting,
    OneOnOne,
    PrivateNote,
    TouchpointSettings,
)
from kith.touchpoints.services.checkins import CheckInContent
from kith.touchpoints.services.oneonones import OVERDUE_GRACE, due_on, last_held_by_pair

Status = Meeting.Status


@dataclass
class PairSummary:
    pair: OneOnOne
    other_name: str
    other_id: int
    viewer_is_manager: bool
    last_held: dt.date | None
    next_meeting: Meeting | None
    due: dt.date
    overdue: bool
    open_points: int = 0


@dataclass
class AgendaLine:
    item: AgendaItem
    carried_over: bool
    added_by_me: bool


@dataclass
class MeetingPage:
    meeting: Meeting
    pair: OneOnOne
    viewer_is_manager: bool
    agenda: list[AgendaLine]
    done_here: list[AgendaItem]
    actions: list[ActionItem]
    private_note: str
    check_ins: list[CheckInView]
    can_hold: bool


@dataclass
class CheckInView:
    check_in: CheckIn
    content: CheckInContent
    mine: bool
    shared_with: str = ""


@dataclass
class MyOneOnOnes:
    as_manager: list[PairSummary] = field(default_factory=list)
    as_report: list[PairSummary] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for p in self.as_manager if p.overdue)


def _participant_pairs(viewer: Viewer) -> Q:
    person_id = viewer.person.pk if viewer.person else -1
    return Q(manager_id=person_id) | Q(report_id=person_id)


def my_one_on_ones_for_viewer(viewer: Viewer, *, now: dt.datetime | None = None) -> MyOneOnOnes:
    now = now or timezone.now()
    mine = MyOneOnOnes()
    if viewer.person is None or private_data_on_hold(viewer.person) is not None:
        return mine
    planned = Meeting.objects.filter(
        status=Status.PLANNED, starts_at__gte=now - dt.timedelta(hours=12)
    ).order_by("starts_at")
    pairs = list(
        OneOnOne.objects.filter(_participant_pairs(viewer), is_active=True)
        .select_related("manager", "report")
        .prefetch_related(Prefetch("meetings", queryset=planned, to_attr="planned"))
        .order_by("report__full_name", "manager__full_name")
    )
    last = last_held_by_pair(p.pk for p in pairs)
    open_points = dict(
        AgendaItem.objects.filter(one_on_one__in=pairs, done_at__isnull=True)
        .values("one_on_one_id")
        .annotate(n=Count("id"))
        .values_list("one_on_one_id", "n")
    )
    for pair in pairs:
        summary = _summary(viewer, pair, last.get(pair.pk), now)
        summary.open_points = open_points.get(pair.pk, 0)
        (mine.as_manager if summary.viewer_is_manager else mine.as_report).append(summary)
    mine.as_manager.sort(key=lambda s: (not s.overdue, s.due))
    return mine


def _summary(
    viewer: Viewer, pair: OneOnOne, last_held: dt.date | None, now: dt.datetime
) -> PairSummary:
    is_manager = viewer.person is not None and pair.manager_id == viewer.person.pk
    other = pair.report if is_manager else pair.manager
    planned = getattr(pair, "planned", None)
    next_meeting = planned[0] if planned else None
    due = due_on(pair, last_held)
    return PairSummary(
        pair=pair,
        other_name=other.display_name,
        other_id=other.pk,
        viewer_is_manager=is_manager,
        last_held=last_held,
        next_meeting=next_meeting,
        due=due,
        overdue=next_meeting is None and now.date() >= due + OVERDUE_GRACE,
    )


def pair_for_viewer(viewer: Viewer, pair_id: int) -> OneOnOne:
    pair = (
        OneOnOne.objects.select_related("manager", "report", "proposed_by")
        .filter(pk=pair_id)
        .first()
    )
    if pair is None or not can_take_part_in_one_on_one(
        viewer, participant_ids=pair.participant_ids()
    ):
        raise Http404(_("No such 1:1."))
    return pair


@dataclass
class PairPage:
    summary: PairSummary
    meetings: list[Meeting]
    agenda: list[AgendaLine]
    actions: list[ActionItem]
    check_ins: list[CheckInView]
    rules: TouchpointSettings


def pair_page_for_viewer(
    viewer: Viewer, pair_id: int, *, now: dt.datetime | None = None
) -> PairPage:
    now = now or timezone.now()
    pair = pair_for_viewer(viewer, pair_id)
    planned = list(
        pair.meetings.filter(
            status=Status.PLANNED, starts_at__gte=now - dt.timedelta(hours=12)
        ).order_by("starts_at")
    )
    pair.planned = planned  # type: ignore[attr-defined]  # as the prefetch of the list does
    summary = _summary(viewer, pair, last_held_by_pair([pair.pk]).get(pair.pk), now)
    meetings = list(pair.meetings.order_by("-starts_at")[:20])
    agenda = _open_agenda(viewer, pair, current=summary.next_meeting)
    return PairPage(
        summary=summary,
        meetings=meetings,
        agenda=agenda,
        actions=list(pair.actions.select_related("owner").order_by("done_at", "due_on", "id")[:50]),
        check_ins=_pair_check_ins(viewer, pair),
        rules=TouchpointSettings.current(),
    )


def _open_agenda(viewer: Viewer, pair: OneOnOne, *, current: Meeting | None) -> list[AgendaLine]:
    items = pair.agenda.filter(done_at__isnull=True).select_related("added_by", "added_for")
    me = viewer.person.pk if viewer.person else None
    lines = []
    for item in items:
        carried = (
            item.added_for is not None
            and (current is None or item.added_for_id != current.pk)
            and item.added_for.status == Status.HELD
        )
        carried = carried or (
            current is not None and item.added_for is None and item.created_at < current.created_at
        )
        lines.append(
            AgendaLine(item=item, carried_over=carried, added_by_me=item.added_by_id == me)
        )
    return lines


def meeting_page_for_viewer(
    viewer: Viewer, meeting_id: int, *, now: dt.datetime | None = None
) -> MeetingPage:
    now = now or timezone.now()
    meeting = (
        Meeting.objects.select_related("one_on_one__manager", "one_on_one__report")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None or not can_take_part_in_one_on_one(
        viewer, participant_ids=meeting.one_on_one.participant_ids()
    ):
        raise Http404(_("No such 1:1."))
    pair = meeting.one_on_one
    own = PrivateNote.objects.filter(meeting=meeting, author=viewer.person).first()
    note = (
        own.text
        if own is not None and can_read_private_note(viewer, author_id=own.author_id)
        else ""
    )
    return MeetingPage(
        meeting=meeting,
        pair=pair,
        viewer_is_manager=viewer.person is not None and pair.manager_id == viewer.person.pk,
        agenda=_open_agenda(viewer, pair, current=meeting)
        if meeting.status == Status.PLANNED
        else [],
        done_here=list(AgendaItem.objects.filter(done_in=meeting).select_related("added_by")),
        actions=list(
            pair.actions.filter(Q(meeting=meeting) | Q(done_at__isnull=True)).select_related(
                "owner"
            )
        ),
        private_note=note,
        check_ins=_pair_check_ins(viewer, pair, limit=4),
        can_hold=meeting.status == Status.PLANNED
        and meeting.starts_at <= now + dt.timedelta(days=1),
    )


def _view(viewer: Viewer, check_in: CheckIn) -> CheckInView:
    pair = check_in.one_on_one
    shared = pair.participant_ids() - {check_in.author_id} if pair else set()
    if not can_read_check_in(viewer, author_id=check_in.author_id, shared_with_ids=shared):
        raise Http404(_("No such check-in."))
    shared_with = ""
    if pair is not None:
        shared_with = (
            pair.report if pair.manager_id == check_in.author_id else pair.manager
        ).display_name
    mine = viewer.person is not None and check_in.author_id == viewer.person.pk
    return CheckInView(check_in, CheckInContent.from_stored(check_in.content), mine, shared_with)


def _pair_check_ins(viewer: Viewer, pair: OneOnOne, *, limit: int = 10) -> list[CheckInView]:
    rows = CheckIn.objects.filter(one_on_one=pair).select_related(
        "one_on_one__manager", "one_on_one__report", "author"
    )[:limit]
    return [_view(viewer, c) for c in rows]


def my_check_ins_for_viewer(viewer: Viewer, *, limit: int = 30) -> list[CheckInView]:
    """The viewer's own check-ins, and those written for the viewer's 1:1s by the other side."""
    if viewer.person is None or private_data_on_hold(viewer.person) is not None:
        return []
    me = viewer.person.pk
    rows = (
        CheckIn.objects.filter(
            Q(author_id=me) | (Q(one_on_one__manager_id=me) | Q(one_on_one__report_id=me))
        )
        .select_related("one_on_one__manager", "one_on_one__report", "author")
        .order_by("-written_on", "-id")[:limit]
    )
    return [_view(viewer, c) for c in rows]


def check_in_for_viewer(viewer: Viewer, check_in_id: int) -> CheckIn:
    check_in = CheckIn.objects.select_related("one_on_one").filter(pk=check_in_id).first()
    if check_in is None:
        raise Http404(_("No such check-in."))
    _view(viewer, check_in)
    return check_in


def my_touchpoints_data(person: Any) -> dict[str, Any]:
    """The personal data export: the person's 1:1s with their agendas, shared notes and
    action items, their own private notes and their own check-ins (never anyone else's
    private notes). Held back while a changed sign-in address is unconfirmed (decision 0011)."""
    held = private_data_on_hold(person)
    if held is not None:
        return {"held_until": held.isoformat()}
    pairs = OneOnOne.objects.filter(Q(manager=person) | Q(report=person)).select_related(
        "manager", "report"
    )
    out = []
    for pair in pairs:
        out.append(
            {
                "with": (
                    pair.report if pair.manager_id == person.pk else pair.manager
                ).display_name,
                "role": "manager" if pair.manager_id == person.pk else "report",
                "kind": pair.kind,
                "cadence_days": pair.cadence_days,
                "meetings": [
                    {
                        "starts_at": m.starts_at.isoformat(),
                        "status": m.status,
                        "shared_notes": m.shared_notes,
                        "my_private_note": next(
                            (n.text for n in m.private_notes.all() if n.author_id == person.pk), ""
                        ),
                    }
                    for m in pair.meetings.prefetch_related("private_notes").order_by("starts_at")
                ],
                "agenda": [
                    {"text": a.text, "done": a.done_at is not None} for a in pair.agenda.all()
                ],
                "actions": [
                    {
                        "text": a.text,
                        "owner": a.owner.display_name,
                        "due_on": a.due_on.isoformat() if a.due_on else None,
                        "done": a.done_at is not None,
                    }
                    for a in pair.actions.select_related("owner")
                ],
            }
        )
    check_ins = [
        {
            "written_on": c.written_on.isoformat(),
            "shared_with_one_on_one": c.one_on_one_id is not None,
            **CheckInContent.from_stored(c.content).__dict__,
        }
        for c in CheckIn.objects.filter(author=person).order_by("written_on")
    ]
    return {"one_on_ones": out, "check_ins": check_ins}
