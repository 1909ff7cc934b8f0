"""PostgreSQL read replicas: the heavy reads a page opts into may come from a replica; every
write, and every read that could miss a write someone is waiting to see, uses the primary.

Without KITH_REPLICA_DATABASE_URL nothing here is installed and `read_replica()` changes
nothing. With it (config/settings.py adds the aliases "replica" or "replica_1".."replica_n",
the router and the middleware below; docs/deploy.md, "Beyond one machine"):

- Reads go to the primary unless they run inside `with read_replica():` (or a function
  decorated with `@read_replica()`). Wrap the call in a view that answers GET, around a
  selector that only reads and whose results may be a second old (directory search, the Band
  Map, published survey and insights figures) — never a selector that tasks or services
  reuse. A queryset is routed when it runs: evaluate it inside the block.
- Even inside the block, reads stay on the primary when
  * the request is not a GET (or HEAD, OPTIONS): a form post reads what it is about to
    change;
  * the request (or the block, outside a request) has already written through the ORM;
  * the person wrote within the last KITH_REPLICA_PIN_SECONDS: a response to a request that
    wrote carries a short-lived signed cookie (`kith_primary`) that pins the next requests,
    so the page after a save shows the save, whatever the replica's lag;
  * a transaction is open on the primary (`transaction.atomic()`: a read there decides a
    write, or holds a lock);
  * the model is one whose freshness matters to correctness: the shared cache (throttle
    counters) and the disclosure ledger (what was published decides what may be).
- A replica that cannot be reached is left alone for RETRY_SECONDS and the reads go to the
  primary, with one warning in the log per outage. A replica that fails in the middle of a
  request fails that request's next query; the request after it reads from the primary.
- Writes always go to the primary; only the primary is migrated (replicas are copies of it).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PIN_COOKIE = "kith_primary"
_PIN_SALT = "kith.core.db.pin"
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# After a failed connection, how long a process leaves that replica alone.
RETRY_SECONDS = 30.0
# (app_label, model_name) read from the primary only: the database cache (throttle counts,
# cached values just written) and the disclosure ledger (decision 0007).
PRIMARY_ONLY = frozenset({("django_cache", "cacheentry"), ("core", "disclosedcell")})
# Writes that need no read-after-write: append-only logs never read back by the request that
# writes them. Analytics pages audit every view; pinning on that would keep them off replicas.
WRITES_THAT_DO_NOT_PIN = frozenset({("django_cache", "cacheentry"), ("core", "auditevent")})


@dataclass(slots=True)
class _Scope:
    """One unit of work: a request (ReplicaPinMiddleware) or a `read_replica()` block
    outside a request."""

    pinned: bool = False  # every read of this scope from now on goes to the primary
    wrote: bool = False  # this scope wrote: the response pins the person's next requests
    replica: str | None = None  # the replica this scope reads from, once chosen


_scope: ContextVar[_Scope | None] = ContextVar("kith_db_scope", default=None)
_replica_wanted: ContextVar[bool] = ContextVar("kith_db_replica_wanted", default=False)
_down_until: dict[str, float] = {}  # alias -> time.monotonic() to try it again


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


@contextmanager
def read_replica() -> Iterator[None]:
    """Reads inside may come from a replica (see the module's docstring for when they do
    not). Also a decorator: `@read_replica()`."""
    wanted = _replica_wanted.set(True)
    own_scope = _scope.set(_Scope()) if _scope.get() is None else None
    try:
        yield
    finally:
        if own_scope is not None:
            _scope.reset(own_scope)
        _replica_wanted.reset(wanted)


def _key(model: Any) -> tuple[str, str]:
    return (model._meta.app_label, model._meta.model_name)


def _usable(alias: str) -> bool:
    """Whether the replica answers: connects now (or checks its connection once per request,
    as CONN_HEALTH_CHECKS does); a failure leaves it alone for RETRY_SECONDS."""
    if _down_until.get(alias, 0.0) > time.monotonic():
        return False
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as exc:
        if alias not in _down_until:
            logger.warning(
                "Read replica %r cannot be reached, reading from the primary (next try in "
                "%d s): %s",
                alias,
                RETRY_SECONDS,
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
            )
        _down_until[alias] = time.monotonic() + RETRY_SECONDS
        return False
    if _down_until.pop(alias, None) is not None:
        logger.info("Read replica %r answers again", alias)
    return True


def _replica_for(scope: _Scope) -> str | None:
    if scope.replica is not None and _usable(scope.replica):
        return scope.replica
    candidates = [alias for alias in replica_aliases() if alias != scope.replica]
    random.shuffle(candidates)  # spread scopes over the replicas; one scope keeps one
    scope.replica = next((alias for alias in candidates if _usable(alias)), None)
    return scope.replica


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS entry when replicas are configured (config/settings.py)."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        scope = _scope.get()
        if (
            scope is None
            or not _replica_wanted.get()
            or scope.pinned
            or _key(model) in PRIMARY_ONLY
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            # Explicit, not None: Django would otherwise follow an object read from a replica
            # to its related rows there, outside any read_replica() block.
            return DEFAULT_DB_ALIAS
        return _replica_for(scope) or DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        scope = _scope.get()
        if scope is not None and _key(model) not in WRITES_THAT_DO_NOT_PIN:
            scope.pinned = scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        ours = {DEFAULT_DB_ALIAS, *replica_aliases()}
        return True if {obj1._state.db, obj2._state.db} <= ours else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db.startswith("replica") else None


def _pinned_by_cookie(request: HttpRequest) -> bool:
    value = request.get_signed_cookie(
        PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=settings.KITH_REPLICA_PIN_SECONDS
    )
    return value is not None


class ReplicaPinMiddleware:
    """The request's scope for the router: reads stay on the primary for a request that is
    not a GET, that has written, or that comes within KITH_REPLICA_PIN_SECONDS of the same
    browser's last write (a signed cookie with that lifetime, set on every response to a
    request that wrote). First in MIDDLEWARE, so that it sees every write; removes itself
    when no replica is configured."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not replica_aliases():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        writing = request.method not in _READ_ONLY_METHODS
        scope = _Scope(pinned=writing or _pinned_by_cookie(request))
        token = _scope.set(scope)
        try:
            response = self.get_response(request)
        finally:
            _scope.reset(token)
        if writing or scope.wrote:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=_PIN_SALT,
                max_age=settings.KITH_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
