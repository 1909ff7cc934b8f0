"""Reads about boundaries: quiet periods for notify/connect/touchpoints (through
kith.core.boundaries), and what the boundaries pages and API show, already authorised."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core import permissions
from kith.core.permissions import Viewer, require
from kith.core.zones import zone as zone_named
from kith.directory.models import ContactPreference, OrgUnit, Person
from kith.directory.selectors import reporting_line_ids
from kith.guidelines.engine.boundaries import DaysOff, WeeklyQuiet, quiet_intervals
from kith.guidelines.models import TechFreeHours, WellnessWeek

Interval = tuple[dt.datetime, dt.datetime]
NOTICE_AHEAD = dt.timedelta(days=7)  # the boundaries page announces a wellness week

# --- Quiet periods (registered in kith.core.boundaries) -----------------------------------------


def quiet_periods_for(
    person_ids: Sequence[int], begin: dt.datetime, end: dt.datetime
) -> dict[int, list[Interval]]:
    """Per person: their team's tech-free hours and every wellness week inside [begin, end).

    Three queries whatever the number of people; people sharing a time zone and the same
    tech-free hours share one computation.
    """
    margin = dt.timedelta(days=2)  # local dates of far-off zones
    weeks = tuple(
        DaysOff(first, last)
        for first, last in WellnessWeek.objects.filter(
            starts_on__lte=(end + margin).date(), ends_on__gte=(begin - margin).date()
        ).values_list("starts_on", "ends_on")
    )
    rules_by_unit: dict[int, list[WeeklyQuiet]] = defaultdict(list)
    for unit_id, weekday, starts_at, ends_at in TechFreeHours.objects.values_list(
        "org_unit_id", "weekday", "starts_at", "ends_at"
    ):
        rules_by_unit[unit_id].append(WeeklyQuiet(weekday, starts_at, ends_at))
    if not weeks and not rules_by_unit:
        return {}
    rows = Person.objects.filter(pk__in=list(person_ids)).values_list(
        "pk", "timezone", "org_unit__path"
    )
    fallback = _known_zone(str(settings.TIME_ZONE)) or "UTC"
    computed: dict[tuple[str, tuple[WeeklyQuiet, ...]], list[Interval]] = {}
    found: dict[int, list[Interval]] = {}
    for pk, zone, path in rows:
        weekly = tuple(
            rule for unit_id in _path_ids(path or "") for rule in rules_by_unit.get(unit_id, ())
        )
        if not weekly and not weeks:
            continue
        key = (_known_zone(zone or "") or fallback, weekly)
        if key not in computed:
            computed[key] = quiet_intervals(key[0], weekly, weeks, begin, end)
        if computed[key]:
            found[pk] = computed[key]
    return found


def organisation_paused_on(day: dt.date) -> bool:
    return WellnessWeek.objects.filter(starts_on__lte=day, ends_on__gte=day).exists()


def wellness_week_name_on(day: dt.date) -> str:
    """The name of the wellness week covering `day`, or ""."""
    found = WellnessWeek.objects.filter(starts_on__lte=day, ends_on__gte=day).values_list(
        "name", "starts_on", "ends_on"
    )
    for name, first, last in found[:1]:
        return f"{name} ({first:%-d %b} – {last:%-d %b %Y})"
    return ""


def _known_zone(name: str) -> str:
    try:
        return name if name and zone_named(name) else ""
    except (ZoneInfoNotFoundError, ValueError):
        return ""


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.split(".") if part]


# --- Pages and API ------------------------------------------------------------------------------


def preferences_of(person: Person) -> ContactPreference:
    """The person's preferences, or the defaults (unsaved) when they never chose."""
    found = ContactPreference.objects.filter(person=person).first()
    return found or ContactPreference(person=person)


def preferences_for_viewer(viewer: Viewer) -> ContactPreference:
    require(viewer.person is not None, _("Only people in the directory have preferences."))
    assert viewer.person is not None
    return preferences_of(viewer.person)


