"""Every write of office days, leave, anchor days and office-day nudges.

A person's own plans and leave are their private actions: no audit row. Anchor days are set
for a whole team by its managers or HR: each change is audited."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kith.core import audit
from kith.core.permissions import Viewer
from kith.directory.models import ContactPreference, Office, OrgUnit, Person
from kith.notify.services import in_language_of, notification_send
from kith.places.engine import days as engine
from kith.places.models import AnchorDay, Leave, OfficeDay, OfficeDayNudge
from kith.places.selectors import days as selectors

MAX_AHEAD = dt.timedelta(days=366)  # plans and leave reach at most a year ahead
MAX_LEAVE = dt.timedelta(days=366)
WEEKDAYS = range(1, 8)


def _office(office_id: int | None) -> Office:
    office = Office.objects.filter(pk=office_id).first() if office_id else None
    if office is None:
        raise ValidationError({"office": [_("Choose one of the offices.")]})
    return office


def _check_ahead(field: str, day: dt.date, today: dt.date) -> None:
    if day < today:
        raise ValidationError({field: [_("That day has passed: choose today or a later day.")]})
    if day > today + MAX_AHEAD:
        raise ValidationError({field: [_("Choose a day within the next year.")]})


def _check_person(person: Person | None) -> Person:
    if person is None or not person.is_active:
        raise PermissionDenied(_("Only colleagues in the directory plan office days."))
    return person


# --- Office days ----------------------------------------------------------------------------


def _overlapping(person: Person, plan: OfficeDay) -> OfficeDay | None:
    """Another plan of the same kind that would claim some of the same days."""
    others = OfficeDay.objects.filter(person=person).exclude(pk=plan.pk).select_related("office")
    if plan.weekday is None:
        return others.filter(weekday__isnull=True, starts_on=plan.starts_on).first()
    ends = Q(ends_on__isnull=True) | Q(ends_on__gte=plan.starts_on)
    same = others.filter(ends, weekday=plan.weekday)
    if plan.ends_on is not None:
        same = same.filter(starts_on__lte=plan.ends_on)
    return same.first()


def _save_plan(person: Person, plan: OfficeDay) -> OfficeDay:
    clash = _overlapping(person, plan)
    if clash is not None:
        if plan.weekday is None:
            message = _("You already plan to be in %(office)s that day; change that plan.")
        else:
            message = _("You already plan to be in %(office)s on that weekday; change that plan.")
        raise ValidationError({"office": [message % {"office": clash.office.name}]})
    plan.save()
    return plan


@transaction.atomic
def office_day_add(
    *,
    person: Person | None,
    office_id: int | None,
    today: dt.date,
    on_date: dt.date | None = None,
    weekday: int | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    anchor: AnchorDay | None = None,
) -> OfficeDay:
    """One day (`on_date`) or a weekday from `starts_on` (default today) until `ends_on`."""
    person = _check_person(person)
    office = _office(office_id)
    if (on_date is None) == (weekday is None):
        raise ValidationError({"on_date": [_("Give either one date or a weekday.")]})
    if on_date is not None:
        _check_ahead("on_date", on_date, today)
        plan = OfficeDay(person=person, office=office, starts_on=on_date, ends_on=on_date)
        return _save_plan(person, plan)
    if weekday not in WEEKDAYS:
        raise ValidationError({"weekday": [_("A weekday is 1 (Monday) to 7 (Sunday).")]})
    starts_on = starts_on or today
    _check_ahead("starts_on", starts_on, today)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The last day comes on or after the first.")]})
    plan = OfficeDay(
        person=person,
        office=office,
        weekday=weekday,
        starts_on=starts_on,
        ends_on=ends_on,
        anchor=anchor,
    )
    return _save_plan(person, plan)


def _my_plan(person: Person, office_day_id: int) -> OfficeDay:
    plan = OfficeDay.objects.filter(pk=office_day_id, person=person).first()
    if plan is None:
        raise OfficeDay.DoesNotExist("No such office day of yours.")
    return plan


@transaction.atomic
def office_day_update(
    *,
    person: Person | None,
    office_day_id: int,
    office_id: int | None,
    today: dt.date,
    ends_on: dt.date | None = None,
) -> OfficeDay:
    """Another office, or (recurring) another last day. A plan that already began keeps its
    past: the change applies from today, as a new plan when the office changes."""
    person = _check_person(person)
    plan = _my_plan(person, office_day_id)
    office = _office(office_id)
    if plan.weekday is None:
        _check_ahead("on_date", plan.starts_on, today)
        plan.office = office
        return _save_plan(person, plan)
    if ends_on is not None and ends_on < max(today, plan.starts_on):
        raise ValidationError({"ends_on": [_("The last day is today or later.")]})
    if office.pk == plan.office_id or plan.starts_on >= today:
        plan.office, plan.ends_on = office, ends_on
        return _save_plan(person, plan)
    plan.ends_on = today - engine.DAY
    plan.save(update_fields=["ends_on"])
    new = OfficeDay(
        person=person, office=office, weekday=plan.weekday, starts_on=today, ends_on=ends_on
    )
    return _save_plan(person, new)


@transaction.atomic
def office_day_remove(*, person: Person | None, office_day_id: int) -> None:
    person = _check_person(person)
    _my_plan(person, office_day_id).delete()


# --- Leave ------------------------------------------------------------------------------------


@transaction.atomic
def leave_add(
    *, person: Person | None, starts_on: dt.date | None, ends_on: dt.date | None, today: dt.date
) -> Leave:
    """Days away, both ends inclusive; it may have begun already but not ended."""
    person = _check_person(person)
    if starts_on is None:
        raise ValidationError({"starts_on": [_("Give the first day away.")]})
    if ends_on is None:
        raise ValidationError({"ends_on": [_("Give the last day away.")]})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The last day away comes on or after the first.")]})
    _check_ahead("ends_on", ends_on, today)
    if ends_on - starts_on >= MAX_LEAVE:
        raise ValidationError({"ends_on": [_("Declare at most a year away at a time.")]})
    overlapping = Leave.objects.filter(
        person=person, starts_on__lte=ends_on, ends_on__gte=starts_on
    )
    if overlapping.exists():
        raise ValidationError({"starts_on": [_("You are already away on some of those days.")]})
    return Leave.objects.create(person=person, starts_on=starts_on, ends_on=ends_on)


@transaction.atomic
def leave_remove(*, person: Person | None, leave_id: int) -> None:
    person = _check_person(person)
    deleted, _rows = Leave.objects.filter(pk=leave_id, person=person).delete()
    if not deleted:
        raise Leave.DoesNotExist("No such leave of yours.")


# --- Anchor days ------------------------------------------------------------------------------


def _unit_for(viewer: Viewer, org_unit_id: int | None) -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=org_unit_id).first() if org_unit_id else None
    if unit is None:
        raise ValidationError({"org_unit": [_("Choose a team.")]})
    if not selectors.can_set_anchor_days(viewer, unit.pk):
        raise PermissionDenied(_("Only the team's managers and HR set its anchor days."))
    return unit


@transaction.atomic
def anchor_days_set(
    *, viewer: Viewer, org_unit_id: int | None, office_id: int | None, weekdays: Sequence[int]
) -> list[AnchorDay]:
    """The team is in `office` on each of `weekdays` (replacing those weekdays' office)."""
    unit = _unit_for(viewer, org_unit_id)
    office = _office(office_id)
    chosen = sorted(set(weekdays))
    if not chosen or any(day not in WEEKDAYS for day in chosen):
        raise ValidationError({"weekdays": [_("Choose weekdays from 1 (Monday) to 7 (Sunday).")]})
    saved = []
    for day in chosen:
        anchor, _created = AnchorDay.objects.update_or_create(
            org_unit=unit, weekday=day, defaults={"office": office, "set_by": viewer.person}
        )
        saved.append(anchor)
    audit.record(
        actor=viewer.user,
        action="places.anchor_days_set",
        target=f"org_unit:{unit.pk}",
        office=office.pk,
        weekdays=chosen,
    )
    return saved


@transaction.atomic
def anchor_day_remove(*, viewer: Viewer, anchor_id: int) -> None:
    anchor = AnchorDay.objects.filter(pk=anchor_id).first()
    if anchor is None:
        raise AnchorDay.DoesNotExist("No such anchor day.")
    _unit_for(viewer, anchor.org_unit_id)
    anchor.delete()
    audit.record(
        actor=viewer.user,
        action="places.anchor_day_removed",
        target=f"org_unit:{anchor.org_unit_id}",
        weekday=anchor.weekday,
    )


@transaction.atomic
def anchor_day_join(*, person: Person | None, anchor_id: int, today: dt.date) -> OfficeDay:
    """ "I'll be there": a recurring plan on the team's anchor day, from today on."""
    person = _check_person(person)
    anchor = AnchorDay.objects.filter(pk=anchor_id, org_unit_id=person.org_unit_id).first()
    if anchor is None:
        raise AnchorDay.DoesNotExist("No such anchor day of your team.")
    return office_day_add(
        person=person,
        office_id=anchor.office_id,
        weekday=anchor.weekday,
        starts_on=today,
        today=today,
        anchor=anchor,
    )


# --- Nudges -----------------------------------------------------------------------------------

NUDGE_DAYS_AHEAD = 7
NUDGE_NEAR_KM = 100.0


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _near(person: Person, office: Office) -> bool:
    """Nudges are about an office the person could walk into: in their city or close by."""
    if person.city and (person.city, person.country) == (office.city, office.country):
        return True
    if person.latitude is None or person.longitude is None:
        return False
    km = _km(person.latitude, person.longitude, office.latitude, office.longitude)
    return km <= NUDGE_NEAR_KM


def _nudgeable(week_start: dt.date) -> list[Person]:
    """Active people who did not switch nudges off, do not prefer meeting virtually, and had
    no nudge this week."""
    off = ContactPreference.objects.filter(
        Q(office_day_nudges=False) | Q(meeting_mode=ContactPreference.MeetingMode.VIRTUAL)
    ).values("person_id")
    nudged = OfficeDayNudge.objects.filter(week_start=week_start).values("person_id")
    return list(
        Person.objects.filter(is_active=True)
        .exclude(pk__in=off)
        .exclude(pk__in=nudged)
        .only(
            "id",
            "org_unit_id",
            "city",
            "country",
            "latitude",
            "longitude",
            "work_days",
            "preferred_name",
            "full_name",
            "email",
            "timezone",
            "work_start",
            "work_end",
            "is_active",
        )
    )


def _best_day(
    person: Person,
    team_days: dict[int, list[tuple[int, dt.date, int]]],
    known_there: dict[tuple[int, dt.date], int],
    busy: set[dt.date],
    offices: dict[int, Office],
) -> tuple[int, dt.date, int, bool] | None:
    """(office id, date, how many they know there, all of them teammates?) or None."""
    counts: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for office_id, day, count in team_days.get(person.org_unit_id or 0, ()):
        counts[(office_id, day)][0] += count
    for key, count in known_there.items():
        counts[key][1] += count
    best = None
    for (office_id, day), (team, known) in counts.items():
        total = team + known
        if total < selectors.NUDGE_MIN_PEOPLE or day in busy:
            continue
        if day.isoweekday() not in (person.work_days or []):
            continue
        if not _near(person, offices[office_id]):
            continue
        candidate = (-total, day, office_id)
        if best is None or candidate < best[0]:
            best = (candidate, (office_id, day, total, known == 0))
    return best[1] if best else None


def _message(office: Office, day: dt.date, count: int, only_team: bool) -> str:
    values = {
        "count": count,
        "office": office.city or office.name,
        "day": date_format(day, "l j F"),
    }
    if only_team:
        return _("%(count)s of your team will be in %(office)s on %(day)s") % values
    return _("%(count)s people you know will be in %(office)s on %(day)s") % values


def _claim_and_send(
    person: Person,
    office: Office,
    day: dt.date,
    count: int,
    only: bool,
    week_start: dt.date,
    now: dt.datetime,
) -> bool:
    try:
        with transaction.atomic():
            OfficeDayNudge.objects.create(
                person=person, week_start=week_start, office=office, on_date=day, people=count
            )
            path = selectors.office_day_path(office.pk, day)
            with in_language_of(person):  # the scheduler runs in the default language
                subject = _message(office, day, count, only)
                body = _(
                    "If you would like to join them, say so on your office days page: %(url)s\n"
                    "You get at most one of these a week; switch them off on My boundaries."
                ) % {"url": path}
            notification_send(
                person=person,
                subject=subject,
                body=body,
                url=path,
                kind="places.office_day",
                now=now,
            )
    except IntegrityError:
        return False  # another worker nudged them this week
    return True


def office_day_nudges_send(*, now: dt.datetime | None = None) -> int:
    """At most one nudge a week per person: about a day in the coming week when at least
    NUDGE_MIN_PEOPLE teammates or people they met will be in an office near them, on one of
    their work days that they have not planned and are not away. Returns how many were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=timezone.get_default_timezone())
    week_start = today - engine.DAY * (today.isoweekday() - 1)
    start, end = today + engine.DAY, today + engine.DAY * NUDGE_DAYS_AHEAD
    facts = selectors.nudge_facts(start, end)
    if not facts.team_days and not facts.there:
        return 0
    offices = {o.pk: o for o in Office.objects.all()}
    sent = 0
    for person in _nudgeable(week_start):
        if person.org_unit_id not in facts.team_days and person.pk not in facts.known:
            continue
        busy = facts.busy.get(person.pk, set())
        known_there = facts.known_there(person)
        best = _best_day(person, facts.team_days, known_there, busy, offices)
        if best is None:
            continue
        office_id, day, count, only_team = best
        sent += _claim_and_send(person, offices[office_id], day, count, only_team, week_start, now)
    return sent
