"""Benchmark the issue-13 integrations: SCIM provisioning and the chat delivery sweep.

    .venv/bin/python bench/integrations.py [--benchmarks scim,scim_existing,chat]
        [--users 2000] [--existing 20000] [--existing-users 1000] [--filters 200]
        [--notifications 10000]
        [--limit 500] [--seed 7] [--data-dir DIR]

Prints one JSON line per sub-benchmark (SQLite only, like the other benches). No timing is
asserted: the numbers are for reading.

Setup (not measured) migrates one SQLite database in a temporary KITH_DATA_DIR (or --data-dir)
and copies it for each sub-benchmark, so each starts from its own state. Each runs in a forked
child with VmHWM reset at its start: `rss_start_mb` is Django (and, for `scim_existing`, what
seeding left) and `peak_rss_mb` the most the child held.

- `scim`: an identity provider's first push into an empty directory, through Django's test
  client (the whole middleware chain, DEBUG off) with a bearer token from
  `kith.scim.tokens.scim_token_create`: POST /scim/v2/Users for --users new users (Okta's shape:
  userName = work email, name, emails, title, a work address in one of 10 cities, enterprise
  employeeNumber and department, one of 50; the manager is an earlier user of the department,
  as the enterprise extension's manager id); a paged GET /scim/v2/Users?startIndex=..&count=100
  over everyone; --filters GETs filtered by `userName eq "…"`; and --users/10 PATCH
  deactivations (Okta's `replace` with no path, `{"active": false}`) of people nobody reports
  to: Kith refuses to deactivate a report of an already deactivated manager (the import's
  "manager has left" rule, 400 invalidValue), so the bench avoids it. Per operation: p50, p95
  and max ms, requests/s (count over the operation's wall time), and `first_ms` of the very first
  POST (the process's first geocoder use, not counted in the percentiles).
- `scim_existing`: the same, with --existing-users new users (fewer, to stay within about
  three minutes), on a directory that already holds --existing people
  (`kith.directory.demo.seed.seed_demo_organisation`, timed as `seed_seconds`, in a copy of
  the database kept in --data-dir while the parameters match): does per-request cost grow with
  the organisation? The paged GET then reads the --existing people too (they answer SCIM with
  their work email as userName).
- `chat`: --notifications people in three European time zones who chose "slack" (a bench
  provider registered under that name, in process: it records the address in `ChatIdentity`
  as the real ones do and returns a conversation id), one due chat notification each, half of
  them members of groups of 2-3 (`connect.match:<n>`, the group renderer replaced by one that
  returns a `ChatMessage`), all bulk-created; then `notifications_deliver_due(now=…, limit=…)`
  at a Wednesday noon until every one is sent. `queries_per_notification` is measured on a
  first sweep of 200 (CaptureQueriesContext); `notifications_per_s` on the rest.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import gc
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import forked  # noqa: E402

SCIM_TYPE = "application/scim+json"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
PAGE = 100
DEPARTMENTS = 50
CITIES = [
    ("Lisbon", "PT"),
    ("Porto", "PT"),
    ("Madrid", "ES"),
    ("Berlin", "DE"),
    ("Paris", "FR"),
    ("London", "GB"),
    ("Amsterdam", "NL"),
    ("Warsaw", "PL"),
    ("Dublin", "IE"),
    ("Milan", "IT"),
]
FIRST = ["Ana", "Bea", "Carl", "Dina", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lia"]
LAST = ["Silva", "Costa", "Meyer", "Novak", "Dubois", "Rossi", "Smith", "Jansen", "Kowal"]
CHAT_ZONES = ["Europe/Lisbon", "Europe/London", "Europe/Berlin"]
# A Wednesday, 12:00 UTC: 13:00-14:00 in the three zones, inside everyone's 9-17.
CHAT_NOW = dt.datetime(2030, 5, 15, 12, 0, tzinfo=dt.UTC)
CHAT_SAMPLE = 200
DATABASE = "kith.sqlite3"
BENCHMARKS = ("scim", "scim_existing", "chat")


def code_version() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    watched = ("kith/scim", "kith/directory", "kith/notify")
    return commit + ("+dirty" if git("status", "--porcelain", "--", *watched) else "")


# --- processes and memory -----------------------------------------------------------------------


def reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux >= 4.0)."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def memory_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def use_database(path: Path) -> None:
    """Point this (child) process's default connection at another SQLite file."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = str(path)


