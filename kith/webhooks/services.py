"""Endpoints (HR's writes, each audited) and deliveries (signed, retried, sent at most once).

A delivery is claimed with one conditional update before it is sent, so the task enqueued on
commit and the periodic sweep (or two workers) can never both send it. A failed attempt is
retried after RETRY_DELAYS; after the last one it stays failed. A 2xx answer is delivered;
410 Gone switches the endpoint off. Nothing from a response is kept but its status code, and
of an error only its class name: a body could echo anything back into Kith.

Addresses follow kith/core/netpolicy.py when saved and again before every attempt: public
addresses over https, plus the networks in KITH_WEBHOOKS_ALLOWED_NETWORKS; each attempt
connects only to the addresses it just vetted (no second DNS answer to rebind)."""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from kith.core import audit, netpolicy
from kith.core.permissions import Viewer, require
from kith.webhooks import events, signing
from kith.webhooks.models import Delivery, Endpoint
from kith.webhooks.permissions import ONLY_HR, can_manage_webhooks

log = logging.getLogger(__name__)

State = Delivery.State

TIMEOUT_SECONDS = 10
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A claim older than this belongs to a sender that crashed (a request gives up after 10 s).
SENDING_LEASE = dt.timedelta(minutes=2)
SWEEP_BATCH = 500
ENQUEUE_BATCH = 200
MAX_NAME = 100
USER_AGENT = "Kith-Webhooks/1"
GONE = 410
LOOPBACK_NAMES = frozenset({"localhost"})

# --- Endpoints -------------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


# Why an address is refused (netpolicy's reason): the form's words, and the delivery log's.
REFUSALS = {
    "bad_url": ("Give a full https:// address.", "InsecureURL"),
    "insecure": ("The address must start with https://.", "InsecureURL"),
    "unresolvable": ("This server name could not be found.", "UnknownHost"),
    "forbidden_host": (
        "Kith may not call this address: it is not on the public internet (the operator can "
        "allow an internal network with KITH_WEBHOOKS_ALLOWED_NETWORKS).",
        "ForbiddenAddress",
    ),
}


class Refused(ValidationError):
    """A ValidationError on "url" that also carries the delivery log's word for it."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__({"url": [message]})
        self.error = error


def validated_url(url: str) -> str:
    """The address as stored, or a ValidationError naming what is wrong (see vetted)."""
    url = (url or "").strip()
    vetted(url)
    return url


def vetted(url: str) -> netpolicy.Target:
    """https to public addresses or to the allowed networks; plain http only to this machine
    when KITH_WEBHOOKS_ALLOW_HTTP is on (tests, a local relay), and only if the operator
    allows loopback too. Never a URL with a password in it: it would sit in the database."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise Refused(*REFUSALS["bad_url"])
    if parts.username or parts.password:
        raise Refused("Leave the user name and password out of the address.", "InsecureURL")
    if parts.scheme == "http" and not (http_allowed() and _is_loopback(parts.hostname)):
        raise Refused(*REFUSALS["insecure"])
    try:
        return netpolicy.vet(url, allowed=allowed_networks())
    except netpolicy.Refused as refused:
        raise Refused(*REFUSALS[refused.reason]) from None


def http_allowed() -> bool:
    return bool(getattr(settings, "KITH_WEBHOOKS_ALLOW_HTTP", False))


