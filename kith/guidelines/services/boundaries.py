"""Writes about boundaries: a person's contact preferences, team tech-free hours, wellness weeks.

Setting tech-free hours or a wellness week is an admin action (audited); a person's own
preferences are private (never audited). Any change to tech-free hours or wellness weeks
moves the undelivered notifications of the people concerned, in a background task.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kith.core import audit
from kith.core.permissions import Viewer
from kith.directory.models import ContactPreference, OrgUnit, Person
from kith.guidelines.models import TechFreeHours, WellnessWeek
from kith.guidelines.selectors.boundaries import can_manage_wellness_weeks, can_set_tech_free_hours
from kith.notify import channels

MAX_WELLNESS_DAYS = 14


def _fail(field: str, message: str) -> None:
    raise ValidationError({field: [message]})


def _choice(field: str, value: str, choices: Any) -> str:
    if value not in choices.values:
        _fail(field, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)})
    return value


# --- Preferences --------------------------------------------------------------------------------


def preferences_update(
    *,
    person: Person,
    meeting_mode: str,
    intro_frequency: str,
    preferred_channel: str,
    office_day_nudges: bool,
) -> ContactPreference:
    """Save the person's own preferences (a private choice: no audit row)."""
    values = {
        "meeting_mode": _choice("meeting_mode", meeting_mode, ContactPreference.MeetingMode),
        "intro_frequency": _choice(
            "intro_frequency", intro_frequency, ContactPreference.IntroFrequency
        ),
        "preferred_channel": _choice(
            "preferred_channel", preferred_channel, ContactPreference.Channel
        ),
        "office_day_nudges": bool(office_day_nudges),
    }
    if preferred_channel not in (ContactPreference.Channel.EMAIL, ContactPreference.Channel.IN_APP):
        tool = channels.provider(preferred_channel)
        if tool is None or not tool.is_configured():
            label = ContactPreference.Channel(preferred_channel).label.split(" (")[0]
            _fail(
                "preferred_channel",
                _(
                    "%(channel)s is not connected to Kith here: choose email or Kith only, or "
                    "ask HR to connect it."
                )
                % {"channel": label},
            )
    with transaction.atomic():
        prefs, _created = ContactPreference.objects.update_or_create(person=person, defaults=values)
    return prefs


# --- Tech-free hours ----------------------------------------------------------------------------


def _validated_hours(
    viewer: Viewer, org_unit_id: int, weekday: int, starts_at: dt.time, ends_at: dt.time
) -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=org_unit_id).first()
    if unit is None:
        _fail("org_unit", _("There is no org unit with id %(id)s.") % {"id": org_unit_id})
    if not can_set_tech_free_hours(viewer, org_unit_id):
        raise PermissionDenied(_("Managers set tech-free hours for their own teams; HR for any."))
    if not 1 <= weekday <= 7:
        _fail("weekday", _("Choose a weekday from 1 (Monday) to 7 (Sunday)."))
    if ends_at <= starts_at:
        _fail("ends_at", _("Tech-free hours must end after they start, on the same day."))
    assert unit is not None
    return unit


