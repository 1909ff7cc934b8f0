"""Drawing a round: who takes part, the engine's matches, and the intros that follow.

`round_plan` only reads: it is the preview HR sees and what `--dry-run` prints.
`round_run` draws and stores the round exactly once per (program, date) and queues every
intro for the program's local hour in each recipient's own time zone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kith.connect import hooks, inputs, messages
from kith.connect.engine import schedule
from kith.connect.engine.buddies import assign_buddies
from kith.connect.engine.cadence import local_moment
from kith.connect.engine.matching import match_round
from kith.connect.engine.mentoring import assign_mentors
from kith.connect.engine.types import Rules, Weights
from kith.connect.models import (
    DoNotPair,
    Match,
    MatchMember,
    Participation,
    Program,
    Round,
    Unmatched,
)
from kith.connect.selectors import eligible_for_round
from kith.core import audit, boundaries
from kith.directory.models import ContactPreference, Person
from kith.notify.services import notification_send

log = logging.getLogger(__name__)

IGNORED_ROUNDS_BEFORE_ASKING = 3
BUDDY_MIN_TENURE_DAYS = 182
MAX_BUDDIES = 2
SUGGEST_FROM = dt.timedelta(hours=20)


@dataclass
class PlannedMatch:
    people: list[Person]
    explanation: str
    score: float = 0.0
    meet_in_person_city: str = ""
    roles: dict[int, str] = field(default_factory=dict)


@dataclass
class RoundPlan:
    program: Program
    round_date: dt.date
    seed: int
    eligible: list[Person]
    excluded: list[tuple[Person, str]]
    matches: list[PlannedMatch]
    unmatched: list[tuple[Person, str, str]]  # person, reason code, plain words
    algorithm: str = ""
    to_confirm: list[Person] = field(default_factory=list)

    @property
    def matched_count(self) -> int:
        return sum(len(m.people) for m in self.matches)


def seed_for(program: Program, round_date: dt.date) -> int:
    digest = hashlib.sha256(f"{program.pk}:{round_date.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def weights_of(program: Program) -> Weights:
    return Weights(
        different_team=program.weight_different_team,
        different_department=program.weight_different_department,
        shared_interests=program.weight_shared_interests,
        working_hours_overlap=program.weight_working_hours_overlap,
        same_city=program.weight_same_city,
        seniority_mix=program.weight_seniority_mix,
        new_joiners_first=program.weight_new_joiners_first,
    )


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def do_not_pair_pairs(person_ids: Sequence[int]) -> set[tuple[int, int]]:
    rows = DoNotPair.objects.filter(person_id__in=person_ids).values_list("person_id", "other_id")
    return {_ordered(a, b) for a, b in rows}


def _do_not_pair_with(person_ids: set[int]) -> set[tuple[int, int]]:
    """Every do-not-pair entry naming one of these people, whoever wrote it: a buddy round
    passes only its joiners, and a settled colleague's own list must hold too."""
    rows = DoNotPair.objects.filter(
        Q(person_id__in=person_ids) | Q(other_id__in=person_ids)
    ).values_list("person_id", "other_id")
    return {_ordered(a, b) for a, b in rows}