def allowed_networks() -> list[netpolicy.Network]:
    return netpolicy.parse_networks(getattr(settings, "KITH_WEBHOOKS_ALLOWED_NETWORKS", []) or [])


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _validated(name: str, url: str, event_types: Iterable[str]) -> dict[str, Any]:
    """Every field checked at once, so the form names every fault in one go."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the endpoint a name."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Use at most {MAX_NAME} characters."
    chosen = sorted(set(event_types))
    unknown = [e for e in chosen if e not in events.EVENT_TYPES]
    if not chosen:
        errors["events"] = "Choose at least one event."
    elif unknown:
        errors["events"] = f"Unknown event type {unknown[0]!r}."
    try:
        url = validated_url(url)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return {"name": name, "url": url, "events": chosen}


def endpoint_create(
    *, viewer: Viewer, name: str, url: str, event_types: Iterable[str]
) -> tuple[Endpoint, str]:
    """Returns the endpoint and its secret, to show once."""
    require(can_manage_webhooks(viewer), ONLY_HR)
    fields = _validated(name, url, event_types)
    secret = new_secret()
    with transaction.atomic():
        endpoint = Endpoint(secret=secret, **fields)
        endpoint.created_by_id = viewer.user.pk
        endpoint.save()
        audit.record(
            actor=viewer.user,
            action="webhooks.endpoint_created",
            target=f"endpoint:{endpoint.pk}",
            events=fields["events"],
        )
    return endpoint, secret


def endpoint_update(
    *,
    viewer: Viewer,
    endpoint: Endpoint,
    name: str,
    url: str,
    event_types: Iterable[str],
    is_active: bool,
) -> Endpoint:
    require(can_manage_webhooks(viewer), ONLY_HR)
    fields = _validated(name, url, event_types)
    with transaction.atomic():
        locked = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        changed = sorted(k for k, v in fields.items() if getattr(locked, k) != v)
        for key, value in fields.items():
            setattr(locked, key, value)
        if locked.is_active != is_active:
            changed.append("is_active")
            locked.is_active = is_active
            locked.disabled_reason = ""
        locked.save()
        if not is_active:
            _fail_waiting(locked.pk, "EndpointDisabled")
        audit.record(
            actor=viewer.user,
            action="webhooks.endpoint_changed",
            target=f"endpoint:{locked.pk}",
            changed=changed,
            active=is_active,
        )
    return locked


def endpoint_rotate_secret(*, viewer: Viewer, endpoint: Endpoint) -> str:
    """A new secret, signing every delivery from now on (retries too). Returned once."""
    require(can_manage_webhooks(viewer), ONLY_HR)
    secret = new_secret()
    with transaction.atomic():
        locked = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.secret = secret
        locked.save(update_fields=["secret"])
        audit.record(
            actor=viewer.user, action="webhooks.secret_rotated", target=f"endpoint:{endpoint.pk}"
        )
    return secret


def endpoint_delete(*, viewer: Viewer, endpoint: Endpoint) -> None:
    """Its delivery log goes with it."""
    require(can_manage_webhooks(viewer), ONLY_HR)
    with transaction.atomic():
        pk = endpoint.pk
        endpoint.delete()
        audit.record(actor=viewer.user, action="webhooks.endpoint_deleted", target=f"endpoint:{pk}")


def endpoint_send_test(
    *, viewer: Viewer, endpoint: Endpoint, now: dt.datetime | None = None, opener: Any = None
) -> Delivery:
    """A `kith.ping`, sent now (claimed like any delivery, so the sweep cannot send it too),
    and retried like any other if it fails."""
    require(can_manage_webhooks(viewer), ONLY_HR)
    now = now or timezone.now()
    occurrence = events.ping(endpoint.pk)
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_id=occurrence.event_id,
        event_type=events.PING,
        payload=events.envelope(events.PING, occurrence, now),
        next_attempt_at=now,
        created_at=now,
    )
    audit.record(actor=viewer.user, action="webhooks.test_sent", target=f"endpoint:{endpoint.pk}")
    delivery_send(delivery_id=delivery.pk, now=now, opener=opener)
    delivery.refresh_from_db()
    return delivery


# --- Emitting --------------------------------------------------------------------------------


def events_emit(
    *, event_type: str, occurrences: Sequence[events.Occurrence], now: dt.datetime | None = None
) -> int:
    """One pending delivery per occurrence and subscribed active endpoint (an occurrence
    already known to an endpoint is not added again), each sent by a task once this commits.
    Returns the number of new deliveries."""
    if not occurrences:
        return 0
    now = now or timezone.now()
    endpoint_ids = [
        e.pk
        for e in Endpoint.objects.filter(is_active=True).only("pk", "events")
        if event_type in e.events
    ]
    if not endpoint_ids:
        return 0
    ids = [o.event_id for o in occurrences]
    with transaction.atomic():
        known = set(
            Delivery.objects.filter(endpoint_id__in=endpoint_ids, event_id__in=ids).values_list(
                "endpoint_id", "event_id"
            )
        )
        rows = [
            Delivery(
                endpoint_id=endpoint_id,
                event_id=o.event_id,
                event_type=event_type,
                payload=events.envelope(event_type, o, now),
                next_attempt_at=now,
                created_at=now,
            )
            for o in occurrences
            for endpoint_id in endpoint_ids
            if (endpoint_id, o.event_id) not in known
        ]
        Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        new = list(
            Delivery.objects.filter(
                endpoint_id__in=endpoint_ids, event_id__in=ids, attempts=0, state=State.PENDING
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _enqueue(new))
    return len(rows)


def _enqueue(delivery_ids: list[int]) -> None:
    from kith.webhooks.tasks import send_deliveries

    for start in range(0, len(delivery_ids), ENQUEUE_BATCH):
        send_deliveries.enqueue(delivery_ids[start : start + ENQUEUE_BATCH])


def emitter(
    event_type: str, build: Callable[[Any], list[events.Occurrence]]
) -> Callable[[Any], None]:
    """A hook callback: build the occurrences from the ids it hears, and emit them."""

    def on_hook(ids: Any) -> None:
        events_emit(event_type=event_type, occurrences=build(ids))

    on_hook.__qualname__ = f"emit[{event_type}]"
    return on_hook


# --- Sending ---------------------------------------------------------------------------------


def _due(now: dt.datetime) -> Q:
    """Conditions on the delivery's own columns (no join), so that PostgreSQL rechecks them
    against a row another sender just claimed, and the second conditional update finds
    nothing; the endpoint is a subquery on another table."""
    waiting = Q(state=State.PENDING) | Q(state=State.SENDING)  # sending: a lapsed claim
    active = Endpoint.objects.filter(is_active=True).values("pk")
    return waiting & Q(next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS, endpoint_id__in=active)


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take the delivery for this sender with one conditional update: only one can win."""
    claimed = Delivery.objects.filter(_due(now), pk=delivery_id).update(
        state=State.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + SENDING_LEASE
    )
    return claimed == 1