def _overlapping_hours(
    unit: OrgUnit, weekday: int, starts_at: dt.time, ends_at: dt.time, exclude: int | None
) -> None:
    clash = TechFreeHours.objects.filter(
        org_unit=unit, weekday=weekday, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        _fail("starts_at", _("These hours overlap tech-free hours this team already has that day."))


def _reschedule_on_commit(org_unit_id: int | None) -> None:
    from kith.notify.tasks import reschedule_notifications

    transaction.on_commit(lambda: reschedule_notifications.enqueue(org_unit_id))


def tech_free_hours_create(
    *, viewer: Viewer, org_unit_id: int, weekday: int, starts_at: dt.time, ends_at: dt.time
) -> TechFreeHours:
    unit = _validated_hours(viewer, org_unit_id, weekday, starts_at, ends_at)
    with transaction.atomic():
        _overlapping_hours(unit, weekday, starts_at, ends_at, None)
        rule = TechFreeHours.objects.create(
            org_unit=unit,
            weekday=weekday,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=viewer.person,
        )
        _audit_hours(viewer, "guidelines.tech_free_hours_created", rule)
        _reschedule_on_commit(unit.pk)
    return rule


def tech_free_hours_update(
    *,
    viewer: Viewer,
    rule: TechFreeHours,
    weekday: int,
    starts_at: dt.time,
    ends_at: dt.time,
) -> TechFreeHours:
    unit = _validated_hours(viewer, rule.org_unit_id, weekday, starts_at, ends_at)
    with transaction.atomic():
        _overlapping_hours(unit, weekday, starts_at, ends_at, rule.pk)
        rule.weekday, rule.starts_at, rule.ends_at = weekday, starts_at, ends_at
        rule.save(update_fields=["weekday", "starts_at", "ends_at"])
        _audit_hours(viewer, "guidelines.tech_free_hours_changed", rule)
        _reschedule_on_commit(unit.pk)
    return rule


def tech_free_hours_delete(*, viewer: Viewer, rule: TechFreeHours) -> None:
    if not can_set_tech_free_hours(viewer, rule.org_unit_id):
        raise PermissionDenied(_("Managers set tech-free hours for their own teams; HR for any."))
    with transaction.atomic():
        _audit_hours(viewer, "guidelines.tech_free_hours_deleted", rule)
        unit_id = rule.org_unit_id
        rule.delete()
        _reschedule_on_commit(unit_id)


def _audit_hours(viewer: Viewer, action: str, rule: TechFreeHours) -> None:
    audit.record(
        actor=viewer.user,
        action=action,
        target=f"org_unit:{rule.org_unit_id}",
        weekday=rule.weekday,
        starts_at=rule.starts_at.isoformat(timespec="minutes"),
        ends_at=rule.ends_at.isoformat(timespec="minutes"),
    )


# --- Wellness weeks -----------------------------------------------------------------------------


def _validated_week(
    viewer: Viewer,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    message: str,
    exclude: int | None,
) -> dict[str, Any]:
    if not can_manage_wellness_weeks(viewer):
        raise PermissionDenied(_("Only HR manages wellness weeks."))
    name = " ".join((name or "").split())
    if not name:
        _fail("name", _("Give the wellness week a name."))
    if len(name) > 120:
        _fail(
            "name",
            _("At most %(limit)d characters (this has %(length)d).")
            % {"limit": 120, "length": len(name)},
        )
    if len(message or "") > 1000:
        _fail(
            "message",
            _("At most %(limit)d characters (this has %(length)d).")
            % {"limit": 1000, "length": len(message)},
        )
    if ends_on < starts_on:
        _fail("ends_on", _("The last day cannot be before the first."))
    if (ends_on - starts_on).days + 1 > MAX_WELLNESS_DAYS:
        _fail("ends_on", _("A wellness week lasts at most %(n)d days.") % {"n": MAX_WELLNESS_DAYS})
    overlapping = WellnessWeek.objects.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude)
    clash = overlapping.first()
    if clash is not None:
        _fail(
            "starts_on",
            _("It overlaps “%(name)s” (%(first)s – %(last)s).")
            % {
                "name": clash.name,
                "first": date_format(clash.starts_on, "j M"),
                "last": date_format(clash.ends_on, "j M Y"),
            },
        )
    return {"name": name, "starts_on": starts_on, "ends_on": ends_on, "message": message or ""}


def _ended(week: WellnessWeek, today: dt.date) -> bool:
    return week.ends_on < today


def wellness_week_create(
    *,
    viewer: Viewer,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    message: str = "",
    today: dt.date | None = None,
) -> WellnessWeek:
    """A wellness week, or the record of one that already happened (its dates in the past)."""
    values = _validated_week(viewer, name, starts_on, ends_on, message, None)
    today = today or timezone.localdate()
    with transaction.atomic():
        week = WellnessWeek.objects.create(created_by=viewer.person, **values)
        _audit_week(viewer, "guidelines.wellness_week_created", week)
        if not _ended(week, today):
            _reschedule_on_commit(None)
    return week


def wellness_week_update(
    *,
    viewer: Viewer,
    week: WellnessWeek,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    message: str = "",
    today: dt.date | None = None,
) -> WellnessWeek:
    today = today or timezone.localdate()
    if not can_manage_wellness_weeks(viewer):
        raise PermissionDenied(_("Only HR manages wellness weeks."))
    if _ended(week, today):
        _fail("starts_on", _("This wellness week is over: it stays as it was, for the record."))
    values = _validated_week(viewer, name, starts_on, ends_on, message, week.pk)
    if week.starts_on <= today and values["starts_on"] != week.starts_on:
        _fail("starts_on", _("This wellness week has begun: its first day can no longer move."))
    with transaction.atomic():
        for field, value in values.items():
            setattr(week, field, value)
        week.save(update_fields=list(values))
        _audit_week(viewer, "guidelines.wellness_week_changed", week)
        _reschedule_on_commit(None)
    return week


def wellness_week_cancel(
    *, viewer: Viewer, week: WellnessWeek, today: dt.date | None = None
) -> None:
    """Call off an upcoming or running week; held notifications then arrive as usual."""
    today = today or timezone.localdate()
    if not can_manage_wellness_weeks(viewer):
        raise PermissionDenied(_("Only HR manages wellness weeks."))
    if _ended(week, today):
        _fail("starts_on", _("This wellness week is over: it stays as it was, for the record."))
    with transaction.atomic():
        _audit_week(viewer, "guidelines.wellness_week_cancelled", week)
        week.delete()
        _reschedule_on_commit(None)


def _audit_week(viewer: Viewer, action: str, week: WellnessWeek) -> None:
    audit.record(
        actor=viewer.user,
        action=action,
        target=f"wellness_week:{week.pk}",
        name=week.name,
        starts_on=week.starts_on.isoformat(),
        ends_on=week.ends_on.isoformat(),
    )
