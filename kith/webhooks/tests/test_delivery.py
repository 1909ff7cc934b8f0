"""Signing, delivery once per endpoint, retries with backoff, and 410 Gone, against a real
HTTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from kith.core import netpolicy
from kith.core.models import AuditEvent
from kith.webhooks import events, services, signing
from kith.webhooks.models import Delivery, Endpoint
from kith.webhooks.tests.helpers import endpoint, hr_viewer

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _emit(key: str = "1", event_type: str = events.ROUND_DRAWN, now: dt.datetime = NOW) -> int:
    occurrence = events.Occurrence(events.event_id_for(event_type, key), {"round_id": int(key)})
    return services.events_emit(event_type=event_type, occurrences=[occurrence], now=now)


def test_the_signature_verifies_with_the_endpoint_secret_and_nothing_else(receiver):
    hook, secret = endpoint(hr_viewer(), receiver.url)
    _emit()
    assert services.deliveries_send_due(now=NOW) == 1
    [request] = receiver.received
    header = request.headers["Kith-Signature"]
    assert header.startswith(f"t={int(NOW.timestamp())},v1=")
    assert signing.verify(secret, request.body, header, now=NOW.timestamp())
    assert not signing.verify("whsec_other", request.body, header, now=NOW.timestamp())
    assert not signing.verify(secret, request.body + b" ", header, now=NOW.timestamp())
    # An old signature is a replay.
    assert not signing.verify(secret, request.body, header, now=NOW.timestamp() + 3600)
    payload = json.loads(request.body)
    assert set(payload) == {"id", "type", "created_at", "data"}
    assert request.headers["Kith-Event-Id"] == payload["id"]
    assert request.headers["Kith-Event-Type"] == payload["type"] == events.ROUND_DRAWN
    # The secret is sealed at rest: the column holds ciphertext.
    with connection.cursor() as cursor:
        table = Endpoint._meta.db_table
        cursor.execute(f"SELECT secret FROM {table} WHERE id = %s", [hook.pk])
        [stored] = cursor.fetchone()
    assert secret not in stored and stored.startswith("sealed:v1:")


def test_delivered_once_per_endpoint_when_the_task_the_sweep_and_a_second_emit_all_run(
    receiver,
):
    viewer = hr_viewer()
    _first, _ = endpoint(viewer, receiver.url, name="One")
    _second, _ = endpoint(viewer, receiver.url + "/two", name="Two")
    assert _emit() == 2
    assert _emit() == 0  # the same occurrence heard twice
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert services.deliveries_send(delivery_ids=ids, now=NOW) == 2
    assert services.deliveries_send(delivery_ids=ids, now=NOW) == 0
    assert services.deliveries_send_due(now=NOW + dt.timedelta(days=1)) == 0
    assert sorted(r.path for r in receiver.received) == ["/kith", "/kith/two"]
    assert len({r.headers["Kith-Event-Id"] for r in receiver.received}) == 1
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_a_claimed_delivery_is_not_sent_by_a_second_sender(receiver):
    endpoint(hr_viewer(), receiver.url)
    _emit()
    delivery = Delivery.objects.get()
    assert services._claim(delivery.pk, NOW)
    assert services.delivery_send(delivery_id=delivery.pk, now=NOW) is None
    assert receiver.received == []
    # A sender that crashed holding the claim: the sweep takes it over once the lease lapses.
    later = NOW + services.SENDING_LEASE
    assert services.deliveries_send_due(now=later) == 1
    assert len(receiver.received) == 1


def test_a_500_is_retried_with_backoff_then_delivered(receiver):
    endpoint(hr_viewer(), receiver.url)
    receiver.answers = [500, 503]
    _emit()
    assert services.deliveries_send_due(now=NOW) == 0
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at == NOW + dt.timedelta(minutes=1)
    # Not due yet: nothing is sent.
    assert services.deliveries_send_due(now=NOW + dt.timedelta(seconds=59)) == 0
    assert len(receiver.received) == 1
    second = NOW + dt.timedelta(minutes=1)
    assert services.deliveries_send_due(now=second) == 0
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == second + dt.timedelta(minutes=5)
    third = second + dt.timedelta(minutes=5)
    assert services.deliveries_send_due(now=third) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert delivery.delivered_at == third and delivery.last_error == ""
    # Every attempt carried the same event and the same body.
    assert len({r.body for r in receiver.received}) == 1


def test_it_gives_up_after_the_last_retry(receiver):
    endpoint(hr_viewer(), receiver.url)
    receiver.answers = [500] * 10
    _emit()
    now = NOW
    for delay in (*services.RETRY_DELAYS, None):
        services.deliveries_send_due(now=now)
        if delay is not None:
            now += delay
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    assert services.deliveries_send_due(now=now + dt.timedelta(days=7)) == 0
    assert len(receiver.received) == services.MAX_ATTEMPTS


def test_a_refused_connection_is_an_error_class_name_and_a_retry(receiver):
    _hook, _ = endpoint(hr_viewer(), receiver.url)
    receiver.server.shutdown()
    receiver.server.server_close()
    _emit()
    services.deliveries_send_due(now=NOW)
    delivery = Delivery.objects.get()
    assert delivery.state == "pending" and delivery.last_status_code is None
    assert delivery.last_error == "ConnectionRefusedError"


def test_410_gone_disables_the_endpoint_and_what_it_was_owed(receiver):
    viewer = hr_viewer()
    hook, _ = endpoint(viewer, receiver.url)
    receiver.answers = [410]
    _emit("1")
    _emit("2", now=NOW + dt.timedelta(seconds=1))
    services.deliveries_send_due(now=NOW + dt.timedelta(seconds=2))
    hook.refresh_from_db()
    assert not hook.is_active and hook.disabled_reason == "410 Gone"
    states = dict(Delivery.objects.values_list("event_id", "state"))
    assert set(states.values()) == {"failed"}
    assert len(receiver.received) == 1
    assert AuditEvent.objects.filter(
        action="webhooks.endpoint_disabled", target=f"endpoint:{hook.pk}"
    ).exists()
    # A switched-off endpoint is sent nothing new.
    assert _emit("3") == 0


def test_a_redirect_is_not_followed(receiver):
    endpoint(hr_viewer(), receiver.url)
    receiver.answers = [302]
    _emit()
    services.deliveries_send_due(now=NOW)
    assert Delivery.objects.get().last_status_code == 302
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    ("url", "allow_http", "message"),
    [
        ("ftp://example.com/x", True, "full https://"),
        ("http://hr.example.com/x", True, "must start with https://"),
        ("http://127.0.0.1:8000/x", False, "must start with https://"),
        ("https://user:pw@example.com/x", False, "password"),
        ("example.com", False, "full https://"),
    ],
)
def test_urls_must_be_https_or_loopback_http_with_the_setting(settings, url, allow_http, message):
    settings.KITH_WEBHOOKS_ALLOW_HTTP = allow_http
    with pytest.raises(ValidationError) as refused:
        endpoint(hr_viewer(), url)
    assert message in " ".join(refused.value.message_dict["url"])


def test_an_endpoint_needs_at_least_one_known_event():
    viewer = hr_viewer()
    for chosen, message in (([], "at least one"), (["person.renamed"], "Unknown event type")):
        with pytest.raises(ValidationError) as refused:
            services.endpoint_create(
                viewer=viewer, name="X", url="https://example.com/h", event_types=chosen
            )
        assert message in " ".join(refused.value.message_dict["events"])


def test_only_subscribed_endpoints_get_an_event(receiver):
    viewer = hr_viewer()
    endpoint(viewer, receiver.url, [events.PERSON_JOINED], name="People only")
    assert _emit() == 0


def test_the_test_event_is_sent_at_once_and_logged(receiver):
    viewer = hr_viewer()
    hook, secret = endpoint(viewer, receiver.url, [events.PERSON_JOINED])
    delivery = services.endpoint_send_test(viewer=viewer, endpoint=hook, now=timezone.now())
    assert delivery.state == "delivered" and delivery.event_type == events.PING
    [request] = receiver.received
    assert signing.verify(secret, request.body, request.headers["Kith-Signature"])
    assert json.loads(request.body)["data"] == {"endpoint_id": hook.pk}


def test_a_rotated_secret_signs_from_then_on(receiver):
    viewer = hr_viewer()
    hook, old = endpoint(viewer, receiver.url)
    new = services.endpoint_rotate_secret(viewer=viewer, endpoint=hook)
    assert new != old
    services.endpoint_send_test(viewer=viewer, endpoint=hook, now=timezone.now())
    request = receiver.received[-1]
    assert signing.verify(new, request.body, request.headers["Kith-Signature"])
    assert not signing.verify(old, request.body, request.headers["Kith-Signature"])
    assert AuditEvent.objects.filter(action="webhooks.secret_rotated").count() == 1


# --- The address rule (kith/core/netpolicy.py) ------------------------------------------------


def _resolving(monkeypatch, *addresses: str) -> None:
    monkeypatch.setattr(netpolicy, "system_resolve", lambda host, port: list(addresses))


@pytest.mark.parametrize(
    "answer",
    ["169.254.169.254", "10.0.0.5", "127.0.0.1", "64:ff9b::a9fe:a9fe", "::ffff:10.0.0.5"],
)
def test_an_address_inside_is_refused_when_saved(settings, monkeypatch, answer):
    settings.KITH_WEBHOOKS_ALLOWED_NETWORKS = []
    _resolving(monkeypatch, answer)
    with pytest.raises(ValidationError) as refused:
        endpoint(hr_viewer(), "https://hooks.internal.example/in")
    assert "not on the public internet" in " ".join(refused.value.message_dict["url"])
    assert not Endpoint.objects.exists()


def test_the_operator_allows_an_internal_network(settings, monkeypatch):
    _resolving(monkeypatch, "10.1.2.7")
    settings.KITH_WEBHOOKS_ALLOWED_NETWORKS = ["10.1.2.0/24"]
    viewer = hr_viewer()
    hook, _ = endpoint(viewer, "https://hooks.internal.example/in")
    assert hook.url == "https://hooks.internal.example/in"
    settings.KITH_WEBHOOKS_ALLOWED_NETWORKS = ["10.9.0.0/16"]
    with pytest.raises(ValidationError):
        endpoint(viewer, "https://hooks.internal.example/in", name="Other")


def test_http_to_loopback_needs_loopback_allowed_too(settings, receiver):
    settings.KITH_WEBHOOKS_ALLOWED_NETWORKS = []
    with pytest.raises(ValidationError) as refused:
        endpoint(hr_viewer(), receiver.url)
    assert "not on the public internet" in " ".join(refused.value.message_dict["url"])


def test_an_unknown_host_is_named(monkeypatch):
    def unknown(host, port):
        raise OSError("no such host")

    monkeypatch.setattr(netpolicy, "system_resolve", unknown)
    with pytest.raises(ValidationError) as refused:
        endpoint(hr_viewer(), "https://nowhere.example/in")
    assert "could not be found" in " ".join(refused.value.message_dict["url"])


def test_the_address_is_vetted_again_before_each_attempt(settings, receiver):
    """The setting (or the name's DNS answer) may change after the endpoint was saved: the
    attempt is refused without a connection, and the log shows one word, not a socket error
    (which would tell an internal port open from closed)."""
    endpoint(hr_viewer(), receiver.url)
    _emit()
    settings.KITH_WEBHOOKS_ALLOWED_NETWORKS = []
    assert services.deliveries_send_due(now=NOW) == 0
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.last_error) == ("pending", "ForbiddenAddress")
    assert receiver.received == []


def test_each_attempt_connects_only_to_the_addresses_it_vetted(monkeypatch, receiver):
    """DNS rebinding: the check sees one answer, the connection must not ask again. The
    receiver listens on 127.0.0.1; the check is answered 127.0.0.2, where nothing listens."""
    port = receiver.server.server_address[1]
    hook, _ = endpoint(hr_viewer(), f"http://localhost:{port}/kith")
    _resolving(monkeypatch, "127.0.0.2")
    _emit()
    assert services.deliveries_send_due(now=NOW) == 0
    assert Delivery.objects.get().last_error == "ConnectionRefusedError"
    assert receiver.received == []
    # Vetted as what the system resolves "localhost" to, the same address is delivered to.
    monkeypatch.undo()
    assert services.deliveries_send_due(now=NOW + dt.timedelta(minutes=1)) == 1
    assert len(receiver.received) == 1 and hook.pk


# --- The sweep's clock ---------------------------------------------------------------------------


class _Answer:
    status = 200

    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *args: object) -> None:
        return None


def test_a_slow_sweep_claims_each_delivery_on_its_own_clock(receiver, monkeypatch):
    """Each answer takes longer than the claim's lease, and while the second is being sent
    another worker sweeps. Claimed on the sweep's starting clock, the second delivery's lease
    would already have lapsed and the other sweep would send it again."""
    endpoint(hr_viewer(), receiver.url)
    for key in ("1", "2", "3"):
        _emit(key)
    clock = [NOW]
    monkeypatch.setattr(services, "timezone", SimpleNamespace(now=lambda: clock[0]))
    posted: list[str] = []

    class SlowReceiver:
        def open(self, request, timeout):
            posted.append(request.get_header("Kith-event-id"))
            if len(posted) == 2:
                services.deliveries_send_due(opener=self)  # another worker, right now
            clock[0] += services.SENDING_LEASE + dt.timedelta(minutes=1)
            return _Answer()

    services.deliveries_send_due(opener=SlowReceiver())

    assert len(posted) == 3 and len(set(posted)) == 3
    assert set(Delivery.objects.values_list("state", "attempts")) == {("delivered", 1)}


def test_https_is_pinned_too_and_keeps_the_name_for_tls(settings, monkeypatch, receiver):
    """A name no resolver knows, vetted as 127.0.0.1: the TLS connection goes there (the plain
    http receiver cannot complete the handshake, so nothing is delivered)."""
    settings.KITH_WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    port = receiver.server.server_address[1]
    _resolving(monkeypatch, "127.0.0.1")
    endpoint(hr_viewer(), f"https://hooks.kith-pinned.invalid:{port}/kith")
    _emit()
    assert services.deliveries_send_due(now=NOW) == 0
    assert Delivery.objects.get().last_error in ("SSLError", "SSLZeroReturnError", "SSLEOFError")
    assert receiver.received == []
