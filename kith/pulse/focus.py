"""Focus groups: services and selectors (docs/pulse.md, "Focus groups").

From a published result cell HR invites a random sample of the people the cell describes to
a facilitated session (an `events.Event`), and afterwards the facilitator or HR writes down
what the group said as themes, with no names, optionally tied to the action plan.

The rules that make it safe:
- only a cell the disclosure layer published (a stored `ResultCell`), never a withheld one;
- the sample is drawn from the cell's invitees (everyone the wave asked in that group), not
  its respondents: the invitee list would otherwise record who answered;
- the draw is uniform, by the system's cryptographic source (engine/focus.py), between k and
  the people there are; nobody picks or leaves out a person, and the facilitator comes from
  outside the group, and is neither an HR admin nor the person asking (the facilitator
  organises the session and sees who is going by name);
- one draw per request, never again: there is no re-draw, and a person is drawn at most once
  per wave, so repeated requests cannot fish for someone;
- HR sees how many were invited and how many are going; the names are for the invitees and
  the facilitator only. The session is an invitation-only event with the sample as its fixed
  list and the facilitator as its only organiser, so the events pages and API keep to the same
  rule: nobody else sees it, and HR sees it as counts;
- themes are recorded, and shown anywhere, only for a session at least k people attended
  (checked in, when the session took check-ins; else going): the people drawn see who went,
  so a theme from fewer would be traceable to one of a handful of named colleagues.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from random import Random
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kith.core import audit
from kith.core.dates import org_today
from kith.core.permissions import (
    Viewer,
    can_facilitate_focus_group,
    can_invite_focus_group,
    can_record_focus_themes,
    can_see_focus_group,
    can_see_focus_group_people,
    viewer_for_user,
)
from kith.directory.models import Person
from kith.events import messages as event_messages
from kith.events.models import Event, Rsvp
from kith.events.services import EventInput, event_save
from kith.notify.services import Attachment, language_of_people, notification_send
from kith.pulse import selectors
from kith.pulse.engine.focus import (
    Attendance,
    DrawLimits,
    DrawRefused,
    draw,
    names_in,
    themes_allowed,
)
from kith.pulse.focus_models import MAX_THEME, MAX_THEMES, FocusGroup, FocusInvitee, FocusTheme
from kith.pulse.models import Action, Invitation, ResultCell, Wave
from kith.pulse.results import tree_of

log = logging.getLogger(__name__)
MODES = (Event.Mode.IN_PERSON, Event.Mode.VIRTUAL)
MIN_MINUTES, MAX_MINUTES = 30, 240
MAX_PROMPT = 300


# --- The cell and who it describes ---------------------------------------------------------------


def focus_items(wave: Wave) -> list[tuple[str, str]]:
    """What a focus group may be about: the wave's scores and numeric items, as the results
    page shows them (key, label)."""
    found: dict[str, str] = {}
    for column in [*selectors.columns_for(wave), *selectors.columns_for(wave, items=True)]:
        found.setdefault(column.key, column.label)
    return list(found.items())


def published_cell(wave: Wave, unit: int, attr: int, value: int) -> ResultCell | None:
    """The stored cell, or None when the disclosure layer withheld it (or it does not exist)."""
    if wave.results_at is None:
        return None
    return ResultCell.objects.filter(wave=wave, unit=unit, attr=attr, value=value).first()


@dataclass(frozen=True)
class Population:
    """The people a cell describes: every invitee of the wave in the unit's subtree (with the
    attribute value, for a filtered cell), as the results engine counts `invited`."""

    everyone: frozenset[int]
    active: frozenset[int]


def cell_population(wave: Wave, unit: int, attr: int, value: int) -> Population:
    tree = tree_of(wave)
    if not 0 <= unit < tree.size:
        return Population(frozenset(), frozenset())
    units = tree.preorder[tree.tin[unit] : tree.tout[unit]].tolist()
    rows = Invitation.objects.filter(wave=wave)
    if len(units) < tree.size:  # the whole organisation needs no filter
        rows = rows.filter(unit__in=units)
    everyone, active = set(), set()
    for person_id, attrs, is_active in rows.values_list("person_id", "attrs", "person__is_active"):
        if attr >= 0 and not (attr < len(attrs) and attrs[attr] == value):
            continue
        everyone.add(person_id)
        if is_active:
            active.add(person_id)
    return Population(frozenset(everyone), frozenset(active))


def _drawable(wave: Wave, population: Population) -> list[int]:
    """Who may be drawn: active, and not drawn for another focus group of this wave."""
    taken = set(FocusInvitee.objects.filter(wave=wave).values_list("person_id", flat=True))
    return sorted(population.active - taken)


def drawable_count(wave: Wave, unit: int, attr: int, value: int) -> int:
    """How many people a new focus group on this cell could be drawn from now."""
    return len(_drawable(wave, cell_population(wave, unit, attr, value)))


def _cell_or_error(wave: Wave, unit: int, attr: int, value: int) -> ResultCell:
    cell = published_cell(wave, unit, attr, value)
    if cell is None:
        raise ValidationError(
            {
                "cell": _(
                    "Focus groups start from a published group: this one is withheld to "
                    "protect a small group, or the survey has no results yet."
                )
            }
        )
    return cell


# --- The form's facts --------------------------------------------------------------------------


@dataclass
class DrawChoice:
    """What HR sees before drawing: the group, how many Kith could invite, and what about."""

    wave: Wave
    cell: ResultCell
    group: str
    k: int
    limits: DrawLimits
    items: list[tuple[str, str]]


def draw_choice_for_viewer(
    viewer: Viewer, wave: Wave, unit: int, attr: int, value: int
) -> DrawChoice | None:
    """HR only (PermissionDenied otherwise); None for a cell that was not published."""
    if not can_invite_focus_group(viewer):
        raise PermissionDenied(_("Only HR admins invite focus groups."))
    cell = published_cell(wave, unit, attr, value)
    if cell is None:
        return None
    k = wave.campaign.min_group
    available = drawable_count(wave, unit, attr, value)
    return DrawChoice(
        wave=wave,
        cell=cell,
        group=selectors.group_label(wave, unit, attr, value),
        k=k,
        limits=DrawLimits(k=k, available=available),
        items=focus_items(wave),
    )


# --- Creating one: the draw, the event, the invitations --------------------------------------


@dataclass(frozen=True)
class FocusInput:
    """A focus group as the form or the API gives it; times are wall-clock in `timezone`."""

    unit: int
    item: str
    size: int
    facilitator_id: int
    mode: str
    starts_local: dt.datetime
    minutes: int = 60
    attr: int = -1
    value: int = -1
    prompt: str = ""
    timezone: str = ""
    office_id: int | None = None
    venue: str = ""
    city: str = ""
    country: str = ""
    link: str = ""
    # The demo seeds sessions that already happened (events' explicit "record a past event");
    # pages and the API never set it.
    record_past: bool = False


def focus_group_create(
    *,
    viewer: Viewer,
    wave: Wave,
    data: FocusInput,
    now: dt.datetime | None = None,
    rng: Random | None = None,
) -> FocusGroup:
    """Draw the sample, create the session and invite everyone drawn, all in one transaction:
    any error leaves no draw, no event and no message behind. `rng` is for tests only."""
    now = now or timezone.now()
    if not can_invite_focus_group(viewer):
        raise PermissionDenied(_("Only HR admins invite focus groups."))
    _cell_or_error(wave, data.unit, data.attr, data.value)
    labels = dict(focus_items(wave))
    errors: dict[str, str] = {}
    if data.item not in labels:
        errors["item"] = _("Choose one of this survey's scores or questions.")
    if data.mode not in MODES:
        errors["mode"] = _("Choose in person or video.")
    if not MIN_MINUTES <= data.minutes <= MAX_MINUTES:
        errors["minutes"] = _("A session lasts %(min)d to %(max)d minutes.") % {
            "min": MIN_MINUTES,
            "max": MAX_MINUTES,
        }
    if len(data.prompt) > MAX_PROMPT:
        errors["prompt"] = _("Keep the question under %(n)d characters.") % {"n": MAX_PROMPT}
    population = cell_population(wave, data.unit, data.attr, data.value)
    facilitator = Person.objects.filter(pk=data.facilitator_id, is_active=True).first()
    if facilitator is None:
        errors["facilitator"] = _("Choose an active colleague to facilitate.")
    elif facilitator.pk in population.everyone:
        errors["facilitator"] = _(
            "The facilitator is part of this group: choose someone from outside it, so "
            "people can speak freely."
        )
    else:
        is_viewer = _is_viewer(viewer, facilitator)
        is_hr = _is_hr_admin(facilitator)
        if not can_facilitate_focus_group(
            viewer, candidate_is_hr=is_hr, candidate_is_viewer=is_viewer
        ):
            errors["facilitator"] = (
                _(
                    "Choose someone other than yourself: the facilitator sees who is going by "
                    "name, and HR sees only how many."
                )
                if is_viewer
                else _(
                    "Choose someone who is not an HR admin: the facilitator sees who is going "
                    "by name, and HR sees only how many."
                )
            )
    if errors:
        raise ValidationError(errors)
    assert facilitator is not None
    with transaction.atomic():
        # One draw at a time per wave: the once-per-wave rule reads what earlier draws took.
        Wave.objects.select_for_update(no_key=True).filter(pk=wave.pk).values("pk").get()
        pool = _drawable(wave, population)
        try:
            drawn = draw(pool, data.size, k=wave.campaign.min_group, rng=rng)
        except DrawRefused as exc:
            k = wave.campaign.min_group
            raise ValidationError(
                {exc.field: _draw_refusal(exc.field, data.size, k, len(set(pool)))}
            ) from None
        invited = list(Person.objects.filter(pk__in=drawn).order_by("pk"))
        event = _session(viewer, wave, data, labels[data.item], facilitator, invited, now)
        group = FocusGroup.objects.create(
            wave=wave,
            unit=data.unit,
            attr=data.attr,
            value=data.value,
            item=data.item,
            prompt=" ".join(data.prompt.replace("\x00", "").split()),
            event=event,
            facilitator=facilitator,
            size=len(drawn),
            drawn_from=len(pool),
            created_by_id=viewer.user.pk if viewer.is_authenticated else None,
        )
        FocusInvitee.objects.bulk_create(
            FocusInvitee(focus_group=group, person_id=pk, wave=wave) for pk in drawn
        )
        # Each invitation, and the facilitator's note, in that person's own language (the
        # item's label included), not the language of whoever asked for the session.
        languages = language_of_people([*invited, facilitator])
        labels_in: dict[str, dict[str, str]] = {}

        def label_in(language: str) -> str:
            if language not in labels_in:
                with translation.override(language):
                    labels_in[language] = dict(focus_items(wave))
            return labels_in[language].get(data.item, labels[data.item])

        for person in [*invited, facilitator]:
            language = languages[person.pk]
            with translation.override(language):
                if person is facilitator:
                    _tell_facilitator(group, event, label_in(language), now)
                else:
                    _invite(group, event, person, label_in(language), now)
        audit.record(
            actor=viewer.user,
            action="pulse.focus_group_created",
            target=f"focus_group:{group.pk}",
            wave=wave.pk,
            group=selectors.group_label(wave, data.unit, data.attr, data.value),
            item=data.item,
            size=len(drawn),
            drawn_from=len(pool),
            event=event.pk,
        )
    log.info("focus group %s: %d drawn from %d", group.pk, len(drawn), len(pool))
    return group


def _logins_of(person: Person) -> list[Any]:
    from django.contrib.auth import get_user_model

    email = (person.email or "").strip()
    if not email:
        return []
    return list(get_user_model().objects.filter(email__iexact=email))


def _is_hr_admin(person: Person) -> bool:
    """Whether any login behind this person is an HR admin (or an administrator)."""
    return any(viewer_for_user(user).is_hr for user in _logins_of(person))


def _is_viewer(viewer: Viewer, person: Person) -> bool:
    """Whether `person` is the one asking: their directory entry, or their login's email."""
    if viewer.person is not None and viewer.person.pk == person.pk:
        return True
    email = (getattr(viewer.user, "email", "") or "").strip().lower()
    return bool(email) and email == (person.email or "").strip().lower()


