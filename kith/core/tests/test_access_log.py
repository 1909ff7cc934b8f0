"""The web server's access log: no query strings, no personal survey links, no feed tokens."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from gunicorn.config import Config

from config import gunicorn as settings


def _line(path: str, query: str = "") -> str:
    config = Config()
    config.set("access_log_format", settings.access_log_format)
    logger = settings.KithLogger(config)
    response = SimpleNamespace(status="200 OK", response_length=10, headers=[], sent=10)
    request = SimpleNamespace(
        method="GET", path=path, query=query, version=(1, 1), headers=[], uri=path
    )
    raw = f"{path}?{query}" if query else path
    environ = {
        "REMOTE_ADDR": "10.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=12))
    return settings.access_log_format % atoms


def _atoms(path: str) -> dict[str, object]:
    config = Config()
    logger = settings.KithLogger(config)
    response = SimpleNamespace(status="200 OK", response_length=10, headers=[], sent=10)
    request = SimpleNamespace(method="GET", path=path, query="", version=(1, 1), headers=[])
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path,
        "PATH_INFO": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    return logger.atoms(response, request, environ, dt.timedelta(milliseconds=1))


def test_personal_survey_links_are_masked():
    line = _line("/pulse/s/rcyqy0VrUVBgT4WxZhn4n28OKA43UhAA/")
    assert "rcyqy0Vr" not in line and "/pulse/s/…/" in line
    assert "rcyqy0Vr" not in str(_atoms("/pulse/s/rcyqy0VrUVBgT4WxZhn4n28OKA43UhAA/"))


def test_query_strings_are_not_logged():
    line = _line("/people/", "q=Jane+Doe")
    assert "Jane" not in line and "/people/" in line


def test_calendar_feed_tokens_are_masked():
    line = _line("/events/feed/Zx81kq_secret-token.ics")
    assert "Zx81kq" not in line and "/events/feed/….ics" in line
