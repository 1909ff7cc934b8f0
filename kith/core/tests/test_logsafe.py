"""No secret reaches a log (DESIGN §4, issue 9): every tokenised path, page and API, with good
tokens, unknown ones and bad requests, while every logger writes at DEBUG."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import logging
import logging.config
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver
from gunicorn.config import Config

from config import gunicorn as gunicorn_settings
from kith.accounts.services import api_token_create
from kith.core import logsafe
from kith.core.dates import org_today
from kith.core.sensitive import is_secret_path, mask_secrets
from kith.directory.tests.factories import login_for
from kith.events import selectors as event_selectors
from kith.events.services import feed_token_regenerate
from kith.pulse import services as pulse_services
from kith.pulse.models import Invitation
from kith.pulse.tests.builders import build_org, campaign

pytestmark = pytest.mark.django_db

UNKNOWN = "Zq9UnknownTokenNobodyHas4242xyzw"
RESET_KEY = "4-c9x7yz-3f1a9b8e7d6c5b4a3f2e"
CONFIRM_KEY = "MQ:1tA2bC:Xy9SecretConfirmKey0"
OIDC_CODE = "oidcOneTimeCode8f7e6d5c"


# --- The mask itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Not Found: /pulse/s/abcDEF123_-x/", "Not Found: /pulse/s/…/"),
        ("/PULSE/S/abcDEF123_-x/", "/pulse/s/…/"),
        ("GET /api/v1/pulse/surveys/abc123/answers", "GET /api/v1/pulse/surveys/…/answers"),
        ("/api/v1/pulse/surveys/abc123", "/api/v1/pulse/surveys/…"),
        ("/api/v1/pulse/surveys", "/api/v1/pulse/surveys"),
        ("/events/feed/Zx81kq_secret-token.ics", "/events/feed/….ics"),
        ("/events/feed/Zx81kq_secret-token", "/events/feed/…"),
        ("/events/feed/", "/events/feed/"),
        (f"/accounts/password/reset/key/{RESET_KEY}/", "/accounts/password/reset/key/…/"),
        (f"/accounts/confirm-email/{CONFIRM_KEY}/", "/accounts/confirm-email/…/"),
        ("/people/?q=Jane+Doe", "/people/?…"),
        (f'"GET /accounts/oidc/sso/login/callback/?code={OIDC_CODE}&state=x HTTP/1.1"', None),
        ("Authorization: Bearer kith_" + "A1b2C3d4" * 5, "Authorization: Bearer kith_…"),
    ],
)
def test_every_registered_secret_is_masked(text, masked):
    result = mask_secrets(text)
    if masked is not None:
        assert result == masked
    for secret in ("abcDEF123", "abc123", "Zx81kq", RESET_KEY, CONFIRM_KEY, OIDC_CODE, "Jane"):
        assert secret not in result
    assert "A1b2C3d4" not in result


def _routes(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


SECRET_PARAMETER = re.compile(r"<(?:\w+:)?(token|key|code|secret)>|\(\?P<(token|key)>")


def test_every_url_with_a_token_in_it_is_registered_as_secret():
    """A new tokenised URL anywhere (an app, allauth, the API) fails here until its app
    registers it with kith.core.sensitive."""
    found = []
    for route, _pattern in _routes(get_resolver().url_patterns):
        if not SECRET_PARAMETER.search(route):
            continue
        sample = SECRET_PARAMETER.sub("Secr3tSampleToken", route.replace("^", "").replace("$", ""))
        sample = re.sub(r"\(\?P<\w+>[^)]*\)", "42", sample)  # other regex groups (uidb36)
        path = "/" + sample.lstrip("/")
        found.append(path)
        assert is_secret_path(path), f"{route} carries a secret but is not registered"
        assert "Secr3tSampleToken" not in mask_secrets(f"Not Found: {path}")
    assert len(found) >= 5  # survey page, survey API ×2, calendar feed, allauth's two keys


def test_the_filter_masks_message_arguments_traceback_and_request():
    from django.test import RequestFactory

    request = RequestFactory().get("/pulse/s/abcDEF123/?utm=mail")
    try:
        raise RuntimeError("failed for /pulse/s/abcDEF123/")
    except RuntimeError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "%s: %s", ("Boom", request.path), None
        )
        import sys

        record.exc_info = sys.exc_info()
    record.request = request
    logsafe.MaskSecretsFilter().filter(record)
    formatted = logging.Formatter("%(message)s").format(record)
    assert "abcDEF123" not in formatted and "/pulse/s/…/" in formatted
    assert "abcDEF123" not in record.request.path and "abcDEF123" not in str(record.request.META)
    assert request.path == "/pulse/s/abcDEF123/"  # the request being served is untouched


# --- Everything logged while every tokenised URL is used ----------------------------------------


@pytest.fixture
def all_log_output() -> Iterator[io.StringIO]:
    """Kith's own logging configuration with the root at DEBUG, writing into a buffer, plus
    gunicorn's error and access logs (each worker's KithLogger) into the same buffer."""
    buffer = io.StringIO()
    config: dict[str, Any] = copy.deepcopy(settings.LOGGING)
    config["root"]["level"] = "DEBUG"
    config["handlers"]["console"]["stream"] = buffer
    logging.config.dictConfig(config)
    logsafe.install_everywhere()
    levels = {}
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and name != "django.db.backends":
            levels[name] = logger.level
            logger.setLevel(logging.DEBUG)
    gunicorn_config = Config()
    gunicorn_config.set("accesslog", "-")
    gunicorn_config.set("errorlog", "-")
    gunicorn_config.set("access_log_format", gunicorn_settings.access_log_format)
    buffer.gunicorn = gunicorn_settings.KithLogger(gunicorn_config)
    for log in (buffer.gunicorn.error_log, buffer.gunicorn.access_log):
        for handler in log.handlers:
            handler.setStream(buffer)
    try:
        yield buffer
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        logging.config.dictConfig(settings.LOGGING)
        logsafe.install_everywhere()


def _server_lines(output, method: str, path: str, query: str, status: int) -> None:
    """What the web server writes for the request: gunicorn's access log and, for
    `kith runserver`, Django's own request line (which keeps the query string)."""
    raw = f"{path}?{query}" if query else path
    logging.getLogger("django.server").info('"%s %s HTTP/1.1" %s %s', method, raw, status, 10)
    response = SimpleNamespace(status=f"{status} X", response_length=10, headers=[], sent=10)
    request = SimpleNamespace(
        method=method, path=path, query=query, version=(1, 1), headers=[], uri=raw
    )
    environ = {
        "REMOTE_ADDR": "10.0.0.1",
        "REQUEST_METHOD": method,
        "RAW_URI": raw,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://kith.example.org{raw}",
    }
    output.gunicorn.access(response, request, environ, dt.timedelta(milliseconds=3))
    output.gunicorn.error_log.debug("Handling %s %s", method, raw)