def _session(
    viewer: Viewer,
    wave: Wave,
    data: FocusInput,
    label: str,
    facilitator: Person,
    invited: list[Person],
    now: dt.datetime,
) -> Event:
    """The session as an invitation-only HR event (kind: listening session): the people drawn
    are its list, fixed (nobody adds or removes anyone), and the facilitator is its creator and
    so its only organiser, whoever pressed the button. Nobody else sees it but HR, who sees
    that it exists and how many are invited and going, never who (docs/events.md)."""
    size = len(invited)
    group = selectors.group_label(wave, data.unit, data.attr, data.value)
    description = _(
        "A small, facilitated conversation about “%(item)s”, from the %(survey)s results for "
        "%(group)s. The %(n)d people invited were drawn at random by Kith from everyone in the "
        "group: nobody chose them. What is said is written down as themes, never with names."
    ) % {"item": label, "survey": wave.campaign.name, "group": group, "n": size}
    if data.prompt.strip():
        description = f"{data.prompt.strip()}\n\n{description}"
    event = event_save(
        viewer=viewer,
        event=None,
        data=EventInput(
            title=(_("Listening session: %(item)s") % {"item": label})[:160],
            kind=Event.Kind.LISTENING,
            host=Event.Host.HR,
            mode=data.mode,
            starts_local=data.starts_local,
            ends_local=data.starts_local + dt.timedelta(minutes=data.minutes),
            timezone=data.timezone,
            description=description,
            office_id=data.office_id,
            venue=data.venue,
            city=data.city,
            country=data.country,
            link=data.link,
            invite_only=True,
            record_past=data.record_past,
        ),
        organiser=facilitator,
        invitees=invited,
        invitees_fixed=True,
    )
    if event.starts_at <= now:
        raise ValidationError({"starts_local": _("Choose a time in the future.")})
    return event