def _ignored_last_rounds(
    program: Program, people: Sequence[Person], round_date: dt.date
) -> set[int]:
    """People whose last three intros in this program went unanswered after the follow-up
    was sent. Intros before someone last said "keep introducing me" do not count."""
    answered_by = round_date - dt.timedelta(days=program.follow_up_days)
    confirmed = dict(
        Participation.objects.filter(program=program, confirmed_at__isnull=False).values_list(
            "person_id", "confirmed_at"
        )
    )
    rows = (
        MatchMember.objects.filter(
            match__program=program,
            match__kind=Match.Kind.INTRO,
            match__round__in=Round.objects.filter(program=program)
            .order_by("-scheduled_for")
            .filter(scheduled_for__lte=answered_by)
            .values("pk")[: IGNORED_ROUNDS_BEFORE_ASKING * 4],
            follow_up_sent_at__isnull=False,
        )
        .order_by("person_id", "-match__round__scheduled_for")
        .values_list("person_id", "met", "match__round__ran_at")
    )
    wanted = {p.pk for p in people}
    recent: dict[int, list[str]] = defaultdict(list)
    for person_id, met, ran_at in rows:
        since = confirmed.get(person_id)
        if person_id not in wanted or (since is not None and ran_at <= since):
            continue
        if len(recent[person_id]) < IGNORED_ROUNDS_BEFORE_ASKING:
            recent[person_id].append(met)
    return {
        pid
        for pid, answers in recent.items()
        if len(answers) == IGNORED_ROUNDS_BEFORE_ASKING and not any(answers)
    }


def round_plan(program: Program, round_date: dt.date, *, seed: int | None = None) -> RoundPlan:
    seed = seed_for(program, round_date) if seed is None else seed
    eligibility = eligible_for_round(program, round_date)
    people, excluded = eligibility.people, list(eligibility.excluded)
    to_confirm: list[Person] = []
    if program.is_pairing:
        ignored = _ignored_last_rounds(program, people, round_date)
        to_confirm = [p for p in people if p.pk in ignored]
        excluded += [(p, _("asked whether they still want intros")) for p in to_confirm]
        people = [p for p in people if p.pk not in ignored]
    plan = RoundPlan(program, round_date, seed, people, excluded, [], [], to_confirm=to_confirm)
    resting: list[tuple[Person, str, str]] = []
    if program.is_pairing:
        resting = _resting_by_preference(people, round_date)
        rested = {p.pk for p, _code, _detail in resting}
        plan.eligible = [p for p in people if p.pk not in rested]
    if program.kind == Program.Kind.MENTORING:
        _plan_mentoring(plan)
    elif program.kind == Program.Kind.BUDDY:
        _plan_buddies(plan)
    else:
        _plan_intros(plan)
    plan.unmatched += resting
    return plan


RESTING = "intro_frequency"  # left out by their own "how often" preference
REST_DAYS: dict[str, int] = {
    ContactPreference.IntroFrequency.MONTHLY: 30,
    ContactPreference.IntroFrequency.QUARTERLY: 91,
}


LONGEST_REST = dt.timedelta(days=max(REST_DAYS.values()))


def _resting_by_preference(
    people: Sequence[Person], round_date: dt.date
) -> list[tuple[Person, str, str]]:
    """People who asked to be introduced at most monthly (quarterly) and were introduced in
    any program within the last 30 (91) days: this round skips them, and says why."""
    wanted = dict(
        ContactPreference.objects.filter(
            person_id__in=[p.pk for p in people], intro_frequency__in=list(REST_DAYS)
        ).values_list("person_id", "intro_frequency")
    )
    if not wanted:
        return []
    last = dict(
        MatchMember.objects.filter(
            person_id__in=list(wanted),
            match__kind=Match.Kind.INTRO,
            match__round__scheduled_for__lt=round_date,
            match__round__scheduled_for__gte=round_date - LONGEST_REST,
        )
        .values_list("person_id")
        .annotate(last=Max("match__round__scheduled_for"))
        .values_list("person_id", "last")
    )
    resting = []
    for person in people:
        frequency, previous = wanted.get(person.pk), last.get(person.pk)
        if frequency is None or previous is None:
            continue
        if (round_date - previous).days < REST_DAYS[frequency]:
            words = {"day": date_format(previous, "j F Y")}
            detail = (
                _(
                    "You asked to be introduced at most once a month, and your last "
                    "introduction was on %(day)s: this round skips you."
                )
                if frequency == "monthly"
                else _(
                    "You asked to be introduced at most once a quarter, and your last "
                    "introduction was on %(day)s: this round skips you."
                )
            )
            resting.append((person, RESTING, detail % words))
    return resting


