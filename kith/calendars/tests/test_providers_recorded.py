"""Google freebusy.query and Microsoft Graph getSchedule against recorded exchanges served by a
local HTTP server, which also checks what Kith sent."""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.parse
import uuid

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.test import override_settings

from kith.calendars.adapters import CalendarError
from kith.calendars.adapters.google import SCOPE as GOOGLE_SCOPE
from kith.calendars.adapters.google import GoogleCalendar, parse_service_account
from kith.calendars.adapters.microsoft import MicrosoftGraph
from kith.calendars.models import CalendarConnection, ErrorCode, Provider
from kith.calendars.services import (
    calendar_connect_provider,
    calendar_test,
    google_settings_update,
    microsoft_settings_update,
    provider_test,
)
from kith.calendars.tests.conftest import database_text
from kith.calendars.tests.recorded import (
    GOOGLE_TOKEN_RESPONSE,
    MICROSOFT_TOKEN_RESPONSE,
    google_freebusy_response,
    graph_get_schedule_response,
)
from kith.core import calendars as core_calendars
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for

UTC = dt.UTC
DAY = (dt.datetime(2030, 1, 7, tzinfo=UTC), dt.datetime(2030, 1, 8, tzinfo=UTC))
SUBJECT_FIELDS = ("subject", "location", "attendees", "body", "summary", "description")


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def service_account_json(key: rsa.RSAPrivateKey) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "kith-test",
            "private_key_id": "abc123",
            "private_key": pem,
            "client_email": "kith-freebusy@kith-test.iam.gserviceaccount.com",
            "client_id": "1234567890",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


def _google_urls(server):
    return override_settings(
        KITH_CALENDARS_GOOGLE_TOKEN_URL=f"{server.base_url}/token",
        KITH_CALENDARS_GOOGLE_API_BASE=server.base_url,
    )


def _graph_urls(server):
    return override_settings(
        KITH_CALENDARS_GRAPH_BASE=server.base_url,
        KITH_CALENDARS_MICROSOFT_LOGIN_BASE=server.base_url,
    )


# --- Google ---------------------------------------------------------------------------------------


def test_google_sends_a_signed_delegated_assertion_and_a_minimal_freebusy_query(
    recorded_server, rsa_key
):
    email = "alice@example.com"
    recorded_server.answer("/token", GOOGLE_TOKEN_RESPONSE)
    recorded_server.answer("/calendar/v3/freeBusy", google_freebusy_response(email, "Planted1"))
    account = parse_service_account(service_account_json(rsa_key))
    google = GoogleCalendar(
        account, token_url=f"{recorded_server.base_url}/token", api_base=recorded_server.base_url
    )

    busy = google.busy(email, *DAY)

    assert busy == [
        (dt.datetime(2030, 1, 7, 10, tzinfo=UTC), dt.datetime(2030, 1, 7, 11, tzinfo=UTC)),
        (dt.datetime(2030, 1, 7, 12, 30, tzinfo=UTC), dt.datetime(2030, 1, 7, 13, tzinfo=UTC)),
    ]
    (token_call,) = recorded_server.sent_to("/token")
    form = urllib.parse.parse_qs(token_call.body.decode())
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    header, claims, signature = form["assertion"][0].split(".")
    claims_data = json.loads(_unb64(claims))
    assert claims_data["sub"] == email  # domain-wide delegation: as the person
    assert claims_data["scope"] == GOOGLE_SCOPE  # the free/busy scope, nothing wider
    assert claims_data["iss"] == account.client_email
    assert claims_data["aud"] == "https://oauth2.googleapis.com/token"
    assert claims_data["exp"] - claims_data["iat"] == 3600
    assert json.loads(_unb64(header)) == {"alg": "RS256", "typ": "JWT"}
    rsa_key.public_key().verify(
        _unb64(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    (query,) = recorded_server.sent_to("/calendar/v3/freeBusy")
    assert query.headers["Authorization"] == f"Bearer {GOOGLE_TOKEN_RESPONSE['access_token']}"
    assert query.json() == {
        "timeMin": "2030-01-07T00:00:00Z",
        "timeMax": "2030-01-08T00:00:00Z",
        "timeZone": "UTC",
        "items": [{"id": email}],
    }


def test_google_errors_become_codes(recorded_server, rsa_key):
    account = parse_service_account(service_account_json(rsa_key))
    google = GoogleCalendar(
        account, token_url=f"{recorded_server.base_url}/token", api_base=recorded_server.base_url
    )
    recorded_server.answer(
        "/token", {"error": "unauthorized_client", "error_description": "no delegation"}, 401
    )
    with pytest.raises(CalendarError) as caught:
        google.busy("alice@example.com", *DAY)
    assert caught.value.code == ErrorCode.AUTH

    recorded_server.answer("/token", GOOGLE_TOKEN_RESPONSE)
    recorded_server.answer(
        "/calendar/v3/freeBusy",
        {
            "calendars": {
                "alice@example.com": {"errors": [{"domain": "global", "reason": "notFound"}]}
            }
        },
    )
    with pytest.raises(CalendarError) as caught:
        google.busy("alice@example.com", *DAY)
    assert caught.value.code == ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not JSON"),
        ('{"type": "authorized_user"}', "is not a service account key"),
        ('{"type": "service_account", "client_email": "a@b.c", "private_key": "x"}', "PEM"),
    ],
)
def test_a_bad_google_key_file_is_refused_with_a_reason(db, hr_person, text, message):
    viewer = viewer_for_user(login_for(hr_person, hr=True))
    with pytest.raises(Exception, match=f"Service account key: .*{message}"):
        google_settings_update(viewer=viewer, service_account_json=text)


