"""A small organisation with known group sizes, for Pulse tests (unit and browser).

Engineering (5 people directly in it) ├ Platform (7) └ Data (3). Maya Jackson sits in
Engineering and manages everyone in Platform and Data; People has the HR admin.
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
