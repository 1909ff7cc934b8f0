"""Every Pulse write: campaigns, sending and closing waves, answering, reminders, action plans.

Nothing here logs, audits or enqueues anything that ties a person to their answers: the
answer path writes a Receipt (an HMAC nobody can match to an invitation without SECRET_KEY),
a Response and Comments (no person, only the invitation's stored group of at least k
invitees), in one transaction, and never writes to the invitation itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.accounts.models import User
from kith.core import audit
from kith.core.dates import org_today
from kith.core.disclosure import ledger
from kith.directory.models import OrgUnit, Person
from kith.notify.engine.calendar import invite_ics
from kith.notify.services import Attachment, language_of_people, notification_send
from kith.pulse import results as pulse_results
from kith.pulse import snapshot, wording
from kith.pulse.engine.instruments import INSTRUMENTS
from kith.pulse.engine.results import Tree
from kith.pulse.engine.storage import TooFewInvitees, storage_groups
from kith.pulse.models import (
    ATTRIBUTE_CHOICES,
    Action,
    Campaign,
    Comment,
    Invitation,
    Question,
    Receipt,
    Wave,
)
from kith.pulse.models import Response as SurveyResponse
from kith.pulse.questionnaire import items_for, numeric_items, text_items
from kith.pulse.receipts import has_answered, receipt_digest
from kith.pulse.storage import wave_rows_shuffle

log = logging.getLogger(__name__)
MAX_TEXT = 4000
ATTRIBUTES = {key for key, _label in ATTRIBUTE_CHOICES}
LOCKED_FIELDS = {
    "instruments": gettext_lazy("Instruments"),
    "attributes": gettext_lazy("Attributes"),
    "min_group": gettext_lazy("Minimum group size (k)"),
    "min_comment_group": gettext_lazy("Minimum group for comments"),
}


# --- Campaigns -------------------------------------------------------------------------------


@transaction.atomic
def campaign_save(
    *,
    campaign: Campaign | None,
    fields: Mapping[str, Any],
    org_units: Sequence[OrgUnit],
    questions: Sequence[Mapping[str, Any]] = (),
    actor: User,
) -> Campaign:
    """Create or change a campaign. Once a wave has been sent, what it asks, its audience
    attributes and its privacy thresholds are locked: changing them would change what the
    earlier answers were promised."""
    creating = campaign is None
    campaign = campaign or Campaign(created_by=actor)
    sent = not creating and campaign.waves.filter(sent_at__isnull=False).exists()
    if sent:
        for locked in ("instruments", "attributes", "min_group", "min_comment_group"):
            if locked in fields and fields[locked] != getattr(campaign, locked):
                raise ValidationError(
                    {
                        locked: _(
                            "%(field)s: locked, this campaign has been sent. Create a new campaign."
                        )
                        % {"field": LOCKED_FIELDS[locked]}
                    }
                )
        if questions:
            raise ValidationError(
                {"questions": _("Questions: locked, this campaign has been sent.")}
            )
    for name, value in fields.items():
        setattr(campaign, name, _clean_text(value) if isinstance(value, str) else value)
    unknown = [k for k in campaign.instruments if k not in INSTRUMENTS]
    if unknown:
        raise ValidationError(
            {"instruments": _("Instruments: unknown %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    bad = [a for a in campaign.attributes if a not in ATTRIBUTES]
    if bad:
        raise ValidationError(
            {"attributes": _("Attributes: unknown %(keys)s.") % {"keys": ", ".join(bad)}}
        )
    if len(set(campaign.instruments)) != len(campaign.instruments):
        raise ValidationError({"instruments": _("Instruments: each instrument at most once.")})
    if not campaign.instruments and not questions and creating:
        raise ValidationError(
            {"instruments": _("Instruments: choose at least one instrument or question.")}
        )
    if campaign.opens_on and campaign.closes_on and campaign.closes_on < campaign.opens_on:
        raise ValidationError(
            {"closes_on": _("Closes on: the closing day must be on or after the opening day.")}
        )
    if campaign.min_comment_group < campaign.min_group:
        raise ValidationError(
            {
                "min_comment_group": _(
                    "Minimum group for comments: at least the minimum group size (k), %(k)d."
                )
                % {"k": campaign.min_group}
            }
        )
    campaign.full_clean()
    campaign.save()
    if not sent:
        campaign.audience_units.set(org_units)
        if questions:
            campaign.questions.all().delete()
            for position, data in enumerate(questions):
                question = Question(campaign=campaign, position=position, **_question(data))
                question.full_clean(exclude=["campaign"])
                question.save()
    if campaign.waves.filter(sent_at__isnull=True).exists() or creating:
        _plan_waves(campaign)
    audit.record(
        actor=actor,
        action="pulse.campaign_created" if creating else "pulse.campaign_changed",
        target=f"campaign:{campaign.pk}",
        name=campaign.name,
    )
    return campaign


def _question(data: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(data.get("kind", ""))
    text = _clean_text(str(data.get("text", ""))).strip()
    if kind not in Question.Kind.values:
        raise ValidationError(
            {
                "questions": _(
                    "Questions: unknown kind “%(kind)s” (agree, choice, zero_to_ten, text)."
                )
                % {"kind": kind}
            }
        )
    if not text:
        raise ValidationError({"questions": _("Questions: a question needs its text.")})
    choices = [_clean_text(str(c)).strip() for c in data.get("choices") or [] if str(c).strip()]
    if kind == Question.Kind.CHOICE and not 2 <= len(choices) <= 10:
        raise ValidationError(
            {"questions": _("Questions: “%(text)s” needs 2 to 10 choices.") % {"text": text}}
        )
    return {"kind": kind, "text": text[:300], "choices": choices if kind == "choice" else []}


def _clean_text(value: str) -> str:
    return value.replace("\x00", "")


def _plan_waves(campaign: Campaign) -> None:
    """The next unsent wave follows the campaign's dates (and cadence)."""
    campaign.waves.filter(sent_at__isnull=True).delete()
    last = campaign.waves.order_by("-number").first()
    length = campaign.closes_on - campaign.opens_on
    if last is None:
        opens = campaign.opens_on
        number = 1
    elif campaign.cadence_weeks:
        opens = last.opens_on + dt.timedelta(weeks=campaign.cadence_weeks)
        number = last.number + 1
    else:
        return
    Wave.objects.create(campaign=campaign, number=number, opens_on=opens, closes_on=opens + length)


