"""Every write of a town hall: asking, voting, withdrawing, moderating, its settings and its
notes. Keyword-only, validated, one transaction each (docs/events.md, "Town halls").

An anonymous question is unlinkable by construction: its row has no author and no time finer
than the day, its key is random, and on PostgreSQL the event's questions are rewritten in
random order in the same transaction (kith/events/storage.py). Asking anonymously writes
nothing else at all: no audit row, no log line, no throttle counter, nothing in the session.
Votes are not audited either: an audit row per vote, with its time, would say who voted
first for a question, which is often who asked it.

Every write locks the event row first (`FOR NO KEY UPDATE`), so the PostgreSQL rewrites never
race each other or a moderator's change. The lock leaves the writing transaction's id on the
event row, never on anything that names a person.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core import audit
from kith.core.permissions import Viewer
from kith.directory.models import Person
from kith.events import messages, storage
from kith.events.engine.town_hall import (
    MAX_NOTES,
    MAX_OPEN_QUESTIONS,
    MAX_QUESTION,
    MAX_REASON,
    MIN_ANONYMOUS_AUDIENCE,
    asking_open,
    clean_block,
    clean_line,
    is_storable,
    same_question_key,
)
from kith.events.models import Event, Question, QuestionVote, Rsvp, TownHall
from kith.events.town_hall_selectors import TownHallAccess, town_hall_access

State = Question.State


ANONYMOUS_NOT_OFFERED = format_lazy(
    gettext_lazy(
        "Anonymous asking is not offered for such a small audience: fewer than {n} people "
        "besides the organisers can ask here, so an anonymous question would point to whoever "
        "asked it. Ask with your name, or speak to an organiser."
    ),
    n=MIN_ANONYMOUS_AUDIENCE,
)


class NoSuchTownHall(Exception):
    """The event or question is not there for this viewer (pages and API: 404)."""


class QuestionsClosed(ValidationError):
    """Questions and votes have closed for this town hall (API: 409)."""


class QuestionConflict(ValidationError):
    """The request does not fit the question's or the town hall's state (API: 409)."""


# --- helpers --------------------------------------------------------------------------------


def _access(viewer: Viewer, event_id: int, now: dt.datetime | None) -> TownHallAccess:
    access = town_hall_access(viewer, event_id, now=now)
    if access is None:
        raise NoSuchTownHall("No such town hall.")
    return access


def _lock(access: TownHallAccess) -> TownHall:
    """Lock the event row (see the module's note) and read the settings afresh."""
    Event.objects.select_for_update(no_key=True).filter(pk=access.event.pk).values("pk").get()
    return TownHall.objects.filter(event_id=access.event.pk).first() or TownHall(
        event_id=access.event.pk
    )


def _require_open(access: TownHallAccess, settings: TownHall) -> None:
    if not asking_open(access.now, access.event.ends_at, settings.notes_published_at):
        raise QuestionsClosed("Questions for this town hall are closed.")


def _require_asker(access: TownHallAccess) -> Person:
    if not access.may_ask or not access.me:
        raise PermissionDenied(_("Only colleagues in the directory ask and vote on questions."))
    return Person.objects.get(pk=access.me)


def _require_moderator(access: TownHallAccess) -> None:
    if not access.moderator:
        raise PermissionDenied(_("Only the town hall's organisers and HR moderate its questions."))


def _question(access: TownHallAccess, question_id: uuid.UUID) -> Question:
    """The question, if this viewer may see it at all (as the selectors decide)."""
    seen = Q() if access.moderator else Q(state=State.SHOWN) | Q(author_id=access.me or -1)
    found = Question.objects.filter(seen, event_id=access.event.pk, pk=question_id).first()
    if found is None:
        raise NoSuchTownHall("No such question.")
    return found


def _text(value: str, *, field: str, limit: int, empty: str, block: bool = False) -> str:
    if not is_storable(value):
        raise ValidationError({field: "This is not valid text: remove the unusual characters."})
    text = clean_block(value) if block else clean_line(value)
    if not text:
        raise ValidationError({field: empty})
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("Keep it to %(limit)d characters: this has %(n)d.")
                % {"limit": limit, "n": len(text)}
            }
        )
    return text


def _record(viewer: Viewer, action: str, access: TownHallAccess, **detail: object) -> None:
    audit.record(
        actor=viewer.user, action=f"events.{action}", target=f"event:{access.event.pk}", **detail
    )