def body_of(delivery: Delivery) -> bytes:
    """The same bytes on every attempt (keys sorted, no spaces)."""
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new address to post the event to."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Pinned:
    """Connects to the host only at the addresses vetted for this attempt (a connection to
    any other host, such as an operator's proxy, is made as usual). The URL, Host header and
    TLS server name stay the host name, so the certificate is checked against it."""

    def __init__(self, target: netpolicy.Target) -> None:
        self.target = target

    def connect(
        self, address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        host, port = address
        if host.strip("[]").lower() != self.target.host:
            return socket.create_connection(address, timeout, source_address)
        last: OSError | None = None
        for pinned in self.target.addresses:
            try:
                return socket.create_connection((pinned, port), timeout, source_address)
            except OSError as exc:
                last = exc
        assert last is not None  # a vetted target has at least one address
        raise last

    def plain(self, host: str, **kwargs: Any) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection(host, **kwargs)
        connection._create_connection = self.connect  # type: ignore[attr-defined]
        return connection

    def tls(self, host: str, **kwargs: Any) -> http.client.HTTPSConnection:
        connection = http.client.HTTPSConnection(host, **kwargs)
        connection._create_connection = self.connect  # type: ignore[attr-defined]
        return connection


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, pinned: _Pinned) -> None:
        super().__init__()
        self.pinned = pinned

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.pinned.plain, req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, pinned: _Pinned) -> None:
        super().__init__()
        self.pinned = pinned

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.pinned.tls, req, context=self._context)  # type: ignore[attr-defined]


def _opener(target: netpolicy.Target) -> urllib.request.OpenerDirector:
    pinned = _Pinned(target)
    return urllib.request.build_opener(
        _NoRedirects(), _PinnedHTTPHandler(pinned), _PinnedHTTPSHandler(pinned)
    )


