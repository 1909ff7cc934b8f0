"""The HR pages: add (secret shown once), edit, rotate, test, log, delete; employees get 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.webhooks import events, signing
from kith.webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def _add(client, url: str, chosen=(events.PERSON_JOINED,)):
    return client.post(
        reverse("webhooks:endpoint_new"), {"name": "Warehouse", "url": url, "events": list(chosen)}
    )


def test_hr_adds_an_endpoint_and_sees_its_secret_once(hr_client, receiver):
    response = _add(hr_client, receiver.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    endpoint = Endpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.created_by is not None
    log = hr_client.get(reverse("webhooks:endpoint_log", args=[endpoint.pk]))
    assert log.status_code == 200 and endpoint.secret not in log.content.decode()
    listing = hr_client.get(reverse("webhooks:endpoints"))
    assert (
        "Warehouse" in listing.content.decode() and endpoint.secret not in listing.content.decode()
    )
    assert AuditEvent.objects.filter(action="webhooks.endpoint_created").count() == 1


def test_the_form_names_what_is_wrong(hr_client):
    response = _add(hr_client, "http://hr.example.com/in", chosen=())
    page = response.content.decode()
    assert response.status_code == 200
    assert "must start with https://" in page
    assert "Choose at least one event." in page
    assert not Endpoint.objects.exists()


def test_test_event_rotate_edit_log_and_delete(hr_client, receiver):
    _add(hr_client, receiver.url)
    endpoint = Endpoint.objects.get()
    response = hr_client.post(reverse("webhooks:endpoint_test", args=[endpoint.pk]), follow=True)
    page = response.content.decode()
    assert "The test event arrived (HTTP 200)" in page
    assert "kith.ping" in page  # the delivery log
    rotated = hr_client.post(reverse("webhooks:endpoint_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated.content.decode()
    hr_client.post(reverse("webhooks:endpoint_test", args=[endpoint.pk]))
    last = receiver.received[-1]
    assert signing.verify(endpoint.secret, last.body, last.headers["Kith-Signature"])
    edited = hr_client.post(
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
        {"name": "Warehouse 2", "url": receiver.url, "events": [events.WAVE_CLOSED]},
    )
    assert edited.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.events, endpoint.is_active) == (
        "Warehouse 2",
        [events.WAVE_CLOSED],
        False,  # the box was left unticked: switched off
    )
    hr_client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk]))
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "webhooks.endpoint_created",
        "webhooks.test_sent",
        "webhooks.secret_rotated",
        "webhooks.endpoint_changed",
        "webhooks.endpoint_deleted",
    } <= actions


def test_employees_get_403_everywhere(employee_client, hr_client, receiver):
    _add(hr_client, receiver.url)
    pk = Endpoint.objects.get().pk
    for name, args, method in [
        ("webhooks:endpoints", [], "get"),
        ("webhooks:endpoint_new", [], "get"),
        ("webhooks:endpoint_new", [], "post"),
        ("webhooks:endpoint_log", [pk], "get"),
        ("webhooks:endpoint_edit", [pk], "post"),
        ("webhooks:endpoint_rotate", [pk], "post"),
        ("webhooks:endpoint_test", [pk], "post"),
        ("webhooks:endpoint_delete", [pk], "post"),
    ]:
        response = getattr(employee_client, method)(reverse(name, args=args))
        assert response.status_code == 403, (name, method)
    assert Endpoint.objects.filter(pk=pk).exists() and receiver.received == []