@pytest.mark.django_db
def test_google_end_to_end_keeps_no_event_details_and_seals_the_key(
    recorded_server, rsa_key, hr_person
):
    word = "Quokkafandango" + uuid.uuid4().hex[:6]
    person = PersonFactory(email="alice@example.com")
    recorded_server.answer("/token", GOOGLE_TOKEN_RESPONSE)
    recorded_server.answer("/calendar/v3/freeBusy", google_freebusy_response(person.email, word))
    hr = viewer_for_user(login_for(hr_person, hr=True))
    key_json = service_account_json(rsa_key)
    google_settings_update(viewer=hr, service_account_json=key_json)
    calendar_connect_provider(viewer=viewer_for_user(login_for(person)), provider=Provider.GOOGLE)

    with _google_urls(recorded_server):
        assert provider_test(viewer=hr, provider=Provider.GOOGLE) == ""
        busy = core_calendars.busy_intervals([person.pk], *DAY)

    assert busy[person.pk][0] == (
        dt.datetime(2030, 1, 7, 10, tzinfo=UTC),
        dt.datetime(2030, 1, 7, 11, tzinfo=UTC),
    )
    first_claims = json.loads(
        _unb64(
            urllib.parse.parse_qs(recorded_server.received[0].body.decode())["assertion"][0].split(
                "."
            )[1]
        )
    )
    assert first_claims["sub"] == hr_person.email  # HR's test proves delegation as themself
    dump = database_text()
    assert word.lower() not in dump.lower()
    private_key_line = json.loads(key_json)["private_key"].splitlines()[1]
    assert private_key_line not in dump
    assert str(GOOGLE_TOKEN_RESPONSE["access_token"]) not in dump


# --- Microsoft ------------------------------------------------------------------------------------


def test_graph_reads_only_start_end_and_status_and_sends_a_client_credentials_request(
    recorded_server,
):
    email = "adelev@contoso.com"
    recorded_server.answer("/tenant-1/oauth2/v2.0/token", MICROSOFT_TOKEN_RESPONSE)
    recorded_server.answer(
        f"/v1.0/users/{email}/calendar/getSchedule", graph_get_schedule_response(email, "Planted2")
    )
    graph = MicrosoftGraph(
        tenant_id="tenant-1",
        client_id="client-1",
        client_secret="secret-" + uuid.uuid4().hex,
        graph_base=recorded_server.base_url,
        login_base=recorded_server.base_url,
    )

    busy = graph.busy(email, *DAY)

    # busy and tentative count; free does not.
    assert busy == [
        (dt.datetime(2030, 1, 7, 12, tzinfo=UTC), dt.datetime(2030, 1, 7, 14, tzinfo=UTC)),
        (dt.datetime(2030, 1, 7, 15, tzinfo=UTC), dt.datetime(2030, 1, 7, 15, 30, tzinfo=UTC)),
    ]
    (token_call,) = recorded_server.sent_to("/tenant-1/oauth2/v2.0/token")
    form = urllib.parse.parse_qs(token_call.body.decode())
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == ["https://graph.microsoft.com/.default"]
    assert form["client_id"] == ["client-1"]
    (call,) = recorded_server.sent_to(f"/v1.0/users/{email}/calendar/getSchedule")
    assert call.headers["Authorization"] == f"Bearer {MICROSOFT_TOKEN_RESPONSE['access_token']}"
    assert call.headers["Prefer"] == 'outlook.timezone="UTC"'
    assert call.json() == {
        "schedules": [email],
        "startTime": {"dateTime": "2030-01-07T00:00:00", "timeZone": "UTC"},
        "endTime": {"dateTime": "2030-01-08T00:00:00", "timeZone": "UTC"},
        "availabilityViewInterval": 30,
    }
    assert "$select" not in call.path and not any(f in call.body.decode() for f in SUBJECT_FIELDS)