def _attachments(event: Event, person: Person) -> list[Attachment]:
    invite = event_messages.invite_for(event, person)
    return [Attachment(f"kith-event-{event.pk}.ics", "text/calendar", invite.decode("utf-8"))]


def _invite(group: FocusGroup, event: Event, person: Person, label: str, now: dt.datetime) -> None:
    when = event_messages.when_for(event, person)
    body = _(
        "You are invited to a small listening session about “%(item)s”, from the %(survey)s "
        "results. Kith drew %(n)d people at random from the group the results describe — "
        "nobody chose you, and nobody can see whether you answered the survey.\n\n"
        "When: %(when)s\nWhere: %(where)s\nFacilitated by %(facilitator)s.\n\n"
        "What people say is written down as themes, never with names. Going is up to you: "
        "answer on the event page."
    ) % {
        "item": label,
        "survey": group.wave.campaign.name,
        "n": group.size,
        "when": when,
        "where": event_messages.where_for(event),
        "facilitator": group.facilitator.display_name,
    }
    notification_send(
        person=person,
        subject=(_("You are invited: listening session about %(item)s") % {"item": label})[:200],
        body=body,
        url=reverse("pulse:focus_group", args=[group.pk]),
        kind="pulse.focus_invite",
        attachments=_attachments(event, person),
        now=now,
    )


