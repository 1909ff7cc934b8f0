"""Throttles count in one store shared by every process (issue 9): logins and codes through
allauth, tokens in URLs and personal API tokens through kith.core.throttle."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from django.core.cache import CacheHandler
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client, override_settings

from kith.accounts.services import api_token_create
from kith.core import throttle
from kith.core.cache import DatabaseCache
from kith.core.dates import org_today
from kith.directory.tests.factories import login_for
from kith.events.services import feed_token_regenerate
from kith.pulse import services as pulse_services
from kith.pulse.models import Invitation
from kith.pulse.tests.builders import build_org, campaign

pytestmark = pytest.mark.django_db

STRICT = {"secret_path": "5/m", "token_failed": "3/10m", "api_token": "4/m"}


def _two_clients() -> tuple[object, object]:
    """Two cache clients built from settings.CACHES, as two processes would build them."""
    handler_a, handler_b = CacheHandler(), CacheHandler()
    return handler_a.create_connection("default"), handler_b.create_connection("default")


# --- The store ----------------------------------------------------------------------------------


def test_the_default_cache_is_the_database_so_every_process_shares_it():
    first, second = _two_clients()
    assert isinstance(first, DatabaseCache) and first is not second
    first.add("kith:test:counter", 0, timeout=60)
    for _ in range(3):
        first.incr("kith:test:counter")
    assert second.incr("kith:test:counter") == 4  # the second client sees the first's hits


def test_a_throttle_counted_by_one_process_holds_in_another(monkeypatch):
    first, second = _two_clients()
    with override_settings(KITH_RATE_LIMITS=STRICT):
        monkeypatch.setattr(throttle, "cache", first)
        assert [throttle.hit("token_failed", "10.0.0.9") for _ in range(4)] == [
            True,
            True,
            True,
            False,
        ]
        monkeypatch.setattr(throttle, "cache", second)
        assert throttle.is_exhausted("token_failed", "10.0.0.9")
        assert not throttle.is_exhausted("token_failed", "10.0.0.10")


def test_per_process_memory_would_not_have_shared_it():
    """What Kith used before (LocMemCache): each process counted alone."""
    first = LocMemCache("process-1", {})
    second = LocMemCache("process-2", {})
    first.set("n", 5)
    assert second.get("n") is None


def _expiry(key_end: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM kith_cache WHERE cache_key LIKE %s", [f"%{key_end}"])
        return cursor.fetchone()[0]


def test_incr_keeps_the_expiry_and_refuses_missing_keys():
    """Django's own incr would reset the entry to the default timeout (300 s), stretching a
    throttle window or cutting it short."""
    store = _two_clients()[0]
    store.add("kith:test:window", 1, timeout=3600)
    before = _expiry("window")
    assert store.incr("kith:test:window", 5) == 6
    assert store.get("kith:test:window") == 6 and _expiry("window") == before
    with pytest.raises(ValueError, match="not found"):
        store.incr("kith:test:absent")


def test_windows_are_fixed_and_counted_per_scope_and_client():
    with override_settings(KITH_RATE_LIMITS=STRICT):
        start = 600 * 1000.0
        assert all(throttle.hit("token_failed", "a", now=start + i) for i in range(3))
        assert not throttle.hit("token_failed", "a", now=start + 3)
        assert throttle.hit("token_failed", "b", now=start + 3)
        assert throttle.hit("token_failed", "a", now=start + 600)  # the next window
        assert throttle.retry_after("token_failed", now=start + 100) == 500


@pytest.mark.parametrize("bad", ["", "five/m", "0/m", "3/0m", "3/week"])
def test_bad_rates_name_the_scope(bad):
    from django.core.exceptions import ImproperlyConfigured

    with (
        override_settings(KITH_RATE_LIMITS={"token_failed": bad}),
        pytest.raises(ImproperlyConfigured, match="token_failed"),
    ):
        throttle.rate_for("token_failed")


# --- Redis, when KITH_CACHE_URL names one ------------------------------------------------------


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_with_redis_two_clients_share_the_counter(redis_url, monkeypatch):
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    with override_settings(CACHES=caches, KITH_RATE_LIMITS=STRICT):
        first, second = _two_clients()
        monkeypatch.setattr(throttle, "cache", first)
        for _ in range(3):
            throttle.hit("token_failed", "10.1.1.1")
        monkeypatch.setattr(throttle, "cache", second)
        assert throttle.is_exhausted("token_failed", "10.1.1.1")
        assert not throttle.hit("token_failed", "10.1.1.1")


def test_with_redis_a_signed_in_request_reads_its_session_from_the_cache(redis_url, employee):
    """With KITH_CACHE_URL, a session is read from Redis (no query for it) and survives a
    Redis that forgot it (it is in the database too)."""
    from django.core.cache import caches as django_caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    caches = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    with override_settings(
        CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        client = Client()
        client.force_login(login_for(employee))
        client.get("/privacy/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/privacy/").status_code == 200
        assert not any("django_session" in q["sql"] for q in queries.captured_queries)
        django_caches["default"].clear()  # Redis restarted empty: still signed in
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/privacy/").status_code == 200
        assert any("django_session" in q["sql"] for q in queries.captured_queries)
        django_caches["default"].clear()


# --- Through the pages and the API -------------------------------------------------------------


@pytest.fixture
def survey_token() -> str:
    org = build_org()
    wave = campaign(login_for(org.hr, hr=True), today=org_today()).waves.get(number=1)
    pulse_services.wave_send(wave=wave)
    return Invitation.objects.get(wave=wave, person=org.platform_people[0]).token


@override_settings(KITH_RATE_LIMITS=STRICT)
def test_wrong_survey_links_use_up_the_address_then_even_a_right_one_waits(survey_token):
    client = Client()
    for attempt in range(3):
        assert client.get(f"/pulse/s/guess{attempt}xxxxxxxxxxxxxxxx/").status_code == 404
    response = client.get(f"/pulse/s/{survey_token}/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0 and "no-store" in response["Cache-Control"]
    other_address = Client(REMOTE_ADDR="10.9.9.9")
    assert other_address.get(f"/pulse/s/{survey_token}/").status_code == 200


@override_settings(KITH_RATE_LIMITS=STRICT)
def test_calendar_feeds_are_throttled_per_address(employee):
    token = feed_token_regenerate(person=employee).token
    client = Client()
    statuses = [client.get(f"/events/feed/{token}.ics").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


@override_settings(KITH_RATE_LIMITS=STRICT, KITH_TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_forwarded_address_counts(employee):
    token = feed_token_regenerate(person=employee).token
    for address in ("198.51.100.1", "198.51.100.2"):
        client = Client(HTTP_X_FORWARDED_FOR=f"6.6.6.6, {address}")
        assert [client.get(f"/events/feed/{token}.ics").status_code for _ in range(5)] == [200] * 5


@override_settings(KITH_RATE_LIMITS=STRICT)
def test_the_survey_api_by_token_answers_429_in_json(survey_token):
    client = Client(REMOTE_ADDR="10.2.2.2")
    client.force_login(login_for(Invitation.objects.get(token=survey_token).person))
    for attempt in range(3):
        assert client.get(f"/api/v1/pulse/surveys/nope{attempt}nopenope").status_code == 404
    response = client.get(f"/api/v1/pulse/surveys/{survey_token}")
    assert response.status_code == 429 and response["Content-Type"] == "application/json"
    assert "try again in" in response.json()["detail"]


@override_settings(KITH_RATE_LIMITS=STRICT)
def test_wrong_api_tokens_are_throttled_and_each_token_has_a_ceiling(employee):
    wrong = Client(headers={"Authorization": "Bearer kith_" + "x" * 43})
    assert [wrong.get("/api/v1/people/me").status_code for _ in range(4)] == [401] * 3 + [429]
    _, raw = api_token_create(user=login_for(employee), name="t")
    right = Client(headers={"Authorization": f"Bearer {raw}"})
    blocked = right.get("/api/v1/people/me")
    assert blocked.status_code == 429 and blocked.json()["detail"].startswith("Too many")
    elsewhere = Client(REMOTE_ADDR="10.3.3.3", headers={"Authorization": f"Bearer {raw}"})
    assert [elsewhere.get("/api/v1/people/me").status_code for _ in range(5)] == [200] * 4 + [429]
    assert "Retry-After" in elsewhere.get("/api/v1/people/me")


def test_failed_logins_are_throttled_in_the_shared_cache(employee):
    login_for(employee)  # password "pw-for-tests-1"
    with override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "2/m/ip,5/5m/key"}):
        client = Client()
        for _ in range(2):
            client.post("/accounts/login/", {"login": employee.email, "password": "wrong"})
        right = client.post(
            "/accounts/login/", {"login": employee.email, "password": "pw-for-tests-1"}
        )
        assert "Too many failed login attempts" in right.content.decode()
        assert "_auth_user_id" not in client.session
    # allauth's counters are rows of the shared table, not a process's memory.
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM kith_cache WHERE cache_key LIKE %s", ["%allauth:rl%"])
        assert cursor.fetchone()[0] >= 1