# --- Sending ---------------------------------------------------------------------------------


def audience(campaign: Campaign) -> Any:
    people = Person.objects.filter(is_active=True)
    paths = list(campaign.audience_units.values_list("path", flat=True))
    if paths:
        query = Q()
        for path in paths:
            query |= Q(org_unit__path__startswith=path)
        people = people.filter(query)
    return people


class WaveTooSmall(ValidationError):
    """A wave whose audience is under the campaign's minimum group is not sent: no answer
    could be stored in a group of at least k people."""


def wave_send(*, wave: Wave, now: dt.datetime | None = None, notify: bool = True) -> int:
    """Freeze the wave's questions, tree and attributes; invite the audience, each invitation
    with its true group and the group its answers will be stored under (engine/storage.py).
    Exactly once: the claim is a conditional update, so two schedulers never send a wave
    twice. An audience under the minimum group is refused (WaveTooSmall, with the reason
    kept in `results_error`) and the wave stays unsent."""
    now = now or timezone.now()
    claimed = Wave.objects.filter(pk=wave.pk, sent_at__isnull=True).update(sent_at=now)
    if not claimed:
        return 0
    wave.refresh_from_db()
    campaign = wave.campaign
    people = list(
        audience(campaign).only(
            "id", "org_unit_id", "country", "start_date", "employment_type", "timezone", "email"
        )
    )
    snap = snapshot.take(people, campaign.attributes, wave.opens_on)
    placements = [snap.placement[p.pk] for p in people]
    stored = _stored_groups(wave, snap.units, placements, len(campaign.attributes))
    with transaction.atomic():
        wave.items = items_for(campaign)
        wave.units = snap.units
        wave.attributes = [[a, snap.attribute_values[a]] for a in campaign.attributes]
        wave.invited = len(people)
        wave.results_error = ""
        wave.save(update_fields=["items", "units", "attributes", "invited", "results_error"])
        invitations = [
            Invitation(
                wave=wave,
                person=p,
                unit=unit,
                attrs=attrs,
                stored_unit=stored_unit,
                stored_attrs=stored_attrs,
            )
            for p, (unit, attrs), (stored_unit, stored_attrs) in zip(
                people, placements, stored, strict=True
            )
        ]
        Invitation.objects.bulk_create(invitations, batch_size=2000)
        if campaign.cadence_weeks:
            _plan_waves(campaign)
    if notify:
        _notify_invitees(wave, now=now)
    log.info("sent wave %s of campaign %s to %d people", wave.number, campaign.pk, len(people))
    return len(people)


