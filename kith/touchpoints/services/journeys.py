"""Every write of onboarding journeys: HR's templates, starting a journey for a new person,
ticking steps off, the daily sweep (buddies and managers picked up, welcome calls and check-ins
booked, held meetings counted) and the reminders about late steps.

The dates and rules are in kith.touchpoints.engine.journeys; who may do what is asked of
kith.core.permissions. Audit rows name the journey or template, never what a step says.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kith.core import audit
from kith.core.permissions import (
    HR_ADMINS_GROUP,
    Viewer,
    can_complete_journey_step,
    can_manage_touchpoints,
)
from kith.directory.models import Person
from kith.notify.services import in_language_of, notification_send
from kith.touchpoints.engine import journeys as engine
from kith.touchpoints.models import Journey, JourneyStep, JourneyTemplate, Meeting, StepTemplate
from kith.touchpoints.models.journeys import Owner, Special, StepKind
from kith.touchpoints.selectors.journeys import PRIVATE_SPECIALS
from kith.touchpoints.services.oneonones import meeting_schedule, one_on_one_ensure

log = logging.getLogger(__name__)

MAX_NAME = 120
MAX_TEMPLATE_DESCRIPTION = 2000
MEETING_SPECIALS = (Special.WELCOME_CALL, Special.CHECK_IN)
NUDGE_KIND = "touchpoints.journey_nudge"
# A 1:1 that started up to this long ago may still be the one a step waits for.
PLANNED_GRACE = dt.timedelta(hours=12)


def _name_taken() -> ValidationError:
    return ValidationError(_("Name: another template already has this name."), code="name_taken")


def _already_has_one(person: Person) -> dict[str, str]:
    return {"person": _("%(name)s already has a journey.") % {"name": person.display_name}}


def journeys_path() -> str:
    return reverse("touchpoints:journey_home")


def journey_path(journey_id: int) -> str:
    return reverse("touchpoints:journey_detail", args=[journey_id])


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def local_date(person: Person | None, now: dt.datetime) -> dt.date:
    """The calendar day it is for this person (the organisation's day without one)."""
    return now.astimezone(_zone(person.timezone if person else "")).date()


# --- Templates ------------------------------------------------------------------------------


def template_for_new_people() -> JourneyTemplate | None:
    """The template every new person gets: HR's default. Before HR has any template at all,
    the one Kith ships is created and used; after that, only HR decides."""
    default = JourneyTemplate.objects.filter(is_default=True, is_active=True).first()
    if default is not None:
        return default
    if JourneyTemplate.objects.exists():
        return None
    return template_ship_default()


def templates_ensure_shipped() -> None:
    """On HR's first visit the shipped template is there to edit."""
    if not JourneyTemplate.objects.exists():
        template_ship_default()


def template_ship_default() -> JourneyTemplate:
    """Kith's default template (engine.DEFAULT_STEPS), made default unless HR chose another."""
    with transaction.atomic():
        template, created = JourneyTemplate.objects.get_or_create(
            name=engine.DEFAULT_TEMPLATE_NAME,
            defaults={
                "description": engine.DEFAULT_TEMPLATE_DESCRIPTION,
                "is_default": not JourneyTemplate.objects.filter(is_default=True).exists(),
            },
        )
        if created:
            _replace_steps(template, engine.DEFAULT_STEPS)
            audit.record(
                actor=None,
                action="touchpoints.journey_template_shipped",
                target=f"journey_template:{template.pk}",
            )
    return template


def template_save(
    *,
    viewer: Viewer,
    template: JourneyTemplate | None,
    name: str,
    description: str = "",
    is_default: bool = False,
    is_active: bool = True,
    steps: Sequence[engine.StepSpec],
    step_labels: Sequence[str] | None = None,
) -> JourneyTemplate:
    """Create or replace a template and its steps (HR). Journeys already under way keep the
    steps they were given; only journeys started afterwards follow the change. Errors are
    keyed by field ("name", "steps.2.day_offset") and name the step by `step_labels`."""
    if not can_manage_touchpoints(viewer):
        raise PermissionDenied(_("Only HR admins build journey templates."))
    name, description = (name or "").strip(), (description or "").strip()
    steps = [_tidy(s) for s in steps]
    _check_template(template, name, description, is_default, is_active, steps, step_labels)
    with transaction.atomic():
        if is_default:
            others = JourneyTemplate.objects.filter(is_default=True)
            if template is not None:
                others = others.exclude(pk=template.pk)
            others.update(is_default=False)
        template = template or JourneyTemplate()
        template.name, template.description = name, description
        template.is_default, template.is_active = is_default, is_active
        try:
            with transaction.atomic():
                template.save()
        except IntegrityError as exc:
            raise ValidationError({"name": _name_taken()}) from exc
        _replace_steps(template, steps)
        audit.record(
            actor=viewer.user,
            action="touchpoints.journey_template_saved",
            target=f"journey_template:{template.pk}",
            steps=len(steps),
            is_default=is_default,
        )
    return template


def _tidy(step: engine.StepSpec) -> engine.StepSpec:
    return engine.StepSpec(
        title=(step.title or "").strip(),
        owner=step.owner,
        day_offset=step.day_offset,
        kind=step.kind,
        special=step.special or "",
        description=(step.description or "").strip(),
    )


def _check_template(
    template: JourneyTemplate | None,
    name: str,
    description: str,
    is_default: bool,
    is_active: bool,
    steps: Sequence[engine.StepSpec],
    step_labels: Sequence[str] | None,
) -> None:
    errors: dict[str, list[str | ValidationError]] = defaultdict(list)
    if not name:
        errors["name"].append(
            _("Name: give the template a name, such as “Engineering onboarding”.")
        )
    elif len(name) > MAX_NAME:
        errors["name"].append(
            _("Name: at most %(limit)d characters (this has %(length)d).")
            % {"limit": MAX_NAME, "length": len(name)}
        )
    else:
        same = JourneyTemplate.objects.filter(name__iexact=name)
        if template is not None:
            same = same.exclude(pk=template.pk)
        if same.exists():
            errors["name"].append(_name_taken())
    if len(description) > MAX_TEMPLATE_DESCRIPTION:
        errors["description"].append(
            _("Description: at most %(limit)d characters (this has %(length)d).")
            % {"limit": MAX_TEMPLATE_DESCRIPTION, "length": len(description)}
        )
    if is_default and not is_active:
        errors["is_default"].append(
            _(
                "Use for every new person: the template for every new person must be switched "
                "on; switch it on, or choose another."
            )
        )
    labels = step_labels or [_("Step %(n)d") % {"n": i + 1} for i in range(len(steps))]
    for problem in engine.step_problems(steps, labels):
        key = "steps" if problem.index is None else f"steps.{problem.index}.{problem.field}"
        errors[key].append(_said(problem))
    if errors:
        raise ValidationError(dict(errors))


def _said(problem: engine.Problem) -> str:
    """The engine's problem in the reader's language."""
    said = _(problem.text) % problem.values if problem.values else _(problem.text)
    return (
        _("%(step)s: %(problem)s") % {"step": problem.step, "problem": said}
        if problem.step
        else said
    )


def _replace_steps(template: JourneyTemplate, steps: Iterable[engine.StepSpec]) -> None:
    template.steps.all().delete()
    StepTemplate.objects.bulk_create(
        [
            StepTemplate(
                template=template,
                title=s.title,
                description=s.description,
                owner=s.owner,
                day_offset=s.day_offset,
                kind=s.kind,
                special=s.special,
            )
            for s in steps
        ]
    )


def step_specs_of(template: JourneyTemplate) -> list[engine.StepSpec]:
    return [
        engine.StepSpec(
            title=s.title,
            owner=s.owner,
            day_offset=s.day_offset,
            kind=s.kind,
            special=s.special,
            description=s.description,
        )
        for s in template.steps.order_by("day_offset", "id")
    ]


# --- Buddies (from Connect's buddy program) -------------------------------------------------


def buddies_of(joiner_ids: Iterable[int]) -> dict[int, int]:
    """Each joiner's buddy from Connect's buddy program: the buddy of their latest buddy
    match that nobody declined. Joiners without one are left out."""
    from kith.connect.models import Match, MatchMember

    ids = list(joiner_ids)
    if not ids:
        return {}
    declined = MatchMember.objects.filter(declined_at__isnull=False).values("match_id")
    live = (
        MatchMember.objects.filter(
            person_id__in=ids, role=MatchMember.Role.JOINER, match__kind=Match.Kind.BUDDY
        )
        .exclude(match_id__in=declined)
        .order_by("match__created_at", "match_id")
        .values_list("person_id", "match_id")
    )
    match_of = dict(live)  # ordered: the latest match wins
    buddies = MatchMember.objects.filter(
        match_id__in=set(match_of.values()), role=MatchMember.Role.BUDDY
    ).values_list("match_id", "person_id")
    buddy_of_match = dict(buddies)
    return {
        joiner: buddy_of_match[match]
        for joiner, match in match_of.items()
        if match in buddy_of_match and buddy_of_match[match] != joiner
    }


def _buddy_met(joiner_ids: Iterable[int]) -> set[int]:
    """Joiners whose buddy match has an answer "we met" from either of the two."""
    from kith.connect.models import Match, MatchMember

    joiners = MatchMember.objects.filter(
        person_id__in=list(joiner_ids), role=MatchMember.Role.JOINER, match__kind=Match.Kind.BUDDY
    )
    met = MatchMember.objects.filter(
        match_id__in=joiners.values("match_id"), met=MatchMember.Met.YES
    ).values("match_id")
    return set(joiners.filter(match_id__in=met).values_list("person_id", flat=True))


# --- Starting a journey ----------------------------------------------------------------------


def _active_manager(person: Person) -> Person | None:
    manager = person.manager
    if manager is None or not manager.is_active or manager.pk == person.pk:
        return None
    return manager


def journey_start(
    *,
    person: Person,
    template: JourneyTemplate | None = None,
    viewer: Viewer | None = None,
    now: dt.datetime | None = None,
) -> Journey:
    """Lay a template over a new person's start date. `viewer` None means Kith itself (an
    import, the daily sweep); a person starting one by hand must be HR."""
    now = now or timezone.now()
    if viewer is not None and not can_manage_touchpoints(viewer):
        raise PermissionDenied(_("Only HR admins start journeys by hand."))
    if not person.is_active:
        raise ValidationError(
            {"person": _("%(name)s is no longer with us.") % {"name": person.display_name}}
        )
    if person.start_date is None:
        raise ValidationError(
            {
                "person": _("%(name)s has no start date in the directory yet.")
                % {"name": person.display_name}
            }
        )
    template = template or template_for_new_people()
    if template is None:
        raise ValidationError(
            {"template": _("Template: none is set for new people; mark one as the default.")}
        )
    if not template.is_active:
        raise ValidationError(
            {"template": _("Template: “%(name)s” is switched off.") % {"name": template.name}}
        )
    if Journey.objects.filter(person=person).exists():
        raise ValidationError(_already_has_one(person))
    manager = _active_manager(person)
    buddy_id = buddies_of([person.pk]).get(person.pk)
    try:
        with transaction.atomic():
            journey = Journey.objects.create(
                person=person,
                template=template,
                start_date=person.start_date,
                manager=manager,
                buddy_id=buddy_id,
            )
            _lay_steps(journey, person, step_specs_of(template))
            audit.record(
                actor=viewer.user if viewer else None,
                action="touchpoints.journey_started",
                target=f"journey:{journey.pk}",
                template=template.pk,
            )
    except IntegrityError as exc:  # the import's hook and the sweep raced: one journey
        raise ValidationError(_already_has_one(person)) from exc
    _book_meetings(journey, now)
    _welcome(journey, now)
    return journey


def _lay_steps(journey: Journey, person: Person, specs: Sequence[engine.StepSpec]) -> None:
    owners = {
        Owner.JOINER: person.pk,
        Owner.MANAGER: journey.manager_id,
        Owner.BUDDY: journey.buddy_id,
    }
    JourneyStep.objects.bulk_create(
        [
            JourneyStep(
                journey=journey,
                title=s.title,
                description=s.description,
                owner_role=s.owner,
                owner_id=owners.get(Owner(s.owner)),
                kind=s.kind,
                special=s.special,
                due_on=engine.due_date(journey.start_date, s.day_offset, person.work_days or ()),
            )
            for s in specs
        ]
    )


def _welcome(journey: Journey, now: dt.datetime) -> None:
    """The joiner's welcome, and the manager's word that the journey is ready: each in their
    own language."""
    person, manager = journey.person, journey.manager
    ahead = journey.start_date > local_date(person, now)
    with in_language_of(person):
        start = date_format(journey.start_date, "j F")
        greeting = (
            _("We are glad you are joining us on %(day)s.") % {"day": start}
            if ahead
            else _("Glad you are here!")
        )
        notification_send(
            person=person,
            subject=_("Welcome! Your first weeks, step by step"),
            body=greeting
            + " "
            + _(
                "Your onboarding journey shows what comes when and who helps with each step: "
                "your manager, a buddy, HR and IT. Tick off your own steps as you go."
            ),
            url=journey_path(journey.pk),
            kind="touchpoints.journey_started",
            now=now,
        )
    if manager is not None:
        with in_language_of(manager):
            _tell_the_manager(journey, manager, ahead, now)


def _tell_the_manager(journey: Journey, manager: Person, ahead: bool, now: dt.datetime) -> None:
    values = {"name": journey.person.display_name, "day": date_format(journey.start_date, "j F")}
    subject = (
        _("%(name)s joins on %(day)s: their journey is ready")
        if ahead
        else _("%(name)s joined on %(day)s: their journey is ready")
    )
    notification_send(
        person=manager,
        subject=subject % values,
        body=_(
            "Your steps are on their journey page, with the 1:1s Kith books in both your "
            "calendars. A warm first week makes the biggest difference."
        ),
        url=journey_path(journey.pk),
        kind="touchpoints.journey_started",
        now=now,
    )


def journeys_start_for(
    *, person_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> int:
    """A journey for every active person with a recent or upcoming start date who has none
    (all of them, or those of `person_ids`). Safe to run again: nobody gets a second one."""
    now = now or timezone.now()
    first, last = engine.start_window(timezone.localdate(now))
    people = Person.objects.filter(
        is_active=True, start_date__gte=first, start_date__lte=last, journey__isnull=True
    ).select_related("manager")
    if person_ids is not None:
        people = people.filter(pk__in=list(person_ids))
    if not people.exists() or template_for_new_people() is None:
        return 0
    started = 0
    for person in people.order_by("start_date", "id"):
        try:
            journey_start(person=person, now=now)
        except ValidationError as exc:
            log.info("no journey for person %s: %s", person.pk, "; ".join(exc.messages))
            continue
        started += 1
    return started


def on_people_added(person_ids: list[int]) -> None:
    """The directory's hook: people an import added get their journey at once."""
    journeys_start_for(person_ids=person_ids)


# --- Ticking steps off ---------------------------------------------------------------------


def _done_q() -> Q:
    return Q(done_at__isnull=False) | Q(meeting__status=Meeting.Status.HELD)


def journey_step_complete(
    *, viewer: Viewer, step: JourneyStep, done: bool = True, now: dt.datetime | None = None
) -> JourneyStep:
    """The step's owner (HR for HR and IT steps) ticks it off, or back on."""
    now = now or timezone.now()
    if not can_complete_journey_step(viewer, owner_id=step.owner_id, owner_role=step.owner_role):
        raise PermissionDenied(_("Only the person this step belongs to can tick it off."))
    with transaction.atomic():
        step = JourneyStep.objects.select_for_update().select_related("journey").get(pk=step.pk)
        if step.journey.status == Journey.Status.CANCELLED:
            raise ValidationError(_("This journey was stopped, so its steps stay as they are."))
        if (step.done_at is not None) == done:
            return step  # a second click changes nothing
        step.done_at = now if done else None
        step.done_by = viewer.person if done else None
        step.save(update_fields=["done_at", "done_by"])
        settle_status(step.journey)
        if not step.special:
            # A welcome call, check-in or buddy step ticked would tell the audit log's readers
            # (HR) that two named people met: those are never audited (review finding).
            audit.record(
                actor=viewer.user,
                action="touchpoints.journey_step_done"
                if done
                else "touchpoints.journey_step_reopened",
                target=f"journey:{step.journey_id}",
                step=step.pk,
            )
    return step


def settle_status(journey: Journey) -> None:
    """A journey is completed when every step is done, and in progress again when one opens."""
    if journey.status == Journey.Status.CANCELLED:
        return
    open_steps = journey.steps.exclude(_done_q()).exists()
    status = Journey.Status.ACTIVE if open_steps else Journey.Status.COMPLETED
    if status != journey.status:
        journey.status = status
        journey.save(update_fields=["status"])


# --- The daily sweep -----------------------------------------------------------------------


@dataclass
class SweepResult:
    started: int = 0
    stopped: int = 0
    owners_set: int = 0
    meetings_booked: int = 0
    steps_done: int = 0
    completed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def journeys_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Everything that does not depend on anyone clicking: journeys for people the import's
    hook missed, journeys of people who left stopped, managers and buddies picked up as they
    appear, welcome calls and check-ins booked as their day nears, held meetings and met
    buddies counted, automated steps done on their day. Safe to run any number of times."""
    now = now or timezone.now()
    result = SweepResult(started=journeys_start_for(now=now))
    result.stopped = Journey.objects.filter(
        status=Journey.Status.ACTIVE, person__is_active=False
    ).update(status=Journey.Status.CANCELLED)
    active = list(
        Journey.objects.filter(status=Journey.Status.ACTIVE).select_related(
            "person", "person__manager", "manager"
        )
    )
    result.owners_set = _sync_owners(active)
    for journey in active:
        result.meetings_booked += _book_meetings(journey, now)
    result.steps_done = _tick_what_happened(active, now)
    for journey in active:
        before = journey.status
        settle_status(journey)
        result.completed += int(before != journey.status)
    return result


def _sync_owners(journeys: list[Journey]) -> int:
    """Open manager steps follow the person's current manager; buddy steps take the buddy
    Connect found (and let go of one whose match was declined)."""
    buddies = buddies_of(j.person_id for j in journeys)
    changed = 0
    for journey in journeys:
        manager = _active_manager(journey.person)
        manager_id = manager.pk if manager else None
        buddy_id = buddies.get(journey.person_id)
        if (journey.manager_id, journey.buddy_id) != (manager_id, buddy_id):
            journey.manager_id, journey.buddy_id = manager_id, buddy_id
            journey.save(update_fields=["manager", "buddy"])
        wanted = {Owner.MANAGER: manager_id, Owner.BUDDY: buddy_id}
        for role, owner_id in wanted.items():
            # A step whose 1:1 is already booked stays with the people who booked it.
            changed += (
                journey.steps.filter(owner_role=role, done_at__isnull=True, meeting__isnull=True)
                .exclude(owner_id=owner_id)
                .update(owner_id=owner_id)
            )
    return changed


def _book_meetings(journey: Journey, now: dt.datetime) -> int:
    """Book the welcome call and check-ins whose day is near (each in its own transaction: a
    pair without common hours leaves the step to its owner, and the rest still go ahead)."""
    if journey.manager_id is None or journey.status != Journey.Status.ACTIVE:
        return 0
    today = local_date(journey.person, now)
    steps = journey.steps.filter(
        special__in=MEETING_SPECIALS,
        done_at__isnull=True,
        meeting__isnull=True,
        due_on__lte=today + dt.timedelta(days=engine.SCHEDULE_AHEAD_DAYS),
        due_on__gte=today - dt.timedelta(days=engine.LINK_LATE_DAYS),
    ).order_by("due_on", "id")
    booked = 0
    for step in steps:
        try:
            with transaction.atomic():
                booked += int(_book_one(journey, step, today, now))
        except ValidationError as exc:
            log.info("journey step %s not booked: %s", step.pk, "; ".join(exc.messages))
    return booked


def _book_one(journey: Journey, step: JourneyStep, today: dt.date, now: dt.datetime) -> bool:
    assert journey.manager is not None
    pair = one_on_one_ensure(manager=journey.manager, report=journey.person)
    linked = JourneyStep.objects.filter(meeting__isnull=False).values("meeting_id")
    planned = (
        Meeting.objects.filter(
            one_on_one=pair, status=Meeting.Status.PLANNED, starts_at__gte=now - PLANNED_GRACE
        )
        .order_by("starts_at")
        .first()
    )
    if planned is not None:
        # The pair has a 1:1 planned already (only one at a time): it stands for this step
        # when it falls near the step's day and no other step claimed it; else wait for it.
        meeting_day = local_date(journey.person, planned.starts_at)
        if Meeting.objects.filter(pk=planned.pk, pk__in=linked).exists():
            return False
        if not engine.counts_for_step(meeting_day, step.due_on):
            return False
        meeting = planned
    else:
        day = engine.book_from(step.due_on, journey.start_date, today)
        not_before = dt.datetime.combine(day, dt.time(0), tzinfo=_zone(journey.person.timezone))
        meeting = meeting_schedule(
            one_on_one=pair, not_before=not_before, note=_meeting_note(step, journey), now=now
        )
    return bool(
        JourneyStep.objects.filter(pk=step.pk, meeting__isnull=True).update(meeting=meeting)
    )


def _meeting_note(step: JourneyStep, journey: Journey) -> str:
    name = journey.person.display_name
    if step.special == Special.WELCOME_CALL:
        return _("Welcome call: %(name)s's first days") % {"name": name}
    return _("%(title)s (%(name)s's onboarding)") % {"title": step.title, "name": name}


def _tick_what_happened(journeys: list[Journey], now: dt.datetime) -> int:
    """Steps done without a click: their 1:1 was held, the buddies said they met, or an
    automated step's day came."""
    ids = [j.pk for j in journeys]
    open_steps = JourneyStep.objects.filter(journey_id__in=ids, done_at__isnull=True)
    done = open_steps.filter(meeting__status=Meeting.Status.HELD).update(done_at=now)
    met = _buddy_met({j.person_id for j in journeys})
    done += open_steps.filter(special=Special.BUDDY, journey__person_id__in=met).update(done_at=now)
    today = timezone.localdate(now)
    done += open_steps.filter(kind=StepKind.AUTOMATED, due_on__lte=today).update(done_at=now)
    return done


# --- Reminders about late steps ------------------------------------------------------------


@dataclass
class _Late:
    step: JourneyStep
    recipients: list[Person]


def hr_admin_people() -> list[Person]:
    """The people behind the HR admins' logins (they look after HR and IT steps)."""
    from kith.accounts.models import User

    emails = {
        e.lower()
        for e in User.objects.filter(groups__name=HR_ADMINS_GROUP, is_active=True).values_list(
            "email", flat=True
        )
    }
    if not emails:
        return []
    people = Person.objects.annotate(email_lower=Lower("email"))
    return list(people.filter(is_active=True, email_lower__in=emails).order_by("id"))


def _late_steps(now: dt.datetime) -> QuerySet[JourneyStep]:
    # Not booked into a 1:1 that is still to come (or just happened), not done, not waiting
    # for a buddy Connect has yet to find.
    upcoming = Q(
        meeting__status=Meeting.Status.PLANNED,
        meeting__starts_at__gte=now - dt.timedelta(days=engine.NUDGE_AFTER_DAYS),
    )
    return (
        JourneyStep.objects.filter(
            journey__status=Journey.Status.ACTIVE,
            journey__person__is_active=True,
            kind__in=engine.NUDGED_KINDS,
            done_at__isnull=True,
            due_on__lt=timezone.localdate(now) + dt.timedelta(days=1),
        )
        .exclude(upcoming)
        .exclude(meeting__status=Meeting.Status.HELD)
        .exclude(owner_role=Owner.BUDDY, owner__isnull=True)
        .select_related("owner", "journey__person")
    )


def journey_nudges_send(*, now: dt.datetime | None = None) -> int:
    """Remind owners of late human and hybrid steps: the day after a step was due, then every
    few days, at most engine.MAX_NUDGES times. HR and IT steps (and steps whose owner is
    missing) go to the HR admins, except welcome calls, check-ins and meeting the buddy: a
    reminder that one is late would tell HR that a 1:1 was not held or two people have not
    met. One message per person per run, listing their steps; notification_send holds it
    until their working hours. Returns the messages sent."""
    now = now or timezone.now()
    hr_people: list[Person] | None = None
    due: list[_Late] = []
    for step in _late_steps(now):
        owner = step.owner if step.owner is not None and step.owner.is_active else None
        if owner is None and step.special in PRIVATE_SPECIALS:
            continue  # only the people in it may learn it is late; HR may not
        today = local_date(owner, now)  # the organisation's day for HR's steps
        last = local_date(owner, step.nudged_at) if step.nudged_at else None
        if not engine.nudge_due(step.due_on, last, today):
            continue
        if owner is None and hr_people is None:
            hr_people = hr_admin_people()
        due.append(_Late(step, [owner] if owner else list(hr_people or [])))
    by_person: dict[int, tuple[Person, list[JourneyStep]]] = {}
    for late in due:
        if not late.recipients:
            continue
        # The claim: whoever moves nudged_at on first sends; a second run finds it moved.
        claimed = JourneyStep.objects.filter(pk=late.step.pk, nudged_at=late.step.nudged_at).update(
            nudged_at=now
        )
        if not claimed:
            continue
        for person in late.recipients:
            by_person.setdefault(person.pk, (person, []))[1].append(late.step)
    for person, steps in by_person.values():
        with in_language_of(person):
            _send_nudge(person, steps, now)
    return len(by_person)


def _send_nudge(person: Person, steps: list[JourneyStep], now: dt.datetime) -> None:
    lines = []
    for step in steps:
        joiner = step.journey.person
        whose = _("your onboarding") if joiner.pk == person.pk else joiner.display_name
        due = date_format(step.due_on, "j M")
        lines.append(
            "• "
            + _("%(title)s — %(whose)s, due %(due)s")
            % {"title": step.title, "whose": whose, "due": due}
        )
    journeys = {s.journey_id for s in steps}
    url = journey_path(journeys.pop()) if len(journeys) == 1 else journeys_path()
    subject = ngettext(
        "An onboarding step is waiting for you",
        "%(n)d onboarding steps are waiting for you",
        len(steps),
    ) % {"n": len(steps)}
    notification_send(
        person=person,
        subject=subject,
        body=(
            _("A friendly reminder: these steps of someone's first weeks are past their day.")
            + "\n"
            + "\n".join(lines)
            + "\n"
            + _("Tick them off on the journey page once they are done.")
        ),
        url=url,
        kind=NUDGE_KIND,
        now=now,
    )
