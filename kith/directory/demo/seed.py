"""A believable fictional organisation, built deterministically from a seed.

Departments with teams (and areas between them when a department is large, so no manager's
span runs wild), managers with spans of 3-15 and a few wider, people in 26 cities on five
continents with the time zones the geocoder gives their city, offices in some cities and none
in others, contractors and freelancers, interests and skills, and new joiners this month.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction

from kith.accounts.models import User
from kith.accounts.services import users_sync_from_people
from kith.core.permissions import AMBASSADORS_GROUP, HR_ADMINS_GROUP
from kith.directory.demo import data
from kith.directory.demo.rows import insert_rows
from kith.directory.engine.geocoding import Geocoder, Place
from kith.directory.engine.text import fold, search_text_for, slugify_tag
from kith.directory.models import Office, OrgUnit, Person, Tag

DEMO_PASSWORD = "kith-demo-2026"
EMAIL_DOMAIN = "example.com"
TEAM_SPAN = (3, 14)
WIDE_SPAN = (16, 22)
MAX_SPAN = 12  # most items a head or director manages before an area layer is added

Progress = Callable[[str, int, int], None]


@dataclass
class UnitSpec:
    name: str
    kind: str
    parent: UnitSpec | None
    obj: OrgUnit | None = None


@dataclass
class PersonSpec:
    unit: UnitSpec
    manager: PersonSpec | None
    department: str
    role: str  # ceo, head, director, lead, member
    obj: Person | None = None
    reports: int = 0


@dataclass
class Team:
    name: str
    size: int


@dataclass
class Area:
    name: str
    items: list[Team | Area] = field(default_factory=list)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    email: str
    password: str


@dataclass(frozen=True)
class DemoResult:
    people: int
    org_units: int
    offices: int
    logins: list[DemoLogin]


def _split_sizes(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of `total` by weights, each part at least 1 when possible."""
    raw = [total * w / sum(weights) for w in weights]
    sizes = [max(1, math.floor(x)) if total >= len(weights) else math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - math.floor(raw[i]), reverse=True)
    i = 0
    while sum(sizes) < total:
        sizes[order[i % len(order)]] += 1
        i += 1
    while sum(sizes) > total:
        biggest = max(range(len(sizes)), key=lambda k: sizes[k])
        sizes[biggest] -= 1
    return sizes


def _areas_needed(items: int) -> int:
    return 0 if items <= MAX_SPAN else math.ceil(items / 8) + _areas_needed(math.ceil(items / 8))


