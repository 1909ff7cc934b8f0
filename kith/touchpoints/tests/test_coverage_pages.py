"""HR's coverage: the section of the 1:1 rules page, its own page, recompute, and the API.
HR only: employees and managers get 403.

Until the lead mounts them, this module is its own URLconf: the site's URLs, with the coverage
views in the touchpoints namespace and the coverage router under /api/v1/touchpoints/coverage
(an API of its own, so the site's API is left as it is)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.test import Client
from django.urls import include, path
from ninja import NinjaAPI

from config.urls import urlpatterns as site
from kith.accounts.api_auth import SessionAuth, TokenAuth
from kith.core.models import AuditEvent
from kith.directory.tests.factories import login_for
from kith.touchpoints import urls as touchpoints_urls
from kith.touchpoints.api import coverage as coverage_api
from kith.touchpoints.models import CoverageRun
from kith.touchpoints.services import coverage as s
from kith.touchpoints.tests.test_coverage import NOW, Company, company  # noqa: F401
from kith.touchpoints.views import coverage as coverage_views

api = NinjaAPI(auth=[TokenAuth(), SessionAuth()], urls_namespace="coverage_test_api")
api.add_router("/touchpoints/coverage", coverage_api.router)
touchpoints = (
    [*coverage_views.urlpatterns, *touchpoints_urls.urlpatterns],
    "touchpoints",
)
urlpatterns = [
    path("api/v1/", api.urls),
    path("touchpoints/", include(touchpoints)),
    *site,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
PAGE = "/touchpoints/manage/coverage/"
RECOMPUTE = "/touchpoints/manage/coverage/recompute/"
API = "/api/v1/touchpoints/coverage"


def client_for(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


@pytest.fixture
def hr(company: Company) -> Client:  # noqa: F811
    # Outside every unit, the HR admin is one more person at the organisation's level.
    from kith.directory.tests.factories import PersonFactory

    return client_for(PersonFactory(full_name="Hana Rossi", is_active=False), hr=True)


@pytest.fixture
def run(company: Company) -> CoverageRun:  # noqa: F811
    return s.coverage_compute(now=NOW)


def test_before_the_first_run_hr_is_offered_to_work_it_out(hr: Client) -> None:
    page = hr.get(PAGE)
    assert page.status_code == 200
    assert "Nothing worked out yet" in page.content.decode()
    assert RECOMPUTE in page.content.decode()


def test_hr_sees_the_latest_run_with_withheld_groups_said_plainly(
    hr: Client,
    run: CoverageRun,
    company: Company,  # noqa: F811
) -> None:
    html = hr.get(PAGE).content.decode()
    assert "Leadership" in html and "Engineering" in html and "Sales" in html
    assert "73 %" in html  # the organisation: 16 of 22 had a 1:1
    assert "withheld" in html  # the organisation's check-in share
    # One level down: Engineering's groups; Data (4 people) is withheld as a whole.
    inside = hr.get(PAGE, {"unit": company.units["engineering"].pk}).content.decode()
    assert "Engineering / Data" in inside
    assert "Withheld to protect small groups" in inside
    assert AuditEvent.objects.filter(action="touchpoints.coverage_viewed").count() == 2


def test_drilling_down_with_htmx_returns_the_section_only(
    hr: Client,
    run: CoverageRun,
    company: Company,  # noqa: F811
) -> None:
    response = hr.get(PAGE, {"unit": company.units["sales"].pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="coverage"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    # A unit that is not a number shows the organisation, like one that is gone.
    assert hr.get(PAGE, {"unit": "sales"}).status_code == 200


def test_the_rules_page_shows_the_coverage_section(hr: Client, run: CoverageRun) -> None:
    html = hr.get("/touchpoints/manage/").content.decode()
    assert 'id="coverage"' in html
    assert "Had a 1:1 with their manager" in html


def _a_day_ago() -> None:
    CoverageRun.objects.update(computed_at=F("computed_at") - dt.timedelta(days=1, minutes=1))


def test_hr_recomputes_at_most_once_a_day_and_returns_where_they_were(
    hr: Client, run: CoverageRun
) -> None:
    refused = hr.post(RECOMPUTE, {"next": "/touchpoints/manage/"})
    assert refused["Location"] == PAGE and CoverageRun.objects.count() == 1
    assert "less than a day ago" in hr.get(PAGE).content.decode()
    _a_day_ago()
    response = hr.post(RECOMPUTE, {"next": "/touchpoints/manage/"})
    assert response.status_code == 302
    assert response["Location"] == "/touchpoints/manage/"
    assert CoverageRun.objects.count() == 2
    # Somewhere else than this site: back to the coverage page.
    _a_day_ago()
    response = hr.post(RECOMPUTE, {"next": "https://example.com/"})
    assert response["Location"] == PAGE
    _a_day_ago()
    section = hr.post(RECOMPUTE, HTTP_HX_REQUEST="true").content.decode()
    assert "Worked out again: 5 groups shown, 1 withheld" in section
    assert "less than a day ago" in hr.post(RECOMPUTE, HTTP_HX_REQUEST="true").content.decode()
    assert hr.get(RECOMPUTE).status_code == 405


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_employees_and_managers_get_403_everywhere(
    who: str,
    run: CoverageRun,
    company: Company,  # noqa: F811
) -> None:
    person = company.people["platform"][0] if who == "employee" else company.people["sales"][0]
    client = client_for(person)
    for response in (
        client.get(PAGE),
        client.get(PAGE, HTTP_HX_REQUEST="true"),
        client.post(RECOMPUTE),
        client.get(API),
        client.post(API + "/recompute"),
    ):
        assert response.status_code == 403
    assert CoverageRun.objects.count() == 1
    assert not AuditEvent.objects.filter(action="touchpoints.coverage_viewed").exists()


def test_the_api_gives_every_group_of_the_latest_run(
    hr: Client,
    run: CoverageRun,
    company: Company,  # noqa: F811
) -> None:
    body = hr.get(API).json()
    assert body["run"]["id"] == run.pk
    assert body["run"]["k"] == 5
    assert (body["run"]["published"], body["run"]["withheld"]) == (5, 1)
    units = {u["name"]: u for u in body["units"]}
    assert [u["depth"] for u in body["units"]][:2] == [0, 1]  # depth first, from the top
    assert units["Engineering / Data"] == {
        "unit": company.units["data"].pk,
        "name": "Engineering / Data",
        "depth": 2,
        "parent": company.units["engineering"].pk,
        "published": False,
        "people": None,
        "one_on_one_share": None,
        "check_in_share": None,
        "overdue_share": None,
        "withheld": ["one_on_one", "check_in", "overdue"],
    }
    platform = units["Engineering / Platform"]
    assert platform["withheld"] == ["one_on_one", "overdue"]
    assert platform["check_in_share"] == 1.0


def test_the_api_recomputes_for_hr(hr: Client, company: Company) -> None:  # noqa: F811
    assert hr.get(API).json() == {"run": None, "units": []}
    body = hr.post(API + "/recompute").json()
    assert body["published"] == 5
    assert dt.date.fromisoformat(body["until"]) - dt.date.fromisoformat(body["since"]) == (
        dt.timedelta(days=90)
    )
    assert CoverageRun.objects.get().pk == body["id"]


def test_the_api_asks_for_a_login(db) -> None:
    assert Client().get(API).status_code == 401
