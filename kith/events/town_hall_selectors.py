"""Every read of a town hall's questions, already authorised for the viewer (docs/events.md,
"Town halls"). The event page, its refreshing list and the API all call these.

Who sees what: everyone who can see the event sees its shown questions, their vote counts,
whether they voted themselves, and the names of named questions' authors; the author of a
named question also sees it while it waits or after it was hidden; moderators (organisers and
HR, `can_moderate_questions`) see every question and why one was hidden. Voters are never
listed, and nothing here can say who asked an anonymous question: nothing stores it.

Anonymous asking is offered only where enough people could have asked (`anonymous_audience`):
in an invitation-only town hall of three, an anonymous question is as good as signed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kith.communities.models import Membership
from kith.core.permissions import (
    HR_ADMINS_GROUP,
    Viewer,
    can_ask_anonymously,
    can_ask_questions,
    can_moderate_questions,
)
from kith.directory.models import OrgUnit, Person
from kith.events import selectors
from kith.events.engine.town_hall import (
    MIN_ANONYMOUS_AUDIENCE,
    asking_open,
    audience_hides_an_asker,
    is_live,
    questions_close_at,
)
from kith.events.models import Event, EventInvite, Question, QuestionVote, TownHall

State = Question.State
# The lists a viewer can choose: everyone sees the first two, moderators all four.
OPEN, ANSWERED, WAITING, HIDDEN = "open", "answered", "waiting", "hidden"
PUBLIC_VIEWS = (OPEN, ANSWERED)
MODERATOR_VIEWS = (OPEN, ANSWERED, WAITING, HIDDEN)
VIEW_LABELS = {
    OPEN: "Not answered yet",
    ANSWERED: "Answered",
    WAITING: "Waiting for approval",
    HIDDEN: "Hidden",
}
LIST_LIMIT = 500


@dataclass(frozen=True)
class TownHallAccess:
    """A town hall as one viewer may use it: what they may do, and its settings (a default,
    unsaved row when nobody changed any)."""

    card: selectors.EventCard
    settings: TownHall
    moderator: bool
    may_ask: bool  # may ask and vote at all (an active colleague)
    now: dt.datetime
    me: int = 0  # the viewer's person id (0: none)
    viewer: Viewer | None = field(default=None, repr=False, compare=False)

    @property
    def event(self) -> Event:
        return self.card.event

    @cached_property
    def anonymous_offered(self) -> bool:
        """Whether this viewer may ask anonymously here: only where at least k people besides
        the organisers and moderators could have asked (read on first use only: the list
        that refreshes itself never needs it)."""
        if self.viewer is None or not self.may_ask:
            return False
        audience = anonymous_audience(self.event)
        return can_ask_anonymously(self.viewer, audience_is_large=audience_hides_an_asker(audience))

    @property
    def anonymous_minimum(self) -> int:
        return MIN_ANONYMOUS_AUDIENCE

    @property
    def organiser(self) -> bool:
        return self.card.organiser

    @property
    def closes_at(self) -> dt.datetime:
        return questions_close_at(self.event.ends_at, self.settings.notes_published_at)

    @property
    def is_open(self) -> bool:
        return asking_open(self.now, self.event.ends_at, self.settings.notes_published_at)

    @property
    def live(self) -> bool:
        return is_live(self.now, self.event.starts_at, self.closes_at)

    @property
    def has_ended(self) -> bool:
        return self.now >= self.event.ends_at

    @property
    def may_write_notes(self) -> bool:
        """The organisers, once the event is over."""
        return self.organiser and self.has_ended

    @property
    def notes_published(self) -> bool:
        return self.settings.notes_published_at is not None and bool(self.settings.notes)

    @property
    def views(self) -> tuple[str, ...]:
        return MODERATOR_VIEWS if self.moderator else PUBLIC_VIEWS


def town_hall_access(
    viewer: Viewer,
    event_id: int,
    *,
    now: dt.datetime | None = None,
    card: selectors.EventCard | None = None,
) -> TownHallAccess | None:
    """None when the viewer cannot see the event, or it is not a town hall, or it is
    invitation-only and they are neither invited nor its organiser (HR sees such an event's
    counts, never its questions: named ones carry the names of people invited). `card` is
    `selectors.card_for_viewer(viewer, event_id)` when the page has read it already."""
    if card is None or card.event.pk != event_id:
        card = selectors.card_for_viewer(viewer, event_id)
    if card is None or card.event.kind != Event.Kind.TOWN_HALL or not card.takes_part:
        return None
    event = card.event
    settings = TownHall.objects.filter(event=event).first() or TownHall(event=event)
    confidential = bool(
        event.community_id
        and event.community
        and event.community.visibility == selectors.CONFIDENTIAL
    )
    person = viewer.person
    return TownHallAccess(
        card=card,
        settings=settings,
        moderator=can_moderate_questions(
            viewer,
            is_organiser=card.organiser,
            confidential=confidential,
            invite_only=event.invite_only,
        ),
        may_ask=can_ask_questions(viewer),
        now=now or timezone.now(),
        me=person.pk if person is not None and person.is_active else 0,
        viewer=viewer,
    )


def anonymous_audience(event: Event) -> int | None:
    """How many people other than the event's organisers and moderators can ask its
    questions, or None when every colleague can (an open event). As `selectors.may_see`
    decides who sees an event: an invitation-only event's active invitees (its creator, its
    only organiser, aside); a confidential community's active members (its leaders and the
    creator aside; an inactive community has none); a team's event, the active people of the
    unit and the units below it (its creator, the unit's managers and HR admins aside: they
    organise and moderate it). A few counting queries, asked only when needed."""
    creator = event.created_by_id
    if event.invite_only:
        invited = EventInvite.objects.filter(event=event, person__is_active=True)
        return invited.exclude(person_id=creator).count() if creator else invited.count()
    community = event.community if event.community_id else None
    if community is not None and community.visibility == selectors.CONFIDENTIAL:
        if not community.is_active:
            return 0
        members = Membership.objects.filter(
            community=community, status=Membership.Status.ACTIVE, person__is_active=True
        ).exclude(role__in=selectors.LEADING_ROLES)
        if creator:
            members = members.exclude(person_id=creator)
        return members.values("person_id").distinct().count()
    if event.host == Event.Host.TEAM:
        unit = None
        if event.org_unit_id is not None:
            unit = OrgUnit.objects.filter(pk=event.org_unit_id).only("path").first()
        if unit is None:
            return 0
        managers = Person.objects.filter(
            org_unit_id=unit.pk, is_active=True, manager__isnull=False
        ).values("manager_id")
        people = Person.objects.filter(is_active=True, org_unit__path__startswith=unit.path)
        people = people.exclude(pk__in=managers).exclude(email__in=_hr_admin_emails())
        return people.exclude(pk=creator).count() if creator is not None else people.count()
    return None


def _hr_admin_emails() -> list[str]:
    """The emails behind HR admins' and administrators' logins (directory emails are stored
    lower-case)."""
    users = get_user_model().objects.filter(Q(groups__name=HR_ADMINS_GROUP) | Q(is_superuser=True))
    return sorted(
        {(email or "").strip().lower() for email in users.values_list("email", flat=True)}
    )


@dataclass(frozen=True)
class QuestionRow:
    question: Question
    votes: int
    voted: bool  # the viewer upvoted it
    mine: bool  # a named question of the viewer's (never known for an anonymous one)
    author_name: str  # "" for an anonymous question
    hidden_reason: str | None  # moderators only

    @property
    def id(self) -> uuid.UUID:
        return self.question.pk

    @property
    def state(self) -> str:
        return self.question.state


@dataclass
class QuestionsPage:
    access: TownHallAccess
    view: str
    rows: list[QuestionRow]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def tabs(self) -> list[tuple[str, str, int]]:
        return [(v, VIEW_LABELS[v], self.counts.get(v, 0)) for v in self.access.views]


def _seen_by(access: TownHallAccess) -> Q:
    """The questions this viewer may see at all."""
    if access.moderator:
        return Q()
    mine = Q(author_id=access.me) if access.me else Q(pk__in=[])
    return Q(state=State.SHOWN) | mine


def _annotated(access: TownHallAccess) -> QuerySet[Question]:
    mine = QuestionVote.objects.filter(question=OuterRef("pk"), person_id=access.me)
    return (
        Question.objects.filter(event=access.event)
        .filter(_seen_by(access))
        .select_related("author")
        .annotate(vote_count=Count("votes"), viewer_voted=Exists(mine))
    )


def _in_view(view: str, access: TownHallAccess) -> Q:
    if view == ANSWERED:
        return Q(state=State.SHOWN, answered=True)
    if view == WAITING:
        return Q(state=State.WAITING)
    if view == HIDDEN:
        return Q(state=State.HIDDEN)
    not_answered = Q(state=State.SHOWN, answered=False)
    if not access.moderator and access.me:
        # The author sees their own named question while it waits or after it was hidden.
        not_answered |= Q(author_id=access.me) & ~Q(state=State.SHOWN)
    return not_answered


def _row(access: TownHallAccess, question: Question) -> QuestionRow:
    author = question.author if question.author_id else None
    return QuestionRow(
        question=question,
        votes=getattr(question, "vote_count", 0),
        voted=bool(getattr(question, "viewer_voted", False)),
        mine=bool(access.me) and question.author_id == access.me,
        author_name=author.display_name if author is not None else "",
        hidden_reason=question.hidden_reason if access.moderator else None,
    )


def questions_for_viewer(
    viewer: Viewer,
    event_id: int,
    *,
    view: str = OPEN,
    now: dt.datetime | None = None,
    card: selectors.EventCard | None = None,
) -> QuestionsPage | None:
    """One list of a town hall's questions, most votes first (ties: asked earlier first)."""
    access = town_hall_access(viewer, event_id, now=now, card=card)
    if access is None:
        return None
    if view not in access.views:
        view = OPEN
    rows = (
        _annotated(access)
        .filter(_in_view(view, access))
        .order_by("-vote_count", "asked_on", "id")[:LIST_LIMIT]
    )
    return QuestionsPage(
        access=access,
        view=view,
        rows=[_row(access, q) for q in rows],
        counts=_counts(access),
    )


