"""Connect in chat tools (kith.notify.channels): how a match's shared conversation reads, and
the buttons in it — "We met", "Not yet", "Couldn't", "Pause me" — which run the same services
as the match page, so an answer in Slack or Matrix is recorded exactly as one given in Kith."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.connect import messages, services
from kith.connect.models import Match, MatchMember, Participation, Program
from kith.directory.models import Person
from kith.notify.channels import ActionRefused, ChatAction, ChatMessage

FOLLOW_UP = "connect.follow_up"
PAUSE = "connect.pause"
PAUSE_FOR = dt.timedelta(days=28)
# "Did you meet?" the first time, as the one reminder, and as the one re-ask after "Not yet".
ASKS = {
    "connect.follow_up": gettext_lazy("Did you meet? %(names)s"),
    "connect.reminder": gettext_lazy("Reminder: Did you meet? %(names)s"),
    "connect.reask": gettext_lazy("Once more: Did you meet? %(names)s"),
}


def render_group(group_key: str, kind: str, people: Sequence[Person]) -> ChatMessage | None:
    """The one message a match's conversation gets: the intro, or "did you meet?"."""
    match = _match_of(group_key)
    if match is None:
        return None
    program = match.program
    everyone = names_in_match(match)
    link = messages.absolute(messages.match_path(match.pk))
    pause = ChatAction(PAUSE, str(program.pk), _("Pause me"))
    words = {"program": program.name, "names": everyone}
    if kind in ASKS:
        return ChatMessage(
            subject=ASKS[kind] % words,
            body=_(
                "A little while ago %(program)s introduced %(names)s. Did you get to meet? Each "
                "of you answers for yourself; it helps the next round suggest better matches."
            )
            % words,
            url=link,
            actions=(
                ChatAction(FOLLOW_UP, f"{match.pk}:yes", _("We met"), "primary"),
                ChatAction(FOLLOW_UP, f"{match.pk}:not_yet", _("Not yet")),
                ChatAction(FOLLOW_UP, f"{match.pk}:no", _("Couldn't")),
                pause,
            ),
        )
    if kind != "connect.intro":
        return None
    lines = [_("%(program)s introduces %(names)s.") % words, ""]
    if match.explanation:
        lines.append(_("Why you: %(why)s") % {"why": match.explanation})
    if match.meet_in_person_city:
        lines.append(
            _("You could meet in person in %(city)s.") % {"city": match.meet_in_person_city}
        )
    if match.suggested_times:
        lines.append(
            _(
                "Kith found times inside everyone's working hours; the match page shows them "
                "in your own time zone, with a calendar invite."
            )
        )
    if match.kind != Match.Kind.INTRO:
        lines.append(_("Please confirm on the match page."))
    return ChatMessage(
        subject=_("%(program)s: meet %(names)s") % words,
        body="\n".join(lines).strip(),
        url=link,
        actions=(pause,),
    )


def names_in_match(match: Match) -> str:
    people = [m.person for m in match.members.select_related("person").order_by("id")]
    return messages.names(people)


def _match_of(group_key: str) -> Match | None:
    raw = group_key.partition(":")[2]
    if not raw.isdigit():
        return None
    return Match.objects.select_related("program").filter(pk=int(raw)).first()


def answer_follow_up(person: Person, value: str) -> str:
    raw_id, _colon, answer = value.partition(":")
    if not raw_id.isdigit() or answer not in ("yes", "no", "not_yet"):
        raise ActionRefused(_("This button is no longer in use."))
    member = (
        MatchMember.objects.select_related("match")
        .filter(match_id=int(raw_id), person=person)
        .first()
    )
    if member is None:
        raise ActionRefused(_("Only the people in this match can answer."))
    try:
        if answer == "not_yet":
            services.match_answer_not_yet(member=member)
            if member.reask_at is not None and member.reasked_at is None and not member.met:
                return _("Thanks, %(name)s: Kith will ask once more in a week.") % {
                    "name": person.display_name
                }
            return _("Thanks, %(name)s: your answer is noted.") % {"name": person.display_name}
        services.match_answer_follow_up(member=member, met=answer == "yes")
    except ValidationError as exc:
        raise ActionRefused(" ".join(exc.messages)) from exc
    # Neutral on purpose: where a chat tool cannot answer one person privately (a Matrix room),
    # the others see this line, and whether someone met is theirs to tell.
    return _("Thanks, %(name)s: your answer is noted.") % {"name": person.display_name}


def pause_me(person: Person, value: str) -> str:
    program = Program.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if program is None:
        raise ActionRefused(_("This program no longer exists."))
    row = Participation.objects.filter(program=program, person=person).first()
    if row is not None and row.status == Participation.Status.LEFT:
        # An old message must not sign them up again.
        raise ActionRefused(
            _("You left %(program)s; nothing to pause.") % {"program": program.name}
        )
    until = timezone.localdate() + PAUSE_FOR
    if row is not None and row.paused_until is not None and row.paused_until >= until:
        return _("%(name)s is already paused in %(program)s until %(day)s.") % {
            "name": person.display_name,
            "program": program.name,
            "day": date_format(row.paused_until, "j F"),
        }
    try:
        services.participation_pause(program=program, person=person, until=until)
    except ValidationError as exc:
        raise ActionRefused(" ".join(exc.messages)) from exc
    return _("%(name)s is paused in %(program)s until %(day)s. Resume any time: %(url)s") % {
        "name": person.display_name,
        "program": program.name,
        "day": date_format(until, "j F"),
        "url": messages.absolute(f"/connect/programs/{program.pk}/"),
    }
