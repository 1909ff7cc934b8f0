"""Where and when a gathering costs its people least: the planner (docs/gatherings.md).

Pure computation, no Django: typed dataclasses in, typed dataclasses out.

- Places: every office, plus every participant's home city that has no office (a venue
  there, no capacity limit).
- Weeks: every Monday in [first, last] whose gathering days (Monday .. Monday + days - 1)
  all fall inside [first, last].
- A (place, week) is allowed only if no participant has a public holiday (their country and
  region) or declared leave on a gathering day, the place's own country/region has no
  public holiday then (the office is closed), and the participants plus the people other
  gatherings already booked into that office on those days fit its capacity (when set).
- Cost: total_km = the sum of each counted participant's one-way great-circle distance from
  their home city to the place; co2_kg = the sum of each one's round trip, by mode (rail,
  short-haul or long-haul flight, chosen by the distance). People without coordinates are
  left out of distances and reported as a count.
- Ranking: total_km, then co2_kg, then the earlier week, then the place's name. Each option is
  a different place, at its best (earliest) week; the other weeks that work there come with it.

What was avoided is reported in aggregate only: never whose holiday or leave it was.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from kith.connect.engine import schedule

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
DAY = dt.timedelta(days=1)
MIN_DAYS, MAX_DAYS = 1, 7
DEFAULT_TOP = 5

# Emission factors, kg CO2e per passenger-km: UK DESNZ (formerly BEIS/DEFRA) greenhouse gas
# reporting conversion factors 2024, condensed set — national rail; flights, economy class,
# with radiative forcing. The mode is chosen by the one-way distance.
RAIL_MAX_KM = 700.0
SHORT_HAUL_MAX_KM = 3700.0
RAIL_KG_PER_KM = 0.03546
SHORT_HAUL_KG_PER_KM = 0.156
LONG_HAUL_KG_PER_KM = 0.150
NO_TRAVEL_KM = 1.0  # closer than this: nobody travels

HolidayLookup = Callable[[str, str, tuple[int, ...]], frozenset[dt.date]]


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Traveller:
    """One participant: where they live (city-level) and the days they cannot come."""

    id: int
    country: str = ""
    region: str = ""  # the `holidays` subdivision; "" = national holidays only
    city: str = ""
    latitude: float | None = None
    longitude: float | None = None
    leave: tuple[tuple[dt.date, dt.date], ...] = ()  # declared leave, both ends inclusive

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True, slots=True)
class Venue:
    """A candidate place: an office (office_id set) or a city venue (office_id None)."""

    name: str
    city: str
    country: str
    latitude: float
    longitude: float
    region: str = ""
    office_id: int | None = None
    capacity: int = 0  # 0 = no limit
    booked: tuple[tuple[dt.date, int], ...] = ()  # people other gatherings put there per day


@dataclass(frozen=True, slots=True)
class PlanRequest:
    people: tuple[Traveller, ...]
    offices: tuple[Venue, ...]
    first: dt.date
    last: dt.date
    days: int = 5
    top: int = DEFAULT_TOP
    # False: declared leave is ignored (the caller's small-group rule: a plan about few people
    # must not tell anyone's leave). Public holidays always count.
    count_leave: bool = True


# --- outputs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonCost:
    id: int
    km: float  # one way
    co2_kg: float  # round trip
    mode: str  # "none", "rail", "short-haul flight", "long-haul flight"


@dataclass(frozen=True, slots=True)
class Option:
    venue: Venue
    week_start: dt.date
    total_km: float
    co2_kg: float
    per_person: tuple[PersonCost, ...]
    other_weeks: tuple[dt.date, ...] = ()  # further weeks that work at this place
    days: int = 5

    @property
    def week_end(self) -> dt.date:
        return self.week_start + DAY * (self.days - 1)

    @property
    def co2_range(self) -> tuple[float, float]:
        values = [p.co2_kg for p in self.per_person]
        return (min(values), max(values)) if values else (0.0, 0.0)


@dataclass(frozen=True, slots=True)
class Avoided:
    """What the planner left out, in aggregate (never whose holiday or leave)."""

    weeks: int = 0  # candidate weeks in the range
    weeks_people_away: int = 0  # weeks with a public holiday or leave for someone
    place_weeks_closed: int = 0  # (place, week) with a public holiday where the place is
    place_weeks_full: int = 0  # (office, week) over the office's capacity
    places: int = 0  # candidate places
    leave_counted: bool = True  # False: only public holidays made weeks_people_away

    def sentences(self) -> list[str]:
        out = []
        if self.weeks_people_away:
            why = "public holidays or leave" if self.leave_counted else "public holidays"
            out.append(f"{_n(self.weeks_people_away, 'week')} avoided: {why}")
        if self.place_weeks_closed:
            out.append(
                f"{_n(self.place_weeks_closed, 'place-week')} avoided: a public holiday "
                "where the place is"
            )
        if self.place_weeks_full:
            out.append(f"{_n(self.place_weeks_full, 'office-week')} avoided: over capacity")
        return out


@dataclass(frozen=True, slots=True)
class Plan:
    options: tuple[Option, ...]
    avoided: Avoided
    not_counted: int  # participants without coordinates: left out of distances
    participants: int
    weeks: tuple[dt.date, ...] = field(default=())


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- distances and CO2 --------------------------------------------------------------------------


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of the mean Earth radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def travel_mode(km: float) -> str:
    if km < NO_TRAVEL_KM:
        return "none"
    if km <= RAIL_MAX_KM:
        return "rail"
    if km <= SHORT_HAUL_MAX_KM:
        return "short-haul flight"
    return "long-haul flight"


FACTORS = {
    "none": 0.0,
    "rail": RAIL_KG_PER_KM,
    "short-haul flight": SHORT_HAUL_KG_PER_KM,
    "long-haul flight": LONG_HAUL_KG_PER_KM,
}


def round_trip_co2_kg(km: float) -> float:
    """A person's round trip for a one-way distance `km`."""
    return 2 * km * FACTORS[travel_mode(km)]


