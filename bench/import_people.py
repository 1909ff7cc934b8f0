"""Benchmark the HRIS import: 100,000 synthetic people into a fresh SQLite database.

    .venv/bin/python bench/import_people.py [--rows 100000] [--seed 7]

Generates a deterministic CSV (real cities, an 8-way management tree, mixed formats the
import accepts), migrates an empty database in a temporary KITH_DATA_DIR, runs
`kith import_people` on it, then runs it again (which must change nothing), then once more
with a new title for everyone. Progress bars go to stderr; stdout gets one JSON line.
Goal: `seconds` <= 60 for 100k rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import re
import resource
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Pure Python (no Django), so it can be imported before django.setup().
from kith.directory.importing.parse import CANONICAL_COLUMNS  # noqa: E402

GOAL_SECONDS = 60

CITIES = [
    ("Lisbon", "PT"),
    ("Porto", "PT"),
    ("London", "GB"),
    ("Manchester", "GB"),
    ("Dublin", "IE"),
    ("Paris", "FR"),
    ("Lyon", "FR"),
    ("Berlin", "DE"),
    ("Munich", "DE"),
    ("Hamburg", "DE"),
    ("Amsterdam", "NL"),
    ("Madrid", "ES"),
    ("Barcelona", "ES"),
    ("Milan", "IT"),
    ("Stockholm", "SE"),
    ("Warsaw", "PL"),
    ("Prague", "CZ"),
    ("New York", "US"),
    ("San Francisco", "US"),
    ("Toronto", "CA"),
    ("São Paulo", "BR"),
    ("Mexico City", "MX"),
    ("Bengaluru", "IN"),
    ("Singapore", "SG"),
    ("Tokyo", "JP"),
]
FIRST_NAMES = [
    "Ana",
    "João",
    "Maria",
    "Chloé",
    "Lucas",
    "Sofía",
    "Noah",
    "Amara",
    "Wei",
    "Yuki",
    "Priya",
    "Olu",
    "Zoë",
    "Mateo",
    "Ingrid",
    "Kofi",
    "Aisha",
    "Liam",
    "Mei",
    "Rafael",
    "Elif",
    "Tomás",
    "Hana",
    "Nikolai",
    "Fatima",
    "Jonas",
    "Lea",
    "Arjun",
    "Siobhán",
    "Björn",
]
LAST_NAMES = [
    "Silva",
    "Costa",
    "Müller",
    "Dubois",
    "García",
    "Okafor",
    "Nguyen",
    "Sato",
    "Kowalski",
    "Novák",
    "Rossi",
    "Lindqvist",
    "Khan",
    "Santos",
    "O'Brien",
    "Jansen",
    "Haddad",
    "Park",
    "Fernández",
    "Mensah",
    "Ivanova",
    "Chen",
    "Patel",
    "Yilmaz",
    "Kim",
    "Andersen",
    "Moreau",
]
DEPARTMENTS = {
    "Engineering": ["Platform", "Mobile", "Web", "Data", "Security", "Infrastructure"],
    "Product": ["Discovery", "Design", "Research"],
    "Sales": ["EMEA", "Americas", "APAC", "Partnerships"],
    "Customer Success": ["Onboarding", "Support", "Renewals"],
    "Marketing": ["Brand", "Growth", "Content"],
    "Finance": ["Accounting", "FP&A", "Procurement"],
    "People": ["Talent", "People Partners", "Learning"],
    "Operations": ["Facilities", "Logistics", "IT"],
    "Legal": ["Commercial", "Privacy"],
    "Research": ["Applied", "Foundations"],
}
TITLES = [
    "Software Engineer",
    "Senior Software Engineer",
    "Staff Engineer",
    "Product Manager",
    "Designer",
    "Account Executive",
    "Customer Success Manager",
    "Data Analyst",
    "Recruiter",
    "Accountant",
    "Marketing Manager",
    "Operations Specialist",
    "Team Lead",
]
EMPLOYMENT_TYPES = ["Full-time"] * 12 + ["Part-time"] * 2 + ["Contractor", "Freelancer"]


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", plain.lower())


def generate(rows: int, seed: int, title_suffix: str = "") -> bytes:
    rng = random.Random(seed)
    departments = list(DEPARTMENTS)
    out = io.StringIO()
    # Cells by column name, so the header is the importer's own list in its own order.
    writer = csv.DictWriter(out, fieldnames=CANONICAL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for i in range(rows):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        department = rng.choice(departments)
        team = rng.choice(DEPARTMENTS[department]) if rng.random() < 0.85 else ""
        city, country = rng.choice(CITIES)
        start = f"{rng.randint(2005, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        writer.writerow(
            {
                "employee_id": f"E{i:06d}",
                "full_name": f"{first} {last}",
                "email": f"{ascii_slug(first)}.{ascii_slug(last)}.{i}@example.com",
                # An 8-way tree: every manager comes first.
                "manager_id": f"E{(i - 1) // 8:06d}" if i else "",
                "department": department,
                "team": team,
                "title": rng.choice(TITLES) + title_suffix,
                "employment_type": rng.choice(EMPLOYMENT_TYPES),
                "city": city,
                "country": country,
                "timezone": "",  # from the city
                "start_date": start,
            }
        )
    return out.getvalue().encode("utf-8")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def timed_import(path: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the two differ on a busy machine) and the report."""
    from django.core.management import call_command

    report = io.StringIO()
    started, cpu_started = time.perf_counter(), cpu_seconds()
    call_command("import_people", str(path), stdout=report, stderr=sys.stderr)
    return time.perf_counter() - started, cpu_seconds() - cpu_started, report.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kith-bench-") as tmp:
        os.environ["KITH_DATA_DIR"] = tmp
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.core.management import call_command

        from kith.directory.models import Person

        call_command("migrate", verbosity=0)
        path = Path(tmp) / "people.csv"
        path.write_bytes(generate(args.rows, args.seed))
        seconds, cpu, _ = timed_import(path)
        imported = Person.objects.filter(is_active=True).count()
        reimport_seconds, _, again = timed_import(path)
        # A reorganisation: the same people, everyone with a new title.
        path.write_bytes(generate(args.rows, args.seed, title_suffix=" II"))
        update_seconds, _, _ = timed_import(path)
        result = {
            "benchmark": "import_people",
            "database": "sqlite",
            "rows": args.rows,
            "people": imported,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "reimport_seconds": round(reimport_seconds, 2),
            "reimport_no_changes": again.startswith("No changes"),
            "update_all_titles_seconds": round(update_seconds, 2),
            "peak_mb": peak_mb(),
            "goal_seconds": GOAL_SECONDS,
            "within_goal": seconds <= GOAL_SECONDS,
        }
        print(json.dumps(result))


if __name__ == "__main__":
    main()
