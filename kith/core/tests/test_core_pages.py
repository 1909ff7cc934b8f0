from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import path

from kith.core.audit import record
from kith.core.permissions import (
    anonymous_viewer,
    can_edit_profile,
    can_view_person,
    can_view_private_fields,
    viewer_for_user,
)
from kith.directory.tests.factories import PersonFactory, login_for

pytestmark = pytest.mark.django_db


def test_security_headers_and_csp(employee_client):
    response = employee_client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_use_no_external_assets(employee_client):
    html = employee_client.get("/people/").content.decode()
    assert "https://" not in html.split("<body")[0]
    assert "/static/django_htmx/htmx-2.min.js" in html


def test_each_viewer_sees_times_in_their_own_zone(employee, hr_person):
    """Stored UTC; shown in the viewer's zone (the inbox shows delivery times)."""
    from kith.notify.models import Notification

    moment = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
    for person, zone in ((employee, "Asia/Tokyo"), (hr_person, "America/New_York")):
        person.timezone = zone
        person.save()
        Notification.objects.create(person=person, subject="Hello", deliver_at=moment)
    tokyo = Client()
    tokyo.force_login(login_for(employee))
    new_york = Client()
    new_york.force_login(login_for(hr_person))
    assert "Thu 15 Jan, 21:00" in tokyo.get("/notifications/").content.decode()
    assert "Thu 15 Jan, 07:00" in new_york.get("/notifications/").content.decode()


def test_permissions_module(employee, manager, hr_person):
    former = PersonFactory(is_active=False)
    colleague = PersonFactory()
    employee_viewer = viewer_for_user(login_for(employee))
    manager_viewer = viewer_for_user(login_for(manager))
    hr_viewer = viewer_for_user(login_for(hr_person, hr=True))
    assert can_view_person(employee_viewer, colleague) and not can_view_person(
        employee_viewer, former
    )
    assert can_view_person(hr_viewer, former)
    assert not can_view_person(anonymous_viewer(), colleague)
    assert can_view_private_fields(employee_viewer, employee)
    assert not can_view_private_fields(employee_viewer, colleague)
    assert can_view_private_fields(manager_viewer, employee)
    assert can_view_private_fields(hr_viewer, colleague)
    assert can_edit_profile(employee_viewer, employee) and not can_edit_profile(hr_viewer, employee)
    assert manager_viewer.is_manager and not employee_viewer.is_manager
    assert employee_viewer.role_names == ["Employee"]
    assert hr_viewer.role_names == ["Employee", "HR admin"]


def test_manager_role_is_derived_from_active_reports(employee, manager):
    employee.is_active = False
    employee.save()
    assert not viewer_for_user(login_for(manager)).is_manager


def test_audit_log_is_for_hr(hr_client, employee_client, hr_person):
    record(actor=None, action="directory.import", target="people.csv", created=3)
    assert employee_client.get("/audit/").status_code == 403
    page = hr_client.get("/audit/")
    assert (
        page.status_code == 200
        and b"directory.import" in page.content
        and b"created: 3" in page.content
    )


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom)]
handler500 = "kith.core.views.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_friendly_500_page(employee):
    client = Client(raise_request_exception=False)
    client.force_login(login_for(employee))
    response = client.get("/boom/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_user_without_person_sees_guidance(db):
    from kith.accounts.models import User

    user = User.objects.create_user("admin@example.com", "pw")
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert b"not linked to anyone in the directory" in response.content


def test_login_without_an_active_person_sees_nobody(employee, manager):
    """HR changed someone's email: the old login must not keep browsing the directory."""
    from kith.accounts.models import User
    from kith.accounts.services import users_sync_from_people

    stale = User.objects.create_user("old.address@example.com", "pw")
    client = Client()
    client.force_login(stale)
    assert b"Margarida Ribeiro" not in client.get("/people/").content
    assert client.get(f"/people/{employee.pk}/").status_code == 404
    users_sync_from_people()
    stale.refresh_from_db()
    assert not stale.is_active
    admin = User.objects.create_superuser("root@example.com", "pw")
    users_sync_from_people()
    admin.refresh_from_db()
    assert admin.is_active


def test_former_manager_is_not_shown_in_anyones_line(employee_client, employee, manager, hr_client):
    manager.is_active = False
    manager.save()
    page = employee_client.get(f"/people/{employee.pk}/").content
    assert b"Maya Jackson" not in page
    chart = employee_client.get("/people/teams/", {"person": employee.pk}).content
    assert b"Maya Jackson" not in chart
    assert b"Maya Jackson" in hr_client.get(f"/people/{employee.pk}/").content