def waves_send_due(*, today: dt.date | None = None) -> int:
    """The scheduler's sending: every wave whose opening day has come. A wave refused for a
    too small audience keeps its reason in `results_error` and is not tried again until HR
    changes the campaign (which plans the wave afresh) or presses "Send now"."""
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    sent = 0
    for wave in Wave.objects.filter(
        sent_at__isnull=True,
        opens_on__lte=today,
        closes_on__gte=today,
        campaign__is_active=True,
        results_error="",
    ).select_related("campaign"):
        try:
            sent += wave_send(wave=wave)
        except WaveTooSmall:
            continue  # logged and recorded on the wave by wave_send
    return sent


def _stored_groups(
    wave: Wave, units: Sequence[Sequence[object]], placements: Sequence[Any], width: int
) -> list[tuple[int, list[int]]]:
    """Each invitee's stored (unit, attribute codes), or WaveTooSmall (the claim undone)."""
    k = wave.campaign.min_group
    tree = Tree(parent=np.array([int(str(u[2])) for u in units], dtype=np.int64))
    unit = np.array([u for u, _codes in placements], dtype=np.int64)
    attrs = np.array([codes for _u, codes in placements], dtype=np.int64).reshape(unit.size, width)
    try:
        if unit.size < k:
            raise TooFewInvitees(f"{unit.size} invitees")
        stored_unit, stored_attrs = storage_groups(tree, unit, attrs, k)
    except TooFewInvitees:
        message = _(
            "“%(wave)s” was not sent: its audience has %(people)d people, fewer than the "
            "campaign's minimum group of %(k)d, so their answers could not be kept in a group "
            "of at least %(k)d. Widen the audience, or start a new campaign with a smaller "
            "minimum group."
        ) % {"wave": wave, "people": unit.size, "k": k}
        Wave.objects.filter(pk=wave.pk).update(sent_at=None, results_error=message)
        wave.refresh_from_db()
        log.warning(
            "wave %s of campaign %s not sent: %d invitees, fewer than k = %d",
            wave.number,
            wave.campaign_id,
            unit.size,
            k,
        )
        raise WaveTooSmall({"audience": message}) from None
    return list(zip(stored_unit.tolist(), stored_attrs.tolist(), strict=True))


def _notify_invitees(wave: Wave, *, now: dt.datetime, reminder: bool = False) -> int:
    """Every invitee, the reminder included: Kith does not know who has answered. Each is
    written in the invitee's own language (notify.language_of_people, one query a chunk)."""
    invitations = Invitation.objects.filter(wave=wave).select_related("person")
    sent = 0
    chunk: list[Invitation] = []
    for invitation in invitations.iterator(chunk_size=2000):
        chunk.append(invitation)
        if len(chunk) == 2000:
            sent += _notify_chunk(wave, chunk, now=now, reminder=reminder)
            chunk = []
    if chunk:
        sent += _notify_chunk(wave, chunk, now=now, reminder=reminder)
    return sent


