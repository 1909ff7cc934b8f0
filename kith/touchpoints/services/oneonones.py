"""Every write of 1:1s: pairs and their cadence, meetings and their invites, the shared agenda,
notes, action items, requests and overdue nudges.

Who may do what is asked of kith.core.permissions with the facts read here; a viewer who is
not a participant gets PermissionDenied, never a hint of what the pair holds. What the two
participants do writes no audit row: a timed row naming the actor ("held", "asked for a 1:1")
would tell the audit log's readers, HR, what coverage keeps from them about one person. Only
HR's own changes to the rules are audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kith.connect import inputs as connect_inputs
from kith.connect.engine import schedule
from kith.core import audit
from kith.core.permissions import (
    Viewer,
    can_manage_touchpoints,
    can_take_part_in_one_on_one,
)
from kith.directory.models import Person
from kith.notify.engine.calendar import invite_ics
from kith.notify.services import Attachment, in_language_of, notification_send
from kith.touchpoints.models import (
    ActionItem,
    AgendaItem,
    Meeting,
    OneOnOne,
    PrivateNote,
    TouchpointSettings,
)
from kith.touchpoints.models.settings import QUARTER_DAYS

MIN_CADENCE_DAYS = 7
MAX_TEXT = 2000
MAX_NOTES = 20_000
# An overdue pair is nudged at most this often.
NUDGE_EVERY = dt.timedelta(days=7)
# A pair is overdue this long after its cadence says the next 1:1 was due.
OVERDUE_GRACE = dt.timedelta(days=3)
# Kith proposes the next 1:1 this many days before the cadence says it is due, so the slot
# finder's first good time still lands on time.
PROPOSE_EARLY_DAYS = 2
HOLD_UNTIL = dt.timedelta(days=1)  # a meeting can be marked held from a day before it starts

Kind = OneOnOne.Kind
Status = Meeting.Status


# --- Pairs ------------------------------------------------------------------------------------


def _cadence_for(kind: str, rules: TouchpointSettings) -> int:
    return rules.skip_level_cadence_days if kind == Kind.SKIP_LEVEL else rules.default_cadence_days


def one_on_one_ensure(*, manager: Person, report: Person, kind: str = Kind.DIRECT) -> OneOnOne:
    """The standing 1:1 of this manager and person (created with the organisation's cadence,
    or switched back on if it had lapsed)."""
    if manager.pk == report.pk:
        raise ValidationError({"report": _("Report: a 1:1 needs two different people.")})
    rules = TouchpointSettings.current()
    pair, created = OneOnOne.objects.get_or_create(
        manager=manager,
        report=report,
        defaults={"kind": kind, "cadence_days": _cadence_for(kind, rules)},
    )
    if not created and (not pair.is_active or pair.kind != kind):
        pair.is_active, pair.kind = True, kind
        pair.save(update_fields=["is_active", "kind"])
    return pair


def one_on_ones_sync(*, people: Iterable[int] | None = None) -> dict[str, int]:
    """One active direct 1:1 for every active person with an active manager; pairs whose
    report moved to another manager or left are switched off (their history stays with the
    two people). `people` limits the work to these reports (after an import)."""
    rules = TouchpointSettings.current()
    reports = Person.objects.filter(is_active=True, manager__isnull=False, manager__is_active=True)
    direct = OneOnOne.objects.filter(kind=Kind.DIRECT)
    if people is not None:
        ids = list(people)
        reports, direct = reports.filter(pk__in=ids), direct.filter(report_id__in=ids)
    wanted = set(reports.values_list("manager_id", "pk"))
    existing = {
        (m, r): (pk, on)
        for pk, m, r, on in direct.values_list("pk", "manager_id", "report_id", "is_active")
    }
    with transaction.atomic():
        created = OneOnOne.objects.bulk_create(
            [
                OneOnOne(
                    manager_id=m,
                    report_id=r,
                    kind=Kind.DIRECT,
                    cadence_days=rules.default_cadence_days,
                )
                for m, r in wanted - existing.keys()
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        revived = [pk for pair, (pk, on) in existing.items() if pair in wanted and not on]
        lapsed = [pk for pair, (pk, on) in existing.items() if pair not in wanted and on]
        OneOnOne.objects.filter(pk__in=revived).update(is_active=True)
        OneOnOne.objects.filter(pk__in=lapsed).update(is_active=False)
    return {"created": len(created), "revived": len(revived), "lapsed": len(lapsed)}


def skip_level_start(*, viewer: Viewer, report: Person) -> OneOnOne:
    """A skip-level 1:1 between `report` and their manager's manager, started by either."""
    rules = TouchpointSettings.current()
    if not rules.skip_level_enabled:
        raise ValidationError(_("Skip-level 1:1s are switched off for this organisation."))
    manager = report.manager
    skip = manager.manager if manager is not None else None
    if skip is None or not skip.is_active:
        raise ValidationError(
            _("%(name)s has no manager's manager to meet.") % {"name": report.display_name}
        )
    if not can_take_part_in_one_on_one(viewer, participant_ids={skip.pk, report.pk}):
        raise PermissionDenied(_("Only the two people concerned can start a skip-level 1:1."))
    with transaction.atomic():
        pair = one_on_one_ensure(manager=skip, report=report, kind=Kind.SKIP_LEVEL)
    return pair