# --- asking, voting, withdrawing ------------------------------------------------------------


def question_ask(
    *,
    viewer: Viewer,
    event_id: int,
    text: str,
    anonymous: bool,
    now: dt.datetime | None = None,
) -> Question:
    """Ask a question, named or anonymous. It is shown at once, or waits for a moderator when
    the town hall needs approval (the same rule for everyone, so a question's state never
    tells who asked it). Anonymously only where at least k people besides the organisers
    and moderators could have asked (`TownHallAccess.anonymous_offered`)."""
    access = _access(viewer, event_id, now)
    person = _require_asker(access)
    if anonymous and not access.anonymous_offered:
        raise ValidationError({"anonymous": ANONYMOUS_NOT_OFFERED})
    text = _text(text, field="text", limit=MAX_QUESTION, empty="Write your question first.")
    with transaction.atomic():
        settings = _lock(access)
        _require_open(access, settings)
        _require_room_and_new(access, text)
        question = Question.objects.create(
            event_id=access.event.pk,
            text=text,
            author=None if anonymous else person,
            asked_on=access.now.astimezone(dt.UTC).date(),
            state=State.WAITING if settings.approval_needed else State.SHOWN,
        )
        storage.rows_shuffle(Question._meta.db_table, column="event_id", value=access.event.pk)
        if not anonymous:
            _record(viewer, "question_asked", access, question=str(question.pk))
    return question


def _require_room_and_new(access: TownHallAccess, text: str) -> None:
    waiting_or_shown = Question.objects.filter(
        event_id=access.event.pk, state__in=(State.WAITING, State.SHOWN)
    )
    if waiting_or_shown.count() >= MAX_OPEN_QUESTIONS:
        raise QuestionConflict(
            _("This town hall has %(n)d questions already: vote for the ones you want answered.")
            % {"n": MAX_OPEN_QUESTIONS}
        )
    key = same_question_key(text)
    if not key:
        return
    # Only against what the asker can see: a hidden or waiting question stays unseen.
    seen = waiting_or_shown.filter(Q(state=State.SHOWN) | Q(author_id=access.me))
    if any(same_question_key(other) == key for other in seen.values_list("text", flat=True)):
        raise QuestionConflict("That question is already there: give it a vote instead.")


def question_vote(
    *,
    viewer: Viewer,
    event_id: int,
    question_id: uuid.UUID,
    up: bool,
    now: dt.datetime | None = None,
) -> bool:
    """Upvote a shown question (once), or take the vote back. Returns whether the viewer's
    vote now stands."""
    access = _access(viewer, event_id, now)
    person = _require_asker(access)
    with transaction.atomic():
        settings = _lock(access)
        question = _question(access, question_id)
        _require_open(access, settings)
        if question.state != State.SHOWN:
            raise QuestionConflict("Only questions on show take votes.")
        votes = QuestionVote.objects.filter(question=question, person=person)
        if not up:
            votes.delete()
            return False
        if not votes.exists():
            QuestionVote.objects.create(question=question, person=person)
            storage.rows_shuffle(
                QuestionVote._meta.db_table, column="question_id", value=question.pk
            )
    return True


def question_withdraw(
    *, viewer: Viewer, event_id: int, question_id: uuid.UUID, now: dt.datetime | None = None
) -> None:
    """The author takes back a named question (and its votes go with it). An anonymous one
    cannot be taken back by anyone but the moderators, who can hide it: nothing says whose
    it is."""
    access = _access(viewer, event_id, now)
    with transaction.atomic():
        _lock(access)
        question = _question(access, question_id)
        if not access.me or question.author_id != access.me:
            raise PermissionDenied(_("Only the person who asked a named question can withdraw it."))
        question.delete()
        _record(viewer, "question_withdrawn", access)


# --- moderation -----------------------------------------------------------------------------


def question_approve(
    *, viewer: Viewer, event_id: int, question_id: uuid.UUID, now: dt.datetime | None = None
) -> Question:
    """Show a question that waited for approval, or one that was hidden."""
    access = _access(viewer, event_id, now)
    _require_moderator(access)
    with transaction.atomic():
        _lock(access)
        question = _question(access, question_id)
        question.state, question.hidden_reason = State.SHOWN, ""
        question.save(update_fields=["state", "hidden_reason"])
        _record(viewer, "question_shown", access, question=str(question.pk))
    return question


