"""AI use and connection (kith/pulse/ai.py): heavier vs lighter AI users, published only
where no class of the wave's published cells holds 1..k-1 people on either side."""

from __future__ import annotations

import random

import pytest
from django.test import Client

from kith.core.dates import org_today
from kith.core.models import AuditEvent
from kith.directory.tests.factories import PersonFactory, login_for
from kith.pulse import ai, results, services
from kith.pulse.engine.instruments import AI_USAGE_ITEM, instrument
from kith.pulse.models import AICell, Invitation, Response, ResultCell, Wave
from kith.pulse.tests.builders import answer_all, build_org, build_varied_org, campaign

pytestmark = pytest.mark.django_db

AI_AND_CONNECTION = ("ai_connection", "connection")


def _answers(*, usage, burnt, trust, talk, goals) -> dict[str, int]:
    found = {f"ai_connection.{n}": 3 for n in range(1, 8)}
    found |= {f"connection.{n}": 3 for n in range(1, 5)}
    found |= {
        AI_USAGE_ITEM: usage,
        ai.BURNOUT_ITEM: burnt,
        ai.TRUST_ITEM: trust,
        ai.CONNECTION_ITEM: talk,
        ai.GOALS_ITEM: goals,
    }
    return found


def _wave(hr_person, *, attributes=(), instruments=AI_AND_CONNECTION) -> Wave:
    c = campaign(
        login_for(hr_person, hr=True),
        today=org_today(),
        instruments=instruments,
        attributes=attributes,
    )
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    return wave


