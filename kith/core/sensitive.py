"""Which addresses carry a secret, and which answers hold one person's data.

`kith.core` imports no domain app (DESIGN §2), so each app registers its own paths in its
`AppConfig.ready()`. Three rules read these registries:

- logs never hold a secret (kith.core.logsafe masks every secret path and pattern);
- answers about one person are never stored by a browser or a proxy (kith.core.http adds
  `Cache-Control: no-store` to personal and secret paths);
- secret paths are throttled per client address in the shared cache (kith.core.throttle), so
  nobody can try tokens at scale.

Pure Python on purpose: gunicorn's logger (config/gunicorn.py) imports this module before
Django is set up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

# A path segment: everything up to the next slash, query, fragment, quote or white space.
# Dots belong to it, so a token with anything glued to it is masked whole.
_SEGMENT = r"[^/?#\s\"'<>]+"
MASK = "…"


@dataclass(frozen=True)
class SecretRule:
    pattern: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]
    prefix: str = ""
    keep_suffix: str = ""


_secret_prefixes: dict[str, SecretRule] = {}
_secret_patterns: dict[str, SecretRule] = {}
_personal_prefixes: set[str] = set()
# The secrets in the path of the request being served: an error while serving it may repeat
# one bare, without its path ("no feed abc…"), so the log mask replaces these as they are.
_request_secrets: ContextVar[tuple[str, ...]] = ContextVar("kith_request_secrets", default=())
# Shorter segments are no token (every Kith token has 32+ characters) and masking them
# everywhere would garble the log.
_MIN_SECRET_LENGTH = 8

# Query strings can hold anything (a search for a colleague's name, an SSO callback's one-time
# code), so no log line keeps one: `/path?q=Jane` becomes `/path?…`.
_QUERY = SecretRule(re.compile(r"(/[^\s?#\"'<>]*)\?[^\s#\"'<>]+"), rf"\1?{MASK}")


def register_secret_path(prefix: str, *, keep_suffix: str = "") -> None:
    """The path segment right after `prefix` is a secret (a personal link's token): masked in
    every log line, never cached, throttled per client. `prefix` starts and ends with `/`.
    A segment ending in `keep_suffix` keeps it (`/events/feed/….ics`), so a log still says
    what was asked for. Matching ignores case: a mistyped `/PULSE/S/<token>/` is logged too."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"A secret path prefix starts and ends with '/': got {prefix!r}")
    pattern = re.compile(re.escape(prefix) + _SEGMENT, re.IGNORECASE)

    def replacement(match: re.Match[str]) -> str:
        kept = keep_suffix if keep_suffix and match.group(0).endswith(keep_suffix) else ""
        return prefix + MASK + kept

    _secret_prefixes[prefix] = SecretRule(pattern, replacement, prefix, keep_suffix)


def register_secret_pattern(regex: str, replacement: str) -> None:
    """A secret that may turn up anywhere in a log line, such as a personal API token."""
    _secret_patterns[regex] = SecretRule(re.compile(regex), replacement)


def register_personal_path(prefix: str) -> None:
    """Answers under `prefix` hold the signed-in person's own data (their export, settings,
    matches): browsers and proxies must not store them."""
    if not prefix.startswith("/"):
        raise ValueError(f"A personal path prefix starts with '/': got {prefix!r}")
    _personal_prefixes.add(prefix)


def mask_secrets(text: str) -> str:
    """`text` with every registered secret, and every query string, replaced by `…`; and the
    secrets of the request being served (remember_request_secrets) wherever they appear."""
    if not text:
        return text
    for secret in _request_secrets.get():
        text = text.replace(secret, MASK)
    for rule in (*_secret_prefixes.values(), *_secret_patterns.values(), _QUERY):
        text = rule.pattern.sub(rule.replacement, text)
    return text


def secrets_in(path: str) -> tuple[str, ...]:
    """The secret segments of `path` (the tokens themselves)."""
    found = []
    for rule in _secret_prefixes.values():
        for match in rule.pattern.finditer(path):
            secret = match.group(0)[len(rule.prefix) :]
            if rule.keep_suffix and secret.endswith(rule.keep_suffix):
                secret = secret[: -len(rule.keep_suffix)]
            if len(secret) >= _MIN_SECRET_LENGTH:
                found.append(secret)
    return tuple(found)


def remember_request_secrets(path: str) -> None:
    """Called as each request starts (kith.core.middleware.SensitivePathsMiddleware): until
    the next request in this thread, log lines lose these secrets wherever they appear."""
    _request_secrets.set(secrets_in(path))


def is_secret_path(path: str) -> bool:
    return any(rule.pattern.search(path) for rule in _secret_prefixes.values())


def is_personal_path(path: str) -> bool:
    """One person's data: a registered personal path, or any path that carries a secret."""
    return path.startswith(tuple(_personal_prefixes)) or is_secret_path(path)


def secret_path_prefixes() -> list[str]:
    return sorted(_secret_prefixes)


def personal_path_prefixes() -> list[str]:
    return sorted(_personal_prefixes)
