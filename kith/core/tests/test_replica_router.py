"""Read replicas (kith/core/db.py): which database answers.

The router's and the middleware's decisions are checked everywhere, with a SQLite file
standing in for the replica (nothing is ever read from it). With KITH_TEST_DATABASE_URL, a
second real PostgreSQL database stands in for the replica: a copy of the test database made
with CREATE DATABASE … TEMPLATE (a replica is a copy of its primary), not Django's test
MIRROR, which would point both aliases at one database. Rows written into only one of the two
prove which one answered.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.utils import timezone

from kith.core import db
from kith.core.db import PIN_COOKIE, ReplicaPinMiddleware, read_replica
from kith.core.models import AuditEvent, DisclosedCell
from kith.directory.models import OrgUnit

ROOT = Path(__file__).resolve().parents[3]
ROUTER = "kith.core.db.PrimaryReplicaRouter"


_registered: list[str] = []


@contextmanager
def replica_registered(alias: str, config: dict[str, Any]) -> Iterator[None]:
    """`alias` in settings.DATABASES (which the router and the middleware read: there, only
    the primary and the aliases registered here) and among Django's connections (which
    override_settings leaves alone), with the router on. What `alias` was among the
    connections before comes back afterwards."""
    databases = {DEFAULT_DB_ALIAS: settings.DATABASES[DEFAULT_DB_ALIAS]}
    databases.update({a: settings.DATABASES[a] for a in _registered})
    databases[alias] = config
    before = connections.settings.get(alias)
    if before is not None:
        _forget(alias)
    _registered.append(alias)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Overriding setting DATABASES")
            with override_settings(DATABASES=databases, DATABASE_ROUTERS=[ROUTER]):
                connections.settings[alias] = config
                try:
                    yield
                finally:
                    _forget(alias)
    finally:
        _registered.remove(alias)
        if before is not None:
            connections.settings[alias] = before


def _forget(alias: str) -> None:
    connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


def sqlite_config(path: Path) -> dict[str, Any]:
    config = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    config.update(ENGINE="django.db.backends.sqlite3", NAME=str(path), OPTIONS={})
    config.update(CONN_HEALTH_CHECKS=False, CONN_MAX_AGE=0)
    return config


@pytest.fixture(autouse=True)
def _no_replica_known_down() -> Iterator[None]:
    db._down_until.clear()
    yield
    db._down_until.clear()


@pytest.fixture
def sqlite_replica(tmp_path, django_db_blocker) -> Iterator[None]:
    """A replica that answers (an empty SQLite file): decisions only, no query reaches it."""
    replica = sqlite_config(tmp_path / "replica.sqlite3")
    with replica_registered("replica", replica), django_db_blocker.unblock():
        yield


# --- The router's decisions (always) ------------------------------------------------------------


def test_reads_stay_on_the_primary_unless_a_block_asks_for_a_replica(sqlite_replica):
    assert router.db_for_read(OrgUnit) == "default"
    with read_replica():
        assert router.db_for_read(OrgUnit) == "replica"
        assert router.db_for_write(OrgUnit) == "default"
        # This block wrote: its later reads see the write.
        assert router.db_for_read(OrgUnit) == "default"
    with read_replica():  # outside a request each block is its own unit of work
        assert router.db_for_read(OrgUnit) == "replica"
    assert router.db_for_read(OrgUnit) == "default"


def test_read_replica_is_also_a_decorator(sqlite_replica):
    @read_replica()
    def heavy() -> str:
        return router.db_for_read(OrgUnit)

    assert heavy() == "replica"
    assert router.db_for_read(OrgUnit) == "default"


def test_an_object_read_from_a_replica_is_followed_and_saved_on_the_primary(sqlite_replica):
    unit = OrgUnit(name="Read from the replica")
    unit._state.db = "replica"
    assert router.db_for_read(OrgUnit, instance=unit) == "default"
    assert router.db_for_write(OrgUnit, instance=unit) == "default"


def test_transactions_the_ledger_and_the_cache_read_from_the_primary(sqlite_replica, monkeypatch):
    cache_entry = DatabaseCache("kith_cache", {}).cache_model_class
    with read_replica():
        assert router.db_for_read(DisclosedCell) == "default"
        assert router.db_for_read(cache_entry) == "default"
        monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", True)
        assert router.db_for_read(OrgUnit) == "default"
        monkeypatch.undo()
        assert router.db_for_read(OrgUnit) == "replica"


def test_audit_rows_and_cache_writes_do_not_keep_a_block_on_the_primary(sqlite_replica):
    cache_entry = DatabaseCache("kith_cache", {}).cache_model_class
    with read_replica():
        assert router.db_for_write(AuditEvent) == "default"
        assert router.db_for_write(cache_entry) == "default"
        assert router.db_for_read(OrgUnit) == "replica"


def test_only_the_primary_is_migrated_and_relations_span_both(sqlite_replica):
    assert router.allow_migrate("replica", "directory", model_name="orgunit") is False
    assert router.allow_migrate("default", "directory", model_name="orgunit") is True
    on_primary, on_replica = OrgUnit(), OrgUnit()
    on_primary._state.db, on_replica._state.db = "default", "replica"
    assert router.allow_relation(on_primary, on_replica) is True


def test_an_unreachable_replica_leaves_reads_on_the_primary_with_one_warning(
    tmp_path, caplog, monkeypatch, django_db_blocker
):
    missing = tmp_path / "not-yet" / "replica.sqlite3"
    attempts = []
    with replica_registered("replica", sqlite_config(missing)), django_db_blocker.unblock():
        replica = connections["replica"]
        connect = replica.ensure_connection

        def counted() -> None:
            attempts.append(1)
            connect()

        monkeypatch.setattr(replica, "ensure_connection", counted)
        with caplog.at_level(logging.INFO, logger="kith.core.db"):
            for _ in range(3):
                with read_replica():
                    assert router.db_for_read(OrgUnit) == "default"
            assert len(attempts) == 1  # left alone for RETRY_SECONDS after the failure
            missing.parent.mkdir()
            later = time.monotonic() + db.RETRY_SECONDS + 1
            monkeypatch.setattr(db.time, "monotonic", lambda: later)
            with read_replica():
                assert router.db_for_read(OrgUnit) == "replica"
    messages = [r.getMessage() for r in caplog.records if r.name == "kith.core.db"]
    assert len(messages) == 2, messages
    assert "'replica' cannot be reached, reading from the primary" in messages[0]
    assert "'replica' answers again" in messages[1]


def test_of_several_replicas_the_one_that_answers_is_read(tmp_path, django_db_blocker):
    gone = sqlite_config(tmp_path / "gone" / "replica.sqlite3")
    answers = sqlite_config(tmp_path / "replica_2.sqlite3")
    with (
        replica_registered("replica_1", gone),
        replica_registered("replica_2", answers),
        django_db_blocker.unblock(),
    ):
        for _ in range(4):
            with read_replica():
                assert router.db_for_read(OrgUnit) == "replica_2"


# --- The request's scope and the pin cookie (always) ----------------------------------------------


def served(request: HttpRequest, *, write_first: bool = False) -> tuple[str, HttpResponse]:
    """Which database a GET page's replica block reads from, and the response."""
    seen = []

    def view(request: HttpRequest) -> HttpResponse:
        if write_first:
            router.db_for_write(OrgUnit)
        with read_replica():
            seen.append(router.db_for_read(OrgUnit))
        return HttpResponse("ok")

    response = ReplicaPinMiddleware(view)(request)
    return seen[0], response