def _client(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _index(wave: Wave, name: str) -> int:
    return next(i for i, u in enumerate(wave.units) if u[1] == name)


@pytest.fixture
def org():
    """build_org, with People grown to 6: Jasmine (HR), Priya who manages four colleagues."""
    org = build_org()
    people = org.hr.org_unit
    priya = PersonFactory(full_name="Priya Menon", email="priya@example.com", org_unit=people)
    org.people_team = [
        org.hr,
        priya,
        *(
            PersonFactory(full_name=f"People Person{i}", org_unit=people, manager=priya)
            for i in range(4)
        ),
    ]
    return org


def _answer_split(org, wave, *, platform_heavy: int) -> None:
    """Platform (7): the first `platform_heavy` use AI most days, 4 of the 7 are burnt out;
    Engineering's other 8 (direct and Data) are lighter users, 2 of them burnt out; 6 of the
    15 cannot relate their AI use to company goals."""
    platform = org.platform_people
    others = org.direct_people + org.data_people
    for i, person in enumerate(platform):
        usage = 5 if i < platform_heavy else 2
        answers = _answers(
            usage=usage, burnt=5 if i < 4 else 1, trust=4, talk=2, goals=1 if i < 3 else 4
        )
        answer_all(wave, [person], answers=answers)
    for i, person in enumerate(others):
        answers = _answers(
            usage=2, burnt=4 if i < 2 else 2, trust=1, talk=5, goals=2 if i < 3 else 5
        )
        answer_all(wave, [person], answers=answers)
    # People (6): lighter users, none burnt out, all relate AI to goals.
    answers = _answers(usage=1, burnt=1, trust=2, talk=4, goals=4)
    answer_all(wave, org.people_team, answers=answers)
    results.wave_results_compute(wave=wave)


def test_hand_computed_figures_for_the_organisation_and_a_large_unit(org):
    wave = _wave(org.hr)
    _answer_split(org, wave, platform_heavy=7)
    cells = {c.unit: c.figures for c in AICell.objects.filter(wave=wave)}
    engineering, people = _index(wave, "Engineering"), _index(wave, "People")
    # The organisation (depth 0), Engineering and People (depth 1); Platform (depth 2) is
    # published but not large.
    assert set(cells) == {0, engineering, people}
    figures = cells[engineering]
    assert figures["respondents"] == 15
    assert figures["usage_share"] == round(100 * 7 / 15, 1)
    assert figures["cannot_relate"] == 40.0  # 3 in Platform + 3 others disagree, of 15
    heavier, lighter = figures["split"]["heavier"], figures["split"]["lighter"]
    assert heavier["people"] == 7 and lighter["people"] == 8
    assert heavier["burnout"] == {"n": 7, "percent": round(100 * 4 / 7, 1)}
    assert lighter["burnout"] == {"n": 8, "percent": 25.0}
    assert heavier["trust_ai_over_colleagues"]["percent"] == 100.0
    assert lighter["trust_ai_over_colleagues"]["percent"] == 0.0
    assert heavier["connection"]["percent"] == 0.0
    assert lighter["connection"]["percent"] == 100.0
    whole = cells[0]
    assert whole["respondents"] == 21 and whole["cannot_relate"] == round(100 * 6 / 21, 1)
    assert whole["split"]["heavier"] == heavier  # every heavier user is in Platform
    assert whole["split"]["lighter"]["people"] == 14
    assert whole["split"]["lighter"]["burnout"] == {"n": 14, "percent": round(100 * 2 / 14, 1)}
    assert whole["split"]["lighter"]["connection"]["percent"] == 100.0
    assert cells[people]["split"]["heavier"] == {
        "people": 0,
        "burnout": None,
        "trust_ai_over_colleagues": None,
        "connection": None,
    }


def test_fewer_than_k_heavier_users_show_no_split(org):
    wave = _wave(org.hr)
    _answer_split(org, wave, platform_heavy=3)  # 3 heavier users in all, k = 5
    split = {r.unit: r.figures["split"] for r in AICell.objects.filter(wave=wave)}
    assert split[0] is None and split[_index(wave, "Engineering")] is None
    # People holds no heavier users at all: 0 is not a small group, so its split shows.
    assert split[_index(wave, "People")]["heavier"]["people"] == 0
    # The whole cell's own figures stay: they were published with the results.
    engineering = AICell.objects.get(wave=wave, unit=_index(wave, "Engineering"))
    assert engineering.figures["cannot_relate"] == 40.0
    html = _client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/ai/").content.decode()
    assert html.count("Heavier vs lighter users: withheld to protect a small group") == 2


def test_a_small_class_of_lighter_users_inside_a_published_team_withholds_the_split(org):
    # Platform is published on its own: its 2 lighter users would be the organisation's
    # lighter users minus Engineering's others, beside everyone's burnout in Platform.
    wave = _wave(org.hr)
    _answer_split(org, wave, platform_heavy=5)
    assert ResultCell.objects.filter(wave=wave, unit=_index(wave, "Platform"), attr=-1).exists()
    split = {r.unit: r.figures["split"] for r in AICell.objects.filter(wave=wave)}
    assert split[0] is None and split[_index(wave, "Engineering")] is None


def test_a_wave_without_the_usage_question_has_no_ai_figures(org):
    wave = _wave(org.hr)
    # A wave sent before version 2: the six original items only, still readable.
    wave.items = [i for i in wave.items if i["key"] != AI_USAGE_ITEM]
    wave.save(update_fields=["items"])
    everyone = org.platform_people + org.direct_people + org.data_people + org.people_team
    answer_all(wave, everyone)
    assert results.wave_results_compute(wave=wave) > 0
    assert not AICell.objects.filter(wave=wave).exists()
    org_cell = ResultCell.objects.get(wave=wave, unit=0, attr=-1)
    assert "ai_connection.6" in org_cell.items and AI_USAGE_ITEM not in org_cell.items
    assert _client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/ai/").status_code == 404
    assert "AI use and connection" not in (
        _client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/").content.decode()
    )


def test_the_usage_item_is_version_2_and_neutral():
    inst = instrument("ai_connection")
    assert inst.version == 2
    usage = inst.items[-1]
    assert usage.key == AI_USAGE_ITEM and usage.text == "I use AI tools in my work most days."
    assert not usage.has_favourable


def test_page_and_api_agree_and_are_audited(org):
    wave = _wave(org.hr)
    _answer_split(org, wave, platform_heavy=7)
    client = _client(org.hr, hr=True)
    html = client.get(f"/pulse/waves/{wave.pk}/ai/").content.decode()
    data = client.get(f"/api/v1/pulse/waves/{wave.pk}/ai").json()
    assert [g["group"] for g in data["groups"]] == [wave.units[0][1], "Engineering", "People"]
    for group in data["groups"]:
        assert f">{group['group']}</h2>" in html
        assert not group["split_withheld"]
        for line in group["figures"]:
            for side in (line["heavier"], line["lighter"]):
                assert f"{side:.0f}%" in html if side is not None else "withheld" in html
    burnout = data["groups"][1]["figures"][0]
    assert burnout == {
        "key": "burnout",
        "label": ai.FIGURE_LABELS["burnout"],
        "heavier": 57.1,
        "lighter": 25.0,
        "published": 88.0,
    }
    assert data["cannot_relate_published"] == 62.0
    assert "context, not targets" in html.lower()
    assert "40% cannot relate" in html
    assert (
        AuditEvent.objects.filter(action="pulse.ai_viewed", target=f"wave:{wave.pk}").count() == 2
    )
    results_page = client.get(f"/pulse/waves/{wave.pk}/").content.decode()
    assert f"/pulse/waves/{wave.pk}/ai/" in results_page


def test_who_sees_what(org):
    wave = _wave(org.hr)
    _answer_split(org, wave, platform_heavy=7)
    engineering, people = _index(wave, "Engineering"), _index(wave, "People")

    def units(person, *, hr=False):
        response = _client(person, hr=hr).get(f"/api/v1/pulse/waves/{wave.pk}/ai")
        return [g["unit"] for g in response.json()["groups"]] if response.status_code == 200 else []

    # Priya manages People (a large unit); Maya manages Platform and Data, which are not
    # large, so she sees the organisation, as an employee does.
    assert units(org.people_team[1]) == [0, people]
    assert units(org.manager) == [0]
    assert units(org.platform_people[0]) == [0]
    assert units(org.hr, hr=True) == [0, engineering, people]
    anonymous = Client().get(f"/api/v1/pulse/waves/{wave.pk}/ai")
    assert anonymous.status_code in (401, 403, 404)


def test_nothing_shows_before_the_wave_closes(org):
    wave = _wave(org.hr)
    assert _client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/ai/").status_code == 404


# --- brute force: exact sets over the stored responses ---------------------------------------


def _subtree(wave: Wave, unit: int) -> set[int]:
    inside = {unit}
    for index, (_id, _name, parent) in enumerate(wave.units):
        if parent in inside:
            inside.add(index)
    return inside


def _families(wave: Wave) -> list[frozenset[int]]:
    """Every population whose sums the wave publishes, as sets of response rows: each
    published cell's respondents, and for each shown split its heavier, lighter and
    (derivable) skipped users."""
    rows = list(Response.objects.filter(wave=wave).values_list("unit", "attrs", "values"))
    column = {item["key"]: i for i, item in enumerate(i for i in wave.items if i["kind"] != "text")}
    usage = [v[column[AI_USAGE_ITEM]] for _u, _a, v in rows]
    sets = []
    for cell in ResultCell.objects.filter(wave=wave):
        inside = _subtree(wave, cell.unit)
        members = frozenset(
            r
            for r, (unit, attrs, _v) in enumerate(rows)
            if unit in inside and (cell.attr < 0 or attrs[cell.attr] == cell.value)
        )
        assert len(members) == cell.respondents  # published cells are exact
        sets.append(members)
        split = AICell.objects.filter(wave=wave, unit=cell.unit).first()
        if cell.attr < 0 and split and split.figures["split"] is not None:
            heavier = frozenset(r for r in members if usage[r] is not None and usage[r] >= 4)
            lighter = frozenset(r for r in members if usage[r] is not None and usage[r] < 4)
            assert len(heavier) == split.figures["split"]["heavier"]["people"]
            assert len(lighter) == split.figures["split"]["lighter"]["people"]
            sets.extend([heavier, lighter, members - heavier - lighter])
    return sets


def _classes(sets: list[frozenset[int]]) -> dict[frozenset[int], int]:
    signature: dict[int, set[int]] = {}
    for s, members in enumerate(sets):
        for r in members:
            signature.setdefault(r, set()).add(s)
    sizes: dict[frozenset[int], int] = {}
    for sig in signature.values():
        sizes[frozenset(sig)] = sizes.get(frozenset(sig), 0) + 1
    return sizes


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_brute_force_no_split_singles_out_fewer_than_k(seed):
    today = org_today()
    org = build_varied_org(today)
    wave = _wave(org.hr, attributes=("country", "tenure"))
    rng = random.Random(seed)
    heavy_departments = {"Product"} if seed % 2 else {"Product", "Sales"}
    departments = {i: u for i, u in enumerate(wave.units)}
    for person in org.people:
        if rng.random() < 0.15:
            continue
        invitation = Invitation.objects.get(wave=wave, person=person)
        unit = invitation.unit
        while departments[unit][2] > 0:  # climb to the department (depth 1)
            unit = departments[unit][2]
        heavy = departments[unit][1] in heavy_departments
        if seed > 2:  # the usage answer is random: splits are mostly withheld
            heavy = rng.random() < 0.5
        answers = _answers(
            usage=rng.choice([4, 5]) if heavy else rng.choice([1, 2, 3]),
            burnt=rng.randint(1, 5),
            trust=rng.randint(1, 5),
            talk=rng.randint(1, 5),
            goals=rng.randint(1, 5),
        )
        answer_all(wave, [person], answers=answers)
    results.wave_results_compute(wave=wave)
    k = wave.campaign.min_group
    sizes = _classes(_families(wave))
    assert all(size >= k for size in sizes.values()), sizes
    shown = [c for c in AICell.objects.filter(wave=wave) if c.figures["split"] is not None]
    if seed == 1:
        assert shown, "the department-aligned answers should show some split"


def test_the_demo_shows_heavier_and_lighter_users():
    import datetime as dt

    from kith.directory.demo.seed import seed_demo_organisation
    from kith.pulse import demo_seed

    result = seed_demo_organisation(people=150, seed=3)
    demo_seed.seed(today=dt.date.today(), seed=3, demo_emails=[x.email for x in result.logins])
    wave = Wave.objects.filter(results_at__isnull=False).order_by("number").last()
    assert wave is not None and AICell.objects.filter(wave=wave).exists()
    shown = [c for c in AICell.objects.filter(wave=wave) if c.figures["split"] is not None]
    assert shown, [c.figures for c in AICell.objects.filter(wave=wave)]
    sizes = _classes(_families(wave))
    assert all(size >= wave.campaign.min_group for size in sizes.values())