def _require_participant(viewer: Viewer, pair: OneOnOne) -> Person:
    """The viewer's person, when they are one of the pair."""
    if viewer.person is None or not can_take_part_in_one_on_one(
        viewer, participant_ids=pair.participant_ids()
    ):
        raise PermissionDenied(_("Only the two people in this 1:1 can see or change it."))
    person: Person = viewer.person
    return person


def _other(pair: OneOnOne, person: Person) -> Person:
    return pair.report if person.pk == pair.manager_id else pair.manager


def _valid_cadence(days: int, rules: TouchpointSettings) -> int:
    if not MIN_CADENCE_DAYS <= days <= rules.floor_cadence_days:
        raise ValidationError(
            {
                "cadence_days": _(
                    "Rhythm: choose between %(min)d and %(max)d days (the longest gap your "
                    "organisation allows)."
                )
                % {"min": MIN_CADENCE_DAYS, "max": rules.floor_cadence_days}
            }
        )
    return days


def cadence_propose(*, viewer: Viewer, pair: OneOnOne, days: int) -> OneOnOne:
    """Either side proposes another cadence; it applies once the other side accepts."""
    me = _require_participant(viewer, pair)
    days = _valid_cadence(days, TouchpointSettings.current())
    with transaction.atomic():
        pair.proposed_cadence_days, pair.proposed_by = days, me
        pair.save(update_fields=["proposed_cadence_days", "proposed_by"])
    other = _other(pair, me)
    with in_language_of(other):
        _tell_cadence_proposal(other, me, pair, days)
    return pair


def _tell_cadence_proposal(other: Person, me: Person, pair: OneOnOne, days: int) -> None:
    notification_send(
        person=other,
        subject=_("%(name)s suggests meeting every %(n)d days")
        % {"name": me.display_name, "n": days},
        body=(
            _("Your 1:1s are every %(n)d days now. Accept or keep it as it is:")
            % {"n": pair.cadence_days}
            + f"\n{_absolute(pair_path(pair))}"
        ),
        url=pair_path(pair),
        kind="touchpoints.cadence",
        email=False,
    )


def cadence_answer(*, viewer: Viewer, pair: OneOnOne, accept: bool) -> OneOnOne:
    me = _require_participant(viewer, pair)
    if pair.proposed_cadence_days is None:
        raise ValidationError({"answer": _("Rhythm: there is no proposal to answer.")})
    if pair.proposed_by_id == me.pk:
        raise ValidationError(
            {"answer": _("Rhythm: the other person answers your proposal; you can withdraw it.")}
        )
    with transaction.atomic():
        if accept:
            days = min(pair.proposed_cadence_days, TouchpointSettings.current().floor_cadence_days)
            pair.cadence_days = days
        pair.proposed_cadence_days, pair.proposed_by = None, None
        pair.save(update_fields=["cadence_days", "proposed_cadence_days", "proposed_by"])
    return pair