def wellness_week_now(today: dt.date | None = None) -> WellnessWeek | None:
    today = today or timezone.localdate()
    return WellnessWeek.objects.filter(starts_on__lte=today, ends_on__gte=today).first()


def local_today(viewer: Viewer) -> dt.date:
    zone = _known_zone(getattr(viewer.person, "timezone", "") or "")
    if not zone:
        return timezone.localdate()
    return timezone.now().astimezone(zone_named(zone)).date()


@dataclass(frozen=True)
class WellnessWeeks:
    current: WellnessWeek | None
    upcoming: list[WellnessWeek]
    past: list[WellnessWeek]
    ahead: WellnessWeek | None


def wellness_weeks_for_viewer(viewer: Viewer, *, today: dt.date | None = None) -> WellnessWeeks:
    """Everyone may see the organisation's wellness weeks."""
    require(viewer.is_authenticated, _("Sign in to see wellness weeks."))
    today = today or local_today(viewer)
    weeks = list(WellnessWeek.objects.order_by("starts_on"))
    return WellnessWeeks(
        current=next((w for w in weeks if w.starts_on <= today <= w.ends_on), None),
        upcoming=[w for w in weeks if w.starts_on > today],
        past=[w for w in reversed(weeks) if w.ends_on < today],
        ahead=next((w for w in weeks if today < w.starts_on <= today + NOTICE_AHEAD), None),
    )


def wellness_week_for_viewer(viewer: Viewer, week_id: int) -> WellnessWeek | None:
    require(viewer.is_authenticated, _("Sign in to see wellness weeks."))
    return WellnessWeek.objects.filter(pk=week_id).first()


def my_tech_free_hours_for_viewer(viewer: Viewer) -> list[TechFreeHours]:
    """The tech-free hours that apply to the viewer: their unit's and every unit above it."""
    person = viewer.person
    if person is None or person.org_unit_id is None:
        return []
    unit = OrgUnit.objects.filter(pk=person.org_unit_id).only("path").first()
    ids = _path_ids(unit.path) if unit else []
    return list(
        TechFreeHours.objects.filter(org_unit_id__in=ids)
        .select_related("org_unit")
        .order_by("weekday", "starts_at")
    )


def managed_unit_ids(viewer: Viewer) -> set[int]:
    """Units whose tech-free hours a manager may set: a unit's hours hold everyone in it and in
    every unit below it, so the manager must have a report in that subtree and every active
    person there must be in their reporting line (their reports, recursively, or they
    themselves). One report placed in a department does not let them silence the department.

    Three queries: the reporting line, where its people sit, and who else sits there.
    (HR may set any unit; see can_set_tech_free_hours.)"""
    me = viewer.person
    if me is None:
        return set()
    line = reporting_line_ids(me)  # the manager and everyone below them, active
    report_paths = set(
        Person.objects.filter(pk__in=line - {me.pk}, org_unit__isnull=False)
        .values_list("org_unit__path", flat=True)
        .distinct()
    )
    # Every unit holding a report, and every unit above one, is a candidate: path -> id.
    candidates: dict[str, int] = {}
    for path in report_paths:
        ids = _path_ids(path or "")
        for depth, unit_id in enumerate(ids, start=1):
            candidates[".".join(str(i) for i in ids[:depth]) + "."] = unit_id
    if not candidates:
        return set()
    roots = [p for p in candidates if not any(p != q and p.startswith(q) for q in candidates)]
    within = Q()
    for path in roots:
        within |= Q(org_unit__path__startswith=path)
    outsider_paths = set(
        Person.objects.filter(within, is_active=True)
        .exclude(pk__in=line)
        .values_list("org_unit__path", flat=True)
        .distinct()
    )
    return {
        unit_id
        for path, unit_id in candidates.items()
        if not any(other.startswith(path) for other in outsider_paths)
    }