def in_child(path: Path, function: Callable[[], Any], *, migrate: bool = False) -> Any:
    """function() in a forked child working on the SQLite file at `path` (migrated first when
    asked: a database kept from an earlier run gets the migrations added since)."""

    def child() -> Any:
        from django.core.management import call_command

        use_database(path)
        if migrate:
            call_command("migrate", verbosity=0)
        return function()

    return forked(child)


def copy_database(source: Path, target: Path) -> None:
    for old in target.parent.glob(target.name + "*"):
        old.unlink()
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def timings(values: Sequence[float], wall: float) -> dict[str, Any]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0
    return {
        "requests": len(values),
        "p50_ms": round(statistics.median(ordered), 2) if ordered else 0.0,
        "p95_ms": round(p95, 2),
        "max_ms": round(max(ordered, default=0.0), 2),
        "per_s": round(len(values) / wall, 1) if wall else 0.0,
    }


# --- 1. SCIM ------------------------------------------------------------------------------------


class Scim:
    """Django's test client speaking SCIM with a bearer token; every request timed."""

    def __init__(self, token: str) -> None:
        from django.test import Client

        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}
        self.statuses: Counter[str] = Counter()

    def call(self, operation: str, method: str, path: str, body: Any = None) -> tuple[Any, float]:
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type=SCIM_TYPE)
        started = time.perf_counter()
        response = getattr(self.client, method)(f"/scim/v2/{path}", **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
        self.statuses[f"{operation} {response.status_code}"] += 1
        return response, elapsed


def user_body(n: int, rng: random.Random, managers: list[str | None]) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, country = CITIES[n % len(CITIES)]
    email = f"scim.user{n:06d}@bench.example.com"
    enterprise: dict[str, Any] = {
        "employeeNumber": f"SCIM-{n:06d}",
        "department": f"Department {n % DEPARTMENTS:02d}",
    }
    manager = managers[n]
    if manager is not None:
        enterprise["manager"] = {"value": manager}
    return {
        "schemas": [CORE, ENTERPRISE],
        "userName": email,
        "externalId": f"00u{n:017d}",
        "name": {"givenName": first, "familyName": f"{last}-{n}"},
        "displayName": f"{first} {last}-{n}",
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "title": rng.choice(["Engineer", "Analyst", "Designer", "Manager", "Nurse", "Writer"]),
        "addresses": [{"type": "work", "locality": city, "country": country, "primary": True}],
        "locale": "en-US",
        "password": "not-kept-1",
        "active": True,
        ENTERPRISE: enterprise,
    }


def scim_push(args: argparse.Namespace, label: str, users: int) -> dict[str, Any]:
    from django.conf import settings

    from kith.directory.models import Person
    from kith.scim.tokens import scim_token_create

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rng = random.Random(args.seed)
    people_before = Person.objects.count()
    _, raw = scim_token_create(name=f"bench-{label}")
    scim = Scim(raw)
    reset_peak()
    rss_start = memory_mb("VmRSS")
    total_started = time.perf_counter()

    # Create: the first user of each department heads it (no manager); later ones report to an
    # earlier member of their department, chosen among its first fifth (a tree a few levels deep).
    ids: list[str] = []
    members: dict[int, list[str]] = {d: [] for d in range(DEPARTMENTS)}
    managers: list[str | None] = [None] * users
    creates: list[float] = []
    first_ms = 0.0
    started = time.perf_counter()
    for n in range(users):
        department = members[n % DEPARTMENTS]
        if department:
            managers[n] = department[rng.randrange(max(1, len(department) // 5 + 1))]
        response, elapsed = scim.call("create", "post", "Users", user_body(n, rng, managers))
        if n == 0:
            first_ms = elapsed
            started = time.perf_counter()  # requests/s: the first one (geocoder load) apart
        else:
            creates.append(elapsed)
        if response.status_code != 201:
            raise RuntimeError(f"POST {n}: {response.status_code} {response.content[:300]!r}")
        ids.append(response.json()["id"])
        department.append(ids[-1])
    create_wall = time.perf_counter() - started

    # Paged read of everyone, as an IdP's import or reconciliation does.
    pages: list[float] = []
    seen = 0
    total = None
    started = time.perf_counter()
    start_index = 1
    while total is None or start_index <= total:
        response, elapsed = scim.call("list", "get", f"Users?startIndex={start_index}&count={PAGE}")
        pages.append(elapsed)
        answer = response.json()
        total = answer["totalResults"]
        got = len(answer.get("Resources", []))
        seen += got
        if not got:
            break
        start_index += got
    list_wall = time.perf_counter() - started

    # Lookups by userName, as before every create or update.
    filters: list[float] = []
    sample = rng.sample(range(users), min(args.filters, users))
    started = time.perf_counter()
    for n in sample:
        query = f'userName eq "scim.user{n:06d}@bench.example.com"'
        response, elapsed = scim.call("filter", "get", "Users?" + _encode({"filter": query}))
        filters.append(elapsed)
        if response.json().get("totalResults") != 1:
            raise RuntimeError(f"filter {n}: {response.content[:300]!r}")
    filter_wall = time.perf_counter() - started

    # Deactivations, Okta-style, of people nobody reports to (see the module's docstring).
    managing = set(managers)
    leaves = [person_id for person_id in ids if person_id not in managing]
    deactivations: list[float] = []
    deactivate = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    started = time.perf_counter()
    for person_id in rng.sample(leaves, min(len(leaves), users // 10)):
        response, elapsed = scim.call("deactivate", "patch", f"Users/{person_id}", deactivate)
        deactivations.append(elapsed)
        if response.status_code != 200 or response.json().get("active") is not False:
            raise RuntimeError(f"PATCH {person_id}: {response.content[:300]!r}")
    deactivate_wall = time.perf_counter() - started
    total_seconds = time.perf_counter() - total_started
    created = Person.objects.filter(employee_id__startswith="SCIM-")
    with_manager = created.filter(manager__isnull=False).count()
    return {
        "benchmark": label,
        "people_before": people_before,
        "users": users,
        "departments": DEPARTMENTS,
        "with_manager": with_manager,
        "inactive_after": created.filter(is_active=False).count(),
        "create": {**timings(creates, create_wall), "first_ms": round(first_ms, 1)},
        "list": {
            **timings(pages, list_wall),
            "page_size": PAGE,
            "total_results": total,
            "seen": seen,
        },
        "filter": timings(filters, filter_wall),
        "deactivate": timings(deactivations, deactivate_wall),
        "statuses": dict(sorted(scim.statuses.items())),
        "total_seconds": round(total_seconds, 1),
        "rss_start_mb": rss_start,
        "peak_rss_mb": memory_mb("VmHWM"),
    }


def _encode(query: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


def seed_existing(args: argparse.Namespace) -> dict[str, Any]:
    from kith.directory.demo.seed import seed_demo_organisation
    from kith.directory.models import OrgUnit, Person

    started = time.perf_counter()
    seed_demo_organisation(people=args.existing, seed=args.seed, today=dt.date(2026, 12, 6))
    return {
        "people": Person.objects.count(),
        "org_units": OrgUnit.objects.count(),
        "seed_seconds": round(time.perf_counter() - started, 1),
        "seed_peak_rss_mb": memory_mb("VmHWM"),
    }


# --- 2. chat delivery ---------------------------------------------------------------------------


class BenchSlack:
    """An in-process chat provider under Slack's name: remembers each person's address in
    ChatIdentity (as the real providers do) and counts what it sends."""

    name = "slack"
    label = "Bench Slack"

    def __init__(self) -> None:
        self.messages = 0
        self.recipients = 0
        self.group_messages = 0

    def is_configured(self) -> bool:
        return True

    def address_of(self, person: Any) -> str:
        from kith.notify.models import ChatIdentity

        row, _ = ChatIdentity.objects.get_or_create(
            person=person, provider=self.name, defaults={"external_id": f"U{person.pk:08d}"}
        )
        return row.external_id

    def send(self, addresses: Sequence[str], message: Any, *, thread: str = "") -> str:
        self.messages += 1
        self.recipients += len(addresses)
        self.group_messages += len(addresses) > 1
        return thread or f"D{self.messages:08d}"


def render_intro(group_key: str, kind: str, people: Sequence[Any]) -> Any:
    from kith.notify.channels import ChatMessage

    return ChatMessage(
        subject=f"Meet {len(people) - 1} colleague(s)",
        body="You have been matched for a coffee.",
        url=f"https://kith.example/connect/matches/{group_key.split(':', 1)[1]}/",
    )


def build_chat(count: int, seed: int) -> dict[str, Any]:
    from django.db import transaction

    from kith.directory.models import ContactPreference, Person
    from kith.notify.models import Notification

    rng = random.Random(seed)
    pending = Notification.EmailState.PENDING
    due = CHAT_NOW - dt.timedelta(minutes=5)
    with transaction.atomic():
        Person.objects.bulk_create(
            [
                Person(
                    employee_id=f"C{n:07d}",
                    full_name=f"Chat Person {n:07d}",
                    email=f"chat{n}@bench.example.com",
                    timezone=CHAT_ZONES[n % len(CHAT_ZONES)],
                    search_text=f"chat person {n:07d}",
                )
                for n in range(count)
            ],
            batch_size=2000,
        )
        ids = list(Person.objects.order_by("id").values_list("id", flat=True))
        ContactPreference.objects.bulk_create(
            [ContactPreference(person_id=pid, preferred_channel="slack") for pid in ids],
            batch_size=2000,
        )
        # Half alone, half in groups of 2-3, in a random order of groups and singles; members
        # of a group are queued one after another, as Connect does.
        rng.shuffle(ids)
        half = len(ids) // 2
        units: list[list[int]] = [[pid] for pid in ids[:half]]
        grouped = ids[half:]
        while grouped:
            size = 3 if len(grouped) == 3 or (len(grouped) > 4 and rng.random() < 0.5) else 2
            units.append(grouped[:size])
            grouped = grouped[size:]
        rng.shuffle(units)
        rows = []
        groups = 0
        for unit in units:
            key = ""
            if len(unit) > 1:
                groups += 1
                key = f"connect.match:{groups}"
            for pid in unit:
                rows.append(
                    Notification(
                        person_id=pid,
                        kind="connect.intro",
                        subject="Meet your match",
                        body="You have been matched for a coffee.",
                        url="/connect/",
                        deliver_at=due,
                        due_at=due,
                        chat_provider="slack",
                        chat_state=pending,
                        group_key=key,
                    )
                )
        Notification.objects.bulk_create(rows, batch_size=2000)
    return {"people": count, "alone": half, "groups": groups, "grouped": count - half}


def chat_sweep(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kith.notify import channels
    from kith.notify.models import ChatIdentity, ChatThread, Notification
    from kith.notify.services import notifications_deliver_due

    started = time.perf_counter()
    built = build_chat(args.notifications, args.seed)
    build_seconds = time.perf_counter() - started
    provider = BenchSlack()
    channels.register_provider(provider)
    channels.register_group_renderer("connect.match", render_intro)
    reset_peak()
    rss_start = memory_mb("VmRSS")

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        sample_sent = notifications_deliver_due(now=CHAT_NOW, limit=CHAT_SAMPLE)
        sample_seconds = time.perf_counter() - started
    sample_queries = len(captured.captured_queries)
    verbs = Counter(q["sql"].split(None, 1)[0].upper() for q in captured.captured_queries)

    sweeps: list[float] = []
    sent = 0
    started = time.perf_counter()
    while True:
        call_started = time.perf_counter()
        done = notifications_deliver_due(now=CHAT_NOW, limit=args.limit)
        sweeps.append(time.perf_counter() - call_started)
        if not done:
            break
        sent += done
    sweep_seconds = time.perf_counter() - started
    states = Counter(Notification.objects.values_list("chat_state", flat=True))
    return {
        "benchmark": "chat",
        **built,
        "build_seconds": round(build_seconds, 1),
        "limit": args.limit,
        "sample_notifications": sample_sent,
        "sample_seconds": round(sample_seconds, 2),
        "queries_per_notification": round(sample_queries / max(sample_sent, 1), 1),
        "sample_queries_by_verb": dict(sorted(verbs.items())),
        "sweep_notifications": sent,
        "sweep_calls": len(sweeps),
        "sweep_seconds": round(sweep_seconds, 1),
        "notifications_per_s": round(sent / sweep_seconds, 1) if sweep_seconds else 0.0,
        "call_p50_s": round(statistics.median(sweeps), 2),
        "call_max_s": round(max(sweeps), 2),
        "messages_sent": provider.messages,
        "group_messages": provider.group_messages,
        "recipients": provider.recipients,
        "chat_states": dict(sorted(states.items())),
        "chat_identities": ChatIdentity.objects.count(),
        "chat_threads": ChatThread.objects.count(),
        "rss_start_mb": rss_start,
        "peak_rss_mb": memory_mb("VmHWM"),
    }


# --- running ------------------------------------------------------------------------------------


def run(args: argparse.Namespace, data_dir: Path) -> None:
    os.environ["KITH_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["KITH_DEBUG"] = "false"
    os.environ["KITH_LOG_LEVEL"] = "WARNING"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    (data_dir / "static").mkdir(exist_ok=True)
    template = data_dir / DATABASE
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - started
    from django.db import connections

    connections.close_all()

    def fresh(name: str) -> Path:
        path = data_dir / name
        copy_database(template, path)
        return path

    for benchmark in args.benchmarks:
        info: dict[str, Any] = {}
        if benchmark == "scim":
            row = in_child(fresh("scim.sqlite3"), partial(scim_push, args, "scim", args.users))
        elif benchmark == "scim_existing":
            seeded = data_dir / f"existing-{args.existing}-{args.seed}.sqlite3"
            if not seeded.exists():
                building = fresh("existing-building.sqlite3")
                info = in_child(building, partial(seed_existing, args))
                copy_database(building, seeded)
            path = fresh("scim-existing.sqlite3")
            copy_database(seeded, path)
            row = in_child(
                path, partial(scim_push, args, "scim_existing", args.existing_users), migrate=True
            )
        else:
            row = in_child(fresh("chat.sqlite3"), partial(chat_sweep, args))
        if info:
            row["seed"] = info
        row["migrate_seconds"] = round(migrate_seconds, 1)
        print(json.dumps({**row, **args.common}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--benchmarks", default="scim,scim_existing,chat")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--existing", type=int, default=20_000)
    parser.add_argument("--existing-users", type=int, default=1000)
    parser.add_argument("--filters", type=int, default=200)
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", help="keep (and reuse) the databases here")
    args = parser.parse_args()
    args.benchmarks = [b.strip() for b in args.benchmarks.split(",") if b.strip()]
    unknown = sorted(set(args.benchmarks) - set(BENCHMARKS))
    if unknown:
        parser.error(f"--benchmarks: unknown {', '.join(unknown)}; choose from {BENCHMARKS}")
    args.common = {"database": "sqlite", "commit": code_version(), "date": str(dt.date.today())}
    temporary = None
    if args.data_dir:
        data_dir = Path(args.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        temporary = tempfile.mkdtemp(prefix="kith-bench-integrations-")
        data_dir = Path(temporary)
    try:
        run(args, data_dir)
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