def question_hide(
    *,
    viewer: Viewer,
    event_id: int,
    question_id: uuid.UUID,
    reason: str,
    now: dt.datetime | None = None,
) -> Question:
    """Hide a question from everyone but the moderators (and its named author), with a reason
    the other moderators can read."""
    access = _access(viewer, event_id, now)
    _require_moderator(access)
    reason = _text(
        reason, field="reason", limit=MAX_REASON, empty="Say why, for the other moderators."
    )
    with transaction.atomic():
        _lock(access)
        question = _question(access, question_id)
        question.state, question.hidden_reason = State.HIDDEN, reason
        question.save(update_fields=["state", "hidden_reason"])
        _record(viewer, "question_hidden", access, question=str(question.pk))
    return question


def question_mark_answered(
    *,
    viewer: Viewer,
    event_id: int,
    question_id: uuid.UUID,
    answered: bool,
    now: dt.datetime | None = None,
) -> Question:
    """Mark a question answered (a waiting one is shown too: it was answered in the open),
    or not answered after all. A hidden question is shown again first."""
    access = _access(viewer, event_id, now)
    _require_moderator(access)
    with transaction.atomic():
        _lock(access)
        question = _question(access, question_id)
        if question.state == State.HIDDEN:
            raise QuestionConflict("This question is hidden: show it again first.")
        question.answered = answered
        if answered:
            question.state = State.SHOWN
        question.save(update_fields=["answered", "state"])
        verb = "question_answered" if answered else "question_unanswered"
        _record(viewer, verb, access, question=str(question.pk))
    return question


# --- settings and notes ---------------------------------------------------------------------


def town_hall_settings_update(
    *, viewer: Viewer, event_id: int, approval_needed: bool, now: dt.datetime | None = None
) -> TownHall:
    """Whether new questions wait for a moderator. Switching approval off shows nothing by
    itself: questions already waiting stay for the moderators to decide."""
    access = _access(viewer, event_id, now)
    _require_moderator(access)
    with transaction.atomic():
        settings = _lock(access)
        settings.approval_needed = approval_needed
        settings.save()
        _record(viewer, "town_hall_settings", access, approval_needed=approval_needed)
    return settings


def town_hall_notes_publish(
    *, viewer: Viewer, event_id: int, notes: str, now: dt.datetime | None = None
) -> TownHall:
    """The organisers' notes afterwards (what was answered, what follows), shown to everyone
    who can see the event. Publishing them closes questions. The first time, everyone who
    was going, asked a named question or voted hears of them."""
    access = _access(viewer, event_id, now)
    if not access.organiser:
        raise PermissionDenied(_("Only the town hall's organisers write its notes."))
    if not access.has_ended:
        raise QuestionConflict("Notes come after the event: write them once it has ended.")
    notes = _text(notes, field="notes", limit=MAX_NOTES, empty="Write the notes first.", block=True)
    with transaction.atomic():
        settings = _lock(access)
        first = settings.notes_published_at is None
        settings.notes = notes
        if first:
            settings.notes_published_at = access.now
        settings.save()
        _record(viewer, "town_hall_notes", access, first=first)
        if first:
            event_id_ = access.event.pk
            transaction.on_commit(lambda: _enqueue_notes_tell(event_id_))
    return settings


def _enqueue_notes_tell(event_id: int) -> None:
    from kith.events.tasks import tell_town_hall_notes

    tell_town_hall_notes.enqueue(event_id)


def notes_tell(*, event_id: int) -> int:
    """Tell everyone who was going, asked a named question or voted that the notes are up.
    Safe to run twice: whoever already has the message is skipped."""
    event = Event.objects.filter(pk=event_id).first()
    settings = TownHall.objects.filter(event_id=event_id).first()
    if event is None or settings is None or not settings.notes:
        return 0
    going = Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING).values("person_id")
    asked = Question.objects.filter(event=event, author__isnull=False).values("author_id")
    voted = QuestionVote.objects.filter(question__event=event).values("person_id")
    people = Person.objects.filter(is_active=True).filter(
        Q(pk__in=going) | Q(pk__in=asked) | Q(pk__in=voted)
    )
    told = 0
    for person in people.exclude(pk__in=messages.told_about_notes(event)).order_by("pk"):
        with transaction.atomic():
            messages.town_hall_notes_tell(event=event, person=person)
        told += 1
    return told