def _post(opener: Any, url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


def _error_name(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)  # URLError wraps the socket error
    if isinstance(reason, BaseException):
        exc = reason
    return type(exc).__name__[:100]


def delivery_send(
    *, delivery_id: int, now: dt.datetime | None = None, opener: Any = None
) -> bool | None:
    """True: delivered. False: this attempt failed. None: nothing to send (not due, taken by
    another sender, or its endpoint is off)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.HEADER: signing.signature_header(
            endpoint.secret, body, timestamp=int(now.timestamp())
        ),
        "Kith-Event-Id": str(delivery.event_id),
        "Kith-Event-Type": delivery.event_type,
    }
    try:
        # Vetted again: the settings or the name's addresses may have changed since it was saved.
        target = vetted(endpoint.url)
        status = _post(opener or _opener(target), endpoint.url, body, headers)
    except Refused as refused:
        return _failed(delivery, now, status=None, error=refused.error)
    except Exception as exc:  # a refused connection, a timeout, a TLS error: try again later
        return _failed(delivery, now, status=None, error=_error_name(exc))
    if 200 <= status < 300:
        Delivery.objects.filter(pk=delivery.pk).update(
            state=State.DELIVERED,
            delivered_at=now,
            next_attempt_at=None,
            last_status_code=status,
            last_error="",
        )
        return True
    if status == GONE:
        _failed(delivery, now, status=status, error="HTTP 410", final=True)
        _disable(endpoint, reason="410 Gone")
        return False
    return _failed(delivery, now, status=status, error=f"HTTP {status}")


def _failed(
    delivery: Delivery,
    now: dt.datetime,
    *,
    status: int | None,
    error: str,
    final: bool = False,
) -> bool:
    attempts = delivery.attempts  # already counts this attempt (see the claim)
    retry_at = None
    if not final and attempts < MAX_ATTEMPTS:
        retry_at = now + RETRY_DELAYS[attempts - 1]
    log.warning(
        "webhook delivery %s to endpoint %s failed (attempt %s of %s, %s)%s",
        delivery.pk,
        delivery.endpoint_id,
        attempts,
        MAX_ATTEMPTS,
        error,
        f"; retrying at {retry_at.isoformat()}" if retry_at else "; giving up",
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        state=State.PENDING if retry_at else State.FAILED,
        next_attempt_at=retry_at,
        last_status_code=status,
        last_error=error,
    )
    return False


def _disable(endpoint: Endpoint, *, reason: str) -> None:
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason=reason)
        _fail_waiting(endpoint.pk, "EndpointDisabled")
        audit.record(
            actor=None,
            action="webhooks.endpoint_disabled",
            target=f"endpoint:{endpoint.pk}",
            reason=reason,
        )


def _fail_waiting(endpoint_id: int, error: str) -> None:
    """An endpoint switched off gets nothing it was still owed, even once switched on again."""
    Delivery.objects.filter(endpoint_id=endpoint_id, state=State.PENDING).update(
        state=State.FAILED, next_attempt_at=None, last_error=error
    )


def deliveries_send(
    *, delivery_ids: Iterable[int], now: dt.datetime | None = None, opener: Any = None
) -> int:
    """Send these (the task enqueued on commit). Returns how many were delivered."""
    return _send_each(list(delivery_ids), now=now, opener=opener)


def deliveries_send_due(*, now: dt.datetime | None = None, opener: Any = None) -> int:
    """The periodic sweep: everything due (first tries the task missed, retries, claims of a
    crashed sender), oldest first. Returns how many were delivered.

    Each delivery is claimed on the clock of its own turn, not the sweep's start: a sweep
    slowed by slow receivers would otherwise claim its later deliveries with a lease already
    lapsed, and the next sweep (or the task) would send them a second time. A `now` given by
    the caller (tests) is used throughout."""
    started = now or timezone.now()
    _give_up_lapsed(started)
    due = Delivery.objects.filter(_due(started)).order_by("next_attempt_at", "pk")
    return _send_each(list(due.values_list("pk", flat=True)[:SWEEP_BATCH]), now=now, opener=opener)


def _give_up_lapsed(now: dt.datetime) -> None:
    """A claim that lapsed on its last attempt: the sender crashed, no attempt is left."""
    Delivery.objects.filter(
        state=State.SENDING, next_attempt_at__lte=now, attempts__gte=MAX_ATTEMPTS
    ).update(state=State.FAILED, next_attempt_at=None, last_error="SenderLost")


def _send_each(ids: list[int], *, now: dt.datetime | None, opener: Any) -> int:
    """`now` None: each delivery reads the clock when its turn comes. One failure (a receiver
    down or slow) skips the rest of that endpoint's deliveries in this run: they keep their
    turn for the next sweep instead of each waiting for a timeout."""
    endpoints = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "endpoint_id"))
    failing: set[int] = set()
    delivered = 0
    for pk in ids:
        endpoint_id = endpoints.get(pk)
        if endpoint_id is None or endpoint_id in failing:
            continue
        outcome = delivery_send(delivery_id=pk, now=now, opener=opener)
        if outcome is False:
            failing.add(endpoint_id)
        delivered += outcome is True
    return delivered
