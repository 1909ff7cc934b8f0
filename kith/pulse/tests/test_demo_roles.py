"""The demo organisation's surveys, seen by its three demo logins: each sees exactly what the
privacy model allows, on the pages and through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kith.accounts.models import User
from kith.directory.demo.seed import seed_demo_organisation
from kith.pulse import demo_seed
from kith.pulse.models import Campaign, Response, ResultCell, Wave

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    result = seed_demo_organisation(people=150, seed=3)
    logins = {login.role: login for login in result.logins}
    demo_seed.seed(today=dt.date.today(), seed=3, demo_emails=[x.email for x in result.logins])
    return logins


def _client(login) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=login.email))
    return client


def test_demo_surveys_look_real(demo):
    closed = Wave.objects.filter(results_at__isnull=False)
    assert closed.count() == 2
    open_wave = Wave.objects.get(campaign__name="Connection check-in")
    assert open_wave.results_at is None and open_wave.sent_at is not None
    for wave in closed:
        shown = set(ResultCell.objects.filter(wave=wave, attr=-1).values_list("unit", flat=True))
        assert 0 in shown  # the organisation
        # Teams both under and over k: some units are shown, some withheld.
        assert 1 < len(shown) < len(wave.units)
    assert Response.objects.filter(wave=open_wave).exists()
    assert Campaign.objects.count() == 2


def test_each_demo_role_sees_what_it_may(demo):
    wave = Wave.objects.filter(results_at__isnull=False).order_by("-number").first()
    employee, manager, hr = (_client(demo[r]) for r in ("Employee", "Manager", "HR admin"))

    mine = employee.get(f"/api/v1/pulse/waves/{wave.pk}/results").json()["rows"]
    assert [r["group"] for r in mine] == ["Whole organisation"]
    assert employee.get(f"/pulse/waves/{wave.pk}/export.csv").status_code == 403
    assert employee.get(f"/pulse/waves/{wave.pk}/comments/").status_code == 403
    assert employee.get("/pulse/manage/").status_code == 403
    assert employee.get(f"/api/v1/pulse/waves/{wave.pk}/export").status_code == 403

    theirs = manager.get(f"/api/v1/pulse/waves/{wave.pk}/results").json()["rows"]
    names = {r["group"] for r in theirs}
    assert "Whole organisation" in names and len(names) >= 2
    everything = hr.get(f"/api/v1/pulse/waves/{wave.pk}/results").json()["rows"]
    assert len(everything) > len(theirs)
    assert manager.get(f"/pulse/waves/{wave.pk}/?filter=0:0").status_code == 403
    assert manager.get(f"/pulse/waves/{wave.pk}/export.csv").status_code == 403

    assert hr.get(f"/pulse/waves/{wave.pk}/?filter=0:0").status_code == 200
    assert hr.get(f"/pulse/waves/{wave.pk}/export.csv").status_code == 200
    for role, client in (("Employee", employee), ("Manager", manager), ("HR admin", hr)):
        assert client.get(f"/pulse/waves/{wave.pk}/").status_code == 200, role
        assert client.get("/pulse/").status_code == 200, role
