"""No secret reaches a log: one filter on every log handler masks personal links, feed tokens,
API tokens and query strings (docs/privacy.md).

A token plus the invitation table is a person, and a log reader could answer a survey in
their name, so masking happens on the record itself before any handler formats it: the
message, its arguments, the traceback text and the `request` Django attaches to its
"Not Found: /path" lines. What counts as a secret comes from kith.core.sensitive, where each
app registers its tokenised paths.

Installed on the handlers in settings.LOGGING and gunicorn's loggers (config/gunicorn.py);
`install_everywhere()` adds it to any handler configured some other way (Django's defaults,
a library's own), because a filter on a logger does not see records from its children.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

from kith.core.sensitive import mask_secrets

# Attributes of the WSGI environ that repeat the path or the query string.
_ENVIRON_KEYS = ("PATH_INFO", "RAW_URI", "REQUEST_URI", "QUERY_STRING", "HTTP_REFERER")


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, bytes):
        return mask_secrets(value.decode("utf-8", "replace"))
    if isinstance(value, tuple):
        return tuple(_masked(v) for v in value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        # A copy of the same class: gunicorn's access log formats from a dict subclass that
        # answers "-" for a missing atom, and the caller's own dict must stay as it was.
        masked = copy.copy(value)
        for key in masked:
            masked[key] = _masked(value[key])
        return masked
    if isinstance(value, Mapping):
        return {k: _masked(v) for k, v in value.items()}
    return value


def _masked_request(request: Any) -> Any:
    """A shallow copy of a Django request with its path masked; the request being served
    is left alone. Anything else (runserver passes its socket) is returned as it is."""
    if not hasattr(request, "path_info") or not hasattr(request, "META"):
        return request
    masked = copy.copy(request)
    masked.path = mask_secrets(request.path)
    masked.path_info = mask_secrets(request.path_info)
    masked.META = dict(request.META)
    for key in _ENVIRON_KEYS:
        if isinstance(masked.META.get(key), str):
            masked.META[key] = "" if key == "QUERY_STRING" else mask_secrets(masked.META[key])
    return masked


class MaskSecretsFilter(logging.Filter):
    """Rewrites a record so that no registered secret is left in it; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_kith_masked", False):
            return True  # the same record reaches several handlers
        try:
            # The whole message at once: a secret split over two arguments is whole here.
            record.msg, record.args = mask_secrets(record.getMessage()), ()
        except (TypeError, ValueError, KeyError):
            # Arguments that do not fit the message: logging reports that when it formats;
            # mask the parts so that the report holds no secret either.
            record.msg, record.args = _masked(str(record.msg)), _masked(record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        if hasattr(record, "request"):
            record.request = _masked_request(record.request)
        record._kith_masked = True
        return True


def _has_mask(handler: logging.Handler) -> bool:
    return any(isinstance(f, MaskSecretsFilter) for f in handler.filters)


def install_everywhere() -> None:
    """Put the filter on every handler of every logger that exists now (idempotent)."""
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not _has_mask(handler):
                handler.addFilter(MaskSecretsFilter())