def _counts(access: TownHallAccess) -> dict[str, int]:
    counts = Question.objects.filter(event=access.event).aggregate(
        open=Count("pk", filter=Q(state=State.SHOWN, answered=False)),
        answered=Count("pk", filter=Q(state=State.SHOWN, answered=True)),
        waiting=Count("pk", filter=Q(state=State.WAITING)),
        hidden=Count("pk", filter=Q(state=State.HIDDEN)),
    )
    return {view: counts[view] or 0 for view in access.views}


def question_for_viewer(
    viewer: Viewer, event_id: int, question_id: uuid.UUID, *, now: dt.datetime | None = None
) -> tuple[TownHallAccess, QuestionRow] | None:
    """One question this viewer may see, or None."""
    access = town_hall_access(viewer, event_id, now=now)
    if access is None:
        return None
    question = _annotated(access).filter(pk=question_id).first()
    if question is None:
        return None
    return access, _row(access, question)


def my_town_hall_data(person_id: int) -> dict[str, list[dict[str, Any]]]:
    """For the person's own export: their named questions and the questions they upvoted.
    Anonymous questions are not in it: nothing says whose they are."""
    asked = (
        Question.objects.filter(author_id=person_id)
        .select_related("event")
        .order_by("event__starts_at", "asked_on", "id")
    )
    voted = (
        QuestionVote.objects.filter(person_id=person_id)
        .select_related("question__event")
        .order_by("question__event__starts_at", "question__asked_on", "question_id")
    )
    return {
        "questions_asked": [
            {
                "event": q.event.title,
                "question": q.text,
                "asked_on": q.asked_on.isoformat(),
                "state": q.state,
                "answered": q.answered,
            }
            for q in asked
        ],
        "questions_upvoted": [
            {"event": v.question.event.title, "question": v.question.text} for v in voted
        ],
    }