def test_no_secret_reaches_any_log(all_log_output, monkeypatch):
    org = build_org()
    person = org.platform_people[0]
    hr = login_for(org.hr, hr=True)
    wave = campaign(hr, today=org_today()).waves.get(number=1)
    pulse_services.wave_send(wave=wave)
    survey = Invitation.objects.get(wave=wave, person=person).token
    feed = feed_token_regenerate(person=person).token
    _, api_token = api_token_create(user=login_for(person), name="logs")
    bad_api_token = "kith_" + "Wr0ngTokenGuess" * 3
    secrets = [survey, feed, api_token, bad_api_token, UNKNOWN, RESET_KEY, CONFIRM_KEY, OIDC_CODE]

    anonymous = Client(raise_request_exception=False)
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(login_for(person))
    bearer = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {api_token}"})
    wrong_bearer = Client(headers={"Authorization": f"Bearer {bad_api_token}"})
    answers = {i["key"]: i["options"][-1][0] for i in wave.items if i["kind"] != "text"}
    huge = json.dumps({"answers": {f"q{i}": 1 for i in range(700_000)}})  # about 8 MB

    def call(client: Client, method: str, path: str, query: str = "", **kwargs) -> int:
        full = f"{path}?{query}" if query else path
        status = getattr(client, method)(full, **kwargs).status_code
        _server_lines(all_log_output, method.upper(), path, query, status)
        return status

    # The survey page: good link, form errors, unknown link, the link mistyped.
    page = f"/pulse/s/{survey}/"
    assert call(anonymous, "get", page, "from=mail") == 200
    assert call(anonymous, "post", page, data={"q:nonsense": "x"}) == 200
    assert call(anonymous, "get", f"/pulse/s/{UNKNOWN}/") == 404
    assert call(anonymous, "get", f"/PULSE/S/{survey}/") == 404
    assert call(anonymous, "get", f"/pulse/s/{survey}") == 301
    # The survey API by token: read, bad JSON, wrong shapes, too big, wrong method, no auth.
    api = f"/api/v1/pulse/surveys/{survey}"
    assert call(bearer, "get", api) == 200
    assert call(signed_in, "get", api) == 200
    assert call(bearer, "get", f"/api/v1/pulse/surveys/{UNKNOWN}") == 404
    assert call(anonymous, "get", api) == 401
    assert call(wrong_bearer, "get", api) == 401
    assert call(bearer, "delete", api) == 405
    json_post = {"content_type": "application/json"}
    assert call(bearer, "post", f"{api}/answers", data="{not json", **json_post) == 400
    assert call(bearer, "post", f"{api}/answers", data='{"answers": 7}', **json_post) == 422
    assert call(bearer, "post", f"{api}/answers", data=huge, **json_post) == 413
    assert call(bearer, "post", f"{api}/answers", data={"answers": {"x": 99}}, **json_post) == 400
    assert call(bearer, "post", f"{api}/answers", data={"answers": answers}, **json_post) == 201
    assert call(bearer, "post", f"{api}/answers", data={"answers": answers}, **json_post) == 400
    assert call(
        bearer, "post", f"/api/v1/pulse/surveys/{UNKNOWN}/answers", data={}, **json_post
    ) in (
        400,
        404,
    )
    # The calendar feed: good, unknown, without .ics, and a feed that fails on the server.
    assert call(anonymous, "get", f"/events/feed/{feed}.ics") == 200
    assert call(anonymous, "get", f"/events/feed/{UNKNOWN}.ics") == 404
    assert call(anonymous, "get", f"/events/feed/{feed}") == 404

    def broken(token: str, **kwargs):
        raise RuntimeError(f"feed {token} is broken")

    monkeypatch.setattr(event_selectors, "feed_rsvps_for_token", broken)
    assert call(anonymous, "get", f"/events/feed/{feed}.ics") == 500
    # allauth's emailed links and a single sign-on callback's one-time code.
    call(anonymous, "get", f"/accounts/password/reset/key/{RESET_KEY}/")
    call(anonymous, "get", f"/accounts/confirm-email/{CONFIRM_KEY}/")
    call(anonymous, "get", "/accounts/oidc/sso/login/callback/", f"code={OIDC_CODE}&state=s")

    output = all_log_output.getvalue()
    assert "Not Found: /pulse/s/…/" in output and "/api/v1/pulse/surveys/…/answers" in output
    assert "Internal Server Error: /events/feed/….ics" in output and "Traceback" in output
    assert '"GET /pulse/s/…/ HTTP/1.1" 200' in output  # gunicorn's access line
    for secret in secrets:
        assert secret not in output, f"{secret} was logged"