def tech_free_scope(viewer: Viewer, managed: set[int] | None = None) -> set[int]:
    """managed_unit_ids(viewer), or nothing for HR (who may set any unit), read once per page:
    `managed` is the answer when the caller has it already."""
    if viewer.is_hr:
        return set()
    return managed if managed is not None else managed_unit_ids(viewer)


def can_set_tech_free_hours(
    viewer: Viewer, unit_id: int | None = None, *, managed: set[int] | None = None
) -> bool:
    """kith.core.permissions.can_set_tech_free_hours, for that unit (or for any unit).
    `managed`: tech_free_scope(viewer), when already read."""
    units = tech_free_scope(viewer, managed)
    manages = bool(units) if unit_id is None else unit_id in units
    return permissions.can_set_tech_free_hours(viewer, manages_unit=manages)


can_manage_wellness_weeks = permissions.can_manage_wellness_weeks


def settable_units_for_viewer(
    viewer: Viewer, *, managed: set[int] | None = None
) -> QuerySet[OrgUnit]:
    managed = tech_free_scope(viewer, managed)
    require(
        can_set_tech_free_hours(viewer, managed=managed),
        _("Only managers and HR set tech-free hours."),
    )
    if viewer.is_hr:
        return OrgUnit.objects.order_by("path")
    return OrgUnit.objects.filter(pk__in=managed).order_by("path")


def tech_free_hours_for_viewer(
    viewer: Viewer, *, managed: set[int] | None = None
) -> list[TechFreeHours]:
    """The rows the viewer manages (HR: all; a manager: their units')."""
    managed = tech_free_scope(viewer, managed)
    require(
        can_set_tech_free_hours(viewer, managed=managed),
        _("Only managers and HR set tech-free hours."),
    )
    rows = TechFreeHours.objects.select_related("org_unit").order_by(
        "org_unit__path", "weekday", "starts_at"
    )
    if not viewer.is_hr:
        rows = rows.filter(org_unit_id__in=managed)
    return list(rows)


def tech_free_hours_one_for_viewer(viewer: Viewer, rule_id: int) -> TechFreeHours | None:
    rule = TechFreeHours.objects.select_related("org_unit").filter(pk=rule_id).first()
    if rule is None or not can_set_tech_free_hours(viewer, rule.org_unit_id):
        return None
    return rule


def people_under(unit_id: int) -> QuerySet[Person]:
    """Everyone in the unit and every unit below it."""
    unit = OrgUnit.objects.filter(pk=unit_id).only("path").first()
    if unit is None:
        return Person.objects.none()
    return Person.objects.filter(Q(org_unit__path__startswith=unit.path))


def my_boundaries_data(person: Person) -> dict[str, object]:
    """For the person's own export: their contact preferences (defaults when never set)."""
    prefs = preferences_of(person)
    return {
        "saved": prefs.pk is not None,
        "meeting_mode": prefs.meeting_mode,
        "intro_frequency": prefs.intro_frequency,
        "preferred_channel": prefs.preferred_channel,
        "office_day_nudges": prefs.office_day_nudges,
        "updated_at": prefs.updated_at.isoformat() if prefs.updated_at else None,
    }


def chat_accounts_for_viewer(viewer: Viewer) -> list[dict[str, object]]:
    """The chat tools HR connected, and whether Kith knows the viewer's account there: a chat
    app may offer a personal page named "<provider>:me" to set it."""
    from django.urls import NoReverseMatch, reverse

    from kith.notify import channels
    from kith.notify.models import ChatIdentity

    if viewer.person is None:
        return []
    linked = set(
        ChatIdentity.objects.filter(person=viewer.person).values_list("provider", flat=True)
    )
    rows: list[dict[str, object]] = []
    for tool in channels.providers():
        if not tool.is_configured():
            continue
        try:
            url = reverse(f"{tool.name}:me")
        except NoReverseMatch:
            url = ""
        rows.append({"label": tool.label, "linked": tool.name in linked, "url": url})
    return rows