def _notify_chunk(
    wave: Wave, chunk: Sequence[Invitation], *, now: dt.datetime, reminder: bool
) -> int:
    languages = language_of_people([i.person for i in chunk])
    name = wave.campaign.name
    for invitation in chunk:
        url = reverse("pulse:answer", args=[invitation.token])
        with translation.override(languages[invitation.person.pk]):
            closes = date_format(wave.closes_on, "j F")
            if reminder:
                subject = _("Reminder: %(survey)s closes %(closes)s") % {
                    "survey": name,
                    "closes": closes,
                }
                intro = _(
                    "If you have already answered, thank you — there is nothing more to do. "
                    "Kith cannot tell who answered, by design."
                )
            else:
                subject = _("%(survey)s: a few minutes, answered in confidence") % {"survey": name}
                intro = wave.campaign.description
            body = (f"{intro}\n\n" if intro else "") + _(
                "Your answers are never stored with your name: Kith keeps only your team as it "
                "was today and %(attributes)s, or less where fewer than %(k)d colleagues share "
                "them. Results show groups of at least %(k)d people. It closes on "
                "%(closes)s.\n\nYour personal link: %(link)s"
            ) % {
                "k": wave.campaign.min_group,
                "attributes": attributes_phrase(wave),
                "closes": closes,
                "link": f"{settings.KITH_BASE_URL}{url}",
            }
        notification_send(
            person=invitation.person, subject=subject, body=body, url=url, kind="pulse", now=now
        )
    return len(chunk)


def attributes_phrase(wave: Wave) -> str:
    names = dict(ATTRIBUTE_CHOICES)
    chosen = [names[a].lower() for a in wave.attribute_names]
    if not chosen:
        return _("nothing else")
    return _("your %(attributes)s") % {"attributes": _(" and ").join(chosen)}


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Two days before a wave closes, remind every invitee, once: a reminder only to those
    who have not answered would need to know who they are. Claimed by a conditional update
    of the wave, so two schedulers never remind twice. Delivery waits for each person's
    working hours, like every notification."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=timezone.get_default_timezone())
    total = 0
    for wave in (
        Wave.objects.filter(
            sent_at__isnull=False,
            results_at__isnull=True,
            reminded_at__isnull=True,
            closes_on=today + dt.timedelta(days=2),
        )
        .select_related("campaign")
        .defer(*snapshot.DEFER_UNITS)
    ):
        if Wave.objects.filter(pk=wave.pk, reminded_at__isnull=True).update(reminded_at=now):
            total += _notify_invitees(wave, now=now, reminder=True)
    return total


# --- Answering -------------------------------------------------------------------------------