def _plan_intros(plan: RoundPlan) -> None:
    program, people = plan.program, plan.eligible
    by_id = {p.pk: p for p in people}
    window = dt.timedelta(weeks=program.repeat_window_weeks)
    # Both directions: a round drawn out of order must not repeat a later one either.
    forbidden = inputs.pairs_met_since(
        plan.round_date - window, before=plan.round_date + window, excluding_date=plan.round_date
    )
    forbidden |= do_not_pair_pairs(list(by_id))
    if program.kind == Program.Kind.CROSS_TEAM:
        forbidden |= _same_team_pairs(people)
    participants = inputs.participants_for(people, program=program, round_date=plan.round_date)
    group_size = program.group_size if program.kind == Program.Kind.LUNCH else 2
    result = match_round(
        participants,
        weights=weights_of(program),
        rules=Rules(forbidden_pairs=frozenset(forbidden)),
        group_size=group_size,
        seed=plan.seed,
    )
    plan.algorithm = result.algorithm
    plan.matches = [
        PlannedMatch(
            people=[by_id[i] for i in m.members],
            explanation=m.explanation,
            score=m.score,
            meet_in_person_city=m.meet_in_person_city,
        )
        for m in result.matches
    ]
    plan.unmatched = [(by_id[u.id], str(u.reason), u.detail) for u in result.unmatched]


def _same_team_pairs(people: Sequence[Person]) -> set[tuple[int, int]]:
    by_team: dict[int, list[int]] = defaultdict(list)
    for p in people:
        if p.org_unit_id:
            by_team[p.org_unit_id].append(p.pk)
    return {
        _ordered(a, b) for ids in by_team.values() for i, a in enumerate(ids) for b in ids[i + 1 :]
    }


def _plan_mentoring(plan: RoundPlan) -> None:
    program = plan.program
    by_id = {p.pk: p for p in plan.eligible}
    rows = Participation.objects.filter(program=program, person_id__in=list(by_id)).exclude(role="")
    live = MatchMember.objects.filter(
        match__program=program, match__kind=Match.Kind.MENTORING
    ).exclude(match__members__declined_at__isnull=False)
    taken = dict(
        live.filter(role=MatchMember.Role.MENTOR)
        .values_list("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", "n")
    )
    placed = set(live.filter(role=MatchMember.Role.MENTEE).values_list("person_id", flat=True))
    declined = MatchMember.objects.filter(
        match__program=program, match__members__declined_at__isnull=False
    ).values_list("match_id", "person_id")
    reporting_lines = {_ordered(p.pk, p.manager_id) for p in plan.eligible if p.manager_id}
    forbidden = frozenset(
        inputs.pairs_of(declined) | do_not_pair_pairs(list(by_id)) | reporting_lines
    )
    mentors, mentees = inputs.mentors_and_mentees(
        ((by_id[r.person_id], r.role, r.capacity, list(r.topics)) for r in rows),
        taken=taken,
        round_date=plan.round_date,
    )
    mentees = [m for m in mentees if m.id not in placed]
    result = assign_mentors(mentors, mentees, forbidden_pairs=forbidden, seed=plan.seed)
    plan.algorithm = "linear assignment"
    plan.matches = [
        PlannedMatch(
            people=[by_id[a.mentor], by_id[a.mentee]],
            explanation=" · ".join(a.reasons),
            score=a.score,
            roles={a.mentor: MatchMember.Role.MENTOR, a.mentee: MatchMember.Role.MENTEE},
        )
        for a in result.assignments
    ]
    plan.unmatched = [
        (by_id[u.id], str(u.reason), _neutral(u.reason, u.detail)) for u in result.waitlisted
    ]


def _neutral(reason: str, detail: str) -> str:
    """ "Ruled out" must not hint at whose do-not-pair list or reporting line did it."""
    if reason == "no_allowed_partner":
        return _("No mentor is available for your topics yet; you are on the waitlist.")
    return detail