def _tell_facilitator(group: FocusGroup, event: Event, label: str, now: dt.datetime) -> None:
    person = group.facilitator
    notification_send(
        person=person,
        subject=(_("You are facilitating a listening session about %(item)s") % {"item": label})[
            :200
        ],
        body=_(
            "Kith invited %(n)d people, drawn at random, to talk about “%(item)s”.\n\n"
            "When: %(when)s\nWhere: %(where)s\n\n"
            "Afterwards, write down the themes you heard on the focus group's page: in your "
            "own words, with no names and no quotes tied to anyone."
        )
        % {
            "n": group.size,
            "item": label,
            "when": event_messages.when_for(event, person),
            "where": event_messages.where_for(event),
        },
        url=reverse("pulse:focus_group", args=[group.pk]),
        kind="pulse.focus_facilitate",
        attachments=_attachments(event, person),
        now=now,
    )


# --- Themes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAction:
    """An action-plan entry created with a theme: who owns it and when they follow it up."""

    owner_id: int
    meeting_at: dt.datetime
    minutes: int = 45
    location: str = ""


def _is_facilitator(viewer: Viewer, group: FocusGroup) -> bool:
    return viewer.person is not None and group.facilitator_id == viewer.person.pk


def focus_theme_record(
    *,
    viewer: Viewer,
    group: FocusGroup,
    text: str,
    item: str = "",
    action_id: int | None = None,
    new_action: NewAction | None = None,
    now: dt.datetime | None = None,
) -> FocusTheme:
    """One theme, in the recorder's words, with no names: a text that holds a full name of
    anyone in the group is refused. Optionally linked to an existing action of the campaign
    the viewer may see, or to a new one (its owner is told)."""
    now = now or timezone.now()
    if not can_record_focus_themes(viewer, is_facilitator=_is_facilitator(viewer, group)):
        raise PermissionDenied(_("The facilitator and HR record a focus group's themes."))
    wave = group.wave
    errors: dict[str, str] = {}
    cleaned = " ".join(text.replace("\x00", "").split())
    item = item or group.item
    attendance = _attendance(group)
    k = wave.campaign.min_group
    if group.event is not None and now < group.event.starts_at:
        errors["text"] = _("Themes are written down once the session has started.")
    elif not themes_allowed(attendance, k):
        errors["text"] = _themes_refusal(attendance, k)
    elif not cleaned:
        errors["text"] = _("Write the theme in a sentence.")
    elif len(cleaned) > MAX_THEME:
        errors["text"] = _("Keep a theme under %(n)d characters: one idea per theme.") % {
            "n": MAX_THEME
        }
    elif _names_a_person(wave, group, cleaned):
        errors["text"] = _(
            "Themes carry no names: this one names a colleague. Say what was said, not who said it."
        )
    if item not in dict(focus_items(wave)):
        errors["item"] = _("Choose one of this survey's scores or questions.")
    if action_id is not None and new_action is not None:
        errors["action"] = _("Link an existing action or create one, not both.")
    action = _existing_action(viewer, wave, action_id, errors)
    if new_action is not None:
        _check_new_action(new_action, now, errors)
    if group.themes.count() >= MAX_THEMES:
        errors["text"] = _("A focus group keeps at most %(n)d themes.") % {"n": MAX_THEMES}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if new_action is not None:
            action = _create_action(viewer, group, item, cleaned, new_action, now)
        theme = FocusTheme.objects.create(
            focus_group=group, item=item, text=cleaned, action=action, recorded_on=org_today()
        )
        audit.record(
            actor=viewer.user,
            action="pulse.focus_theme_recorded",
            target=f"focus_group:{group.pk}",
            theme=theme.pk,
            item=item,
            action_id=action.pk if action else None,
        )
    return theme