def cadence_withdraw(*, viewer: Viewer, pair: OneOnOne) -> OneOnOne:
    me = _require_participant(viewer, pair)
    if pair.proposed_by_id != me.pk:
        raise ValidationError(
            {"answer": _("Rhythm: only the person who proposed it can withdraw it.")}
        )
    pair.proposed_cadence_days, pair.proposed_by = None, None
    pair.save(update_fields=["proposed_cadence_days", "proposed_by"])
    return pair


def settings_update(
    *,
    viewer: Viewer,
    default_cadence_days: int,
    floor_cadence_days: int,
    one_on_one_minutes: int,
    skip_level_enabled: bool,
    skip_level_cadence_days: int,
) -> TouchpointSettings:
    """HR sets the organisation's cadence rules. Pairs that agreed a longer gap than the new
    floor are brought within it."""
    if not can_manage_touchpoints(viewer):
        raise PermissionDenied(_("Only HR admins set the 1:1 cadence rules."))
    errors: dict[str, str] = {}
    if not MIN_CADENCE_DAYS <= floor_cadence_days <= QUARTER_DAYS:
        errors["floor_cadence_days"] = _(
            "Longest gap allowed: between %(min)d and %(max)d days (quarterly at least)."
        ) % {"min": MIN_CADENCE_DAYS, "max": QUARTER_DAYS}
    if not MIN_CADENCE_DAYS <= default_cadence_days <= floor_cadence_days:
        errors["default_cadence_days"] = _(
            "Default rhythm: between %(min)d days and the longest gap allowed (%(max)d)."
        ) % {"min": MIN_CADENCE_DAYS, "max": floor_cadence_days}
    if not 15 <= one_on_one_minutes <= 120:
        errors["one_on_one_minutes"] = _("Length: between %(min)d and %(max)d minutes.") % {
            "min": 15,
            "max": 120,
        }
    if not 14 <= skip_level_cadence_days <= 182:
        errors["skip_level_cadence_days"] = _(
            "Skip-level rhythm: between %(min)d and %(max)d days."
        ) % {"min": 14, "max": 182}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rules = TouchpointSettings.objects.select_for_update().get(
            pk=TouchpointSettings.current().pk
        )
        rules.default_cadence_days = default_cadence_days
        rules.floor_cadence_days = floor_cadence_days
        rules.one_on_one_minutes = one_on_one_minutes
        rules.skip_level_enabled = skip_level_enabled
        rules.skip_level_cadence_days = skip_level_cadence_days
        rules.updated_by = viewer.user if viewer.is_authenticated else None  # type: ignore[assignment]
        rules.save()
        clamped = OneOnOne.objects.filter(
            kind=Kind.DIRECT, cadence_days__gt=floor_cadence_days
        ).update(cadence_days=floor_cadence_days)
        audit.record(
            actor=viewer.user,
            action="touchpoints.settings_changed",
            default_cadence_days=default_cadence_days,
            floor_cadence_days=floor_cadence_days,
            clamped_pairs=clamped,
        )
    return rules


# --- Meetings ---------------------------------------------------------------------------------


def pair_path(pair: OneOnOne) -> str:
    return reverse("touchpoints:one_on_one", args=[pair.pk])


def meeting_path(meeting: Meeting) -> str:
    return reverse("touchpoints:meeting", args=[meeting.pk])


def _absolute(path: str) -> str:
    return str(settings.KITH_BASE_URL).rstrip("/") + path


