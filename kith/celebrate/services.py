"""Every write of Celebrate: keyword-only, validated, in a transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.celebrate.engine import milestones as engine
from kith.celebrate.models import (
    MAX_MESSAGE_LENGTH,
    MAX_RECIPIENTS,
    BirthdayOptIn,
    CelebrationSettings,
    CompanyValue,
    Kudos,
    KudosRecipient,
    Milestone,
)
from kith.core import audit
from kith.core.dates import org_today
from kith.directory.models import Person
from kith.notify.services import in_language_of, notification_send

DEFAULT_DAILY_LIMIT = 5


def kudos_daily_limit() -> int:
    return int(getattr(settings, "KITH_KUDOS_DAILY_LIMIT", DEFAULT_DAILY_LIMIT))


def org_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The organisation's calendar day as an aware [start, end) pair."""
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min).replace(tzinfo=zone)
    return start, start + dt.timedelta(days=1)


# --- Kudos --------------------------------------------------------------------------------------


def kudos_give(
    *,
    sender: Person,
    recipients: Sequence[Person],
    message: str,
    visibility: str = Kudos.Visibility.PUBLIC,
    value: CompanyValue | None = None,
    actor: Any = None,
) -> Kudos:
    """Thank one or several colleagues. Raises ValidationError (by field) and writes nothing
    when the kudos is not valid: nobody, too many people, oneself, an empty message, …"""
    message = (message or "").strip()
    people = _unique(recipients)
    _validate_kudos(sender=sender, recipients=people, message=message, visibility=visibility)
    if value is not None and not value.is_active:
        raise ValidationError(
            {"value": [_("“%(name)s” is archived: choose another value.") % {"name": value.name}]}
        )
    with transaction.atomic():
        # One sender at a time: the daily count and the insert cannot interleave.
        Person.objects.select_for_update().filter(pk=sender.pk).first()
        repeat = _same_kudos_just_given(sender, people, message, visibility, value)
        if repeat is not None:
            return repeat  # a second click or a resent form: thanked once, told once
        _check_daily_limit(sender)
        kudos = Kudos.objects.create(
            sender=sender, message=message, visibility=visibility, value=value
        )
        KudosRecipient.objects.bulk_create([KudosRecipient(kudos=kudos, person=p) for p in people])
        units = {p.org_unit_id for p in [sender, *people] if p.org_unit_id is not None}
        kudos.audience_units.set(units)
        audit.record(
            actor=actor,
            action="celebrate.kudos_given",
            target=f"kudos:{kudos.pk}",
            recipients=len(people),
            visibility=visibility,
        )
        for person in people:
            _notify_recipient(kudos, sender, person, value)
    return kudos


REPEAT_WINDOW = dt.timedelta(minutes=10)


def _same_kudos_just_given(
    sender: Person,
    people: list[Person],
    message: str,
    visibility: str,
    value: CompanyValue | None,
) -> Kudos | None:
    """The same kudos, to the same people, given in the last few minutes, if there is one."""
    recent = Kudos.objects.filter(
        sender=sender,
        message=message,
        visibility=visibility,
        value=value,
        created_at__gte=timezone.now() - REPEAT_WINDOW,
    ).order_by("-created_at")
    wanted = {p.pk for p in people}
    for kudos in recent[:5]:
        if set(kudos.recipient_rows.values_list("person_id", flat=True)) == wanted:
            return kudos
    return None


def _unique(recipients: Sequence[Person]) -> list[Person]:
    seen: dict[int, Person] = {}
    for person in recipients:
        seen.setdefault(person.pk, person)
    return list(seen.values())


def _validate_kudos(
    *, sender: Person, recipients: list[Person], message: str, visibility: str
) -> None:
    errors: dict[str, list[str]] = {}
    if not sender.is_active:
        errors["sender"] = ["Only current colleagues can give kudos."]
    if not recipients:
        errors["recipients"] = ["Choose at least one colleague to thank."]
    elif any(p.pk == sender.pk for p in recipients):
        errors["recipients"] = [
            _("You cannot give kudos to yourself: remove yourself from the recipients.")
            if len(recipients) > 1
            else _("You cannot give kudos to yourself: choose a colleague.")
        ]
    elif len(recipients) > MAX_RECIPIENTS:
        errors["recipients"] = [
            _("Kudos can thank up to %(limit)d people at once; you chose %(n)d.")
            % {"limit": MAX_RECIPIENTS, "n": len(recipients)}
        ]
    elif inactive := [p.display_name for p in recipients if not p.is_active]:
        errors["recipients"] = [
            _("%(names)s no longer works here.") % {"names": ", ".join(inactive)}
        ]
    if not message:
        errors["message"] = [_("Write a few words: say what they did and why it mattered.")]
    elif len(message) > MAX_MESSAGE_LENGTH:
        errors["message"] = [
            _("Keep the message under %(limit)d characters (it has %(n)d).")
            % {"limit": MAX_MESSAGE_LENGTH, "n": len(message)}
        ]
    if visibility not in Kudos.Visibility.values:
        errors["visibility"] = [
            _("Choose who sees it: %(choices)s.") % {"choices": ", ".join(Kudos.Visibility.values)}
        ]
    if errors:
        raise ValidationError(errors)


def kudos_given_today(sender: Person, *, today: dt.date | None = None) -> int:
    start, end = org_day_bounds(today or org_today())
    return Kudos.objects.filter(sender=sender, created_at__gte=start, created_at__lt=end).count()


def _check_daily_limit(sender: Person) -> None:
    limit = kudos_daily_limit()
    if kudos_given_today(sender) >= limit:
        raise ValidationError(
            {
                "recipients": [
                    _(
                        "You have given %(n)d kudos today, the daily limit. Keep the thanks "
                        "coming tomorrow: it means more when it is not routine."
                    )
                    % {"n": limit}
                ]
            }
        )


