"""Directory search at scale: server time of the directory page and API at N people.

    python bench/directory_search.py --people 100000 [--seed 1] [--data-dir DIR]

Builds (or reuses) a demo organisation of N people in a SQLite database under --data-dir, then
times typical searches through Django's test client as a signed-in employee: the full page
render and the JSON API. Prints one JSON object per query, then a summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--data-dir", default=os.path.join(tempfile.gettempdir(), "kith-bench-search")
    )
    args = parser.parse_args()

    data_dir = Path(args.data_dir) / f"people-{args.people}-seed-{args.seed}"
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["KITH_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["KITH_LOG_LEVEL"] = "WARNING"

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from kith.directory.models import Person

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    seeded_seconds = None
    if not Person.objects.exists():
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", people=args.people, seed=args.seed, stdout=quiet)
        seeded_seconds = round(time.perf_counter() - started, 1)

    employee = Person.objects.filter(reports__isnull=True, is_active=True).order_by("id").first()
    assert employee is not None
    from kith.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=employee.email))
    some_city = employee.city
    unit = employee.org_unit
    team_id = unit.parent_id or unit.pk
    queries = {
        "page: everyone, page 1": "/people/",
        "page: everyone, last page": f"/people/?page={args.people // 24}",
        "page: name 'ana'": "/people/?q=ana",
        "page: name + city": f"/people/?q=silva&city={some_city}",
        "page: interest climbing": "/people/?interest=Climbing",
        "page: skill python + city": f"/people/?skill=Python&city={some_city}",
        "page: team subtree": f"/people/?team={team_id}",
        "api: name 'kim'": "/api/v1/people?q=kim",
        "api: interest chess page 3": "/api/v1/people?interest=Chess&page=3",
    }
    results = []
    for label, url in queries.items():
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        row = {
            "query": label,
            "url": url,
            "people": args.people,
            "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1),
        }
        results.append(row)
        print(json.dumps(row))
    print(
        json.dumps(
            {
                "benchmark": "directory_search",
                "people": args.people,
                "seed_seconds": seeded_seconds,
                "worst_median_ms": max(r["median_ms"] for r in results),
                "goal_ms": 300,
            }
        )
    )


if __name__ == "__main__":
    main()