def _plan_buddies(plan: RoundPlan) -> None:
    program, day = plan.program, plan.round_date
    window_start = day - dt.timedelta(days=program.new_joiner_days)
    from kith.connect.selectors import audience_people

    buddy_matches = Match.objects.filter(program=program, kind=Match.Kind.BUDDY)
    declined_ids = set(
        buddy_matches.filter(members__declined_at__isnull=False).values_list("pk", flat=True)
    )
    have_buddy = set(
        MatchMember.objects.filter(match__in=buddy_matches, role=MatchMember.Role.JOINER)
        .exclude(match_id__in=declined_ids)
        .values_list("person_id", flat=True)
    )
    opted_out = _not_taking_part(program, day)
    joiners = [
        p
        for p in audience_people(program)
        .filter(start_date__gte=window_start, start_date__lte=day + dt.timedelta(days=14))
        .select_related("org_unit")
        .order_by("id")
        if p.pk not in have_buddy and p.pk not in opted_out
    ]
    joiner_ids = {p.pk for p in joiners}
    current = dict(
        MatchMember.objects.filter(
            match__program=program,
            role=MatchMember.Role.BUDDY,
            declined_at__isnull=True,
            match__round__scheduled_for__gte=window_start,
        )
        .values_list("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", "n")
    )
    helpers = _buddy_pool(
        [p for p in plan.eligible if p.pk not in joiner_ids], joiners, current, day, plan.seed
    )
    candidates = [
        inputs.buddy_candidate_for(p, current=current.get(p.pk, 0), on=day) for p in helpers
    ]
    declined_pairs = inputs.pairs_of(
        MatchMember.objects.filter(match_id__in=declined_ids).values_list("match_id", "person_id")
    )
    result = assign_buddies(
        [inputs.joiner_for(p) for p in joiners],
        candidates,
        min_tenure_days=BUDDY_MIN_TENURE_DAYS,
        max_buddies=MAX_BUDDIES,
        forbidden_pairs=frozenset(declined_pairs | _do_not_pair_with(joiner_ids)),
    )
    by_id = {p.pk: p for p in [*joiners, *helpers]}
    paired = {pk for a in result.assignments for pk in (a.joiner, a.buddy)}  # not all helpers
    virtual = {
        pk
        for pk, mode in inputs.meeting_modes([by_id[pk] for pk in sorted(paired)]).items()
        if mode == ContactPreference.MeetingMode.VIRTUAL
    }
    plan.algorithm = "linear assignment"
    plan.matches = [
        PlannedMatch(
            people=[by_id[a.joiner], by_id[a.buddy]],
            explanation=" · ".join(a.reasons),
            meet_in_person_city=inputs.city_key(by_id[a.joiner])
            if a.same_city and not {a.joiner, a.buddy} & virtual
            else "",
            roles={a.joiner: MatchMember.Role.JOINER, a.buddy: MatchMember.Role.BUDDY},
        )
        for a in result.assignments
    ]
    plan.unmatched = [(by_id[u.id], str(u.reason), u.detail) for u in result.unassigned]


BUDDIES_PER_CITY = 20
BUDDIES_ANYWHERE = 200


def _buddy_pool(
    people: list[Person],
    joiners: list[Person],
    current: dict[int, int],
    day: dt.date,
    seed: int,
) -> list[Person]:
    """Who may be a buddy, bounded so a 100k organisation stays a small assignment problem:
    up to 20 settled people in each joiner's city, plus a seeded sample from anywhere."""
    settled = [
        p
        for p in people
        if inputs.tenure_days(p, day) >= BUDDY_MIN_TENURE_DAYS
        and current.get(p.pk, 0) < MAX_BUDDIES
    ]
    cities = {inputs.city_key(j) for j in joiners}
    by_city: dict[str, list[Person]] = defaultdict(list)
    for person in settled:
        key = inputs.city_key(person)
        if key in cities and len(by_city[key]) < BUDDIES_PER_CITY * max(1, len(joiners)):
            by_city[key].append(person)
    pool = {p.pk: p for group in by_city.values() for p in group}
    rng = random.Random(seed)
    for person in rng.sample(settled, min(len(settled), BUDDIES_ANYWHERE)):
        pool.setdefault(person.pk, person)
    return sorted(pool.values(), key=lambda p: p.pk)


