"""The person's calendar page and HR's provider settings."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from kith.calendars.models import CalendarConnection, ProviderSettings
from kith.calendars.tests.test_providers_recorded import (
    GOOGLE_TOKEN_RESPONSE,
    _google_urls,
    service_account_json,
)
from kith.core import calendars as core_calendars
from kith.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_connect_test_and_disconnect_a_caldav_calendar(
    employee, employee_client, radicale_url, local_calendars
):
    from caldav.davclient import DAVClient

    client = DAVClient(url=radicale_url, username="margarida", password="pw")
    calendar = client.principal().make_calendar(name="Work", cal_id="pages-work")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    for hours in (0, 3, 6):
        calendar.save_event(
            dtstart=start + dt.timedelta(hours=hours),
            dtend=start + dt.timedelta(hours=hours, minutes=30),
            summary="Planning",
        )

    page = employee_client.get(reverse("calendars:mine"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    response = employee_client.post(
        reverse("calendars:connect_caldav"),
        {"url": str(calendar.url), "username": "margarida", "password": "app-pw-123"},
    )
    assert response.status_code == 302
    response = employee_client.post(reverse("calendars:test"), follow=True)
    assert "busy 3 times in the next 7 days" in response.content.decode()

    response = employee_client.post(reverse("calendars:disconnect"), follow=True)
    assert "credentials deleted" in response.content.decode()
    assert not CalendarConnection.objects.filter(person=employee).exists()


def test_bad_caldav_input_names_the_field(employee_client):
    response = employee_client.post(
        reverse("calendars:connect_caldav"),
        {"url": "ftp://calendar.example.com/", "username": "", "password": "pw"},
    )
    assert response.status_code == 400
    assert "Calendar URL: enter the address starting with https://." in response.content.decode()
    response = employee_client.post(
        reverse("calendars:connect_caldav"),
        {"url": "http://169.254.169.254/latest/", "username": "", "password": "pw"},
    )
    assert response.status_code == 400
    assert "Kith may not call this address" in response.content.decode()
    response = employee_client.post(
        reverse("calendars:connect_caldav"), {"url": "https://cal.example.com/", "password": ""}
    )
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert not CalendarConnection.objects.exists()


def test_google_choice_appears_only_once_hr_configured_it(employee, employee_client, hr_client):
    assert (
        "Use my Google calendar"
        not in employee_client.get(reverse("calendars:mine")).content.decode()
    )
    response = employee_client.post(
        reverse("calendars:connect_provider", args=["google"]), follow=True
    )
    assert "HR has not set up this calendar provider yet" in response.content.decode()

    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = hr_client.post(
        reverse("calendars:settings"),
        {"provider": "google", "google-service_account_json": service_account_json(key)},
    )
    assert response.status_code == 302
    assert (
        "Use my Google calendar" in employee_client.get(reverse("calendars:mine")).content.decode()
    )
    employee_client.post(reverse("calendars:connect_provider", args=["google"]))
    assert CalendarConnection.objects.get(person=employee).provider == "google"
    assert AuditEvent.objects.filter(action="calendars.google_settings_changed").exists()


def test_hr_settings_validate_test_and_clear(hr_client, recorded_server):
    response = hr_client.post(
        reverse("calendars:settings"),
        {"provider": "microsoft", "microsoft-tenant_id": "a/b", "microsoft-client_id": "app"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tenant ID: enter the directory (tenant) ID or domain." in html
    response = hr_client.post(
        reverse("calendars:settings"),
        {"provider": "google", "google-service_account_json": json.dumps({"type": "user"})},
    )
    assert response.status_code == 400
    assert "Service account key: is not a service account key" in response.content.decode()

    response = hr_client.post(
        reverse("calendars:settings"),
        {
            "provider": "microsoft",
            "microsoft-tenant_id": "contoso.onmicrosoft.com",
            "microsoft-client_id": "app-1",
            "microsoft-client_secret": "the-secret",
        },
    )
    assert response.status_code == 302
    settings_row = ProviderSettings.objects.get(provider="microsoft")
    assert settings_row.is_configured and "the-secret" not in settings_row.microsoft_secret_sealed
    page = hr_client.get(reverse("calendars:settings")).content.decode()
    assert "the-secret" not in page and "app-1" in page

    recorded_server.answer("/contoso.onmicrosoft.com/oauth2/v2.0/token", {"error": "x"}, 401)
    from django.test import override_settings

    with override_settings(KITH_CALENDARS_MICROSOFT_LOGIN_BASE=recorded_server.base_url):
        response = hr_client.post(
            reverse("calendars:provider_test", args=["microsoft"]), follow=True
        )
    assert "The test failed: the calendar refused the credentials." in response.content.decode()

    hr_client.post(reverse("calendars:provider_clear", args=["microsoft"]))
    assert not ProviderSettings.objects.exists()
    assert AuditEvent.objects.filter(action="calendars.provider_cleared").exists()


def test_google_test_button_fetches_a_token(hr_client, recorded_server):
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    hr_client.post(
        reverse("calendars:settings"),
        {"provider": "google", "google-service_account_json": service_account_json(key)},
    )
    recorded_server.answer("/token", GOOGLE_TOKEN_RESPONSE)
    with _google_urls(recorded_server):
        response = hr_client.post(reverse("calendars:provider_test", args=["google"]), follow=True)
    assert "The test worked" in response.content.decode()


def test_a_non_hr_colleague_gets_403_on_the_settings(employee_client):
    assert employee_client.get(reverse("calendars:settings")).status_code == 403
    assert (
        employee_client.post(
            reverse("calendars:settings"),
            {"provider": "microsoft", "microsoft-tenant_id": "t", "microsoft-client_id": "c"},
        ).status_code
        == 403
    )
    assert (
        employee_client.post(reverse("calendars:provider_test", args=["google"])).status_code == 403
    )
    assert (
        employee_client.post(reverse("calendars:provider_clear", args=["google"])).status_code
        == 403
    )


def test_the_export_and_privacy_page_mention_the_calendar(employee, employee_client):
    CalendarConnection.objects.create(
        person=employee,
        provider="caldav",
        calendar_url="https://cal.example.com/me/",
        username="me",
        password_sealed="sealed:v1:x",
        connected_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    export = employee_client.get("/me/export.json").json()
    assert export["calendar"]["provider"] == "caldav"
    assert "password" not in json.dumps(export["calendar"]).replace("busy_times_stored", "")
    assert "Your calendar" in employee_client.get("/privacy/").content.decode()


def test_core_registry_merges_clips_and_is_empty_without_sources(monkeypatch):
    start, end = (
        dt.datetime(2030, 1, 7, 9, tzinfo=dt.UTC),
        dt.datetime(2030, 1, 7, 17, tzinfo=dt.UTC),
    )

    def source(ids, s, e):
        return {
            ids[0]: [
                (start - dt.timedelta(hours=1), start + dt.timedelta(hours=1)),
                (start + dt.timedelta(minutes=30), start + dt.timedelta(hours=2)),
            ]
        }

    monkeypatch.setattr(core_calendars, "_busy_sources", {})
    assert core_calendars.busy_intervals([1, 2], start, end) == {}
    core_calendars.register_busy_source(source)
    assert core_calendars.busy_intervals([1, 2], start, end) == {
        1: [(start, start + dt.timedelta(hours=2))]
    }