def _draw_refusal(field: str, size: int, k: int, available: int) -> str:
    """engine.focus.draw's refusal, in the viewer's language."""
    if field == "cell":
        return _(
            "This group has %(n)d people Kith can invite, fewer than the survey's minimum "
            "group of %(k)d: a focus group needs at least %(k)d."
        ) % {"n": available, "k": k}
    if size < k:
        return _("Invite at least %(k)d people (the survey's minimum group).") % {"k": k}
    return _("Invite at most %(n)d: that is everyone Kith can invite here.") % {"n": available}


def _themes_refusal(attendance: Attendance, k: int) -> str:
    """engine.focus.themes_refusal, in the viewer's language."""
    why = _(
        "Themes are recorded only when at least %(k)d people (the survey's minimum group) "
        "attended, so that nothing said can be traced to one of a few colleagues:"
    ) % {"k": k}
    n = attendance.attended
    if attendance.by_check_in:
        how = ngettext("%(n)d is checked in.", "%(n)d are checked in.", n) % {"n": n}
    else:
        how = ngettext("%(n)d is going.", "%(n)d are going.", n) % {"n": n}
    return f"{why} {how}"


def _names_a_person(wave: Wave, group: FocusGroup, text: str) -> bool:
    """Whether `text` holds the full or preferred name of anyone the group's cell describes
    (not only those drawn: checking the sample alone would tell whether someone was in it)."""
    people = cell_population(wave, group.unit, group.attr, group.value).everyone
    names: list[str] = []
    for full, preferred in Person.objects.filter(pk__in=people).values_list(
        "full_name", "preferred_name"
    ):
        names.append(full)
        if preferred:
            names.append(preferred)
    return bool(names_in(text, names))


def _existing_action(
    viewer: Viewer, wave: Wave, action_id: int | None, errors: dict[str, str]
) -> Action | None:
    if action_id is None:
        return None
    action = (
        selectors.actions_for_viewer(viewer, wave.campaign)
        .filter(pk=action_id if 0 < action_id < 2**63 else 0)
        .first()
    )
    if action is None:
        errors["action"] = _("Choose an action of this survey's action plan that you can see.")
    return action


def _check_new_action(new: NewAction, now: dt.datetime, errors: dict[str, str]) -> None:
    if not Person.objects.filter(pk=new.owner_id, is_active=True).exists():
        errors["owner"] = _("Choose an active colleague to own the action.")
    if timezone.is_naive(new.meeting_at) or new.meeting_at <= now:
        errors["meeting_at"] = _("Choose a time in the future for the follow-up.")
    if not 15 <= new.minutes <= 240:
        errors["minutes"] = _("Between 15 and 240 minutes.")