def _not_taking_part(program: Program, day: dt.date) -> set[int]:
    rows = Participation.objects.filter(program=program).filter(
        Q(status=Participation.Status.LEFT) | Q(paused_until__gte=day)
    )
    return set(rows.values_list("person_id", flat=True))


# --- Running ------------------------------------------------------------------------------------


class RoundAlreadyDrawn(Exception):
    def __init__(self, existing: Round) -> None:
        super().__init__(f"{existing.program} already has a round on {existing.scheduled_for}")
        self.existing = existing


class RoundPaused(Exception):
    """The date falls in a wellness week: the organisation has logged off, so no round."""

    def __init__(self, program: Program, round_date: dt.date, week: str) -> None:
        super().__init__(
            _(
                "%(day)s is inside the wellness week %(week)s: the organisation has logged "
                "off, so no round of %(program)s is drawn then. Pick a date after it."
            )
            % {"day": date_format(round_date, "D j M Y"), "week": week, "program": program.name}
        )
        self.round_date = round_date
        self.week = week


def refuse_if_paused(program: Program, round_date: dt.date) -> None:
    """Raise RoundPaused when a wellness week covers `round_date` (manual draws: the
    command, HR's Draw; the scheduler never picks such a date, see next_round_date)."""
    if boundaries.organisation_paused_on(round_date):
        week = boundaries.pause_name_on(round_date) or _("planned by HR")
        raise RoundPaused(program, round_date, week)


def round_run(
    *,
    program: Program,
    round_date: dt.date,
    now: dt.datetime | None = None,
    seed: int | None = None,
    notify: bool = True,
) -> Round:
    """Draw and store the round for `round_date`, once. Raises RoundAlreadyDrawn otherwise,
    and RoundPaused for a date inside a wellness week (nothing is drawn or sent).
    `notify=False` stores a round without telling anyone (demo history, imports)."""
    now = now or timezone.now()
    if notify:
        refuse_if_paused(program, round_date)
    existing = Round.objects.filter(program=program, scheduled_for=round_date).first()
    if existing is not None:
        raise RoundAlreadyDrawn(existing)
    plan = round_plan(program, round_date, seed=seed)
    # Before the transaction: suggesting times may read remote calendars (seconds each), and
    # no write should wait on them.
    times = [suggested_times(plan, planned) for planned in plan.matches]
    try:
        with transaction.atomic():
            drawn = _store(plan, now, times, notify=notify)
    except IntegrityError as exc:
        existing = Round.objects.filter(program=program, scheduled_for=round_date).first()
        if existing is None:
            raise
        raise RoundAlreadyDrawn(existing) from exc
    audit.record(
        actor=None,
        action="connect.round_drawn",
        target=f"program:{program.pk}",
        date=round_date.isoformat(),
        matches=len(plan.matches),
    )
    log.info(
        "drew round %s of program %s: %s matches, %s unmatched",
        round_date,
        program.pk,
        len(plan.matches),
        len(plan.unmatched),
    )
    return drawn


