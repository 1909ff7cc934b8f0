"""Every read the Connect pages and API return, already authorised for the viewer."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kith.connect.engine.cadence import round_date_on_or_after
from kith.connect.models import (
    DoNotPair,
    Match,
    MatchMember,
    Participation,
    Program,
    Round,
    Unmatched,
)
from kith.core import boundaries
from kith.core.dates import org_today, seen_today
from kith.core.permissions import Viewer, can_manage_programs, can_view_match, require
from kith.directory.models import Person


def audience_people(program: Program) -> QuerySet[Person]:
    """Active people the program is for, before anyone's own choices."""
    people = Person.objects.filter(is_active=True)
    if program.audience == Program.Audience.ORG_UNITS:
        paths = list(program.org_units.values_list("path", flat=True))
        if not paths:
            return people.none()
        people = people.filter(reduce(or_, (Q(org_unit__path__startswith=p) for p in paths)))
    elif program.audience == Program.Audience.LIST:
        people = people.filter(participations__program=program)
    return people


def is_in_audience(program: Program, person: Person) -> bool:
    """Whether `audience_people(program)` holds the person, read from the person's row (the
    viewer's comes with its team) and the program's teams (prefetched for a list of programs),
    so a page listing programs asks nothing more per program."""
    if not person.is_active:
        return False
    if program.audience != Program.Audience.ORG_UNITS:
        return True  # everyone, and an opt-in list is open to every active colleague
    unit = person.org_unit
    return unit is not None and any(unit.path.startswith(u.path) for u in program.org_units.all())


@dataclass
class Eligibility:
    people: list[Person]
    excluded: list[tuple[Person, str]] = field(default_factory=list)


def eligible_for_round(program: Program, round_date: dt.date) -> Eligibility:
    """Who a round may match, and who it leaves out on purpose (and why)."""
    people = audience_people(program).select_related("org_unit")
    standing = {p.person_id: p for p in Participation.objects.filter(program=program)}
    result = Eligibility(people=[])
    for person in people.order_by("id"):
        row = standing.get(person.pk)
        if row is None:
            if program.join_mode == Program.JoinMode.OPT_OUT:
                result.people.append(person)
            continue
        if row.status == Participation.Status.LEFT:
            continue
        if row.paused_until and row.paused_until >= round_date:
            day = date_format(row.paused_until, "j F Y")
            result.excluded.append((person, _("paused until %(day)s") % {"day": day}))
        elif row.needs_confirmation:
            result.excluded.append((person, _("asked whether they still want intros")))
        else:
            result.people.append(person)
    return result


def next_round_date(program: Program, today: dt.date | None = None) -> dt.date:
    """The next date without a drawn round, from today on, outside every wellness week (the
    organisation has logged off: no round is drawn with a date inside one)."""
    return next_round_dates([program], today)[program.pk]


def next_round_dates(
    programs: Sequence[Program], today: dt.date | None = None
) -> dict[int, dt.date]:
    """`next_round_date` of each program (by id), the drawn rounds read in one query."""
    day = today or org_today()
    drawn: dict[int, set[dt.date]] = defaultdict(set)
    rounds = Round.objects.filter(program__in=[p.pk for p in programs], scheduled_for__gte=day)
    for program_id, date in rounds.values_list("program_id", "scheduled_for"):
        drawn[program_id].add(date)
    paused: dict[dt.date, bool] = {}  # programs on the same weekday ask once
    found = {}
    for program in programs:
        start = day
        while True:
            date = round_date_on_or_after(
                start,
                starts_on=program.starts_on,
                weekday=program.weekday,
                cadence=program.cadence,  # type: ignore[arg-type]
            )
            if date not in drawn[program.pk]:
                if date not in paused:
                    paused[date] = boundaries.organisation_paused_on(date)
                if not paused[date]:
                    found[program.pk] = date
                    break
            start = date + dt.timedelta(days=1)
    return found


def skipped_for_wellness(
    program: Program, today: dt.date | None = None, *, upcoming: dt.date | None = None
) -> list[dt.date]:
    """Round dates before the next one that a wellness week skips (said on the program page).
    `upcoming`: next_round_date(program, today), when the caller has it already."""
    day = today or org_today()
    upcoming = upcoming or next_round_date(program, day)
    skipped = []
    while day < upcoming:
        date = round_date_on_or_after(
            day,
            starts_on=program.starts_on,
            weekday=program.weekday,
            cadence=program.cadence,  # type: ignore[arg-type]
        )
        if date >= upcoming:
            break
        if boundaries.organisation_paused_on(date):
            skipped.append(date)
        day = date + dt.timedelta(days=1)
    return skipped