def test_a_get_reads_from_the_replica_and_pins_nothing(sqlite_replica, rf):
    alias, response = served(rf.get("/people/"))
    assert alias == "replica"
    assert PIN_COOKIE not in response.cookies


def test_a_post_reads_from_the_primary_and_pins_the_next_requests(sqlite_replica, rf):
    alias, response = served(rf.post("/people/"))
    assert alias == "default"
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == settings.KITH_REPLICA_PIN_SECONDS
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    follow = rf.get("/people/")
    follow.COOKIES[PIN_COOKIE] = cookie.value
    assert served(follow)[0] == "default"
    assert PIN_COOKIE not in served(follow)[1].cookies  # a read does not stretch the window


def test_a_get_that_wrote_reads_its_write_and_pins_the_next_requests(sqlite_replica, rf):
    alias, response = served(rf.get("/people/"), write_first=True)
    assert alias == "default"
    assert PIN_COOKIE in response.cookies


def test_an_expired_or_forged_pin_is_ignored(sqlite_replica, rf, monkeypatch):
    with monkeypatch.context() as past:
        earlier = time.time() - settings.KITH_REPLICA_PIN_SECONDS - 5
        past.setattr(time, "time", lambda: earlier)
        old = served(rf.post("/people/"))[1].cookies[PIN_COOKIE].value
    for value in (old, "1", "1:forged:signature"):
        request = rf.get("/people/")
        request.COOKIES[PIN_COOKIE] = value
        assert served(request)[0] == "replica", value