def _create_action(
    viewer: Viewer, group: FocusGroup, item: str, text: str, new: NewAction, now: dt.datetime
) -> Action:
    owner = Person.objects.get(pk=new.owner_id)
    wave = group.wave
    action = Action.objects.create(
        campaign=wave.campaign,
        wave=wave,
        unit=group.unit,
        owner=owner,
        item=item,
        note=(_("From a focus group: %(theme)s") % {"theme": text})[:2000],
        meeting_at=new.meeting_at,
        meeting_minutes=new.minutes,
        location=" ".join(new.location.split())[:200],
    )
    if viewer.person is None or owner.pk != viewer.person.pk:
        with translation.override(language_of_people([owner])[owner.pk]):
            notification_send(
                person=owner,
                subject=_("A focus group theme is on your action plan"),
                body=_(
                    "A focus group about the %(survey)s results raised this:\n\n“%(theme)s”"
                    "\n\nIt is on your action plan; plan a conversation with your team about it."
                )
                % {"survey": wave.campaign.name, "theme": text},
                url=reverse("pulse:actions"),
                kind="pulse_action",
                now=now,
            )
    audit.record(
        actor=viewer.user, action="pulse.action_planned", target=f"wave:{wave.pk}", item=item
    )
    return action


# --- Reading them --------------------------------------------------------------------------------


@dataclass
class Counts:
    invited: int
    going: int
    not_going: int

    @property
    def no_answer(self) -> int:
        return max(0, self.invited - self.going - self.not_going)


@dataclass
class FocusPage:
    group: FocusGroup
    label: str  # the cell: "Engineering / Platform"
    item_label: str
    role: str  # "hr" | "facilitator" | "invitee"
    counts: Counts
    going: list[Person] | None  # None: counts only
    themes: list[tuple[FocusTheme, str]]  # with the label of the item each concerns
    can_record: bool
    attendance: Attendance = field(default_factory=lambda: Attendance(0, 0))
    k: int = 0  # the campaign's minimum group: themes need at least this many who attended
    items: list[tuple[str, str]] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    has_started: bool = False

    @property
    def themes_open(self) -> bool:
        """Whether enough people attended for themes to be recorded and shown."""
        return themes_allowed(self.attendance, self.k)


def _visible(viewer: Viewer) -> QuerySet[FocusGroup]:
    """Focus groups this viewer may open: all for HR, else those they facilitate or were
    drawn for (one query's filter, kept in step with `can_see_focus_group`)."""
    rows = FocusGroup.objects.select_related("wave__campaign", "event", "facilitator")
    rows = rows.defer("wave__units", "wave__attributes")
    if viewer.is_hr:
        return rows
    person = viewer.person
    if person is None or not person.is_active:
        return rows.none()
    drawn = FocusInvitee.objects.filter(person=person).values("focus_group_id")
    return rows.filter(facilitator=person) | rows.filter(pk__in=drawn)


def _role(viewer: Viewer, group: FocusGroup) -> tuple[str, bool, bool]:
    person = viewer.person
    invitee = (
        person is not None
        and FocusInvitee.objects.filter(focus_group=group, person=person).exists()
    )
    facilitator = _is_facilitator(viewer, group)
    role = "facilitator" if facilitator else "invitee" if invitee else "hr"
    return role, invitee, facilitator


def _attendance(group: FocusGroup) -> Attendance:
    return _tallies([group])[1][group.pk]