def test_graph_windows_stay_under_42_days(recorded_server):
    email = "adelev@contoso.com"
    path = f"/v1.0/users/{email}/calendar/getSchedule"
    recorded_server.answer("/t/oauth2/v2.0/token", MICROSOFT_TOKEN_RESPONSE)
    recorded_server.answer(path, {"value": [{"scheduleId": email, "scheduleItems": []}]})
    graph = MicrosoftGraph(
        tenant_id="t",
        client_id="c",
        client_secret="s-" + uuid.uuid4().hex,
        graph_base=recorded_server.base_url,
        login_base=recorded_server.base_url,
    )

    assert graph.busy(email, DAY[0], DAY[0] + dt.timedelta(days=90)) == []

    spans = []
    for call in recorded_server.sent_to(path):
        body = call.json()
        start = dt.datetime.fromisoformat(body["startTime"]["dateTime"])
        end = dt.datetime.fromisoformat(body["endTime"]["dateTime"])
        spans.append((start, end))
    assert len(spans) == 3 and all(end - start < dt.timedelta(days=42) for start, end in spans)
    assert spans[0][0] == DAY[0].replace(tzinfo=None)
    assert spans[-1][1] == (DAY[0] + dt.timedelta(days=90)).replace(tzinfo=None)
    assert len(recorded_server.sent_to("/t/oauth2/v2.0/token")) == 1  # the token is reused


def test_graph_falls_back_to_the_availability_view(recorded_server):
    email = "meganb@contoso.com"
    recorded_server.answer("/t2/oauth2/v2.0/token", MICROSOFT_TOKEN_RESPONSE)
    recorded_server.answer(
        f"/v1.0/users/{email}/calendar/getSchedule",
        {"value": [{"scheduleId": email, "availabilityView": "200220010"}]},
    )
    graph = MicrosoftGraph(
        tenant_id="t2",
        client_id="c",
        client_secret="s-" + uuid.uuid4().hex,
        graph_base=recorded_server.base_url,
        login_base=recorded_server.base_url,
    )
    start = DAY[0]
    half = dt.timedelta(minutes=30)

    busy = graph.busy(email, start, start + 9 * half)

    assert busy == [
        (start, start + half),
        (start + 3 * half, start + 4 * half),
        (start + 4 * half, start + 5 * half),
        (start + 7 * half, start + 8 * half),
    ]


@pytest.mark.django_db
def test_microsoft_end_to_end_keeps_no_subject_and_seals_the_secret(recorded_server, hr_person):
    word = "Wombatcrescendo" + uuid.uuid4().hex[:6]
    secret = "ms-secret-" + uuid.uuid4().hex
    person = PersonFactory(email="adelev@contoso.com")
    recorded_server.answer("/contoso.onmicrosoft.com/oauth2/v2.0/token", MICROSOFT_TOKEN_RESPONSE)
    recorded_server.answer(
        f"/v1.0/users/{person.email}/calendar/getSchedule",
        graph_get_schedule_response(person.email, word),
    )
    hr = viewer_for_user(login_for(hr_person, hr=True))
    microsoft_settings_update(
        viewer=hr, tenant_id="contoso.onmicrosoft.com", client_id="app-1", client_secret=secret
    )
    viewer = viewer_for_user(login_for(person))
    calendar_connect_provider(viewer=viewer, provider=Provider.MICROSOFT)

    with _graph_urls(recorded_server):
        assert provider_test(viewer=hr, provider=Provider.MICROSOFT) == ""
        result = calendar_test(viewer=viewer, now=DAY[0])

    assert result.busy_count == 2
    assert CalendarConnection.objects.get(person=person).last_ok_at is not None
    dump = database_text()
    assert word.lower() not in dump.lower()
    assert secret not in dump
    assert str(MICROSOFT_TOKEN_RESPONSE["access_token"]) not in dump


@pytest.mark.django_db
def test_a_refused_graph_token_is_an_auth_code_on_the_connection(recorded_server, hr_person):
    person = PersonFactory(email="lee@contoso.com")
    recorded_server.answer(
        "/bad-tenant/oauth2/v2.0/token",
        {"error": "invalid_client", "error_description": "AADSTS7000215"},
        401,
    )
    hr = viewer_for_user(login_for(hr_person, hr=True))
    microsoft_settings_update(
        viewer=hr,
        tenant_id="bad-tenant",
        client_id="app-2",
        client_secret="wrong-" + uuid.uuid4().hex,
    )
    viewer = viewer_for_user(login_for(person))
    calendar_connect_provider(viewer=viewer, provider=Provider.MICROSOFT)

    with _graph_urls(recorded_server):
        assert provider_test(viewer=hr, provider=Provider.MICROSOFT) == ErrorCode.AUTH
        result = calendar_test(viewer=viewer, now=DAY[0])

    assert result.busy_count is None and result.error == ErrorCode.AUTH
    assert CalendarConnection.objects.get(person=person).last_error == ErrorCode.AUTH
