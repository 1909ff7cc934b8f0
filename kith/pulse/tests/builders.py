"""Small organisations with known group sizes, for Pulse tests (unit and browser).

`build_org`: Engineering (5 people directly in it) ├ Platform (7) └ Data (3). Maya Jackson
sits in Engineering and manages everyone in Platform and Data; People has the HR admin.

`build_varied_org`: teams of many sizes (1 to 12) with countries and tenure bands that
overlap unevenly, for storage and attack tests (see its docstring).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kith.directory.models import OrgUnit, Person
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.pulse import services
from kith.pulse.models import Campaign, Invitation, Wave


@dataclass
class PulseOrg:
    engineering: OrgUnit
    platform: OrgUnit
    data: OrgUnit
    manager: Person
    platform_people: list[Person]
    data_people: list[Person]
    direct_people: list[Person]
    hr: Person


def build_org() -> PulseOrg:
    engineering = OrgUnitFactory(name="Engineering", kind="department")
    platform = OrgUnitFactory(name="Platform", parent=engineering)
    data = OrgUnitFactory(name="Data", parent=engineering)
    people_dept = OrgUnitFactory(name="People", kind="department")
    manager = PersonFactory(
        full_name="Maya Jackson", email="maya@example.com", org_unit=engineering
    )
    platform_people = [
        PersonFactory(full_name=f"Platform Person{i}", org_unit=platform, manager=manager)
        for i in range(7)
    ]
    data_people = [
        PersonFactory(full_name=f"Data Person{i}", org_unit=data, manager=manager) for i in range(3)
    ]
    direct = [PersonFactory(full_name=f"Staff Person{i}", org_unit=engineering) for i in range(4)]
    hr = PersonFactory(
        full_name="Jasmine Garcia", email="jasmine@example.com", org_unit=people_dept
    )
    direct_people: list[Person] = [manager, *direct]  # type: ignore[list-item]
    return PulseOrg(
        engineering, platform, data, manager, platform_people, data_people, direct_people, hr
    )


def campaign(
    actor,
    *,
    today: dt.date,
    instruments=("edmondson", "enps"),
    attributes=(),
    questions=(),
    min_group: int = 5,
    min_comment_group: int = 10,
) -> Campaign:
    return services.campaign_save(
        campaign=None,
        fields={
            "name": "Team pulse",
            "instruments": list(instruments),
            "attributes": list(attributes),
            "opens_on": today,
            "closes_on": today + dt.timedelta(days=7),
            "min_group": min_group,
            "min_comment_group": min_comment_group,
        },
        org_units=[],
        questions=list(questions),
        actor=actor,
    )


def answer_all(
    wave: Wave,
    people: list[Person],
    *,
    answers: dict | None = None,
    texts: dict | None = None,
    today: dt.date | None = None,
) -> None:
    default = {i["key"]: i["options"][-1][0] for i in wave.items if i["kind"] != "text"}
    for person in people:
        token = Invitation.objects.get(wave=wave, person=person).token
        services.answer_submit(
            token=token, answers=answers or default, texts=texts or {}, today=today or wave.opens_on
        )


# (department, team or None for people directly in the department, size)
VARIED_TEAMS = [
    ("Product", None, 2),
    ("Product", "Design", 3),
    ("Product", "Growth", 8),
    ("Product", "Apps", 12),
    ("Sales", "EMEA", 6),
    ("Sales", "Americas", 2),
    ("Finance", None, 4),
    ("Support", "Tier 1", 1),
    ("Support", "Tier 2", 9),
]
VARIED_COUNTRIES = ["PT", "PT", "ES", "DE", "PT", "US", "ES", "PT", "IS"]  # one Icelander
VARIED_TENURE_DAYS = [100, 800, 2000, 400, 3000, 1500, 250]


@dataclass
class VariedOrg:
    units: dict[str, OrgUnit]  # by team name (or department name for its direct people)
    people: list[Person]  # everyone but HR, team by team
    hr: Person


def build_varied_org(today: dt.date) -> VariedOrg:
    """47 people in 9 teams of 1 to 12 under four departments, plus HR in People; countries
    and tenure bands cycle at different lengths, so most (team, country, tenure) groups hold
    one or two people: the case where storing true codes would name them."""
    units: dict[str, OrgUnit] = {}
    people: list[Person] = []
    for department, team, size in VARIED_TEAMS:
        if department not in units:
            units[department] = OrgUnitFactory.create(name=department, kind="department")
        unit = units[department]
        if team is not None:
            unit = units[team] = OrgUnitFactory.create(name=team, parent=units[department])
        for _ in range(size):
            i = len(people)
            people.append(
                PersonFactory.create(
                    full_name=f"{team or department} Member{i}",
                    org_unit=unit,
                    country=VARIED_COUNTRIES[i % len(VARIED_COUNTRIES)],
                    start_date=today - dt.timedelta(days=VARIED_TENURE_DAYS[i % 7]),
                )
            )
    people_dept = OrgUnitFactory.create(name="People", kind="department")
    hr = PersonFactory.create(
        full_name="Hana Reyes", email="hana@example.com", org_unit=people_dept
    )
    return VariedOrg(units, people, hr)