def _notify_recipient(
    kudos: Kudos, sender: Person, person: Person, value: CompanyValue | None
) -> None:
    with in_language_of(person):  # the recipient's language, not the sender's
        subject = (
            _("%(name)s gave you kudos for “%(value)s”")
            % {"name": sender.display_name, "value": value.name}
            if value
            else _("%(name)s gave you kudos") % {"name": sender.display_name}
        )
    notification_send(
        person=person,
        kind="celebrate.kudos",
        subject=subject,
        body=kudos.message,
        url=f"/celebrate/kudos/{kudos.pk}/",
    )


# --- Company values (HR) ------------------------------------------------------------------------


def company_value_create(*, name: str, description: str = "", actor: Any = None) -> CompanyValue:
    name, description = name.strip(), description.strip()
    if not name:
        raise ValidationError({"name": [_("Give the value a name, e.g. “Be kind”.")]})
    if len(name) > 60:
        raise ValidationError(
            {"name": [_("Keep the name under 60 characters (it has %(n)d).") % {"n": len(name)}]}
        )
    if len(description) > 300:
        raise ValidationError({"description": [_("Keep the description under 300 characters.")]})
    if CompanyValue.objects.filter(name__iexact=name).exists():
        raise ValidationError(
            {"name": [_("There is already a value called “%(name)s”.") % {"name": name}]}
        )
    with transaction.atomic():
        value = CompanyValue.objects.create(name=name, description=description)
        audit.record(actor=actor, action="celebrate.value_created", target=f"value:{value.pk}")
    return value


def company_value_set_active(*, value: CompanyValue, active: bool, actor: Any = None) -> None:
    with transaction.atomic():
        CompanyValue.objects.filter(pk=value.pk).update(is_active=active)
        value.is_active = active
        action = "celebrate.value_restored" if active else "celebrate.value_archived"
        audit.record(actor=actor, action=action, target=f"value:{value.pk}")


# --- Settings -----------------------------------------------------------------------------------


def settings_update(
    *,
    person: Person,
    celebrate_work_dates: bool,
    weekly_digest: bool,
    birthday: tuple[int, int] | None,
) -> CelebrationSettings:
    """Save a person's choices. Opting out removes what was held: the birthday row and the
    milestones it (or the start date) produced, so nothing shows them any more."""
    if birthday is not None and not engine.is_valid_day(*birthday):
        month, day = birthday
        raise ValidationError(
            {
                "birthday": [
                    _("%(day)d/%(month)d is not a day of the year.") % {"day": day, "month": month}
                ]
            }
        )
    with transaction.atomic():
        prefs, _created = CelebrationSettings.objects.update_or_create(
            person=person,
            defaults={"celebrate_work_dates": celebrate_work_dates, "weekly_digest": weekly_digest},
        )
        if not celebrate_work_dates:
            Milestone.objects.filter(
                person=person, kind__in=[Milestone.Kind.ANNIVERSARY, Milestone.Kind.WELCOME]
            ).delete()
        _save_birthday(person, birthday)
    return prefs


def _save_birthday(person: Person, birthday: tuple[int, int] | None) -> None:
    current = BirthdayOptIn.objects.filter(person=person).first()
    if birthday is None or (current and (current.month, current.day) != birthday):
        # Off, or moved: a birthday celebrated on the wrong day should not stay in the feed.
        Milestone.objects.filter(person=person, kind=Milestone.Kind.BIRTHDAY).delete()
    if birthday is None:
        BirthdayOptIn.objects.filter(person=person).delete()
        return
    month, day = birthday
    BirthdayOptIn.objects.update_or_create(person=person, defaults={"month": month, "day": day})


# --- Milestones ---------------------------------------------------------------------------------


def milestones_generate(*, on: dt.date) -> int:
    """Write the milestones of one day; running it again (or in two schedulers) adds nothing.
    Returns how many rows this call created."""
    pairs = engine.month_days_matching(on)
    by_day = Q()
    for month, day in pairs:
        by_day |= Q(start_date__month=month, start_date__day=day)
    people = Person.objects.filter(is_active=True, start_date__isnull=False).filter(
        by_day | Q(start_date=on)
    )
    opted_out = set(
        CelebrationSettings.objects.filter(
            celebrate_work_dates=False, person__in=people
        ).values_list("person_id", flat=True)
    )
    work = [
        engine.WorkDates(p.pk, p.start_date, p.pk not in opted_out)
        for p in people.only("id", "start_date")
    ]
    start, end = org_day_bounds(on)
    birthday_q = Q()
    for month, day in pairs:
        birthday_q |= Q(month=month, day=day)
    birthdays = [
        engine.Birthday(b.person_id, b.month, b.day)
        # A birthday shared after its day (a catch-up run) waits for next year.
        for b in BirthdayOptIn.objects.filter(
            birthday_q, person__is_active=True, created_at__lt=end
        )
    ]
    due = engine.due_on(on, work, birthdays)
    before = Milestone.objects.filter(date=on).count()
    Milestone.objects.bulk_create(
        [
            Milestone(person_id=m.person_id, kind=m.kind, date=m.date, years=m.years, at=start)
            for m in due
        ],
        ignore_conflicts=True,
    )
    return Milestone.objects.filter(date=on).count() - before


CATCH_UP_DAYS = 7


def milestones_generate_recent(*, today: dt.date | None = None) -> int:
    """Today's milestones, and any of the last week a stopped scheduler missed."""
    today = today or org_today()
    return sum(
        milestones_generate(on=today - dt.timedelta(days=back))
        for back in range(CATCH_UP_DAYS - 1, -1, -1)
    )
