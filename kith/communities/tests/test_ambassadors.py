from __future__ import annotations

import datetime as dt

from kith.communities import selectors
from kith.communities.engine.hubs import CityPoint, banded_count, distance_km, find_hubs
from kith.communities.models import CityAmbassador, WelcomePreference
from kith.core.dates import org_today
from kith.core.models import AuditEvent
from kith.core.permissions import AMBASSADORS_GROUP, viewer_for_user
from kith.directory.models import Office
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.notify.models import Notification

from .conftest import add, client_for

SINTRA = {"city": "Sintra", "country": "PT", "latitude": 38.80, "longitude": -9.38}


def test_distance_and_banding():
    assert 270 < distance_km(38.72, -9.14, 41.15, -8.61) < 285  # Lisbon to Porto
    assert banded_count(2) == "fewer than 3"
    assert banded_count(3) == "3"


def test_hubs_are_near_big_enough_and_without_an_office():
    cities = [
        CityPoint("Lisbon", "PT", 38.72, -9.14, 40),
        CityPoint("Sintra", "PT", 38.80, -9.38, 6),
        CityPoint("Cascais", "PT", 38.70, -9.42, 2),
        CityPoint("Madrid", "ES", 40.42, -3.70, 30),
    ]
    hubs = find_hubs(
        home=(38.72, -9.14),
        cities=cities,
        office_cities={("lisbon", "pt")},
        min_colleagues=5,
        radius_km=300,
    )
    assert [(h.city, h.colleagues) for h in hubs] == [("Sintra", 6)]


def test_hr_appoints_an_ambassador_who_is_told_and_gets_the_role(hr_client, employee):
    login_for(employee)
    response = hr_client.post(
        "/communities/ambassadors/", {"email": employee.email, "city": "Lisbon", "country": "pt"}
    )
    assert response.status_code == 302
    row = CityAmbassador.objects.get()
    assert (row.city, row.country) == ("Lisbon", "PT")
    assert Notification.objects.filter(person=employee, kind="community_ambassador").exists()
    assert AuditEvent.objects.filter(action="communities.ambassador_appointed").exists()
    viewer = viewer_for_user(login_for(employee))
    assert viewer.is_ambassador and AMBASSADORS_GROUP in viewer._groups
    assert selectors.is_city_ambassador(employee, "lisbon", "PT")
    # Twice is refused, naming why; bad input names the field.
    page = hr_client.post(
        "/communities/ambassadors/", {"email": employee.email, "city": "Lisbon", "country": "PT"}
    ).content.decode()
    assert "already looks after Lisbon" in page
    page = hr_client.post(
        "/communities/ambassadors/", {"email": "x@nowhere.org", "city": "", "country": "Portugal"}
    ).content.decode()
    assert "No active colleague has the email x@nowhere.org" in page
    assert "two-letter country code" in page
    assert CityAmbassador.objects.count() == 1


def test_only_hr_appoints(employee_client, employee):
    assert employee_client.get("/communities/ambassadors/").status_code == 403
    response = employee_client.post(
        "/api/v1/communities/ambassadors",
        {"email": employee.email, "city": "Lisbon", "country": "PT"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_the_dashboard_counts_teams_bands_small_ones_and_lists_opted_in_newcomers(
    employee, manager, team, pride
):
    CityAmbassador.objects.create(person=manager, city="Lisbon", country="PT")
    design = OrgUnitFactory(name="Design")
    for _ in range(2):
        PersonFactory(org_unit=design)
    today = org_today()
    newcomer = PersonFactory(full_name="Nina Newcomer", org_unit=design, start_date=today)
    shy = PersonFactory(full_name="Sam Shy", org_unit=design, start_date=today)
    WelcomePreference.objects.create(person=newcomer, wants_welcome=True)
    WelcomePreference.objects.create(person=shy, wants_welcome=False)
    old = PersonFactory(full_name="Olly Oldtimer", start_date=today - dt.timedelta(days=70))
    WelcomePreference.objects.create(person=old, wants_welcome=True)
    for _ in range(5):
        PersonFactory(**SINTRA)
    pride.city, pride.country = "Lisbon", "PT"
    pride.save()
    Office.objects.create(
        name="Lisbon HQ",
        city="Lisbon",
        country="PT",
        latitude=38.72,
        longitude=-9.14,
        timezone="Europe/Lisbon",
    )

    page = client_for(manager).get("/communities/ambassador/").content.decode()
    assert "Nina Newcomer" in page
    assert "Sam Shy" not in page and "Olly Oldtimer" not in page
    dashboard = selectors.ambassador_dashboards_for_viewer(
        viewer_for_user(login_for(manager)), today=today
    )[0]
    teams = dict(dashboard.teams)
    # Platform: manager, employee and the two in the confidential group; Design: four.
    assert teams == {"Platform": "4", "Design": "4", "No team yet": "fewer than 3"}
    assert [h.city for h in dashboard.hubs] == ["Sintra"]
    assert dashboard.has_office
    # The local confidential group is listed without a count or names.
    assert dashboard.local_communities[0].member_count is None
    assert "Secretleader" not in page and "Hiddenmember" not in page
    assert 'href="/events/new/"' in page


def test_someone_who_is_not_an_ambassador_sees_an_explanation(employee_client):
    page = employee_client.get("/communities/ambassador/").content.decode()
    assert "You are not a city ambassador" in page


def test_the_welcome_opt_in_page(employee_client, employee):
    page = employee_client.get("/communities/welcome/").content.decode()
    assert "No welcome asked for" in page
    employee_client.post("/communities/welcome/", {"wants_welcome": "on"})
    assert selectors.wants_welcome(employee)
    employee_client.post("/communities/welcome/", {})
    assert not selectors.wants_welcome(employee)


def test_membership_is_added_to_team_counts_never_as_names(pride, manager):
    add(pride, manager)
    CityAmbassador.objects.create(person=manager, city="Lisbon", country="PT")
    dashboard = selectors.ambassador_dashboards_for_viewer(
        viewer_for_user(login_for(manager)), today=org_today()
    )[0]
    assert all(isinstance(count, str) for _, count in dashboard.teams)