def _store(
    plan: RoundPlan,
    now: dt.datetime,
    times_by_match: Sequence[Sequence[dt.datetime]],
    *,
    notify: bool,
) -> Round:
    program = plan.program
    drawn = Round.objects.create(
        program=program,
        scheduled_for=plan.round_date,
        ran_at=now,
        algorithm=plan.algorithm,
        seed=plan.seed,
        stats=round_stats(plan),
    )
    kind = {
        Program.Kind.MENTORING: Match.Kind.MENTORING,
        Program.Kind.BUDDY: Match.Kind.BUDDY,
    }.get(program.kind, Match.Kind.INTRO)  # type: ignore[call-overload]
    for planned, times in zip(plan.matches, times_by_match, strict=True):
        match = Match.objects.create(
            round=drawn,
            program=program,
            kind=kind,
            score=planned.score,
            explanation=planned.explanation[:500],
            meet_in_person_city=planned.meet_in_person_city,
            suggested_times=[t.isoformat() for t in times],
        )
        MatchMember.objects.bulk_create(
            MatchMember(match=match, person=p, role=planned.roles.get(p.pk, ""))
            for p in planned.people
        )
        if notify:
            _send_intros(plan, planned, match, times, now)
    Unmatched.objects.bulk_create(
        Unmatched(round=drawn, person=p, reason=code, detail=detail[:300])
        for p, code, detail in plan.unmatched
    )
    if notify:
        _tell_unmatched(plan, drawn, now)
        _ask_to_confirm(plan, now)
        hooks.round_drawn(drawn.pk)  # webhooks, once committed (not the demo's history)
    return drawn


def intro_due(program: Program, round_date: dt.date, person: Person) -> dt.datetime:
    return local_moment(round_date, program.local_hour, messages.zone_of(person))


def suggested_times(plan: RoundPlan, planned: PlannedMatch) -> list[dt.datetime]:
    program, people = plan.program, planned.people
    # From the day after the intro: time to read it and reply before the first slot.
    after = max(intro_due(program, plan.round_date, p) for p in people) + SUGGEST_FROM
    if program.kind == Program.Kind.BUDDY:
        joiner = next(p for p in people if planned.roles.get(p.pk) == MatchMember.Role.JOINER)
        if joiner.start_date:
            first_day = local_moment(joiner.start_date, 0, messages.zone_of(joiner))
            after = max(after, first_day)
    years = {after.year, (after + dt.timedelta(days=14)).year}
    return schedule.suggest_times(
        inputs.working_hours(people),
        after=after,
        count=3,
        duration=dt.timedelta(minutes=program.meeting_minutes),
        holidays_by_person=[inputs.holidays_of(p.country, tuple(sorted(years))) for p in people],
        busy_by_person=inputs.busy_by_person(people, after),  # tech-free hours, wellness weeks
    )


def _send_intros(
    plan: RoundPlan,
    planned: PlannedMatch,
    match: Match,
    times: Sequence[dt.datetime],
    now: dt.datetime,
) -> None:
    program = plan.program
    for reader in planned.people:
        others = [p for p in planned.people if p.pk != reader.pk]
        attachments = []
        with messages.in_language_of(reader):
            if times:
                attachments.append(
                    messages.invite_for(
                        program=program,
                        reader=reader,
                        people=planned.people,
                        start=times[0],
                        match_id=match.pk,
                        explanation=planned.explanation,
                        location=planned.meet_in_person_city,
                    )
                )
            subject = messages.intro_subject(program, others)
            body = messages.intro_body(
                program=program,
                reader=reader,
                others=others,
                explanation=planned.explanation,
                meet_in_person_city=planned.meet_in_person_city,
                times=times,
                match_id=match.pk,
                lead=_lead(program, planned, reader),
            )
        notification_send(
            person=reader,
            subject=subject,
            body=body,
            url=messages.match_path(match.pk),
            kind="connect.intro",
            due=intro_due(program, plan.round_date, reader),
            attachments=attachments,
            group=messages.group_key(match.pk),
            now=now,
        )


def _lead(program: Program, planned: PlannedMatch, reader: Person) -> str:
    role = planned.roles.get(reader.pk, "")
    leads = {
        MatchMember.Role.MENTOR: _("A mentee would like to learn from you. Please confirm:"),
        MatchMember.Role.MENTEE: _("We found you a mentor. Please confirm:"),
        MatchMember.Role.JOINER: _("Welcome! Your onboarding buddy will help you find your feet:"),
        MatchMember.Role.BUDDY: _("A new colleague is joining: would you be their buddy?"),
    }
    return leads.get(role, "")  # type: ignore[call-overload]


