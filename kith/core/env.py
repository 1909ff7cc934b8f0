"""Typed environment helpers: every setting comes from here and a bad value fails loudly."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


class ImproperlyConfiguredEnv(Exception):
    """An environment variable holds a value Kith cannot use."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _parse(name: str, default: T, parse: Callable[[str], T], expected: str) -> T:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise ImproperlyConfiguredEnv(f"{name}={raw!r} is not valid: expected {expected}") from exc


def env_str(name: str, default: str = "") -> str:
    raw = _raw(name)
    return default if raw is None else raw


def env_required(name: str, why: str) -> str:
    raw = _raw(name)
    if raw is None:
        raise ImproperlyConfiguredEnv(f"{name} must be set: {why}")
    return raw


def _to_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


def env_bool(name: str, default: bool) -> bool:
    return _parse(name, default, _to_bool, "one of true/false/1/0/yes/no/on/off")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = _parse(name, default, int, "a whole number")
    if minimum is not None and value < minimum:
        raise ImproperlyConfiguredEnv(f"{name}={value} is too small: the minimum is {minimum}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfiguredEnv(f"{name}={value} is too large: the maximum is {maximum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = _raw(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfiguredEnv(
            f"{name}={value!r} is not valid: expected one of {', '.join(choices)}"
        )
    return value


def _without_password(url: str) -> str:
    """`url` fit for an error message: a password in it is replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    """A URL whose scheme is one of `schemes` and which names a host (or, for unix://, a
    socket path). Errors never repeat a password the URL holds."""
    raw = _raw(name)
    if raw is None:
        return default
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        parts = None
    expected = f"a URL starting with {' or '.join(s + '://' for s in schemes)}"
    if parts is None or parts.scheme not in schemes:
        raise ImproperlyConfiguredEnv(
            f"{name}={_without_password(raw)!r} is not valid: expected {expected}"
        )
    if not (parts.hostname if parts.scheme != "unix" else parts.path):
        where = "socket path" if parts.scheme == "unix" else "host"
        raise ImproperlyConfiguredEnv(
            f"{name}={_without_password(raw)!r} is not valid: it names no {where}"
        )
    return raw


def base_url_for_bind(bind: str) -> str:
    """The address people reach a server bound to `bind` at ("host:port", "[::1]:8101",
    "0.0.0.0:8101"; a unix socket gives the default): a wildcard host means this machine."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or bind.startswith("unix:"):
        return "http://127.0.0.1:8000"
    if host in ("", "0.0.0.0", "[::]", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"