def _team_sizes(rng: random.Random, members: int) -> list[int]:
    """Split `members` (leads, directors and team members) into teams; returns member counts."""
    teams = max(1, members // 9)
    while teams > 1:
        rest = members - teams - _areas_needed(teams)
        if rest >= TEAM_SPAN[0] * teams:
            break
        teams -= 1
    while members - teams - _areas_needed(teams) > TEAM_SPAN[1] * teams:
        teams += 1
    rest = members - teams - _areas_needed(teams)
    caps = [WIDE_SPAN[1] if rng.random() < 0.04 else TEAM_SPAN[1] for _ in range(teams)]
    sizes = [min(TEAM_SPAN[0], rest // teams)] * teams
    left = rest - sum(sizes)
    # Each member goes to a random team below its cap (any team once all are full). The
    # list of open teams is kept in order as teams fill, not rebuilt for every member.
    open_teams = [i for i in range(teams) if sizes[i] < caps[i]]
    while left > 0:
        choice = rng.choice(open_teams or range(teams))
        sizes[choice] += 1
        if open_teams and sizes[choice] >= caps[choice]:
            open_teams.remove(choice)
        left -= 1
    return sizes


def _group(items: list[Team | Area], names: Iterator[str]) -> list[Team | Area]:
    while len(items) > MAX_SPAN:
        chunks = math.ceil(len(items) / 8)
        # Even chunks (sizes differ by one at most), so no director is left with one team.
        bounds = [round(i * len(items) / chunks) for i in range(chunks + 1)]
        items = [Area(next(names), items[a:b]) for a, b in itertools.pairwise(bounds)]
    return items


def _area_names() -> Iterator[str]:
    round_ = 1
    while True:
        for name in data.AREA_NAMES:
            yield name if round_ == 1 else f"{name} {round_}"
        round_ += 1


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.units: list[UnitSpec] = []
        self.people: list[PersonSpec] = []

    def unit(self, name: str, kind: str, parent: UnitSpec | None) -> UnitSpec:
        spec = UnitSpec(name, kind, parent)
        self.units.append(spec)
        return spec

    def person(
        self, unit: UnitSpec, manager: PersonSpec | None, dept: str, role: str
    ) -> PersonSpec:
        spec = PersonSpec(unit, manager, dept, role)
        if manager is not None:
            manager.reports += 1
        self.people.append(spec)
        return spec

    def department(self, name: str, size: int, ceo: PersonSpec) -> None:
        unit = self.unit(name, OrgUnit.Kind.DEPARTMENT, None)
        head = self.person(unit, ceo, name, "head")
        members = size - 1
        if members <= TEAM_SPAN[1]:
            for _ in range(members):
                self.person(unit, head, name, "member")
            return
        base_names = data.DEPARTMENTS[name][1]
        teams: list[Team] = []
        for i, n in enumerate(_team_sizes(self.rng, members)):
            suffix = f" {i // len(base_names) + 1}" if i >= len(base_names) else ""
            teams.append(Team(base_names[i % len(base_names)] + suffix, n))
        items = _group(list(teams), _area_names())
        # A head with only one or two teams or areas below also keeps a few people of their
        # own, so every manager coaches at least three.
        for _ in range(max(0, 3 - len(items))):
            biggest = max(teams, key=lambda t: t.size)
            if biggest.size > TEAM_SPAN[0]:
                biggest.size -= 1
                self.person(unit, head, name, "member")
        self.emit(items, unit, head, name)

    def emit(
        self, items: list[Team | Area], parent: UnitSpec, manager: PersonSpec, dept: str
    ) -> None:
        for item in items:
            if isinstance(item, Team):
                unit = self.unit(item.name, OrgUnit.Kind.TEAM, parent)
                lead = self.person(unit, manager, dept, "lead")
                for _ in range(item.size):
                    self.person(unit, lead, dept, "member")
            else:
                unit = self.unit(item.name, OrgUnit.Kind.UNIT, parent)
                director = self.person(unit, manager, dept, "director")
                self.emit(item.items, unit, director, dept)


def plan_organisation(rng: random.Random, people: int) -> _Builder:
    builder = _Builder(rng)
    executive = builder.unit("Executive Office", OrgUnit.Kind.DEPARTMENT, None)
    ceo = builder.person(executive, None, "Executive Office", "ceo")
    names = list(data.DEPARTMENTS)
    if people > 1:
        sizes = _split_sizes(people - 1, [data.DEPARTMENTS[n][0] for n in names])
        for name, size in zip(names, sizes, strict=True):
            if size > 0:
                builder.department(name, size, ceo)
    return builder


_ASCII = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ı": "i"})


def _email_local(first: str, last: str) -> str:
    text = fold(f"{first}.{last}").translate(_ASCII)
    return re.sub(r"[^a-z0-9.]+", "", text.replace(" ", "").replace("-", ""))


class _PeopleMaker:
    def __init__(
        self, rng: random.Random, places: list[tuple[Place, str, int]], today: dt.date
    ) -> None:
        self.rng = rng
        self.places = places
        self.weights = [w for _, _, w in places]
        self.today = today
        self.used_emails: dict[str, int] = {}
        self.serial = 0

    def email(self, first: str, last: str) -> str:
        base = _email_local(first, last)
        n = self.used_emails.get(base, 0) + 1
        self.used_emails[base] = n
        return f"{base}{n if n > 1 else ''}@{EMAIL_DOMAIN}"

    def start_date(self, role: str) -> dt.date:
        rng = self.rng
        if role == "ceo":
            return self.today - dt.timedelta(days=365 * 9 + 40)
        if role == "member" and rng.random() < 0.035:
            return self.today - dt.timedelta(days=rng.randint(0, self.today.day - 1))
        days = int(rng.expovariate(1 / 800)) + (500 if role != "member" else 30)
        return self.today - dt.timedelta(days=min(days, 365 * 12))

    def title(self, spec: PersonSpec) -> str:
        if spec.role == "ceo":
            return "Chief Executive Officer"
        stem = data.DEPARTMENTS[spec.department][3]
        if spec.role == "head":
            return f"VP, {spec.department}"
        if spec.role == "director":
            return f"Director, {spec.unit.name}"
        if spec.role == "lead":
            return (
                "Engineering Manager"
                if spec.department == "Engineering"
                else f"{spec.unit.name} Lead"
            )
        level = self.rng.choices(["Associate ", "", "Senior ", "Staff "], weights=[15, 45, 30, 10])[
            0
        ]
        return f"{level}{stem}"

    def make(self, spec: PersonSpec) -> tuple[Person, list[str], list[str]]:
        rng = self.rng
        place, culture, _ = rng.choices(self.places, weights=self.weights)[0]
        firsts, lasts = data.NAMES[culture]
        first, last = rng.choice(firsts), rng.choice(lasts)
        full_name = f"{first} {last}"
        self.serial += 1
        employment = Person.EmploymentType.EMPLOYEE
        if spec.role == "member":
            employment = rng.choices(
                [
                    Person.EmploymentType.EMPLOYEE,
                    Person.EmploymentType.CONTRACTOR,
                    Person.EmploymentType.FREELANCER,
                ],
                weights=[88, 8, 4],
            )[0]
        start_h = rng.choices([8, 9, 10], weights=[25, 55, 20])[0]
        days = [1, 2, 3, 4] if rng.random() < 0.08 else [1, 2, 3, 4, 5]
        if place.country in {"EG"}:
            days = [7, 1, 2, 3, 4]  # Sunday to Thursday
        interests = rng.sample(data.INTERESTS, rng.randint(1, 5))
        dept_skills = data.DEPARTMENTS.get(spec.department, (0, [], ["Leadership"], ""))[2]
        skills = rng.sample(dept_skills, min(len(dept_skills), rng.randint(1, 4)))
        title = self.title(spec)
        bio = ""
        if rng.random() < 0.6:
            bio = rng.choice(data.BIOS).format(
                interest=interests[0],
                interest_lc=interests[0].lower(),
                skill=skills[0],
                team=spec.unit.name,
                city=place.city,
            )
        nickname = data.NICKNAMES.get(first)
        preferred = f"{nickname} {last}" if nickname and rng.random() < 0.5 else ""
        person = Person(
            employee_id=f"E{100000 + self.serial}",
            full_name=full_name,
            preferred_name=preferred,
            pronouns=rng.choice(data.PRONOUNS) if rng.random() < 0.4 else "",
            email=self.email(first, last),
            title=title,
            employment_type=employment,
            start_date=self.start_date(spec.role),
            city=place.city,
            country=place.country,
            latitude=place.latitude,
            longitude=place.longitude,
            timezone=place.timezone,
            work_start=dt.time(start_h),
            work_end=dt.time(start_h + 8),
            work_days=days,
            languages=list(data.LANGUAGES[culture]),
            bio=bio,
            search_text=search_text_for(
                full_name,
                preferred,
                title,
                spec.unit.name,
                place.city,
                *sorted(interests + skills),
            ),
        )
        return person, interests, skills


def _resolve_cities(geocoder: Geocoder) -> list[tuple[Place, str, int, int]]:
    resolved = []
    for city, country, region, culture, weight, capacity in data.CITIES:
        resolved.append((geocoder.resolve(city, country, region), culture, weight, capacity))
    return resolved


def _save_units(units: list[UnitSpec]) -> None:
    """The tree in one pass, with ids as saving them one by one would give (parents come
    before children in `units`), so each path ("1.7.42.") is known before it is written."""
    objs = [OrgUnit(name=spec.name, kind=spec.kind) for spec in units]
    for spec, unit in zip(units, objs, strict=True):
        spec.obj = unit
    OrgUnit.objects.bulk_create(objs[:1])
    _number_after(objs)
    for spec, unit in zip(units, objs, strict=True):
        parent = spec.parent.obj if spec.parent else None
        unit.parent = parent
        unit.path = f"{parent.path if parent else ''}{unit.pk}."
        unit.depth = unit.path.count(".") - 1
    OrgUnit.objects.filter(pk=objs[0].pk).update(path=objs[0].path, depth=objs[0].depth)
    OrgUnit.objects.bulk_create(objs[1:], batch_size=2000)
    _sequence_past(OrgUnit)


def _number_after(objs: list[OrgUnit] | list[Person]) -> None:
    """Ids for all but the first (saved already): those that follow it, as one bulk insert
    into an empty table would give them."""
    for offset, obj in enumerate(objs[1:], start=1):
        obj.pk = objs[0].pk + offset


def _sequence_past(model: type[OrgUnit] | type[Person]) -> None:
    """PostgreSQL: move the id sequence past ids written explicitly (SQLite does itself)."""
    reset = connection.ops.sequence_reset_sql(no_style(), [model])
    if reset:
        with connection.cursor() as cursor:
            for sql in reset:
                cursor.execute(sql)


def _save_people(specs: list[PersonSpec]) -> None:
    """Everyone with their manager in one pass. The first person (the CEO, who has none) is
    written first and the rest take the ids that follow, so each manager's id is known
    before their reports are written (managers come first in `specs`) and no second pass
    over 100,000 rows sets them."""
    people = [s.obj for s in specs if s.obj is not None]
    Person.objects.bulk_create(people[:1])
    _number_after(people)
    for spec in specs:
        if spec.manager is not None and spec.obj is not None:
            spec.obj.manager = spec.manager.obj
    Person.objects.bulk_create(people[1:], batch_size=2000)
    _sequence_past(Person)


def _save_tags(pairs: list[tuple[Person, list[str], list[str]]]) -> None:
    names = {
        (kind, n) for _, i, s in pairs for kind, ns in (("interest", i), ("skill", s)) for n in ns
    }
    Tag.objects.bulk_create(
        [Tag(kind=k, name=n, slug=slugify_tag(n)) for k, n in sorted(names)], ignore_conflicts=True
    )
    by_slug = {(t.kind, t.slug): t.pk for t in Tag.objects.all()}
    tag_ids = {(kind, n): by_slug[(kind, slugify_tag(n))] for kind, n in names}
    # Half a million rows at 100,000 people: plain INSERTs (no names repeat within a
    # person's interests or skills, so no pair repeats).
    rows = [
        (p.pk, tag_ids[(kind, n)])
        for p, interests, skills in pairs
        for kind, ns in (("interest", interests), ("skill", skills))
        for n in ns
    ]
    insert_rows(Person.tags.through, ["person", "tag"], rows)


def _pick(specs: list[PersonSpec], test: Callable[[PersonSpec], bool]) -> PersonSpec | None:
    return next((s for s in specs if test(s)), None)


def _demo_logins(builder: _Builder) -> list[DemoLogin]:
    people = builder.people
    lisbon = "Lisbon"
    employee = (
        _pick(
            people,
            lambda s: (
                s.role == "member"
                and s.department == "Engineering"
                and s.obj is not None
                and s.obj.city == lisbon
            ),
        )
        or _pick(people, lambda s: s.role == "member")
        or people[-1]
    )
    manager = (
        _pick(people, lambda s: s.role == "lead" and s.reports >= 3)
        or _pick(people, lambda s: s.reports > 0)
        or people[0]
    )
    hr = (
        _pick(people, lambda s: s.department == "People" and s.role == "member")
        or _pick(people, lambda s: s.department == "People")
        or people[0]
    )
    chosen = [("Employee", employee), ("Manager", manager), ("HR admin", hr)]
    logins = []
    for role, spec in chosen:
        assert spec.obj is not None
        logins.append(DemoLogin(role, spec.obj.display_name, spec.obj.email, DEMO_PASSWORD))
    return logins


@transaction.atomic
def seed_demo_organisation(
    *,
    people: int = 300,
    seed: int = 1,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    if people < 1:
        raise ValueError("--people must be at least 1")
    rng = random.Random(seed)
    today = today or dt.date.today()  # noqa: DTZ011 - the organisation's calendar day
    report = progress or (lambda stage, done, total: None)
    cities = _resolve_cities(Geocoder(settings.KITH_GEOCODER_MIN_POPULATION))
    offices = [
        Office(
            name=f"{place.city} office",
            city=place.city,
            country=place.country,
            latitude=place.latitude,
            longitude=place.longitude,
            timezone=place.timezone,
            capacity=capacity,
        )
        for place, _, _, capacity in cities
        if capacity
    ]
    Office.objects.bulk_create(offices)
    builder = plan_organisation(rng, people)
    _save_units(builder.units)
    maker = _PeopleMaker(rng, [(p, c, w) for p, c, w, _ in cities], today)
    made = []
    for i, spec in enumerate(builder.people):
        person, interests, skills = maker.make(spec)
        assert spec.unit.obj is not None
        person.org_unit = spec.unit.obj
        spec.obj = person
        made.append((person, interests, skills))
        if i % 5000 == 0:
            report("people", i, people)
    _save_people(builder.people)
    report("tags", 0, 1)
    _save_tags(made)
    report("logins", 0, 1)
    users_sync_from_people()
    logins = _demo_logins(builder)
    _set_up_demo_accounts(builder, logins)
    return DemoResult(len(builder.people), len(builder.units), len(offices), logins)


def _set_up_demo_accounts(builder: _Builder, logins: list[DemoLogin]) -> None:
    hr_group, _ = Group.objects.get_or_create(name=HR_ADMINS_GROUP)
    Group.objects.get_or_create(name=AMBASSADORS_GROUP)
    for login in logins:
        user = User.objects.get(email=login.email)
        user.set_password(login.password)
        user.save(update_fields=["password"])
        if login.role == "HR admin":
            user.groups.add(hr_group)
    head = _pick(builder.people, lambda s: s.department == "People" and s.role == "head")
    if head is not None and head.obj is not None:
        User.objects.get(email=head.obj.email).groups.add(hr_group)


def existing_demo_logins() -> list[DemoLogin]:
    """The demo accounts of an organisation seeded earlier (still on the demo password)."""
    found: dict[str, DemoLogin] = {}
    candidates = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}", is_active=True).exclude(
        password__startswith="!"
    )
    for user in candidates.prefetch_related("groups").order_by("id")[:20]:
        if not user.check_password(DEMO_PASSWORD):
            continue
        person = Person.objects.filter(email__iexact=user.email).first()
        if person is None:
            continue
        if any(g.name == HR_ADMINS_GROUP for g in user.groups.all()):
            role = "HR admin"
        elif person.reports.exists():
            role = "Manager"
        else:
            role = "Employee"
        found.setdefault(role, DemoLogin(role, person.display_name, user.email, DEMO_PASSWORD))
    return [found[r] for r in ("Employee", "Manager", "HR admin") if r in found]