def _tell_unmatched(plan: RoundPlan, drawn: Round, now: dt.datetime) -> None:
    previous = (
        Round.objects.filter(program=plan.program, scheduled_for__lt=plan.round_date)
        .order_by("-scheduled_for")
        .first()
    )
    already_told: set[int] = set()
    if previous is not None and plan.program.kind == Program.Kind.MENTORING:
        # A waitlisted mentee hears it once, not every round.
        already_told = set(previous.unmatched.values_list("person_id", flat=True))
    for person, code, detail in plan.unmatched:
        if person.pk in already_told or code == RESTING:  # their own choice: no message
            continue
        with messages.in_language_of(person):
            subject = _("%(program)s: no match this round") % {"program": plan.program.name}
            body = messages.unmatched_body(program=plan.program, reader=person, detail=detail)
        notification_send(
            person=person,
            subject=subject,
            body=body,
            url=f"/connect/programs/{plan.program.pk}/",
            kind="connect.unmatched",
            due=intro_due(plan.program, plan.round_date, person),
            now=now,
        )


def _ask_to_confirm(plan: RoundPlan, now: dt.datetime) -> None:
    for person in plan.to_confirm:
        Participation.objects.update_or_create(
            program=plan.program, person=person, defaults={"needs_confirmation": True}
        )
        with messages.in_language_of(person):
            subject = _("%(program)s: still up for meeting colleagues?") % {
                "program": plan.program.name
            }
            body = messages.confirm_body(program=plan.program, reader=person)
        notification_send(
            person=person,
            subject=subject,
            body=body,
            url=f"/connect/programs/{plan.program.pk}/",
            kind="connect.confirm",
            due=intro_due(plan.program, plan.round_date, person),
            now=now,
        )


def round_stats(plan: RoundPlan) -> dict[str, float]:
    """Measured from the stored history, independently of the engine's own checks."""
    pairs = [
        _ordered(a.pk, b.pk)
        for m in plan.matches
        for i, a in enumerate(m.people)
        for b in m.people[i + 1 :]
    ]
    window = dt.timedelta(weeks=plan.program.repeat_window_weeks)
    recent = (
        inputs.pairs_met_since(
            plan.round_date - window,
            before=plan.round_date + window,
            excluding_date=plan.round_date,
        )
        if plan.program.is_pairing
        else set()
    )
    ever = inputs.pairs_met_since(None, before=plan.round_date)
    cross_team = sum(
        1 for m in plan.matches if len({p.org_unit_id for p in m.people}) == len(m.people)
    )
    return {
        "participants": len(plan.eligible),
        "excluded": len(plan.excluded),
        "matched": plan.matched_count,
        "unmatched": len(plan.unmatched),
        "groups": len(plan.matches),
        "trios": sum(1 for m in plan.matches if len(m.people) == 3)
        if plan.program.group_size == 2
        else 0,
        "cross_team_share": round(cross_team / len(plan.matches), 4) if plan.matches else 0.0,
        "repeats": sum(1 for p in pairs if p in recent),
        "new_connections": sum(1 for p in pairs if p not in ever),
        "in_person": sum(1 for m in plan.matches if m.meet_in_person_city),
    }


# --- Follow-ups ---------------------------------------------------------------------------------


REMIND_AFTER = dt.timedelta(days=3)
REMINDER_WINDOW = dt.timedelta(days=7)