def test_the_scope_ends_with_the_request(sqlite_replica, rf):
    served(rf.post("/people/"))
    with read_replica():
        assert router.db_for_read(OrgUnit) == "replica"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_without_replicas_the_middleware_steps_aside():
    only_primary = {DEFAULT_DB_ALIAS: settings.DATABASES[DEFAULT_DB_ALIAS]}
    with override_settings(DATABASES=only_primary), pytest.raises(MiddlewareNotUsed):
        ReplicaPinMiddleware(lambda request: HttpResponse())


# --- Settings (always) ----------------------------------------------------------------------------


def settings_run(tmp_path: Path, script: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("KITH_", "DATABASE_URL"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings", KITH_DATA_DIR=str(tmp_path), **variables
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


DESCRIBE = """
import json
from django.conf import settings as s
d = s.DATABASES
print(json.dumps({
    "aliases": sorted(d),
    "routers": s.DATABASE_ROUTERS,
    "first_middleware": s.MIDDLEWARE[0],
    "same_connections": all(
        d[a]["CONN_MAX_AGE"] == d["default"]["CONN_MAX_AGE"]
        and d[a]["CONN_HEALTH_CHECKS"] == d["default"]["CONN_HEALTH_CHECKS"] is True
        for a in d
    ),
    "hosts": [d[a]["HOST"] for a in sorted(d)],
    "options": d["replica_2"]["OPTIONS"],
    "test": d["replica_1"]["TEST"],
    "pin": s.KITH_REPLICA_PIN_SECONDS,
}))
"""


def test_settings_add_one_alias_per_replica_as_the_primary_is_configured(tmp_path):
    result = settings_run(
        tmp_path,
        DESCRIBE,
        DATABASE_URL="postgres://kith:pw@primary.internal:5432/kith",
        KITH_REPLICA_DATABASE_URL=(
            "postgres://kith:pw@replica-a.internal:5432/kith,"
            "postgres://kith:pw@replica-b.internal:5432/kith?sslmode=require"
        ),
        KITH_REPLICA_PIN_SECONDS="5",
    )
    assert result.returncode == 0, result.stderr
    described = json.loads(result.stdout)
    assert described == {
        "aliases": ["default", "replica_1", "replica_2"],
        "routers": [ROUTER],
        "first_middleware": "kith.core.db.ReplicaPinMiddleware",
        "same_connections": True,
        "hosts": ["primary.internal", "replica-a.internal", "replica-b.internal"],
        "options": {"sslmode": "require", "connect_timeout": 3},
        "test": {"MIRROR": "default"},
        "pin": 5,
    }


def test_without_replicas_settings_change_nothing(tmp_path):
    script = (
        "from django.conf import settings as s;"
        "print(sorted(s.DATABASES), s.DATABASE_ROUTERS, 'ReplicaPin' in str(s.MIDDLEWARE))"
    )
    result = settings_run(tmp_path, script)
    assert result.stdout.split() == ["['default']", "[]", "False"], result.stderr


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"KITH_REPLICA_DATABASE_URL": "postgres://kith:hunter2@replica/kith"},
            "KITH_REPLICA_DATABASE_URL needs DATABASE_URL to name the PostgreSQL primary",
        ),
        (
            {
                "DATABASE_URL": "postgres://kith:pw@primary/kith",
                "KITH_REPLICA_DATABASE_URL": "mysql://kith:hunter2@replica/kith",
            },
            "KITH_REPLICA_DATABASE_URL is not valid: expected a sqlite:// or postgres:// URL",
        ),
        (
            {
                "DATABASE_URL": "postgres://kith:pw@primary/kith",
                "KITH_REPLICA_DATABASE_URL": "sqlite:///tmp/hunter2.sqlite3",
            },
            "KITH_REPLICA_DATABASE_URL is not valid: expected postgres:// URLs",
        ),
    ],
)
def test_settings_refuse_a_replica_that_cannot_be_one(tmp_path, variables, expected):
    result = settings_run(tmp_path, "import django; django.setup()", **variables)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "hunter2" not in result.stderr