@dataclass
class MyStanding:
    in_audience: bool
    taking_part: bool
    paused_until: dt.date | None = None
    needs_confirmation: bool = False
    role: str = ""
    capacity: int = 0
    topics: list[str] = field(default_factory=list)

    @property
    def is_paused(self) -> bool:
        return self.paused_until is not None and self.paused_until >= timezone.localdate()

    @property
    def label(self) -> str:
        if not self.in_audience:
            return _("Not open to you")
        if not self.taking_part:
            return _("Not taking part")
        if self.needs_confirmation:
            return _("Waiting for your answer")
        if self.is_paused:
            assert self.paused_until is not None
            return _("Paused until %(day)s") % {"day": date_format(self.paused_until, "j M")}
        return _("Taking part")


def standing_of(program: Program, person: Person | None) -> MyStanding:
    if person is None or not person.is_active:
        return MyStanding(in_audience=False, taking_part=False)
    row = Participation.objects.filter(program=program, person=person).first()
    return _standing(program, person, row)


def _standing(program: Program, person: Person, row: Participation | None) -> MyStanding:
    in_audience = is_in_audience(program, person)
    if row is None:
        taking_part = in_audience and program.join_mode == Program.JoinMode.OPT_OUT
        return MyStanding(in_audience=in_audience, taking_part=taking_part)
    return MyStanding(
        in_audience=in_audience,
        taking_part=in_audience and row.status == Participation.Status.ACTIVE,
        paused_until=row.paused_until,
        needs_confirmation=row.needs_confirmation,
        role=row.role,
        capacity=row.capacity,
        topics=list(row.topics),
    )


@dataclass
class ProgramCard:
    program: Program
    standing: MyStanding
    next_round: dt.date
    skipped_for_wellness: list[dt.date] = field(default_factory=list)


def programs_for_viewer(viewer: Viewer) -> list[ProgramCard]:
    """Active programs open to the viewer (all of them for HR), with where they stand: a
    fixed number of queries however many programs there are."""
    programs = list(Program.objects.filter(is_active=True).prefetch_related("org_units"))
    person = viewer.person
    rows: dict[int, Participation] = {}
    if person is not None and person.is_active:
        mine = Participation.objects.filter(person=person, program__in=[p.pk for p in programs])
        rows = {row.program_id: row for row in mine}
    standings = {
        p.pk: (
            _standing(p, person, rows.get(p.pk))
            if person is not None and person.is_active
            else MyStanding(in_audience=False, taking_part=False)
        )
        for p in programs
    }
    shown = [p for p in programs if standings[p.pk].in_audience or can_manage_programs(viewer)]
    dates = next_round_dates(shown)
    return [ProgramCard(p, standings[p.pk], dates[p.pk]) for p in shown]


def programs_to_manage() -> list[tuple[Program, dt.date, int]]:
    """HR's list: every program (active first), its next round and how many were drawn."""
    programs = list(Program.objects.annotate(drawn=Count("rounds")).order_by("-is_active", "name"))
    dates = next_round_dates(programs)
    return [(p, dates[p.pk], p.drawn) for p in programs]


MAX_ID = 2**63 - 1  # ids live in 64-bit columns; a larger one names nothing


def program_for_viewer(viewer: Viewer, program_id: int) -> ProgramCard | None:
    if not 0 < program_id <= MAX_ID:
        return None
    program = Program.objects.filter(pk=program_id).first()
    if program is None or not (program.is_active or can_manage_programs(viewer)):
        return None
    standing = standing_of(program, viewer.person)
    if not (standing.in_audience or standing.taking_part or can_manage_programs(viewer)):
        return None
    today = org_today()
    upcoming = next_round_date(program, today)
    skipped = skipped_for_wellness(program, today, upcoming=upcoming)
    return ProgramCard(program, standing, upcoming, skipped)


@dataclass
class MatchView:
    match: Match
    me: MatchMember
    others: list[Person]
    scheduled_for: dt.date
    suggested_times: list[dt.datetime]

    @property
    def follow_up_open(self) -> bool:
        return not self.me.met


def _match_views(rows: list[MatchMember]) -> list[MatchView]:
    match_ids = [r.match_id for r in rows]
    others: dict[int, list[Person]] = defaultdict(list)
    members = MatchMember.objects.filter(match_id__in=match_ids).select_related("person__org_unit")
    for m in members.order_by("person__full_name"):
        others[m.match_id].append(m.person)
    views = []
    for row in rows:
        times = [dt.datetime.fromisoformat(t) for t in row.match.suggested_times]
        people = [p for p in others[row.match_id] if p.pk != row.person_id]
        views.append(MatchView(row.match, row, people, row.match.round.scheduled_for, times))
    return views