def focus_group_for_viewer(
    viewer: Viewer, group_id: int, *, now: dt.datetime | None = None
) -> FocusPage | None:
    """One focus group as this viewer may see it, or None."""
    now = now or timezone.now()
    if not 0 < group_id < 2**63:
        return None
    group = FocusGroup.objects.select_related("wave__campaign", "event", "facilitator").filter(
        pk=group_id
    )
    found = group.first()
    if found is None:
        return None
    role, invitee, facilitator = _role(viewer, found)
    if not can_see_focus_group(viewer, is_invitee=invitee, is_facilitator=facilitator):
        return None
    wave = found.wave
    items = focus_items(wave)
    labels = dict(items)
    going = None
    if can_see_focus_group_people(viewer, is_invitee=invitee, is_facilitator=facilitator):
        going = _going(found)
    can_record = can_record_focus_themes(viewer, is_facilitator=facilitator)
    actions = []
    if can_record:
        actions = list(selectors.actions_for_viewer(viewer, wave.campaign).order_by("-id")[:50])
    counts, attendance = _tallies([found])
    k = wave.campaign.min_group
    themes = []
    if themes_allowed(attendance[found.pk], k):
        themes = [(t, labels.get(t.item, t.item)) for t in found.themes.select_related("action")]
    return FocusPage(
        group=found,
        label=selectors.group_label(wave, found.unit, found.attr, found.value),
        item_label=labels.get(found.item, found.item),
        role=role,
        counts=counts[found.pk],
        going=going,
        themes=themes,
        can_record=can_record,
        attendance=attendance[found.pk],
        k=k,
        items=items,
        actions=actions,
        has_started=found.event is None or now >= found.event.starts_at,
    )


def _going(group: FocusGroup) -> list[Person]:
    if group.event_id is None:
        return []
    drawn = FocusInvitee.objects.filter(focus_group=group).values("person_id")
    rows = (
        Rsvp.objects.filter(
            event_id=group.event_id,
            status=Rsvp.Status.GOING,
            person_id__in=drawn,
            person__is_active=True,
        )
        .select_related("person")
        .order_by("person__full_name", "id")
    )
    return [r.person for r in rows]


@dataclass
class FocusRow:
    """A focus group in a wave's list: counts only, never names. `themes` is empty unless
    enough people attended (`FocusPage.themes_open`)."""

    group: FocusGroup
    label: str
    item_label: str
    role: str
    counts: Counts
    themes: list[FocusTheme]
    attendance: Attendance


def focus_groups_of_wave_for_viewer(viewer: Viewer, wave: Wave) -> list[FocusRow]:
    """The wave's focus groups this viewer may open (HR: all of them), in three queries."""
    groups = list(_visible(viewer).filter(wave=wave).prefetch_related("themes")[:200])
    labels = dict(focus_items(wave))
    counts, attendance = _tallies(groups)
    k = wave.campaign.min_group
    me = viewer.person.pk if viewer.person is not None else None
    rows = []
    for group in groups:
        role = "facilitator" if group.facilitator_id == me else "hr" if viewer.is_hr else "invitee"
        came = attendance[group.pk]
        rows.append(
            FocusRow(
                group=group,
                label=selectors.group_label(wave, group.unit, group.attr, group.value),
                item_label=labels.get(group.item, group.item),
                role=role,
                counts=counts[group.pk],
                themes=list(group.themes.all()) if themes_allowed(came, k) else [],
                attendance=came,
            )
        )
    return rows


def _tallies(groups: Sequence[FocusGroup]) -> tuple[dict[int, Counts], dict[int, Attendance]]:
    """Each group's invitees' answers to its event, and who of them came (active people
    going, and of those the ones checked in), in one query. A group whose event was removed
    has no answers and nobody who came, as far as Kith can tell."""
    by_event = {g.event_id: g for g in groups if g.event_id is not None}
    counts: dict[int, Counts] = {g.pk: Counts(g.size, 0, 0) for g in groups}
    going: dict[int, int] = {g.pk: 0 for g in groups}
    checked: dict[int, int] = {g.pk: 0 for g in groups}
    came = Q(person__is_active=True)
    rows = (
        Rsvp.objects.filter(
            event_id__in=list(by_event),
            person__focus_invitations__focus_group__event_id=F("event_id"),
        )
        .values_list("event_id", "status")
        .annotate(
            n=Count("id"),
            active=Count("id", filter=came),
            checked=Count("id", filter=came & Q(checked_in_at__isnull=False)),
        )
    )
    for event_id, status, n, active, checked_in in rows:
        pk = by_event[event_id].pk
        if status == Rsvp.Status.GOING:
            counts[pk].going = n
            going[pk], checked[pk] = active, checked_in
        elif status == Rsvp.Status.NOT_GOING:
            counts[pk].not_going = n
    attendance = {pk: Attendance(going=going[pk], checked_in=checked[pk]) for pk in counts}
    return counts, attendance


@dataclass
class ThemeGroup:
    """A focus group's themes as the results page shows them."""

    wave_id: int
    unit: int
    group: str
    item_label: str
    themes: list[tuple[str, str, str]]  # (item label, text, action status label or "")