# --- Two real PostgreSQL databases ---------------------------------------------------------------

postgres_only = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("KITH_TEST_DATABASE_URL"),
        reason="needs PostgreSQL: set KITH_TEST_DATABASE_URL",
    ),
    # Django's test case refuses a connection to an alias it was not told about.
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]
HQ, TEAM = 900_001, 900_002  # the same ids in both databases, with different names
WEEK = dt.date(2026, 3, 2)


def _admin_connection(config: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture(scope="module")
def replica_database(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """A copy of the test database, made once for this module and dropped after it. Its
    alias is known to Django's connections meanwhile: each test case checks the aliases it
    connects to. It is marked as a test mirror only so that the test case does not flush it
    after each test (two_databases empties what the tests write there)."""
    from psycopg import sql

    primary = connections[DEFAULT_DB_ALIAS]
    source = primary.settings_dict["NAME"]
    name = f"{source}_replica"[-63:]
    with django_db_blocker.unblock():
        primary.close()  # a template must have no other session
        with _admin_connection(primary.settings_dict) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(source)
                )
            )
    config = copy.deepcopy(primary.settings_dict)
    config["NAME"] = name
    config["TEST"] = {**config["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
    connections.settings["replica"] = config
    yield config
    _forget("replica")
    with django_db_blocker.unblock(), _admin_connection(primary.settings_dict) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def two_databases(replica_database) -> Iterator[None]:
    """The replica registered, and in each database a department and a team under the same
    ids and different names (both databases are emptied after each test)."""
    with replica_registered("replica", replica_database):
        for where, prefix in (("default", "Primary"), ("replica", "Replica")):
            hq = OrgUnit.objects.using(where).create(pk=HQ, name=f"{prefix} HQ", kind="department")
            OrgUnit.objects.using(where).create(pk=TEAM, name=f"{prefix} team", parent=hq)
        try:
            yield
        finally:
            from kith.insights.models import Computation

            tables = ", ".join(m._meta.db_table for m in (OrgUnit, Computation))
            with connections["replica"].cursor() as cursor:
                cursor.execute(f"TRUNCATE {tables} CASCADE")


def names() -> set[str]:
    return set(OrgUnit.objects.filter(pk__in=[HQ, TEAM]).values_list("name", flat=True))


@pytest.mark.usefixtures("two_databases")
class TestTwoPostgreSQLDatabases:
    pytestmark = postgres_only

    def test_plain_reads_come_from_the_primary_and_replica_blocks_from_the_replica(self):
        assert names() == {"Primary HQ", "Primary team"}
        with read_replica():
            assert names() == {"Replica HQ", "Replica team"}
            assert OrgUnit.objects.filter(pk=TEAM).get().name == "Replica team"
        assert OrgUnit.objects.get(pk=HQ).name == "Primary HQ"

    def test_a_write_in_a_replica_block_goes_to_the_primary_and_later_reads_follow_it(self):
        with read_replica():
            assert names() == {"Replica HQ", "Replica team"}
            OrgUnit.objects.filter(pk=HQ).update(name="Renamed HQ")
            assert names() == {"Renamed HQ", "Primary team"}
        with connections["replica"].cursor() as cursor:
            cursor.execute(f"SELECT name FROM {OrgUnit._meta.db_table} WHERE id = %s", [HQ])
            assert cursor.fetchone() == ("Replica HQ",)

    def test_reads_inside_a_transaction_on_the_primary_stay_there(self):
        with read_replica(), transaction.atomic():
            assert names() == {"Primary HQ", "Primary team"}
            assert OrgUnit.objects.select_for_update().get(pk=HQ).name == "Primary HQ"

    def test_an_object_from_the_replica_is_followed_and_saved_on_the_primary(self):
        with read_replica():
            team = OrgUnit.objects.get(pk=TEAM)
        assert (team.name, team._state.db) == ("Replica team", "replica")
        assert team.parent is not None and team.parent.name == "Primary HQ"
        team.description = "saved"
        team.save()
        primary = OrgUnit.objects.using("default").get(pk=TEAM)
        assert (primary.name, primary.description) == ("Replica team", "saved")
        assert OrgUnit.objects.using("replica").get(pk=TEAM).description == ""

    def test_pages_read_from_the_replica_until_the_person_writes(self):
        from kith.directory.tests.factories import PersonFactory, login_for
        from kith.insights import services
        from kith.insights.models import Computation, UnitFigures

        for where, prefix in (("default", "Primary"), ("replica", "Replica")):
            computation = Computation.objects.using(where).create(
                week=WEEK, computed_at=timezone.now(), members=b"", tree={}, k=5
            )
            UnitFigures.objects.using(where).create(
                computation=computation, unit=0, name=f"{prefix} organisation", depth=0, people=50
            )
        services.insights_enable(actor=None)
        hr = PersonFactory(full_name="Hana Rocha", email="hana@example.com")
        with override_settings(
            MIDDLEWARE=["kith.core.db.ReplicaPinMiddleware", *settings.MIDDLEWARE]
        ):
            client = Client()
            client.force_login(login_for(hr, hr=True))

            def organisation() -> list[str]:
                response = client.get("/api/v1/insights/health")
                assert response.status_code == 200, response.content
                return [unit["name"] for unit in response.json()["units"]]

            assert organisation() == ["Replica organisation"]
            assert PIN_COOKIE not in client.cookies  # the audit row it wrote pins nothing
            assert client.post("/insights/notice/", {"next": "/insights/"}).status_code == 302
            assert PIN_COOKIE in client.cookies
            assert organisation() == ["Primary organisation"]
        viewed = AuditEvent.objects.filter(action="insights.health_viewed")
        assert viewed.using("default").count() == 2
        assert viewed.using("replica").count() == 0


@pytest.mark.usefixtures("replica_database")
@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("KITH_TEST_DATABASE_URL"),
    reason="needs PostgreSQL: set KITH_TEST_DATABASE_URL",
)
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_postgresql_replica_that_does_not_answer_leaves_reads_on_the_primary(
    replica_database, caplog
):
    OrgUnit.objects.create(pk=HQ, name="Primary HQ", kind="department")
    with (
        replica_registered("replica", {**replica_database, "PORT": "1"}),
        caplog.at_level(logging.WARNING, logger="kith.core.db"),
        read_replica(),
    ):
        assert names() == {"Primary HQ"}
        assert names() == {"Primary HQ"}
    messages = [r.getMessage() for r in caplog.records if r.name == "kith.core.db"]
    assert len(messages) == 1 and "'replica' cannot be reached" in messages[0], messages