def person_cost(person: Traveller, venue: Venue) -> PersonCost:
    assert person.latitude is not None and person.longitude is not None
    km = round(haversine_km(person.latitude, person.longitude, venue.latitude, venue.longitude), 3)
    return PersonCost(person.id, km, round(round_trip_co2_kg(km), 3), travel_mode(km))


# --- holidays and weeks -------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def public_holidays(country: str, region: str, years: tuple[int, ...]) -> frozenset[dt.date]:
    """Connect's public holidays of a country (and subdivision), cached per process: an
    unknown country has none, an unknown subdivision falls back to the national ones."""
    return schedule.public_holidays(country, years, subdivision=region)


def candidate_weeks(first: dt.date, last: dt.date, days: int) -> list[dt.date]:
    """Every Monday in [first, last] whose `days` gathering days end on or before `last`."""
    monday = first + DAY * ((7 - first.weekday()) % 7)
    weeks = []
    while monday + DAY * (days - 1) <= last:
        weeks.append(monday)
        monday += DAY * 7
    return weeks


def gathering_days(week: dt.date, days: int) -> list[dt.date]:
    return [week + DAY * i for i in range(days)]


def city_venues(people: Sequence[Traveller], offices: Sequence[Venue]) -> list[Venue]:
    """A venue in every participant's home city that has no office. Its region is the one
    its people share (national holidays only when they disagree); its coordinates are the
    first located person's there (by id)."""
    with_office = {(o.city.strip().lower(), o.country.upper()) for o in offices}
    by_city: dict[tuple[str, str], list[Traveller]] = {}
    for person in sorted(people, key=lambda p: p.id):
        key = (person.city.strip().lower(), person.country.upper())
        if person.located and person.city.strip() and key not in with_office:
            by_city.setdefault(key, []).append(person)
    venues = []
    for there in by_city.values():
        head = there[0]
        regions = {p.region for p in there}
        assert head.latitude is not None and head.longitude is not None
        venues.append(
            Venue(
                name=head.city.strip(),
                city=head.city.strip(),
                country=head.country.upper(),
                latitude=head.latitude,
                longitude=head.longitude,
                region=regions.pop() if len(regions) == 1 else "",
            )
        )
    return venues


def _away_days(
    people: Iterable[Traveller],
    years: tuple[int, ...],
    lookup: HolidayLookup,
    *,
    count_leave: bool = True,
) -> set[dt.date]:
    away: set[dt.date] = set()
    for person in people:
        away |= lookup(person.country, person.region, years)
        for start, end in person.leave if count_leave else ():
            day = start
            while day <= end:
                away.add(day)
                day += DAY
    return away


def _booked_peak(venue: Venue, days: list[dt.date]) -> int:
    booked = dict(venue.booked)
    return max((booked.get(day, 0) for day in days), default=0)


# --- the planner --------------------------------------------------------------------------------


def validate(request: PlanRequest) -> None:
    if request.first > request.last:
        raise ValueError("from is after to")
    if not MIN_DAYS <= request.days <= MAX_DAYS:
        raise ValueError(f"days must be {MIN_DAYS} to {MAX_DAYS}")
    if request.top < 1:
        raise ValueError("top must be at least 1")


def plan(request: PlanRequest, *, holidays: HolidayLookup = public_holidays) -> Plan:
    validate(request)
    people = tuple(sorted(request.people, key=lambda p: p.id))
    weeks = candidate_weeks(request.first, request.last, request.days)
    venues = list(request.offices) + city_venues(people, request.offices)
    years = tuple(range(request.first.year, request.last.year + 1))
    away = _away_days(people, years, holidays, count_leave=request.count_leave)
    free_weeks = [w for w in weeks if not any(d in away for d in gathering_days(w, request.days))]
    located = [p for p in people if p.located]
    closed = full = 0
    options: list[Option] = []
    for venue in venues:
        shut = holidays(venue.country, venue.region, years)
        usable = []
        for week in free_weeks:
            days = gathering_days(week, request.days)
            if any(d in shut for d in days):
                closed += 1
            elif venue.capacity and len(people) + _booked_peak(venue, days) > venue.capacity:
                full += 1
            else:
                usable.append(week)
        if usable:
            options.append(_option(venue, usable, located, request.days))
    options.sort(key=rank_key)
    return Plan(
        options=tuple(options[: request.top]),
        avoided=Avoided(
            weeks=len(weeks),
            weeks_people_away=len(weeks) - len(free_weeks),
            place_weeks_closed=closed,
            place_weeks_full=full,
            places=len(venues),
            leave_counted=request.count_leave,
        ),
        not_counted=len(people) - len(located),
        participants=len(people),
        weeks=tuple(weeks),
    )


def _option(venue: Venue, usable: list[dt.date], located: list[Traveller], days: int) -> Option:
    costs = tuple(person_cost(p, venue) for p in located)
    return Option(
        venue=venue,
        week_start=usable[0],
        total_km=round(sum(c.km for c in costs), 3),
        co2_kg=round(sum(c.co2_kg for c in costs), 3),
        per_person=costs,
        other_weeks=tuple(usable[1:]),
        days=days,
    )


def rank_key(option: Option) -> tuple[float, float, dt.date, str]:
    return (option.total_km, option.co2_kg, option.week_start, option.venue.name)
