"""Every Connect write: programs, taking part, do-not-pair lists, follow-up answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.accounts.models import User
from kith.connect.models import DoNotPair, Match, MatchMember, Participation, Program
from kith.connect.selectors import is_in_audience
from kith.core import audit
from kith.directory.models import OrgUnit, Person

MAX_PAUSE_DAYS = 366
MAX_TOPICS = 10


@transaction.atomic
def program_save(
    *,
    program: Program | None,
    fields: dict[str, Any],
    org_units: list[OrgUnit],
    actor: User,
) -> Program:
    """Create or change a program. `fields` are model field values (already parsed)."""
    creating = program is None
    if program is not None and program.rounds.exists():
        for locked in ("kind", "group_size"):
            if locked in fields and fields[locked] != getattr(program, locked):
                raise ValidationError(
                    {
                        locked: _(
                            "%(field)s: this program already has rounds, so it stays as it is; "
                            "create a new program instead."
                        )
                        % {"field": locked}
                    }
                )
    program = program or Program(created_by=actor)
    for name, value in fields.items():
        setattr(program, name, _no_nul(value))
    if program.kind == Program.Kind.LUNCH and program.group_size < 3:
        raise ValidationError({"group_size": _("Lunch groups have 3 or 4 people.")})
    if program.kind != Program.Kind.LUNCH and program.group_size != 2:
        raise ValidationError({"group_size": _("Only lunch groups are bigger than a pair.")})
    if program.audience == Program.Audience.ORG_UNITS and not org_units:
        raise ValidationError({"org_units": _("Choose at least one team or department.")})
    program.full_clean()
    program.save()
    program.org_units.set(org_units if program.audience == Program.Audience.ORG_UNITS else [])
    audit.record(
        actor=actor,
        action="connect.program_created" if creating else "connect.program_changed",
        target=f"program:{program.pk}",
        name=program.name,
    )
    return program


def _no_nul(value: Any) -> Any:
    """No database stores NUL in text (PostgreSQL refuses it): drop it from what people send."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def _require_audience(program: Program, person: Person) -> None:
    if not program.is_active:
        raise ValidationError(_("This program has ended."))
    if not is_in_audience(program, person):
        raise ValidationError(_("This program is not open to you."))


@transaction.atomic
def participation_join(
    *,
    program: Program,
    person: Person,
    role: str = "",
    capacity: int = 0,
    topics: list[str] | None = None,
) -> Participation:
    """Join (or re-join) a program; also clears a pause and the "still interested?" question.
    Mentoring programs need a role: a mentor offers capacity and topics, a mentee goals."""
    _require_audience(program, person)
    clean_topics = _clean_topics(topics or [])
    if program.kind == Program.Kind.MENTORING:
        if role not in ("mentor", "mentee"):
            raise ValidationError({"role": _("Choose whether you join as a mentor or a mentee.")})
        if not clean_topics:
            raise ValidationError({"topics": _("Name at least one topic.")})
        if role == "mentor" and not 1 <= capacity <= 5:
            raise ValidationError({"capacity": _("A mentor takes between 1 and 5 mentees.")})
    else:
        role, capacity, clean_topics = "", 0, []
    row, _created = Participation.objects.update_or_create(
        program=program,
        person=person,
        defaults={
            "status": Participation.Status.ACTIVE,
            "paused_until": None,
            "needs_confirmation": False,
            "confirmed_at": timezone.now(),
            "role": role,
            "capacity": capacity if role == "mentor" else 0,
            "topics": clean_topics,
        },
    )
    return row