def answer_submit(
    *,
    token: str,
    answers: Mapping[str, Any],
    texts: Mapping[str, str],
    today: dt.date | None = None,
) -> None:
    """Store one person's answers without them: a receipt (that this link answered, readable
    only with SECRET_KEY), the response and its comments under the invitation's stored group
    of at least k invitees, and the week. Each invitee answers once: answers cannot be
    changed afterwards, because changing them would need a link from the person to the
    response — which Kith never keeps."""
    today = today or org_today()
    with transaction.atomic():
        # The questions, never the unit snapshot: it is large and answering does not need it.
        invitation = (
            Invitation.objects.select_related("wave")
            .defer(*(f"wave__{name}" for name in snapshot.DEFER_UNITS))
            .filter(token=token)
            .first()
        )
        if invitation is None:
            raise ValidationError({"token": _("This survey link is not valid.")})
        # Lock the wave, never the invitation: on PostgreSQL a row lock leaves the locking
        # transaction's id in the row (xmax), where a raw read would show who answered. The
        # wave's lock also makes wave_close wait for answers in flight, and them for it.
        wave = invitation.wave
        state = (
            Wave.objects.select_for_update(no_key=True)
            .filter(pk=wave.pk)
            .values("opens_on", "closes_on", "results_at")
            .get()
        )
        # Closed first: after a wave, a link says nothing about whether it was answered.
        if not state["opens_on"] <= today <= state["closes_on"] or state["results_at"] is not None:
            raise ValidationError({"token": _("This survey is closed.")})
        if has_answered(invitation):
            raise ValidationError({"token": _("You have already answered this survey. Thank you!")})
        values = _validated_values(wave, answers)
        comments = _validated_texts(wave, texts)
        if all(v is None for v in values) and not comments:
            raise ValidationError({"answers": _("Answer at least one question.")})
        try:
            with transaction.atomic():
                Receipt.objects.create(digest=receipt_digest(wave.pk, token), wave=wave)
        except IntegrityError:  # the same link, answering at the same moment elsewhere
            raise ValidationError(
                {"token": _("You have already answered this survey. Thank you!")}
            ) from None
        group = {"unit": invitation.stored_unit, "attrs": invitation.stored_attrs}
        week = today - dt.timedelta(days=today.weekday())
        SurveyResponse.objects.create(wave=wave, week=week, values=values, **group)
        Comment.objects.bulk_create(
            Comment(wave=wave, item=key, text=text, **group) for key, text in comments
        )


def _validated_values(wave: Wave, answers: Mapping[str, Any]) -> list[float | None]:
    values: list[float | None] = []
    known = {i["key"] for i in wave.items}
    stray = sorted(set(answers) - known)
    if stray:
        raise ValidationError(
            {"answers": _("Answers: unknown question %(keys)s.") % {"keys": ", ".join(stray)}}
        )
    for item in numeric_items(wave):
        raw = answers.get(item["key"])
        if raw is None or raw == "":
            values.append(None)
            continue
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise ValidationError({item["key"]: _not_an_answer(item, raw)}) from None
        allowed = {float(v) for v, _ in item["options"]}
        if number not in allowed:
            raise ValidationError({item["key"]: _not_an_answer(item, raw)})
        values.append(int(number) if number.is_integer() else number)  # ints parse faster
    return values


def _not_an_answer(item: Mapping[str, Any], raw: Any) -> str:
    return _("“%(question)s”: %(value)s is not one of its answers.") % {
        "question": wording.item_text(dict(item)),
        "value": str(raw)[:20],
    }


def _validated_texts(wave: Wave, texts: Mapping[str, str]) -> list[tuple[str, str]]:
    found = []
    for item in text_items(wave):
        text = _clean_text(str(texts.get(item["key"]) or "")).strip()
        if len(text) > MAX_TEXT:
            raise ValidationError(
                {
                    item["key"]: _("“%(question)s”: at most %(n)d characters.")
                    % {"question": wording.item_text(item), "n": MAX_TEXT}
                }
            )
        if text:
            found.append((item["key"], text))
    return found


# --- Closing ---------------------------------------------------------------------------------


def wave_close(*, wave: Wave, actor: User, now: dt.datetime | None = None) -> int:
    """HR closes an open wave now: its closing day becomes today, its results are computed
    once, its rows are rewritten in random order (storage.wave_rows_shuffle), and the audit
    log says who closed it. All or nothing. Returns the number of published cells."""
    now = now or timezone.now()
    with ledger.publishing(), transaction.atomic():
        locked = (
            Wave.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .filter(pk=wave.pk)
            .first()
        )
        if locked is None or locked.sent_at is None or locked.results_at is not None:
            raise ValidationError({"wave": _("Only an open wave can be closed.")})
        locked.closes_on = min(locked.closes_on, org_today())
        locked.save(update_fields=["closes_on"])
        cells = pulse_results.wave_results_compute(wave=locked, now=now)
        wave_rows_shuffle(wave=locked)
        audit.record(
            actor=actor, action="pulse.wave_closed", target=f"wave:{locked.pk}", cells=cells
        )
    wave.refresh_from_db()
    return cells