def propose_times(
    pair: OneOnOne, *, after: dt.datetime, minutes: int, count: int = 3
) -> list[dt.datetime]:
    """Slots inside both people's working hours and off their public holidays (Connect's
    slot finder), from `after` on, outside both people's boundaries (team tech-free hours, a
    wellness week), that clash with neither person's other planned 1:1s (a manager with
    twelve reports is not booked twelve times on Wednesday at ten)."""
    people = [pair.manager, pair.report]
    years = tuple(sorted({after.year, (after + schedule.MAX_WINDOW).year}))
    length = dt.timedelta(minutes=minutes)
    candidates = schedule.suggest_times(
        connect_inputs.working_hours(people),
        after=after,
        count=count + CLASH_ALLOWANCE,
        duration=length,
        holidays_by_person=[connect_inputs.holidays_of(p.country, years) for p in people],
        busy_by_person=connect_inputs.busy_by_person(people, after),
    )
    busy = _busy(pair, after, after + schedule.MAX_WINDOW + dt.timedelta(days=1))
    free = [t for t in candidates if not any(t < end and start < t + length for start, end in busy)]
    return sorted(free)[:count]


CLASH_ALLOWANCE = 24  # extra candidates, of which clashing ones are dropped


def _busy(
    pair: OneOnOne, begin: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Both people's other planned 1:1s in [begin, end), as (start, end)."""
    both = [pair.manager_id, pair.report_id]
    rows = (
        Meeting.objects.filter(status=Status.PLANNED, starts_at__lt=end)
        .filter(starts_at__gte=begin - dt.timedelta(hours=3))
        .filter(Q(one_on_one__manager_id__in=both) | Q(one_on_one__report_id__in=both))
        .exclude(one_on_one=pair)
        .values_list("starts_at", "minutes")
    )
    return [(start, start + dt.timedelta(minutes=m)) for start, m in rows]


def _planned(pair: OneOnOne, now: dt.datetime) -> Meeting | None:
    return (
        pair.meetings.filter(status=Status.PLANNED, starts_at__gte=now - dt.timedelta(hours=12))
        .order_by("starts_at")
        .first()
    )


def meeting_schedule(
    *,
    one_on_one: OneOnOne,
    actor: Viewer | None = None,
    starts_at: dt.datetime | None = None,
    not_before: dt.datetime | None = None,
    minutes: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Meeting:
    """Plan the pair's next 1:1 and send both an .ics invite. Without `starts_at`, Kith picks
    the first good slot inside both people's working hours after `not_before` (or now).
    `actor` None means Kith itself (a journey's welcome call, the next 1:1 after one is held).
    `note` is a line for the invite ("Welcome call"); it is not stored."""
    now = now or timezone.now()
    pair = one_on_one
    if actor is not None:
        _require_participant(actor, pair)
    minutes = minutes or TouchpointSettings.current().one_on_one_minutes
    if not 15 <= minutes <= 180:
        raise ValidationError(
            {
                "minutes": _("Length: a 1:1 lasts between %(min)d and %(max)d minutes.")
                % {"min": 15, "max": 180}
            }
        )
    existing = _already_planned(pair, starts_at, now)
    if existing is not None:
        return existing
    if starts_at is None:
        slots = propose_times(pair, after=max(not_before or now, now), minutes=minutes, count=1)
        if not slots:
            raise ValidationError(
                {
                    "starts_at": _(
                        "Time: your working hours never overlap in the next two weeks; pick a "
                        "time yourselves."
                    )
                }
            )
        starts_at = slots[0]
    elif timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": _("Time: give the time with its time zone.")})
    elif starts_at < now - dt.timedelta(minutes=5):
        raise ValidationError({"starts_at": _("Time: choose a time in the future.")})
    with transaction.atomic():
        OneOnOne.objects.select_for_update().filter(pk=pair.pk).first()  # one plan at a time
        existing = _already_planned(pair, starts_at, now)
        if existing is not None:
            return existing
        meeting = Meeting.objects.create(one_on_one=pair, starts_at=starts_at, minutes=minutes)
        transaction.on_commit(lambda: _send_invites(meeting, note=note))
    return meeting


def _already_planned(
    pair: OneOnOne, starts_at: dt.datetime | None, now: dt.datetime
) -> Meeting | None:
    """The pair's planned 1:1 when it is the one asked for (a second click, the browser's
    Back and resend: nothing new, no second invite); a refusal when another is planned."""
    existing = _planned(pair, now)
    if existing is None:
        return None
    if starts_at is not None and existing.starts_at == starts_at:
        return existing
    raise ValidationError(
        {
            "starts_at": _(
                "Time: a 1:1 is already planned for %(when)s UTC; move that one instead."
            )
            % {"when": f"{existing.starts_at:%Y-%m-%d %H:%M}"}
        }
    )


def meeting_move(
    *, viewer: Viewer, meeting: Meeting, starts_at: dt.datetime, now: dt.datetime | None = None
) -> Meeting:
    now = now or timezone.now()
    _require_participant(viewer, meeting.one_on_one)
    if meeting.status != Status.PLANNED:
        raise ValidationError(_("Only a planned 1:1 can be moved."))
    if timezone.is_naive(starts_at) or starts_at < now - dt.timedelta(minutes=5):
        raise ValidationError({"starts_at": _("Time: choose a time in the future.")})
    with transaction.atomic():
        # The row as it is now, locked: a request that loaded it before another moved or
        # cancelled it neither moves a cancelled 1:1 nor reuses a sequence number.
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status != Status.PLANNED:
            raise ValidationError(_("Only a planned 1:1 can be moved."))
        meeting.status = locked.status
        meeting.starts_at, meeting.sequence = starts_at, locked.sequence + 1
        meeting.save(update_fields=["starts_at", "sequence"])
        transaction.on_commit(lambda: _send_invites(meeting, note="moved"))
    return meeting


def meeting_cancel(*, viewer: Viewer, meeting: Meeting) -> Meeting:
    _require_participant(viewer, meeting.one_on_one)
    if meeting.status == Status.CANCELLED:
        return meeting  # a second click sends no second cancellation
    if meeting.status != Status.PLANNED:
        raise ValidationError(_("Only a planned 1:1 can be cancelled."))
    with transaction.atomic():
        # The row as it is now, locked: of two requests that loaded the 1:1 at once (a double
        # click), the second finds it cancelled and sends nothing.
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status == Status.CANCELLED:
            meeting.status, meeting.sequence = locked.status, locked.sequence
            return meeting
        if locked.status != Status.PLANNED:
            raise ValidationError(_("Only a planned 1:1 can be cancelled."))
        meeting.status, meeting.sequence = Status.CANCELLED, locked.sequence + 1
        meeting.save(update_fields=["status", "sequence"])
        transaction.on_commit(lambda: _send_invites(meeting, note="cancelled", method="CANCEL"))
    return meeting


def meeting_hold(*, viewer: Viewer, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """Mark the 1:1 as held. Open talking points stay on the pair's agenda for the next one;
    Kith proposes the next 1:1 at the pair's cadence."""
    now = now or timezone.now()
    pair = meeting.one_on_one
    _require_participant(viewer, pair)
    if meeting.status == Status.HELD:
        return meeting  # a second click changes nothing
    if meeting.status != Status.PLANNED:
        raise ValidationError(_("A cancelled 1:1 cannot be marked as held."))
    if meeting.starts_at > now + HOLD_UNTIL:
        raise ValidationError(_("This 1:1 has not happened yet."))
    with transaction.atomic():
        meeting.status = Status.HELD
        meeting.held_on = min(meeting.starts_at, now).date()
        meeting.save(update_fields=["status", "held_on"])
        pair.requested_at = None
        pair.save(update_fields=["requested_at"])
    _propose_next(pair, after=meeting.starts_at, now=now)
    return meeting


def _propose_next(pair: OneOnOne, *, after: dt.datetime, now: dt.datetime) -> Meeting | None:
    if not pair.is_active or _planned(pair, now) is not None:
        return None
    not_before = max(after + dt.timedelta(days=max(pair.cadence_days - PROPOSE_EARLY_DAYS, 1)), now)
    try:
        return meeting_schedule(one_on_one=pair, not_before=not_before, note="next", now=now)
    except ValidationError:
        return None  # no common hours: the pair page offers to pick a time


# What an invite says about why it was sent: a caller passes one of these keys, or its own
# line (already in the recipients' language).
def _invite_notes() -> dict[str, tuple[str, str]]:
    """key: (the line in the invite, the word in the subject)."""
    return {
        "moved": (_("Moved"), _("moved")),
        "cancelled": (_("Cancelled"), _("cancelled")),
        "next": (_("Your next 1:1"), _("your next 1:1")),
        "": (_("Your 1:1"), _("planned")),
    }


def _send_invites(meeting: Meeting, *, note: str, method: str = "REQUEST") -> None:
    pair = OneOnOne.objects.select_related("manager", "report").get(pk=meeting.one_on_one_id)
    for reader in (pair.manager, pair.report):
        with in_language_of(reader):  # each invite in its reader's language
            _send_invite(meeting, pair, reader, note=note, method=method)


def _send_invite(
    meeting: Meeting, pair: OneOnOne, reader: Person, *, note: str, method: str
) -> None:
    people = [pair.manager, pair.report]
    label = _("Skip-level 1:1") if pair.kind == Kind.SKIP_LEVEL else _("1:1")
    line, verb = _invite_notes().get(note, (note, note.lower()))
    if method == "CANCEL":
        verb = _("cancelled")
    link = _absolute(meeting_path(meeting))
    host = urlsplit(str(settings.KITH_BASE_URL)).hostname or "kith"
    other = _other(pair, reader)
    ics = invite_ics(
        uid=f"kith-1on1-{meeting.pk}@{host}",
        start=meeting.starts_at,
        duration=dt.timedelta(minutes=meeting.minutes),
        summary=_("%(label)s: %(manager)s and %(report)s")
        % {
            "label": label,
            "manager": pair.manager.display_name,
            "report": pair.report.display_name,
        },
        description=(f"{line}\n" + _("Agenda and notes: %(url)s") % {"url": link}).strip(),
        organizer_email=parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1],
        attendees=[(p.display_name, p.email) for p in people],
        url=link,
        tzid=reader.timezone or None,
        method=method,
        sequence=meeting.sequence,
    )
    values = {"label": label, "name": other.display_name, "what": verb, "note": line}
    notification_send(
        person=reader,
        subject=_("%(label)s with %(name)s: %(what)s") % values,
        body=(
            _("%(note)s with %(name)s.") % values
            + "\n"
            + _("Add talking points before you meet; both of you see them:")
            + f"\n{link}"
        ),
        url=meeting_path(meeting),
        kind="touchpoints.meeting",
        attachments=[
            Attachment(filename="invite.ics", content_type="text/calendar", content=ics.decode())
        ],
    )


# --- Agenda, notes, actions -------------------------------------------------------------------


def _field_label(field: str) -> str:
    labels = {
        "text": _("Text"),
        "shared_notes": _("Shared notes"),
        "private_note": _("My private note"),
    }
    return labels.get(field, field)


def _other_meeting() -> dict[str, str]:
    return {"meeting": _("Meeting: that meeting belongs to another 1:1.")}


def _text(value: str, *, field: str, limit: int = MAX_TEXT, required: bool = True) -> str:
    value = (value or "").strip()
    label = _field_label(field)
    if required and not value:
        raise ValidationError({field: _("%(field)s: write something first.") % {"field": label}})
    if len(value) > limit:
        raise ValidationError(
            {
                field: _("%(field)s: at most %(limit)d characters (this has %(length)d).")
                % {"field": label, "limit": limit, "length": len(value)}
            }
        )
    return value


def agenda_add(
    *, viewer: Viewer, pair: OneOnOne, text: str, meeting: Meeting | None = None
) -> AgendaItem:
    me = _require_participant(viewer, pair)
    if meeting is not None and meeting.one_on_one_id != pair.pk:
        raise ValidationError(_other_meeting())
    text = _text(text, field="text", limit=500)
    if pair.agenda.filter(done_at__isnull=True).count() >= 50:
        raise ValidationError(
            {"text": _("Talking points: at most %(n)d open; tick some off first.") % {"n": 50}}
        )
    with transaction.atomic():
        item = AgendaItem.objects.create(one_on_one=pair, added_for=meeting, added_by=me, text=text)
    return item


def agenda_mark(
    *,
    viewer: Viewer,
    item: AgendaItem,
    done: bool,
    meeting: Meeting | None = None,
    now: dt.datetime | None = None,
) -> AgendaItem:
    _require_participant(viewer, item.one_on_one)
    if meeting is not None and meeting.one_on_one_id != item.one_on_one_id:
        raise ValidationError(_other_meeting())
    item.done_at = (now or timezone.now()) if done else None
    item.done_in = meeting if done else None
    item.save(update_fields=["done_at", "done_in"])
    return item


def agenda_remove(*, viewer: Viewer, item: AgendaItem) -> None:
    """The person who added a talking point can take it back (before it is done)."""
    me = _require_participant(viewer, item.one_on_one)
    if item.added_by_id != me.pk:
        raise PermissionDenied(_("Only the person who added a talking point can remove it."))
    item.delete()


def shared_notes_save(*, viewer: Viewer, meeting: Meeting, text: str) -> Meeting:
    _require_participant(viewer, meeting.one_on_one)
    meeting.shared_notes = _text(text, field="shared_notes", limit=MAX_NOTES, required=False)
    meeting.save(update_fields=["shared_notes"])
    return meeting


def private_note_save(*, viewer: Viewer, meeting: Meeting, text: str) -> PrivateNote | None:
    """The viewer's own note on this meeting; an empty text deletes it."""
    _require_participant(viewer, meeting.one_on_one)
    text = _text(text, field="private_note", limit=MAX_NOTES, required=False)
    if not text:
        PrivateNote.objects.filter(meeting=meeting, author=viewer.person).delete()
        return None
    note, _created = PrivateNote.objects.update_or_create(
        meeting=meeting, author=viewer.person, defaults={"text": text}
    )
    return note


def action_add(
    *,
    viewer: Viewer,
    pair: OneOnOne,
    text: str,
    owner_id: int,
    due_on: dt.date | None = None,
    meeting: Meeting | None = None,
) -> ActionItem:
    _require_participant(viewer, pair)
    if owner_id not in pair.participant_ids():
        raise ValidationError({"owner": _("Who: an action item belongs to one of the two of you.")})
    if meeting is not None and meeting.one_on_one_id != pair.pk:
        raise ValidationError(_other_meeting())
    if due_on is not None and not dt.date(2000, 1, 1) <= due_on <= dt.date(2100, 1, 1):
        raise ValidationError(
            {
                "due_on": _("Due: give a date between %(first)d and %(last)d.")
                % {"first": 2000, "last": 2100}
            }
        )
    text = _text(text, field="text", limit=500)
    with transaction.atomic():
        item = ActionItem.objects.create(
            one_on_one=pair, meeting=meeting, owner_id=owner_id, text=text, due_on=due_on
        )
    return item


def action_mark(
    *, viewer: Viewer, item: ActionItem, done: bool, now: dt.datetime | None = None
) -> ActionItem:
    _require_participant(viewer, item.one_on_one)
    item.done_at = (now or timezone.now()) if done else None
    item.save(update_fields=["done_at"])
    return item


# --- Requests and nudges ----------------------------------------------------------------------


def one_on_one_request(
    *, viewer: Viewer, pair: OneOnOne, now: dt.datetime | None = None
) -> OneOnOne:
    """The report (or the skip-level report) asks for a 1:1; the manager hears at once, inside
    their working hours. Asking again within a day does not send a second message."""
    now = now or timezone.now()
    me = _require_participant(viewer, pair)
    if me.pk != pair.report_id:
        raise ValidationError(_("Your reports ask you for a 1:1; you can plan one directly."))
    if pair.requested_at and now - pair.requested_at < dt.timedelta(days=1):
        return pair
    with transaction.atomic():
        pair.requested_at = now
        pair.save(update_fields=["requested_at"])
    with in_language_of(pair.manager):
        notification_send(
            person=pair.manager,
            subject=_("%(name)s would like a 1:1") % {"name": pair.report.display_name},
            body=_("%(name)s asked for a 1:1 with you. Pick a time:")
            % {"name": pair.report.display_name}
            + f"\n{_absolute(pair_path(pair))}",
            url=pair_path(pair),
            kind="touchpoints.request",
            now=now,
        )
    return pair


def last_held_by_pair(pair_ids: Iterable[int]) -> dict[int, dt.date]:
    rows = (
        Meeting.objects.filter(one_on_one_id__in=list(pair_ids), status=Status.HELD)
        .values("one_on_one_id")
        .annotate(last=Max("held_on"))
    )
    return {r["one_on_one_id"]: r["last"] for r in rows}


def due_on(pair: OneOnOne, last_held: dt.date | None) -> dt.date:
    """When the pair's next 1:1 is due: a cadence after the last one, or a cadence after the
    pair began."""
    since = last_held or pair.created_at.date()
    return since + dt.timedelta(days=pair.cadence_days)


def overdue_nudge(*, now: dt.datetime | None = None) -> int:
    """Remind managers of 1:1s that are overdue (due + grace, nothing planned), at most once a
    week per pair, through notify (so inside their working hours). Returns how many."""
    now = now or timezone.now()
    today = now.date()
    pairs = list(
        OneOnOne.objects.filter(is_active=True, manager__is_active=True, report__is_active=True)
        .filter(Q(nudged_at__isnull=True) | Q(nudged_at__lt=now - NUDGE_EVERY))
        .exclude(meetings__status=Status.PLANNED, meetings__starts_at__gte=now)
        .select_related("manager", "report")
    )
    last = last_held_by_pair(p.pk for p in pairs)
    sent = 0
    for pair in pairs:
        due = due_on(pair, last.get(pair.pk))
        if today < due + OVERDUE_GRACE:
            continue
        _nudge(pair, due, now)
        sent += 1
    return sent


def _nudge(pair: OneOnOne, due: dt.date, now: dt.datetime) -> None:
    with transaction.atomic():
        claimed = OneOnOne.objects.filter(pk=pair.pk, nudged_at=pair.nudged_at).update(
            nudged_at=now
        )
        if not claimed:
            return  # another worker nudged it
        with in_language_of(pair.manager):
            _send_nudge(pair, due, now)


def _send_nudge(pair: OneOnOne, due: dt.date, now: dt.datetime) -> None:
    values = {"name": pair.report.display_name, "due": date_format(due, "j F")}
    if pair.kind == Kind.SKIP_LEVEL:
        subject = _("Time for a skip-level 1:1 with %(name)s") % values
        body = _(
            "Your skip-level 1:1 with %(name)s was due on %(due)s. Kith can propose a time "
            "inside both your working hours:"
        )
    else:
        subject = _("Time for a 1:1 with %(name)s") % values
        body = _(
            "Your 1:1 with %(name)s was due on %(due)s. Kith can propose a time inside both "
            "your working hours:"
        )
    notification_send(
        person=pair.manager,
        subject=subject,
        body=body % values + f"\n{_absolute(pair_path(pair))}",
        url=pair_path(pair),
        kind="touchpoints.overdue",
        now=now,
    )
