"""Security rules every response follows: JSON for every API 4xx (oversized bodies included),
`Cache-Control: no-store` on personal data (issue 9)."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from kith.core.dates import org_today
from kith.core.http import client_ip
from kith.directory.tests.factories import login_for
from kith.events.services import feed_token_regenerate
from kith.pulse import services as pulse_services
from kith.pulse.models import Invitation
from kith.pulse.tests.builders import build_org, campaign

pytestmark = pytest.mark.django_db

EIGHT_MB = json.dumps({"answers": {f"question{i}": 1 for i in range(560_000)}})


@pytest.fixture(params=[False, True], ids=["production", "development"])
def debug(request):
    with override_settings(DEBUG=request.param):
        yield request.param


def _json_error(response, status: int) -> str:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    detail = response.json()["detail"]
    assert detail
    return detail


# --- JSON errors under /api/v1/ ---------------------------------------------------------------


def test_an_eight_megabyte_body_answers_413_json(debug, employee_client):
    assert len(EIGHT_MB) > 8_000_000
    response = employee_client.post(
        "/api/v1/pulse/surveys/whatever/answers", EIGHT_MB, content_type="application/json"
    )
    assert "too large" in _json_error(response, 413)


def test_the_api_itself_answers_413_json_when_a_body_gets_past_the_early_check(
    debug, employee_client, settings
):
    """A body whose Content-Length is absent or understated is only found too large when the
    endpoint reads it: django-ninja's handler answers then (a plain-text 500 in development
    before)."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("ApiErrorsMiddleware")]
    response = employee_client.patch("/api/v1/people/me", EIGHT_MB, content_type="application/json")
    _json_error(response, 413)


def test_unknown_api_paths_answer_404_json(debug, employee_client):
    assert _json_error(employee_client.get("/api/v1/no/such/thing"), 404) == "Not found."
    assert _json_error(Client().get("/api/v1/nothing-here"), 404)


def test_a_wrong_method_answers_405_json_with_allow(debug, employee_client):
    response = employee_client.delete("/api/v1/pulse/surveys")
    assert "GET" in _json_error(response, 405) and "GET" in response["Allow"]


def test_bad_json_and_bad_shapes_answer_400_and_422_json(debug, employee_client):
    bad = employee_client.patch("/api/v1/people/me", "{oops", content_type="application/json")
    _json_error(bad, 400)
    wrong = employee_client.patch("/api/v1/people/me", "[1]", content_type="application/json")
    assert wrong.status_code in (400, 422)
    assert wrong["Content-Type"].startswith("application/json")


def test_no_credentials_answer_401_json(debug):
    response = Client().get("/api/v1/people/me")
    _json_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_a_request_django_refuses_is_json_under_the_api(debug):
    response = Client(raise_request_exception=False).get("/api/v1/people", HTTP_HOST="evil.example")
    _json_error(response, 400)


def test_pages_keep_their_html_errors():
    response = Client().get("/pulse/s/no-such-link-anywhere/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# --- No copies of personal data -----------------------------------------------------------------


@pytest.fixture
def survey() -> tuple[str, Client]:
    org = build_org()
    wave = campaign(login_for(org.hr, hr=True), today=org_today()).waves.get(number=1)
    pulse_services.wave_send(wave=wave)
    person = org.platform_people[0]
    client = Client()
    client.force_login(login_for(person))
    return Invitation.objects.get(wave=wave, person=person).token, client


def test_personal_data_is_never_stored_by_a_browser_or_proxy(survey):
    token, client = survey
    person = Invitation.objects.get(token=token).person
    feed = feed_token_regenerate(person=person).token
    personal = [
        "/me/export.json",
        "/me/",
        f"/pulse/s/{token}/",
        "/api/v1/pulse/surveys",
        f"/api/v1/pulse/surveys/{token}",
        f"/events/feed/{feed}.ics",
        "/events/feed/",
        "/api/v1/events/feed",
        "/api/v1/people/me",
        "/people/me/edit/",
        "/api/v1/celebrate/me/settings",
        "/celebrate/me/",
        "/notifications/",
        f"/pulse/s/{'x' * 30}/",  # a 404 on a secret path as well
    ]
    for path in personal:
        response = client.get(path)
        assert response.status_code < 500, path
        assert "no-store" in response.get("Cache-Control", ""), path
        assert "max-age=900" not in response.get("Cache-Control", ""), path
    answers: dict[str, dict[str, int]] = {"answers": {}}
    posted = client.post(
        f"/api/v1/pulse/surveys/{token}/answers", answers, content_type="application/json"
    )
    assert "no-store" in posted["Cache-Control"]


def test_other_pages_keep_normal_caching(employee_client):
    assert "no-store" not in employee_client.get("/people/").get("Cache-Control", "")


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        ("10.0.0.1", "", 0, "10.0.0.1"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", 0, "127.0.0.1"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", 1, "198.51.100.7"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", 2, "6.6.6.6"),
        ("127.0.0.1", "198.51.100.7", 3, "127.0.0.1"),
        ("2001:db8:1:2:3:4:5:6", "", 0, "2001:db8:1:2::"),
    ],
)
def test_the_client_address_honours_trusted_proxies_only(remote, forwarded, proxies, expected):
    from django.test import RequestFactory

    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(KITH_TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(request) == expected
