"""Connect in chat tools (kith.notify.channels): how a match's shared conversation reads, and
the buttons in it — "We met", "Not yet", "Couldn't", "Pause me" — which run the same services
as the match page, so an answer in Slack or Matrix is recorded exactly as one given in Kith."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone

from kith.connect import messages, services
from kith.connect.models import Match, MatchMember, Participation, Program
from kith.directory.models import Person
from kith.notify.channels import ActionRefused, ChatAction, ChatMessage

FOLLOW_UP = "connect.follow_up"
PAUSE = "connect.pause"
PAUSE_FOR = dt.timedelta(days=28)
# "Did you meet?" the first time, as the one reminder, and as the one re-ask after "Not yet".
ASKS = {"connect.follow_up": "", "connect.reminder": "Reminder: ", "connect.reask": "Once more: "}


def render_group(group_key: str, kind: str, people: Sequence[Person]) -> ChatMessage | None:
    """The one message a match's conversation gets: the intro, or "did you meet?"."""
    match = _match_of(group_key)
    if match is None:
        return None
    program = match.program
    everyone = names_in_match(match)
    link = messages.absolute(messages.match_path(match.pk))
    pause = ChatAction(PAUSE, str(program.pk), "Pause me")
    if kind in ASKS:
        return ChatMessage(
            subject=f"{ASKS[kind]}Did you meet? {everyone}",
            body=(
                f"A little while ago {program.name} introduced {everyone}. Did you get to "
                "meet? Each of you answers for yourself; it helps the next round suggest "
                "better matches."
            ),
            url=link,
            actions=(
                ChatAction(FOLLOW_UP, f"{match.pk}:yes", "We met", "primary"),
                ChatAction(FOLLOW_UP, f"{match.pk}:not_yet", "Not yet"),
                ChatAction(FOLLOW_UP, f"{match.pk}:no", "Couldn't"),
                pause,
            ),
        )
    if kind != "connect.intro":
        return None
    lines = [f"{program.name} introduces {everyone}.", ""]
    if match.explanation:
        lines.append(f"Why you: {match.explanation}")
    if match.meet_in_person_city:
        lines.append(f"You could meet in person in {match.meet_in_person_city}.")
    if match.suggested_times:
        lines.append(
            "Kith found times inside everyone's working hours; the match page shows them in "
            "your own time zone, with a calendar invite."
        )
    if match.kind != Match.Kind.INTRO:
        lines.append("Please confirm on the match page.")
    return ChatMessage(
        subject=f"{program.name}: meet {everyone}",
        body="\n".join(lines).strip(),
        url=link,
        actions=(pause,),
    )


def names_in_match(match: Match) -> str:
    people = [m.person for m in match.members.select_related("person").order_by("id")]
    return messages.names(people)


def _match_of(group_key: str) -> Match | None:
    _, _, raw = group_key.partition(":")
    if not raw.isdigit():
        return None
    return Match.objects.select_related("program").filter(pk=int(raw)).first()


def answer_follow_up(person: Person, value: str) -> str:
    raw_id, _, answer = value.partition(":")
    if not raw_id.isdigit() or answer not in ("yes", "no", "not_yet"):
        raise ActionRefused("This button is no longer in use.")
    member = (
        MatchMember.objects.select_related("match")
        .filter(match_id=int(raw_id), person=person)
        .first()
    )
    if member is None:
        raise ActionRefused("Only the people in this match can answer.")
    try:
        if answer == "not_yet":
            services.match_answer_not_yet(member=member)
            if member.reask_at is not None and member.reasked_at is None and not member.met:
                return f"Thanks, {person.display_name}: Kith will ask once more in a week."
            return f"Thanks, {person.display_name}: your answer is noted."
        services.match_answer_follow_up(member=member, met=answer == "yes")
    except ValidationError as exc:
        raise ActionRefused(" ".join(exc.messages)) from exc
    # Neutral on purpose: where a chat tool cannot answer one person privately (a Matrix room),
    # the others see this line, and whether someone met is theirs to tell.
    return f"Thanks, {person.display_name}: your answer is noted."


def pause_me(person: Person, value: str) -> str:
    program = Program.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if program is None:
        raise ActionRefused("This program no longer exists.")
    row = Participation.objects.filter(program=program, person=person).first()
    if row is not None and row.status == Participation.Status.LEFT:
        # An old message must not sign them up again.
        raise ActionRefused(f"You left {program.name}; nothing to pause.")
    until = timezone.localdate() + PAUSE_FOR
    if row is not None and row.paused_until is not None and row.paused_until >= until:
        already = f"{row.paused_until:%-d %B}"
        return f"{person.display_name} is already paused in {program.name} until {already}."
    try:
        services.participation_pause(program=program, person=person, until=until)
    except ValidationError as exc:
        raise ActionRefused(" ".join(exc.messages)) from exc
    return (
        f"{person.display_name} is paused in {program.name} until {until:%-d %B}. "
        f"Resume any time: {messages.absolute(f'/connect/programs/{program.pk}/')}"
    )
