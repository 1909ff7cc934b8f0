"""The planner against a brute force over every place and week, on small random cases."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.gatherings.engine import planner
from kith.gatherings.engine.planner import PlanRequest, Traveller, Venue

MONDAY = dt.date(2027, 3, 1)
CITIES = [
    ("Lisbon", "PT", 38.72, -9.14),
    ("Porto", "PT", 41.15, -8.61),
    ("Berlin", "DE", 52.52, 13.40),
    ("Munich", "DE", 48.14, 11.58),
    ("London", "GB", 51.51, -0.13),
    ("Austin", "US", 30.27, -97.74),
]


def fake_holidays(table: dict[str, frozenset[dt.date]]) -> planner.HolidayLookup:
    def lookup(country: str, region: str, years: tuple[int, ...]) -> frozenset[dt.date]:
        return table.get(f"{country}-{region}", frozenset()) | table.get(country, frozenset())

    return lookup


def brute_force(request: PlanRequest, lookup: planner.HolidayLookup) -> list[tuple]:
    """Every (place, week) pair checked from the definitions, one by one."""
    years = tuple(range(request.first.year, request.last.year + 1))
    venues = list(request.offices) + planner.city_venues(request.people, request.offices)
    found = []
    day = request.first
    while day <= request.last:
        end = day + dt.timedelta(days=request.days - 1)
        if day.weekday() == 0 and end <= request.last:
            days = [day + dt.timedelta(days=i) for i in range(request.days)]
            for venue in venues:
                if _allowed(request, venue, days, years, lookup):
                    km = co2 = 0.0
                    for person in sorted(request.people, key=lambda p: p.id):
                        if person.latitude is None or person.longitude is None:
                            continue
                        d = round(
                            planner.haversine_km(
                                person.latitude, person.longitude, venue.latitude, venue.longitude
                            ),
                            3,
                        )
                        km += d
                        co2 += round(planner.round_trip_co2_kg(d), 3)
                    found.append((round(km, 3), round(co2, 3), day, venue.name))
        day += dt.timedelta(days=1)
    return sorted(found)


def _allowed(request, venue, days, years, lookup) -> bool:
    for person in request.people:
        off = lookup(person.country, person.region, years)
        if any(d in off for d in days):
            return False
        if any(start <= d <= end for start, end in person.leave for d in days):
            return False
    if any(d in lookup(venue.country, venue.region, years) for d in days):
        return False
    if venue.capacity:
        booked = dict(venue.booked)
        if len(request.people) + max(booked.get(d, 0) for d in days) > venue.capacity:
            return False
    return True


@st.composite
def cases(draw):
    n = draw(st.integers(1, 6))
    people = []
    for i in range(n):
        city, country, lat, lon = draw(st.sampled_from(CITIES))
        located = draw(st.integers(0, 5)) > 0
        leave: tuple[tuple[dt.date, dt.date], ...] = ()
        if draw(st.booleans()):
            start = MONDAY + dt.timedelta(days=draw(st.integers(0, 40)))
            leave = ((start, start + dt.timedelta(days=draw(st.integers(0, 6)))),)
        people.append(
            Traveller(
                id=i + 1,
                country=country,
                region=draw(st.sampled_from(["", "X"])),
                city=city,
                latitude=lat if located else None,
                longitude=lon if located else None,
                leave=leave,
            )
        )
    offices = []
    for j, (city, country, lat, lon) in enumerate(
        draw(st.lists(st.sampled_from(CITIES), max_size=3, unique=True))
    ):
        booked_day = MONDAY + dt.timedelta(days=draw(st.integers(0, 40)))
        offices.append(
            Venue(
                name=f"{city} office {j}",
                city=city,
                country=country,
                latitude=lat,
                longitude=lon,
                office_id=j + 1,
                capacity=draw(st.sampled_from([0, 2, 4, 8])),
                booked=((booked_day, draw(st.integers(0, 4))),),
            )
        )
    holidays = {}
    for key in ("PT", "DE", "GB", "US", "DE-X", "PT-X"):
        picked = draw(st.lists(st.integers(0, 48), max_size=3))
        holidays[key] = frozenset(MONDAY + dt.timedelta(days=d) for d in picked)
    first = MONDAY + dt.timedelta(days=draw(st.integers(0, 6)))
    last = first + dt.timedelta(days=draw(st.integers(0, 42)))
    days = draw(st.integers(1, 7))
    return PlanRequest(tuple(people), tuple(offices), first, last, days=days, top=50), holidays


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_planner_chooses_what_a_brute_force_chooses(case):
    request, table = case
    lookup = fake_holidays(table)
    result = planner.plan(request, holidays=lookup)
    expected = brute_force(request, lookup)
    if not expected:
        assert result.options == ()
        return
    best = result.options[0]
    assert (best.total_km, best.co2_kg, best.week_start, best.venue.name) == expected[0]
    # Each option is one place at its earliest allowed week, in the same order.
    first_per_place: dict[str, tuple] = {}
    for row in expected:
        first_per_place.setdefault(row[3], row)
    ordered = sorted(first_per_place.values())
    assert [(o.total_km, o.co2_kg, o.week_start, o.venue.name) for o in result.options] == ordered


@settings(max_examples=200, deadline=None)
@given(cases())
def test_never_a_week_with_holiday_or_leave_and_never_over_capacity(case):
    request, table = case
    lookup = fake_holidays(table)
    years = tuple(range(request.first.year, request.last.year + 1))
    for option in planner.plan(request, holidays=lookup).options:
        for week in (option.week_start, *option.other_weeks):
            days = planner.gathering_days(week, request.days)
            assert days[-1] <= request.last and week >= request.first and week.weekday() == 0
            assert _allowed(request, option.venue, days, years, lookup)


def test_distances_co2_and_what_was_avoided():
    lisbon = Traveller(1, "PT", "", "Lisbon", 38.72, -9.14)
    berlin = Traveller(2, "DE", "", "Berlin", 52.52, 13.40)
    nowhere = Traveller(3, "PT", "", "", None, None)
    faro = Traveller(4, "PT", "", "Faro", 37.02, -7.93)
    office = Venue("Lisbon HQ", "Lisbon", "PT", 38.72, -9.14, office_id=1)
    request = PlanRequest(
        (lisbon, berlin, nowhere, faro),
        (office,),
        dt.date(2027, 3, 1),
        dt.date(2027, 3, 19),
        days=5,
    )
    holiday = dt.date(2027, 3, 9)
    result = planner.plan(request, holidays=fake_holidays({"DE": frozenset({holiday})}))
    assert result.not_counted == 1
    assert result.avoided.weeks == 3 and result.avoided.weeks_people_away == 1
    assert "1 week avoided: public holidays or leave" in result.avoided.sentences()
    best = result.options[0]
    # Lisbon vs Berlin: about 2,300 km one way, a short-haul flight both ways.
    assert best.venue.name == "Lisbon HQ" and best.week_start == dt.date(2027, 3, 1)
    berlin_leg = next(c for c in best.per_person if c.id == 2)
    assert 2250 < berlin_leg.km < 2350 and berlin_leg.mode == "short-haul flight"
    assert berlin_leg.co2_kg == pytest.approx(2 * berlin_leg.km * 0.156, abs=0.01)
    assert next(c for c in best.per_person if c.id == 1).co2_kg == 0
    assert best.other_weeks == (dt.date(2027, 3, 15),)
    faro_leg = next(c for c in best.per_person if c.id == 4)
    assert faro_leg.mode == "rail" and best.total_km == pytest.approx(berlin_leg.km + faro_leg.km)
    assert [o.venue.name for o in result.options] == ["Lisbon HQ", "Faro", "Berlin"]


def test_modes_by_distance():
    assert planner.travel_mode(0.5) == "none"
    assert planner.travel_mode(700) == "rail"
    assert planner.travel_mode(701) == "short-haul flight"
    assert planner.travel_mode(3701) == "long-haul flight"


def test_weeks_need_every_gathering_day_inside_the_range():
    assert planner.candidate_weeks(dt.date(2027, 3, 2), dt.date(2027, 3, 12), 5) == [
        dt.date(2027, 3, 8)
    ]
    assert planner.candidate_weeks(dt.date(2027, 3, 2), dt.date(2027, 3, 11), 5) == []


def test_real_holidays_by_region():
    bavaria = planner.public_holidays("DE", "BY", (2027,))
    berlin = planner.public_holidays("DE", "BE", (2027,))
    assert dt.date(2027, 1, 6) in bavaria and dt.date(2027, 1, 6) not in berlin
    assert planner.public_holidays("DE", "NOPE", (2027,)) == planner.public_holidays(
        "DE", "", (2027,)
    )
    assert planner.public_holidays("", "", (2027,)) == frozenset()