def _clean_topics(topics: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for topic in topics:
        name = " ".join(str(topic).replace("\x00", "").split())[:60]
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    if len(seen) > MAX_TOPICS:
        raise ValidationError({"topics": _("At most %(n)d topics, please.") % {"n": MAX_TOPICS}})
    return list(seen.values())


@transaction.atomic
def participation_leave(*, program: Program, person: Person) -> Participation:
    row, _created = Participation.objects.update_or_create(
        program=program,
        person=person,
        defaults={"status": Participation.Status.LEFT, "paused_until": None},
    )
    return row


@transaction.atomic
def participation_pause(
    *, program: Program, person: Person, until: dt.date, today: dt.date | None = None
) -> Participation:
    """No intros up to and including `until`: the polite way out for a busy month."""
    today = today or timezone.localdate()
    _require_audience(program, person)
    if until < today:
        raise ValidationError({"until": _("Choose a date from today on.")})
    if until > today + dt.timedelta(days=MAX_PAUSE_DAYS):
        raise ValidationError(
            {"until": _("Pause for at most a year (366 days); you can leave instead.")}
        )
    row, _created = Participation.objects.update_or_create(
        program=program,
        person=person,
        defaults={"status": Participation.Status.ACTIVE, "paused_until": until},
    )
    return row


@transaction.atomic
def participation_resume(*, program: Program, person: Person) -> Participation:
    """End a pause and answer "yes" to "still up for meeting colleagues?"."""
    _require_audience(program, person)
    row, _created = Participation.objects.update_or_create(
        program=program,
        person=person,
        defaults={
            "status": Participation.Status.ACTIVE,
            "paused_until": None,
            "needs_confirmation": False,
            "confirmed_at": timezone.now(),
        },
    )
    return row


def do_not_pair_add(*, person: Person, other: Person) -> DoNotPair:
    if other.pk == person.pk:
        raise ValidationError({"other": _("That is you.")})
    row, _created = DoNotPair.objects.get_or_create(person=person, other=other)
    return row


def do_not_pair_remove(*, person: Person, other_id: int) -> None:
    DoNotPair.objects.filter(person=person, other_id=other_id).delete()


@transaction.atomic
def match_answer_follow_up(*, member: MatchMember, met: bool) -> MatchMember:
    """ "Did you meet?" Answering also counts as being active in the program."""
    if member.match.kind != Match.Kind.INTRO and member.match.kind != Match.Kind.BUDDY:
        raise ValidationError(_("This match has no follow-up question."))
    member.met = MatchMember.Met.YES if met else MatchMember.Met.NO
    member.answered_at = timezone.now()
    member.save(update_fields=["met", "answered_at"])
    return member


REASK_AFTER = dt.timedelta(days=7)


def match_answer_not_yet(*, member: MatchMember, now: dt.datetime | None = None) -> MatchMember:
    """ "Not yet": no answer recorded, and "did you meet?" comes once more a week later (only
    once: a second "not yet" just leaves it open)."""
    if member.match.kind != Match.Kind.INTRO and member.match.kind != Match.Kind.BUDDY:
        raise ValidationError(_("This match has no follow-up question."))
    if member.reasked_at is None and not member.met:
        member.reask_at = (now or timezone.now()) + REASK_AFTER
        member.save(update_fields=["reask_at"])
    return member


@transaction.atomic
def match_confirm(*, member: MatchMember, accept: bool) -> MatchMember:
    """Mentoring and buddies: each side confirms. A decline ends the match for both; the pair
    is never proposed again and the mentee or joiner goes back into the next round."""
    if member.match.kind == Match.Kind.INTRO:
        raise ValidationError(_("Intros need no confirmation."))
    if member.declined_at or member.confirmed_at:
        raise ValidationError(_("You have already answered."))
    now = timezone.now()
    if accept:
        member.confirmed_at = now
        member.save(update_fields=["confirmed_at"])
    else:
        member.declined_at = now
        member.save(update_fields=["declined_at"])
    _tell_the_others(member, accepted=accept)
    return member


def _tell_the_others(member: MatchMember, *, accepted: bool) -> None:
    """The other side hears the answer: they are waiting on it."""
    from kith.connect.messages import first_name, in_language_of, match_path
    from kith.notify.services import notification_send

    program = member.match.program
    name = member.person.display_name
    for other in MatchMember.objects.filter(match=member.match).exclude(pk=member.pk):
        words = {"program": program.name, "name": name, "reader": first_name(other.person)}
        with in_language_of(other.person):
            if accepted:
                subject = _("%(program)s: %(name)s said yes") % words
                body = _("Hi %(reader)s,\n\n%(name)s is in. Time to say hello!") % words
            else:
                subject = _("%(program)s: %(name)s cannot take this on now") % words
                body = (
                    _(
                        "Hi %(reader)s,\n\n%(name)s cannot take this on right now. "
                        "No hard feelings: the next round finds you someone else."
                    )
                    % words
                )
        notification_send(
            person=other.person,
            subject=subject,
            body=body,
            url=match_path(member.match_id),
            kind="connect.answer",
        )