def themes_for_results(
    viewer: Viewer, wave: Wave, trend_waves: Sequence[Wave] = (), trend_unit: int | None = None
) -> tuple[list[ThemeGroup], list[tuple[Wave, list[ThemeGroup]]]]:
    """Themes beside a wave's results, and beside each wave of its trend (`trend_waves`, for
    the org unit `trend_unit`; None = the organisation), in one query. A viewer sees a focus
    group's themes exactly where they may see its cell: HR everywhere, managers their units
    as a whole, everyone the whole organisation. Only sessions at least k people attended
    (the campaign's minimum group; the trend's waves are the same campaign's) show their
    themes: with fewer, the people drawn know who was in the room."""
    waves = {wave.pk: wave, **{w.pk: w for w in trend_waves}}
    rows = list(
        FocusTheme.objects.filter(focus_group__wave_id__in=list(waves))
        .select_related("focus_group", "action")
        .order_by("focus_group__wave_id", "focus_group_id", "id")
    )
    if not rows:
        return [], []
    groups = {theme.focus_group_id: theme.focus_group for theme in rows}
    attendance = _tallies(list(groups.values()))[1]
    k = wave.campaign.min_group
    rows = [t for t in rows if themes_allowed(attendance[t.focus_group_id], k)]
    labels = dict(focus_items(wave))
    scopes = {pk: selectors.scope_for_viewer(viewer, w) for pk, w in waves.items()}
    index = {w.pk: _unit_index(w, trend_unit) for w in trend_waves}
    here: dict[int, ThemeGroup] = {}
    trend: dict[int, dict[int, ThemeGroup]] = {}
    statuses = dict(Action.Status.choices)
    for theme in rows:
        group = theme.focus_group
        scope = scopes[group.wave_id]
        if scope is None or not _in_scope(scope, group):
            continue
        line = (
            labels.get(theme.item, theme.item),
            theme.text,
            str(statuses.get(theme.action.status, "")) if theme.action else "",
        )
        if group.wave_id == wave.pk:
            _theme_group(here, group, wave, labels).themes.append(line)
        if group.wave_id in index and index[group.wave_id] == group.unit and group.attr < 0:
            target = trend.setdefault(group.wave_id, {})
            _theme_group(target, group, None, labels).themes.append(line)
    by_wave = [(w, list(trend[w.pk].values())) for w in trend_waves if w.pk in trend]
    return list(here.values()), by_wave


def _unit_index(wave: Wave, unit_id: int | None) -> int | None:
    """The org unit's index in a wave's snapshot (None = the organisation, index 0)."""
    if unit_id is None:
        return 0
    return next((i for i, u in enumerate(wave.units) if u[0] == unit_id), None)


def _in_scope(scope: selectors.Scope, group: FocusGroup) -> bool:
    if group.attr >= 0 and not scope.filters:
        return False
    return scope.units is None or group.unit in scope.units


def _theme_group(
    into: dict[int, ThemeGroup], group: FocusGroup, wave: Wave | None, labels: dict[str, str]
) -> ThemeGroup:
    if group.pk not in into:
        name = selectors.group_label(wave, group.unit, group.attr, group.value) if wave else ""
        into[group.pk] = ThemeGroup(
            group.wave_id, group.unit, name, labels.get(group.item, group.item), []
        )
    return into[group.pk]


def my_focus_data(person: Person) -> dict[str, Any]:
    """For the person's own export: the focus groups they were drawn for or facilitate."""
    drawn = (
        FocusInvitee.objects.filter(person=person)
        .select_related("focus_group__wave__campaign", "focus_group__event")
        .defer("focus_group__wave__units", "focus_group__wave__attributes")
        .order_by("pk")
    )
    facilitated = (
        FocusGroup.objects.filter(facilitator=person)
        .select_related("wave__campaign", "event")
        .defer("wave__units", "wave__attributes")
        .order_by("pk")
    )

    def entry(group: FocusGroup) -> dict[str, Any]:
        return {
            "campaign": group.wave.campaign.name,
            "wave": group.wave.number,
            "item": group.item,
            "starts_at": group.event.starts_at.isoformat() if group.event else None,
        }

    return {
        "note": _(
            "Focus group invitations were drawn at random from everyone a survey asked in "
            "a group, never from who answered."
        ),
        "invited_to": [entry(d.focus_group) for d in drawn],
        "facilitating": [entry(g) for g in facilitated],
    }
