"""Benchmark the gatherings planner: 200 people × 20 offices × 26 weeks (engine only).

    .venv/bin/python bench/gatherings.py [--people 200] [--offices 20] [--weeks 26]
        [--repeat 5] [--seed 7]

Prints two JSON lines. The synthetic case (deterministic for a seed): offices in 20 real
cities with capacities of 20 to 120 and some days booked; people in those cities and 30
others (so city venues are candidates too), each with a country and, for DE/US/ES, a region;
one in five with a week of leave. Real public holidays from the `holidays` package:
`cold_seconds` is the first run (holiday calendars computed), `median_seconds` and
`max_seconds` the next --repeat runs (calendars cached per process, as in a web worker).

- `real_holidays`: as above. With people in 12 countries and one in five on leave, every
  week usually clashes with someone's holiday or leave, so few or no options remain: the
  run measures the checks.
- `no_holidays_or_leave`: the same people and offices with no holiday and no leave, so
  every (place, week) is allowed and every place is costed: the run measures the costs.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kith.gatherings.engine import planner
from kith.gatherings.engine.planner import PlanRequest, Traveller, Venue

CITIES = [
    ("Lisbon", "PT", "", 38.72, -9.14),
    ("Porto", "PT", "", 41.15, -8.61),
    ("Madrid", "ES", "MD", 40.42, -3.70),
    ("Barcelona", "ES", "CT", 41.39, 2.17),
    ("Paris", "FR", "", 48.86, 2.35),
    ("Lyon", "FR", "", 45.76, 4.84),
    ("Berlin", "DE", "BE", 52.52, 13.40),
    ("Munich", "DE", "BY", 48.14, 11.58),
    ("Hamburg", "DE", "HH", 53.55, 9.99),
    ("Amsterdam", "NL", "", 52.37, 4.90),
    ("London", "GB", "", 51.51, -0.13),
    ("Dublin", "IE", "", 53.35, -6.26),
    ("Stockholm", "SE", "", 59.33, 18.07),
    ("Warsaw", "PL", "", 52.23, 21.01),
    ("Milan", "IT", "", 45.46, 9.19),
    ("New York", "US", "NY", 40.71, -74.01),
    ("Austin", "US", "TX", 30.27, -97.74),
    ("San Francisco", "US", "CA", 37.77, -122.42),
    ("Toronto", "CA", "ON", 43.65, -79.38),
    ("São Paulo", "BR", "", -23.55, -46.63),
]


def synthetic(people: int, offices: int, weeks: int, seed: int) -> PlanRequest:
    rng = random.Random(seed)
    first = dt.date(2027, 1, 4)
    last = first + dt.timedelta(days=7 * weeks - 1)
    venues = []
    for i, (city, country, region, lat, lon) in enumerate(CITIES[:offices]):
        booked = tuple(
            (first + dt.timedelta(days=rng.randrange(7 * weeks)), rng.randint(5, 30))
            for _ in range(10)
        )
        venues.append(
            Venue(
                name=f"{city} office",
                city=city,
                country=country,
                region=region,
                latitude=lat,
                longitude=lon,
                office_id=i + 1,
                capacity=rng.choice([0, 20, 40, 80, 120]),
                booked=booked,
            )
        )
    travellers = []
    for i in range(people):
        if rng.random() < 0.85:
            city, country, region, lat, lon = rng.choice(CITIES)
        else:  # a home city without an office
            city, country, region = f"Town {rng.randrange(30)}", "PT", ""
            lat, lon = 37 + rng.random() * 5, -9 + rng.random() * 2
        leave: tuple[tuple[dt.date, dt.date], ...] = ()
        if rng.random() < 0.2:
            start = first + dt.timedelta(days=rng.randrange(7 * weeks))
            leave = ((start, start + dt.timedelta(days=6)),)
        travellers.append(Traveller(i + 1, country, region, city, lat, lon, leave))
    return PlanRequest(tuple(travellers), tuple(venues), first, last, days=5, top=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--offices", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    request = synthetic(args.people, min(args.offices, len(CITIES)), args.weeks, args.seed)
    free = dataclasses.replace(
        request, people=tuple(dataclasses.replace(p, leave=()) for p in request.people)
    )
    _stage("real_holidays", request, planner.public_holidays, args)
    _stage("no_holidays_or_leave", free, lambda *_: frozenset(), args)


def _stage(
    name: str, request: PlanRequest, holidays: planner.HolidayLookup, args: argparse.Namespace
) -> None:
    planner.public_holidays.cache_clear()
    started = time.perf_counter()
    result = planner.plan(request, holidays=holidays)
    cold = time.perf_counter() - started
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        planner.plan(request, holidays=holidays)
        times.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "bench": "gatherings.planner",
                "stage": name,
                "people": args.people,
                "offices": len(request.offices),
                "candidate_places": result.avoided.places,
                "weeks": result.avoided.weeks,
                "weeks_avoided": result.avoided.weeks_people_away,
                "options": len(result.options),
                "cold_seconds": round(cold, 4),
                "median_seconds": round(statistics.median(times), 4),
                "max_seconds": round(max(times), 4),
            }
        )
    )


if __name__ == "__main__":
    main()