# --- Action plans ----------------------------------------------------------------------------


def action_plan(
    *,
    owner: Person,
    wave: Wave,
    unit: int,
    item: str,
    meeting_at: dt.datetime,
    minutes: int,
    location: str,
    note: str,
    team: Sequence[Person],
    actor: User,
    now: dt.datetime | None = None,
) -> Action:
    """A manager schedules an in-person team conversation about one item: every team member
    gets an invitation with a calendar file."""
    now = now or timezone.now()
    if meeting_at <= now:
        raise ValidationError({"meeting_at": _("When: choose a time in the future.")})
    if not 15 <= minutes <= 240:
        raise ValidationError({"minutes": _("Minutes: between 15 and 240.")})
    text = next((i["text"] for i in wave.items if i["key"] == item), None)
    if text is None:
        raise ValidationError(
            {"item": _("What to talk about: choose one of this survey's questions.")}
        )
    with transaction.atomic():
        action = Action.objects.create(
            campaign=wave.campaign,
            wave=wave,
            unit=unit,
            owner=owner,
            item=item,
            note=_clean_text(note)[:2000],
            meeting_at=meeting_at,
            meeting_minutes=minutes,
            location=_clean_text(location)[:200],
            invited=len(team),
        )
        attendees = [(p.display_name, p.email) for p in [owner, *team]]
        languages = language_of_people(team)
        written: dict[str, tuple[str, str, bytes]] = {}
        for person in team:
            language = languages[person.pk]
            if language not in written:  # one text and invitation per language, not per person
                with translation.override(language):
                    written[language] = _team_conversation_texts(
                        wave=wave, action=action, owner=owner, item=item, attendees=attendees
                    )
            summary, description, ics = written[language]
            notification_send(
                person=person,
                subject=summary,
                body=description,
                url=reverse("pulse:home"),
                kind="pulse_action",
                now=now,
                attachments=[Attachment("team-conversation.ics", "text/calendar", ics.decode())],
            )
    audit.record(actor=actor, action="pulse.action_planned", target=f"wave:{wave.pk}", item=item)
    return action


def _team_conversation_texts(
    *, wave: Wave, action: Action, owner: Person, item: str, attendees: list[tuple[str, str]]
) -> tuple[str, str, bytes]:
    """The team conversation's subject, text and calendar invitation, in the active language
    (each member gets them in their own)."""
    shown = wording.item_text(next(i for i in wave.items if i["key"] == item))
    summary = (_("Team conversation: %(item)s") % {"item": shown})[:200]
    description = (
        _("%(manager)s would like to talk in person about “%(item)s”, from our %(survey)s results.")
        % {"manager": owner.display_name, "item": shown, "survey": wave.campaign.name}
        + f"\n\n{action.note}"
    ).strip()
    assert action.meeting_at is not None
    ics = invite_ics(
        uid=f"pulse-action-{action.pk}@kith",
        start=action.meeting_at,
        duration=dt.timedelta(minutes=action.meeting_minutes),
        summary=summary,
        description=description,
        organizer_email=owner.email,
        organizer_name=owner.display_name,
        attendees=attendees,
        location=action.location,
        tzid=owner.timezone or None,
    )
    return summary, description, ics


def action_set_status(*, action: Action, status: str) -> Action:
    if status not in Action.Status.values:
        raise ValidationError(
            {
                "status": _("Status: choose one of %(statuses)s.")
                % {"statuses": ", ".join(str(label) for label in Action.Status.labels)}
            }
        )
    action.status = status
    action.save(update_fields=["status"])
    return action