def follow_ups_send_due(*, now: dt.datetime | None = None) -> int:
    """Send "did you meet?" to members whose follow-up moment (the program's local hour,
    `follow_up_days` after the round, in their zone) has come and who have not answered; one
    reminder REMIND_AFTER later if they still have not; and the one re-ask a "Not yet" asked
    for. Each ask is claimed with a conditional update, so it goes at most once."""
    now = now or timezone.now()
    unanswered = (
        MatchMember.objects.filter(
            met="",
            person__is_active=True,
            match__kind__in=[Match.Kind.INTRO, Match.Kind.BUDDY],
        )
        .exclude(declined_at__isnull=False)
        .select_related("match__program", "match__round", "person")
        .prefetch_related("match__members__person")
        .order_by("id")
    )
    sent = 0
    first = unanswered.filter(
        follow_up_sent_at__isnull=True,
        match__round__scheduled_for__lte=now.date() + dt.timedelta(days=1),
    )
    for member in first:
        program = member.match.program
        day = member.match.round.scheduled_for + dt.timedelta(days=program.follow_up_days)
        if intro_due(program, day, member.person) > now:
            continue
        # The whole match is asked at once, each member at their own local hour, so that in a
        # chat tool the question is posted once in the match's conversation, not once per zone.
        for sibling in first.filter(match_id=member.match_id):
            due = intro_due(program, day, sibling.person)
            sent += _ask(
                sibling, "follow_up_sent_at", now, again="", kind="connect.follow_up", due=due
            )
    reminders = unanswered.filter(
        follow_up_sent_at__lte=now - REMIND_AFTER,
        # not the backlog of follow-ups from before reminders existed, nor a stuck sweep's
        follow_up_sent_at__gt=now - REMIND_AFTER - REMINDER_WINDOW,
        reminded_at__isnull=True,
        reask_at=None,
    )
    for member in reminders:
        sent += _ask(member, "reminded_at", now, again="reminder", kind="connect.reminder")
    reasks = unanswered.filter(reask_at__lte=now, reasked_at__isnull=True)
    for member in reasks:
        sent += _ask(member, "reasked_at", now, again="once_more", kind="connect.reask")
    return sent


def _ask(
    member: MatchMember,
    claim_field: str,
    now: dt.datetime,
    *,
    again: str,
    kind: str,
    due: dt.datetime | None = None,
) -> int:
    claimed = MatchMember.objects.filter(pk=member.pk, **{f"{claim_field}__isnull": True}).update(
        **{claim_field: now}
    )
    if not claimed:
        return 0
    program = member.match.program
    others = [m.person for m in member.match.members.all() if m.pk != member.pk]
    with messages.in_language_of(member.person):
        words = {"names": messages.names(others)}
        subject = {
            "reminder": _("Reminder: Did you meet %(names)s?"),
            "once_more": _("Once more: Did you meet %(names)s?"),
        }.get(again, _("Did you meet %(names)s?")) % words
        body = messages.follow_up_body(
            program=program, reader=member.person, others=others, match_id=member.match_id
        )
    notification_send(
        person=member.person,
        subject=subject,
        body=body,
        url=messages.match_path(member.match_id),
        kind=kind,
        group=messages.group_key(member.match_id),
        due=due,
        now=now,
    )
    return 1


def rounds_run_due(*, now: dt.datetime | None = None) -> list[Round]:
    """Draw every active program's round whose draw time has come (the scheduler's job)."""
    from kith.connect.engine.cadence import draw_time
    from kith.connect.selectors import next_round_date

    now = now or timezone.now()
    drawn = []
    for program in Program.objects.filter(
        is_active=True, starts_on__lte=now.date() + dt.timedelta(days=2)
    ):
        date = next_round_date(program, today=now.date())
        if draw_time(date) > now:
            continue
        try:
            drawn.append(round_run(program=program, round_date=date, now=now))
        except (RoundAlreadyDrawn, RoundPaused):
            continue  # drawn meanwhile, or a wellness week announced meanwhile
        except Exception:
            # One broken program must not hold up every other program's round.
            log.exception("could not draw round %s of program %s", date, program.pk)
    return drawn
