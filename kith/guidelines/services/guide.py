"""Every write of the channel guide, and the advisor's one action: proposing a call.

The guide is the organisation's, edited by HR: each change writes an audit row. The default
guide (kith/guidelines/defaults.py) is installed on first use, by whichever request comes
first; concurrent first uses insert the same rows and the unique slug and (kind, channel)
keep one copy. A proposal is a person's own action: it writes no audit row and stores
nothing about the conversation (the notification holds the kind's name only if the person
chose to include it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.connect import inputs as connect_inputs
from kith.connect.engine import schedule
from kith.core import audit, permissions, throttle
from kith.core.permissions import Viewer
from kith.directory.models import Person
from kith.guidelines import defaults
from kith.guidelines.models import Channel, ChannelAdvice, ConversationKind
from kith.notify.engine.calendar import invite_ics
from kith.notify.services import Attachment, in_language_of, notification_send

Fit = ChannelAdvice.Fit
Sensitivity = ConversationKind.Sensitivity
MAX_KINDS = 60
PROPOSAL_SCOPE = "guidelines_proposal"  # settings.KITH_RATE_LIMITS, per proposing person
PROPOSAL_REPEAT = dt.timedelta(minutes=10)  # the same proposal again within this sends nothing
CALL_MINUTES = (15, 30, 45, 60)
CHANNEL_MEETING = {
    "in_person": gettext_lazy("a meeting in person"),
    "video": gettext_lazy("a video call"),
    "phone": gettext_lazy("a phone call"),
}


can_edit_guide = permissions.can_edit_channel_guide


def _require_hr(viewer: Viewer) -> None:
    if not can_edit_guide(viewer):
        raise PermissionDenied(_("Only HR admins edit the channel guide."))


# --- Installing and resetting -----------------------------------------------------------------


def guide_install_defaults() -> bool:
    """Install the default guide if the organisation has none yet. Safe to call from any
    number of requests at once; True when this call found the guide empty."""
    if ConversationKind.objects.exists():
        return False
    _insert_defaults()
    return True


def _insert_defaults() -> None:
    with transaction.atomic():
        ConversationKind.objects.bulk_create(
            [
                ConversationKind(
                    slug=k.slug,
                    name=k.name,
                    description=k.description,
                    sensitivity=k.sensitivity,
                    position=i,
                )
                for i, k in enumerate(defaults.DEFAULT_GUIDE)
            ],
            ignore_conflicts=True,
        )
        ids = dict(
            ConversationKind.objects.filter(
                slug__in=[k.slug for k in defaults.DEFAULT_GUIDE]
            ).values_list("slug", "pk")
        )
        ChannelAdvice.objects.bulk_create(
            [
                ChannelAdvice(kind_id=ids[k.slug], channel=channel, fit=fit, why=why)
                for k in defaults.DEFAULT_GUIDE
                for channel, (fit, why) in k.cells.items()
            ],
            ignore_conflicts=True,
        )


def guide_reset(*, viewer: Viewer) -> int:
    """HR replaces the whole guide with the default one; returns how many kinds it has."""
    _require_hr(viewer)
    with transaction.atomic():
        removed = ConversationKind.objects.count()
        ConversationKind.objects.all().delete()
        _insert_defaults()
        audit.record(actor=viewer.user, action="guidelines.guide_reset", kinds_removed=removed)
    return len(defaults.DEFAULT_GUIDE)


# --- Kinds ------------------------------------------------------------------------------------


def _clean_kind_fields(*, name: str, description: str, sensitivity: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        errors["name"] = _("Name: give the kind of conversation a name.")
    elif len(name) > 100:
        errors["name"] = _("Name: at most %(limit)d characters (this has %(length)d).") % {
            "limit": 100,
            "length": len(name),
        }
    if len(description) > 300:
        errors["description"] = _(
            "Description: at most %(limit)d characters (this has %(length)d)."
        ) % {"limit": 300, "length": len(description)}
    if sensitivity not in Sensitivity.values:
        errors["sensitivity"] = _("Sensitivity: choose low, medium or high.")
    if errors:
        raise ValidationError(errors)
    return name, description


def _name_taken(name: str) -> dict[str, str]:
    return {"name": _("Name: the guide already has “%(name)s”.") % {"name": name}}


def _unique_slug(name: str, *, exclude: int | None = None) -> str:
    base = (slugify(name) or "kind")[:50]
    kinds = ConversationKind.objects.filter(slug__startswith=base)
    if exclude is not None:
        kinds = kinds.exclude(pk=exclude)
    taken = set(kinds.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def kind_create(
    *, viewer: Viewer, name: str, description: str = "", sensitivity: str = "medium"
) -> ConversationKind:
    """HR adds a kind of conversation at the end of the guide, with the default guide's
    cells for its sensitivity until HR edits them."""
    _require_hr(viewer)
    name, description = _clean_kind_fields(
        name=name, description=description, sensitivity=sensitivity
    )
    if ConversationKind.objects.filter(name__iexact=name).exists():
        raise ValidationError(_name_taken(name))
    if ConversationKind.objects.count() >= MAX_KINDS:
        raise ValidationError(
            {"name": _("Name: the guide holds at most %(limit)d kinds.") % {"limit": MAX_KINDS}}
        )
    try:
        with transaction.atomic():
            last = ConversationKind.objects.aggregate(m=Max("position"))["m"]
            kind = ConversationKind.objects.create(
                slug=_unique_slug(name),
                name=name,
                description=description,
                sensitivity=sensitivity,
                position=0 if last is None else last + 1,
            )
            ChannelAdvice.objects.bulk_create(
                ChannelAdvice(kind=kind, channel=channel, fit=fit, why=why)
                for channel, (fit, why) in defaults.cells_for_new_kind(sensitivity).items()
            )
            audit.record(
                actor=viewer.user, action="guidelines.kind_added", target=kind.slug, name=name
            )
    except IntegrityError as exc:  # a second HR admin added the same kind at the same moment
        raise ValidationError(_name_taken(name)) from exc
    return kind


def kind_update(
    *,
    viewer: Viewer,
    kind: ConversationKind,
    name: str | None = None,
    description: str | None = None,
    sensitivity: str | None = None,
) -> ConversationKind:
    """HR renames a kind, rewrites its description or changes its sensitivity. The slug
    stays, so links to the advisor keep working."""
    _require_hr(viewer)
    new_name = kind.name if name is None else name
    new_description = kind.description if description is None else description
    new_sensitivity = kind.sensitivity if sensitivity is None else sensitivity
    new_name, new_description = _clean_kind_fields(
        name=new_name, description=new_description, sensitivity=new_sensitivity
    )
    if ConversationKind.objects.filter(name__iexact=new_name).exclude(pk=kind.pk).exists():
        raise ValidationError(_name_taken(new_name))
    changed = [
        f
        for f, value in (
            ("name", new_name),
            ("description", new_description),
            ("sensitivity", new_sensitivity),
        )
        if getattr(kind, f) != value
    ]
    if not changed:
        return kind
    with transaction.atomic():
        kind.name, kind.description, kind.sensitivity = new_name, new_description, new_sensitivity
        kind.save(update_fields=[*changed, "updated_at"])
        audit.record(
            actor=viewer.user, action="guidelines.kind_changed", target=kind.slug, fields=changed
        )
    return kind


def kind_delete(*, viewer: Viewer, kind: ConversationKind) -> None:
    """HR removes a kind and its cells. The last kind stays: an empty guide would be
    installed again on the next visit; "Reset to the default guide" is the way to start over."""
    _require_hr(viewer)
    with transaction.atomic():
        if not ConversationKind.objects.exclude(pk=kind.pk).exists():
            raise ValidationError(
                _(
                    "The guide needs at least one kind of conversation: add another first, or "
                    "reset to the default guide."
                )
            )
        slug = kind.slug
        kind.delete()
        audit.record(actor=viewer.user, action="guidelines.kind_removed", target=slug)


def kinds_reorder(*, viewer: Viewer, kind_ids: list[int]) -> list[ConversationKind]:
    """HR puts the kinds in this order; it must name every kind exactly once."""
    _require_hr(viewer)
    with transaction.atomic():
        kinds = {k.pk: k for k in ConversationKind.objects.select_for_update()}
        if len(kind_ids) != len(set(kind_ids)) or set(kind_ids) != set(kinds):
            raise ValidationError({"order": _("Order: list every kind of the guide exactly once.")})
        for position, pk in enumerate(kind_ids):
            kinds[pk].position = position
        ConversationKind.objects.bulk_update(list(kinds.values()), ["position"])
        audit.record(actor=viewer.user, action="guidelines.kinds_reordered", kinds=len(kind_ids))
    return [kinds[pk] for pk in kind_ids]


def kind_move(*, viewer: Viewer, kind: ConversationKind, by: int) -> None:
    """Move a kind one place up (by=-1) or down (by=1)."""
    order = list(ConversationKind.objects.order_by("position", "name").values_list("pk", flat=True))
    at = order.index(kind.pk)
    to = min(max(at + by, 0), len(order) - 1)
    if to == at:
        return
    order.insert(to, order.pop(at))
    kinds_reorder(viewer=viewer, kind_ids=order)


# --- Cells ------------------------------------------------------------------------------------


def cells_update(
    *, viewer: Viewer, kind: ConversationKind, cells: Mapping[str, tuple[str, str]]
) -> list[ChannelAdvice]:
    """HR sets a kind's fit and why for some or all channels; nothing is saved unless every
    given cell is valid."""
    _require_hr(viewer)
    errors: dict[str, str] = {}
    clean: dict[str, tuple[str, str]] = {}
    for channel, (fit, why) in cells.items():
        label = str(Channel(channel).label) if channel in Channel.values else channel
        why = (why or "").strip()
        values = {"channel": label, "limit": 300, "length": len(why)}
        if channel not in Channel.values:
            errors[channel] = (
                _("%(channel)s: not a channel (in_person, video, phone, chat, email).") % values
            )
        elif fit not in Fit.values:
            errors[f"{channel}_fit"] = _("%(channel)s fit: choose best, good or avoid.") % values
        elif not why:
            errors[f"{channel}_why"] = _("%(channel)s why: say in one sentence why.") % values
        elif len(why) > 300:
            errors[f"{channel}_why"] = (
                _("%(channel)s why: at most %(limit)d characters (this has %(length)d).") % values
            )
        else:
            clean[channel] = (fit, why)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = {
            c.channel: c for c in ChannelAdvice.objects.select_for_update().filter(kind=kind)
        }
        changed = []
        for channel, (fit, why) in clean.items():
            cell = existing.get(channel)
            if cell is None:
                existing[channel] = ChannelAdvice.objects.create(
                    kind=kind, channel=channel, fit=fit, why=why
                )
                changed.append(channel)
            elif (cell.fit, cell.why) != (fit, why):
                cell.fit, cell.why = fit, why
                cell.save(update_fields=["fit", "why"])
                changed.append(channel)
        if changed:
            ConversationKind.objects.filter(pk=kind.pk).update(updated_at=timezone.now())
            audit.record(
                actor=viewer.user,
                action="guidelines.cells_changed",
                target=kind.slug,
                channels=sorted(changed),
            )
    return sorted(existing.values(), key=lambda c: list(Channel.values).index(c.channel))


# --- Proposing a call -------------------------------------------------------------------------


def call_times(
    people: list[Person], *, after: dt.datetime, minutes: int = 30, count: int = 3
) -> list[dt.datetime]:
    """Slots inside everyone's working hours and off their public holidays (Connect's slot
    finder, as touchpoints uses it), outside their quiet periods (tech-free hours, a wellness
    week). Not shaped by calendars: anyone may propose a call to anyone, and the times
    offered would tell them when a colleague is busy."""
    years = tuple(sorted({after.year, (after + schedule.MAX_WINDOW).year}))
    length = dt.timedelta(minutes=minutes)
    return schedule.suggest_times(
        connect_inputs.working_hours(people),
        after=after,
        count=count,
        duration=length,
        holidays_by_person=[connect_inputs.holidays_of(p.country, years) for p in people],
        busy_by_person=connect_inputs.busy_by_person(people, after, calendars_too=False),
    )


def _absolute(path: str) -> str:
    return str(settings.KITH_BASE_URL).rstrip("/") + path


def call_propose(
    *,
    viewer: Viewer,
    colleague: Person,
    starts_at: dt.datetime,
    channel: str = "video",
    minutes: int = 30,
    kind: ConversationKind | None = None,
    include_kind: bool = False,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """Send the colleague a proposed time with an .ics invitation, and the viewer a copy.
    Nothing is stored but the two notifications; they name the kind of conversation only
    when `include_kind` (otherwise "a conversation"). Rate-limited per person."""
    now = now or timezone.now()
    me = viewer.person
    if me is None or not me.is_active:
        raise PermissionDenied(_("Only a colleague in the directory can propose a call."))
    errors: dict[str, str] = {}
    if colleague.pk == me.pk or not colleague.is_active:
        errors["colleague"] = _("Colleague: choose someone else who works here.")
    if channel not in CHANNEL_MEETING:
        errors["channel"] = _("Channel: propose a meeting in person, a video call or a phone call.")
    if minutes not in CALL_MINUTES:
        errors["minutes"] = _("Minutes: choose %(choices)s.") % {
            "choices": ", ".join(str(m) for m in CALL_MINUTES)
        }
    if timezone.is_naive(starts_at):
        errors["starts_at"] = _("Starts at: give the time with its time zone.")
    elif not now - dt.timedelta(minutes=5) <= starts_at <= now + dt.timedelta(days=90):
        errors["starts_at"] = _("Starts at: choose a time in the next %(n)d days.") % {"n": 90}
    if include_kind and kind is None:
        errors["kind"] = _("Kind: choose what the conversation is about, or leave it out.")
    if errors:
        raise ValidationError(errors)
    topic = kind.name if (include_kind and kind is not None) else ""
    key = _proposal_key(me, colleague, starts_at, f"{channel}:{minutes}:{topic}")
    if cache.get(key) is not None:
        return starts_at  # the same proposal a moment ago (a second click): nothing sent twice
    throttle.check(PROPOSAL_SCOPE, f"person:{me.pk}")
    if not cache.add(key, 1, timeout=int(PROPOSAL_REPEAT.total_seconds())):
        return starts_at  # a request racing this one marked it first
    try:
        _send_proposal(me, colleague, starts_at, channel, minutes, topic)
    except BaseException:
        cache.delete(key)  # nothing was sent: the retry must go through
        raise
    return starts_at


def _proposal_key(me: Person, colleague: Person, starts_at: dt.datetime, what: str) -> str:
    """The cache key of this very proposal (who, to whom, when, how, about what): marked for
    PROPOSAL_REPEAT once it is being sent, in the cache every process shares, so a double
    click, or the browser's Back and resend, sends one invitation. A refused (throttled) or
    failed proposal leaves no mark."""
    digest = hashlib.sha256(what.encode()).hexdigest()[:16]
    return f"guidelines:proposal:{me.pk}:{colleague.pk}:{int(starts_at.timestamp())}:{digest}"


def _send_proposal(
    me: Person, colleague: Person, starts_at: dt.datetime, channel: str, minutes: int, topic: str
) -> None:
    host = urlsplit(str(settings.KITH_BASE_URL)).hostname or "kith"
    uid = f"kith-call-{uuid.uuid4().hex}@{host}"
    call = _Call(me, colleague, starts_at, channel, minutes, topic, uid)
    for reader in (me, colleague):
        with in_language_of(reader):  # each in their own language
            _send_proposal_to(reader, call)


@dataclasses.dataclass(frozen=True)
class _Call:
    me: Person
    colleague: Person
    starts_at: dt.datetime
    channel: str
    minutes: int
    topic: str
    uid: str


def _send_proposal_to(reader: Person, call: _Call) -> None:
    me, colleague, starts_at, channel, minutes, uid = (
        call.me,
        call.colleague,
        call.starts_at,
        call.channel,
        call.minutes,
        call.uid,
    )
    what = str(CHANNEL_MEETING[channel])
    about = (
        _("a conversation about %(topic)s") % {"topic": call.topic.lower()}
        if call.topic
        else _("a conversation")
    )
    label = str(Channel(channel).label)
    people = [me, colleague]
    other = colleague if reader is me else me
    ics = invite_ics(
        uid=uid,
        start=starts_at,
        duration=dt.timedelta(minutes=minutes),
        summary=_("%(channel)s: %(me)s and %(colleague)s")
        % {"channel": label, "me": me.display_name, "colleague": colleague.display_name},
        description=_("%(name)s proposes %(about)s. Accept or suggest another time.")
        % {"name": me.display_name, "about": about},
        organizer_email=parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1],
        organizer_name=me.display_name,
        attendees=[(p.display_name, p.email) for p in people],
        location=label,
        tzid=reader.timezone or None,
    )
    when = date_format(starts_at.astimezone(_zone(reader)), "D j M, H:i")
    values = {
        "what": what,
        "about": about,
        "other": other.display_name,
        "me": me.display_name,
        "when": when,
        "zone": reader.timezone or "UTC",
    }
    if reader is me:
        subject = _("Copy: you proposed %(what)s with %(other)s") % values
        body = _("You proposed %(about)s with %(other)s on %(when)s (%(zone)s).") % values
    else:
        subject = _("%(me)s proposes %(what)s") % values
        body = (
            _(
                "%(me)s would like %(about)s with you on %(when)s (%(zone)s), inside both "
                "your working hours. Accept the invitation, or reply with another time."
            )
            % values
        )
    notification_send(
        person=reader,
        subject=subject,
        body=f"{body}\n{_absolute(reverse('directory:person', args=[other.pk]))}",
        url=reverse("directory:person", args=[other.pk]),
        kind="guidelines.proposal",
        attachments=[
            Attachment(filename="invite.ics", content_type="text/calendar", content=ics.decode())
        ],
    )


def _zone(person: Person) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(person.timezone or "UTC")
    except (KeyError, ValueError):
        return dt.UTC
