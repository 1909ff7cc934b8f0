"""Reads of the channel guide and the advisor, already authorised for the viewer.

The guide is for every signed-in colleague; HR edits it. The advisor reads two people's
city, time zone and working hours from the directory, and whether they share a 1:1
(touchpoints), to suggest the next step. It never reads the colleague's contact preference
(private to them: only Kith's own matching, events, nudges and notifications read it). It
stores nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core.permissions import Viewer, can_browse_directory, can_view_person, require
from kith.directory.models import Person
from kith.guidelines.engine import advisor
from kith.guidelines.models import Channel, ChannelAdvice, ConversationKind
from kith.guidelines.services import guide as services

MAX_COLLEAGUES = 80
DISTANCE_LABELS = {
    "same_place": gettext_lazy("Same place"),
    "same_zone": gettext_lazy("Same time zone"),
    "few_hours": gettext_lazy("A few hours apart"),
    "far_apart": gettext_lazy("Far apart"),
}
URGENCY_LABELS = {
    "today": gettext_lazy("Today"),
    "this_week": gettext_lazy("This week"),
    "no_rush": gettext_lazy("No rush"),
}


@dataclass(frozen=True)
class KindRow:
    kind: ConversationKind
    cells: list[ChannelAdvice]  # in channel order, one per channel

    def as_engine_cells(self) -> dict[str, tuple[str, str]]:
        return {c.channel: (c.fit, c.why) for c in self.cells}


def _require_reader(viewer: Viewer) -> None:
    require(can_browse_directory(viewer), _("Sign in as a colleague to read the channel guide."))


def guide_for_viewer(viewer: Viewer) -> list[KindRow]:
    """Every kind with its five cells, in the guide's order (installing the default guide on
    first use). Two queries."""
    _require_reader(viewer)
    services.guide_install_defaults()
    kinds = list(ConversationKind.objects.order_by("position", "name"))
    by_kind: dict[int, dict[str, ChannelAdvice]] = defaultdict(dict)
    for cell in ChannelAdvice.objects.filter(kind__in=kinds):
        by_kind[cell.kind_id][cell.channel] = cell
    rows = []
    for kind in kinds:
        cells = by_kind[kind.pk]
        rows.append(
            KindRow(
                kind=kind,
                cells=[
                    cells.get(ch) or ChannelAdvice(kind=kind, channel=ch, fit="good", why="")
                    for ch in Channel.values
                ],
            )
        )
    return rows


def kind_for_viewer(viewer: Viewer, key: int | str) -> KindRow:
    """One kind by id or slug, with its cells; 404 if there is none."""
    _require_reader(viewer)
    services.guide_install_defaults()
    lookup = Q(pk=key) if isinstance(key, int) else Q(slug=key)
    kind = ConversationKind.objects.filter(lookup).first()
    if kind is None:
        raise Http404(_("No such kind of conversation in the guide."))
    cells = {c.channel: c for c in kind.advice.all()}
    return KindRow(
        kind=kind,
        cells=[
            cells.get(ch) or ChannelAdvice(kind=kind, channel=ch, fit="good", why="")
            for ch in Channel.values
        ],
    )


def zone_of(person: Person | None) -> ZoneInfo:
    """The person's time zone (UTC when unknown): times on the advisor page are theirs."""
    try:
        return ZoneInfo((person.timezone if person is not None else "") or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


# --- The advisor ------------------------------------------------------------------------------


def advisor_colleagues_for_viewer(viewer: Viewer) -> list[Person]:
    """The people a viewer most often needs this for: their manager, their reports and
    their teammates (one query, at most MAX_COLLEAGUES)."""
    me = viewer.person
    if me is None:
        return []
    who = Q(pk=me.manager_id) | Q(manager_id=me.pk)
    if me.org_unit_id:
        who |= Q(org_unit_id=me.org_unit_id)
    people = Person.objects.filter(who, is_active=True).exclude(pk=me.pk)
    return list(people.order_by("full_name")[:MAX_COLLEAGUES])


def colleague_for_viewer(
    viewer: Viewer, *, person_id: int | None = None, email: str = ""
) -> Person | None:
    """The colleague the viewer picked, by id or work email; None when neither is given."""
    email = (email or "").strip()
    if person_id is None and not email:
        return None
    field_name = "colleague" if person_id is not None else "colleague_email"
    people = (
        Person.objects.filter(pk=person_id)
        if person_id is not None
        else Person.objects.filter(email__iexact=email)
    )
    person = people.first()
    if person is None or not person.is_active or not can_view_person(viewer, person):
        raise ValidationError({field_name: _("Colleague: nobody active in the directory by that.")})
    if viewer.person is not None and person.pk == viewer.person.pk:
        raise ValidationError({field_name: _("Colleague: choose someone other than yourself.")})
    return person


@dataclass(frozen=True)
class NextStep:
    kind: str  # "one_on_one" | "call" | "message"
    label: str
    channel: str = ""
    one_on_one_id: int | None = None
    my_role: str = ""  # in the 1:1: "manager" or "report"
    times: list[dt.datetime] = field(default_factory=list)


@dataclass(frozen=True)
class AdvicePage:
    kind: ConversationKind
    situation: advisor.Situation
    advice: advisor.Advice
    colleague: Person | None
    distance_worked_out: bool
    zone_gap_hours: float | None
    next_step: NextStep | None


def _shared_one_on_one(me: Person, other: Person) -> tuple[int, str] | None:
    """(pair id, my role) when one manages the other and they have an active direct 1:1."""
    from kith.touchpoints.models import OneOnOne

    if other.manager_id == me.pk:
        manager, report, role = me, other, "manager"
    elif me.manager_id == other.pk:
        manager, report, role = other, me, "report"
    else:
        return None
    pair_id = (
        OneOnOne.objects.filter(
            manager=manager, report=report, kind=OneOnOne.Kind.DIRECT, is_active=True
        )
        .values_list("pk", flat=True)
        .first()
    )
    return (pair_id, role) if pair_id is not None else None


def advice_for_viewer(
    viewer: Viewer,
    *,
    kind_key: int | str,
    sensitivity: str = "",
    urgency: str = "this_week",
    distance: str = "",
    colleague: Person | None = None,
    now: dt.datetime | None = None,
) -> AdvicePage:
    """The advisor's answer. Sensitivity defaults to the kind's; the distance, time-zone gap
    and whether working hours overlap are worked out from the directory when a colleague is
    given and no distance is chosen."""
    now = now or timezone.now()
    row = kind_for_viewer(viewer, kind_key)
    me = viewer.person
    gap, worked_out, times = None, False, []
    if colleague is not None and me is not None:
        found, gap = advisor.distance_between(
            place_a=(me.city, me.country),
            place_b=(colleague.city, colleague.country),
            zone_a=me.timezone,
            zone_b=colleague.timezone,
            at=now,
        )
        if not distance and found:
            distance, worked_out = found, True
        times = services.call_times([me, colleague], after=now + dt.timedelta(hours=1))
    if not distance:
        raise ValidationError(
            {
                "distance": _(
                    "How far apart: choose one, or pick the colleague so Kith can work it out."
                )
            }
        )
    situation = advisor.Situation(
        sensitivity=sensitivity or row.kind.sensitivity,
        urgency=urgency,
        distance=distance,
        hours_overlap=bool(times) if colleague is not None else None,
    )
    advice = advisor.advise(
        kind_name=row.kind.name,
        cells=row.as_engine_cells(),
        situation=situation,
        translate=_,
    )
    step = _next_step(me, colleague, advice.recommended.channel, times)
    return AdvicePage(row.kind, situation, advice, colleague, worked_out, gap, step)


def _next_step(
    me: Person | None, colleague: Person | None, channel: str, times: list[dt.datetime]
) -> NextStep | None:
    if me is None or colleague is None:
        return None
    if channel in {"chat", "email"}:
        label = _("Write to %(name)s") % {"name": colleague.display_name}
        return NextStep(kind="message", label=label, channel=channel)
    shared = _shared_one_on_one(me, colleague)
    if shared is not None:
        pair_id, role = shared
        label = (
            _("Propose a 1:1")
            if role == "manager"
            else _("Ask %(name)s for a 1:1") % {"name": colleague.display_name}
        )
        return NextStep(
            kind="one_on_one", label=label, channel=channel, one_on_one_id=pair_id, my_role=role
        )
    label = (
        _("Propose a time to meet")
        if channel == "in_person"
        else (_("Propose a video call") if channel == "video" else _("Propose a call"))
    )
    return NextStep(kind="call", label=label, channel=channel, times=times)
