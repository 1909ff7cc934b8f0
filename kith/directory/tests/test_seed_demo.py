from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from kith.accounts.models import User
from kith.core.permissions import HR_ADMINS_GROUP, viewer_for_user
from kith.directory.demo.seed import DEMO_PASSWORD, existing_demo_logins, seed_demo_organisation
from kith.directory.models import Office, OrgUnit, Person

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def demo():
    return seed_demo_organisation(people=300, seed=7, today=TODAY)


def test_demo_organisation_is_believable(demo):
    assert Person.objects.count() == 300 == demo.people
    spans = list(
        Person.objects.annotate(n=Count("reports")).filter(n__gt=0).values_list("n", flat=True)
    )
    assert min(spans) >= 3 and max(spans) <= 22
    assert sum(1 for s in spans if s <= 15) >= 0.9 * len(spans)
    assert Person.objects.filter(manager__isnull=True).count() == 1  # one CEO
    cities = Person.objects.values("city").distinct().count()
    assert 20 <= cities <= 26
    office_cities = set(Office.objects.values_list("city", flat=True))
    assert len(office_cities) >= 5
    assert Person.objects.exclude(city__in=office_cities).exists()  # cities with no office
    types = Counter(Person.objects.values_list("employment_type", flat=True))
    assert types["contractor"] > 0 and types["freelancer"] > 0
    assert Person.objects.filter(
        start_date__gte=TODAY.replace(day=1), start_date__lte=TODAY
    ).exists()
    assert OrgUnit.objects.filter(kind="department").count() >= 8
    assert OrgUnit.objects.filter(kind="team").exists()
    assert Person.objects.filter(tags__kind="interest").distinct().count() == 300


def test_time_zones_match_cities(demo):
    zones = dict(Person.objects.values_list("city", "timezone").distinct())
    assert zones["Lisbon"] == "Europe/Lisbon"
    assert zones["Bengaluru"] == "Asia/Kolkata"
    assert zones["São Paulo"] == "America/Sao_Paulo"
    assert zones["Auckland"] == "Pacific/Auckland"
    assert zones["San Francisco"] == "America/Los_Angeles"


def test_deterministic_for_a_seed(demo):
    first = list(Person.objects.order_by("employee_id").values_list("email", "city", "title"))
    Person.objects.all().delete()
    for depth in sorted(set(OrgUnit.objects.values_list("depth", flat=True)), reverse=True):
        OrgUnit.objects.filter(depth=depth).delete()
    Office.objects.all().delete()
    seed_demo_organisation(people=300, seed=7, today=TODAY)
    again = list(Person.objects.order_by("employee_id").values_list("email", "city", "title"))
    assert first == again


def test_demo_logins_work_with_their_roles(demo, client):
    roles = {login.role: login for login in demo.logins}
    assert set(roles) == {"Employee", "Manager", "HR admin"}
    for login in demo.logins:
        assert client.login(email=login.email, password=DEMO_PASSWORD)
    hr = User.objects.get(email=roles["HR admin"].email)
    assert hr.groups.filter(name=HR_ADMINS_GROUP).exists()
    assert viewer_for_user(User.objects.get(email=roles["Manager"].email)).is_manager
    assert not viewer_for_user(User.objects.get(email=roles["Employee"].email)).is_manager
    assert [login.role for login in existing_demo_logins()] == ["Employee", "Manager", "HR admin"]


def test_command_refuses_a_filled_directory_and_if_empty_skips(demo):
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already has 300 people" in out.getvalue()
    assert "HR admin" in out.getvalue()
    with pytest.raises(SystemExit) as exit_info:
        call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert exit_info.value.code == 2


def test_wide_organisation_keeps_spans_in_check():
    seed_demo_organisation(people=3000, seed=3, today=TODAY)
    spans = list(
        Person.objects.annotate(n=Count("reports")).filter(n__gt=0).values_list("n", flat=True)
    )
    assert min(spans) >= 3 and max(spans) <= 22
    assert OrgUnit.objects.filter(kind="unit").exists()  # areas between departments and teams


def test_refuses_production_without_force(settings):
    settings.PRODUCTION = True
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("seed_demo", "--people", "5", stdout=StringIO(), stderr=err)
    assert exit_info.value.code == 2 and "refuses to run in production" in err.getvalue()
    assert Person.objects.count() == 0


def test_seeding_drops_the_directory_figures_a_running_server_cached(monkeypatch):
    """Bulk inserts send no signals: seed_demo itself drops the cached headcounts."""
    from kith.directory import selectors
    from kith.directory.caching import Audience
    from kith.directory.management.commands import seed_demo

    assert selectors._headcount(Audience.ACTIVE) == 0  # cached while the directory is empty
    monkeypatch.setattr(seed_demo, "seed_app_demos", lambda **kwargs: [])
    call_command("seed_demo", people=40, stdout=StringIO())
    assert selectors._headcount(Audience.ACTIVE) == Person.objects.filter(is_active=True).count()