def matches_for_viewer(viewer: Viewer, *, limit: int = 50) -> list[MatchView]:
    """My matches, newest first. Intros show once their date has come."""
    if viewer.person is None:
        return []
    rows = (
        MatchMember.objects.filter(
            person=viewer.person, match__round__scheduled_for__lte=seen_today()
        )
        .select_related("match__round", "match__program")
        .order_by("-match__round__scheduled_for", "-match_id")[:limit]
    )
    return _match_views(list(rows))


def match_for_viewer(viewer: Viewer, match_id: int) -> MatchView | None:
    if viewer.person is None or not 0 < match_id <= MAX_ID:
        return None
    row = (
        MatchMember.objects.filter(
            match_id=match_id,
            person=viewer.person,
            match__round__scheduled_for__lte=seen_today(),
        )
        .select_related("match__round", "match__program")
        .first()
    )
    if row is None:
        return None
    view = _match_views([row])[0]
    require(can_view_match(viewer, {viewer.person.pk, *(p.pk for p in view.others)}))
    return view


# Fewer "did you meet?" answers than this in a round are not shown (DESIGN §4's k).
MIN_ANSWERS = 5


@dataclass
class RoundStats:
    round: Round
    participants: int
    matched: int
    unmatched: int
    groups: int
    cross_team_share: float
    repeats: int
    new_connections: int
    answered: int | None  # None: fewer than MIN_ANSWERS, withheld
    met: int | None

    @property
    def meet_rate(self) -> float | None:
        if self.answered is None or self.met is None or not self.answered:
            return None
        return self.met / self.answered


def program_stats_for_viewer(
    viewer: Viewer, program: Program, *, limit: int = 26
) -> list[RoundStats]:
    """Per-round statistics, oldest first: aggregates only, never who met whom."""
    require(can_manage_programs(viewer), _("Only HR admins can see a program's statistics."))
    rounds = list(
        program.rounds.annotate(
            answered=Count("matches__members", filter=~Q(matches__members__met="")),
            met=Count("matches__members", filter=Q(matches__members__met=MatchMember.Met.YES)),
        ).order_by("-scheduled_for")[:limit]
    )
    out = []
    for r in reversed(rounds):
        s = r.stats
        out.append(
            RoundStats(
                round=r,
                participants=int(s.get("participants", 0)),
                matched=int(s.get("matched", 0)),
                unmatched=int(s.get("unmatched", 0)),
                groups=int(s.get("groups", 0)),
                cross_team_share=float(s.get("cross_team_share", 0.0)),
                repeats=int(s.get("repeats", 0)),
                new_connections=int(s.get("new_connections", 0)),
                # A handful of answers would say whether named people met: withhold them.
                answered=r.answered if r.answered >= MIN_ANSWERS else None,
                met=r.met if r.answered >= MIN_ANSWERS else None,
            )
        )
    return out


def do_not_pair_for_viewer(viewer: Viewer) -> list[Person]:
    if viewer.person is None:
        return []
    return list(
        Person.objects.filter(
            pk__in=DoNotPair.objects.filter(person=viewer.person).values("other_id")
        ).order_by("full_name")
    )


def my_connect_data(person: Person) -> dict[str, object]:
    """The Connect part of a person's own data export: everything held about them."""
    return {
        "programs": list(
            Participation.objects.filter(person=person).values(
                "program__name",
                "status",
                "paused_until",
                "needs_confirmation",
                "role",
                "capacity",
                "topics",
                "joined_at",
            )
        ),
        "do_not_pair": list(
            DoNotPair.objects.filter(person=person).values("other__full_name", "created_at")
        ),
        "matches": [
            {
                "program": v.match.program.name,
                "date": v.scheduled_for,
                "with": [p.display_name for p in v.others],
                "why": v.match.explanation,
                "suggested_times": [t.isoformat() for t in v.suggested_times],
                "your_role": v.me.role,
                "met": v.me.met,
                "confirmed_at": v.me.confirmed_at,
                "declined_at": v.me.declined_at,
            }
            for v in _match_views(
                list(
                    MatchMember.objects.filter(person=person).select_related(
                        "match__round", "match__program"
                    )
                )
            )
        ],
        "rounds_without_a_match": list(
            Unmatched.objects.filter(person=person).values(
                "round__program__name", "round__scheduled_for", "detail"
            )
        ),
    }
