"""The home page's "needs you now": the registry in kith.core.registry, filled by each app's
needs.py (found with autodiscover_modules), drawn by {% needs_you_now %}."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kith.accounts.models import User
from kith.connect.tests.factories import ProgramFactory
from kith.core.dates import org_today
from kith.core.permissions import viewer_for_user
from kith.core.registry import Need, needs_for_viewer, register_needs
from kith.directory.models import ImportRun
from kith.directory.tests.factories import PersonFactory, login_for
from kith.pulse import services as pulse_services
from kith.pulse.tests.builders import campaign
from kith.touchpoints.models import OneOnOne, SpanSnapshot
from kith.touchpoints.services import oneonones

pytestmark = pytest.mark.django_db


def _hr_actor(hr_person):
    # The signed-in HR login when there is one (a new password would sign hr_client out).
    return User.objects.filter(email=hr_person.email).first() or login_for(hr_person, hr=True)


def _hr_work(hr_person, *, survey: bool = True) -> None:
    """One of each thing that needs HR: a checked HR file, an open wave, a round this week
    and flagged spans."""
    today = org_today()
    ImportRun.objects.create(
        filename="people-march.csv", content=b"", status=ImportRun.Status.PREVIEWED
    )
    if survey:
        wave = campaign(_hr_actor(hr_person), today=today, min_group=3).waves.get()
        pulse_services.wave_send(wave=wave, notify=False)
    ProgramFactory(name="Coffee roulette", starts_on=today, weekday=(today.weekday() + 2) % 7)
    SpanSnapshot.objects.create(
        taken_on=today, managers=4, median=5, mean=6, bands={}, flagged_warn=2, flagged_alert=1
    )


def _overdue_pair(manager, report) -> OneOnOne:
    pair = oneonones.one_on_one_ensure(manager=manager, report=report)
    OneOnOne.objects.filter(pk=pair.pk).update(created_at=timezone.now() - dt.timedelta(days=120))
    return pair


def test_hr_home_says_what_needs_them_now(hr_client, hr_person, employee):
    # hr_person, employee and their manager: three people, the smallest group a survey allows
    _hr_work(hr_person)
    page = hr_client.get("/").content.decode()
    assert "Needs you now" in page
    assert "1 HR file is checked and waits to be applied" in page
    assert "1 survey wave is open" in page
    assert "1 round is drawn this week" in page and "Coffee roulette" in page
    assert "3 managers&#x27; spans of control are flagged" in page
    # The open wave's response rate is withheld until k people answered.
    assert "answered" not in page


def test_a_manager_sees_their_overdue_1_1s_and_not_hrs_cards(
    manager_client, manager, employee, hr_person
):
    _hr_work(hr_person)
    _overdue_pair(manager, employee)
    page = manager_client.get("/").content.decode()
    assert "Needs you now" in page
    assert f"A 1:1 with {employee.display_name} is overdue" in page
    for hr_only in ("HR file", "survey wave", "round is drawn", "spans of control"):
        assert hr_only not in page


def test_an_employee_home_stays_as_it_was_when_nothing_waits_for_them(employee_client, hr_person):
    _hr_work(hr_person, survey=False)
    page = employee_client.get("/").content.decode()
    assert "Needs you now" not in page
    assert "Who will you talk to this week?" in page


def test_an_employee_sees_their_own_unanswered_survey(employee_client, employee, hr_person):
    wave = campaign(_hr_actor(hr_person), today=org_today(), min_group=3).waves.get()
    pulse_services.wave_send(wave=wave, notify=False)
    page = employee_client.get("/").content.decode()
    assert "A short survey is waiting for you" in page


def test_a_manager_with_nothing_due_is_told_so(manager_client, manager, employee):
    page = manager_client.get("/").content.decode()
    assert "Nothing needs you right now" in page


def test_the_cards_appear_once_on_the_home_page_and_on_no_other(hr_client, hr_person, employee):
    _hr_work(hr_person)
    assert hr_client.get("/").content.decode().count('id="needs-title"') == 1
    assert "Needs you now" not in hr_client.get("/people/").content.decode()


def test_urgent_cards_come_first(employee):
    viewer = viewer_for_user(login_for(employee))
    register_needs(
        app_label="core",
        key="test.calm",
        build=lambda v: [Need(app_label="core", title="Calm", url="/", action="Go", order=1)],
    )
    register_needs(
        app_label="core",
        key="test.urgent",
        build=lambda v: [
            Need(app_label="core", title="Urgent", url="/", action="Go", urgent=True, order=99)
        ],
    )
    try:
        titles = [n.title for n in needs_for_viewer(viewer)]
    finally:
        from kith.core import registry

        registry._needs.pop("test.calm")
        registry._needs.pop("test.urgent")
    assert titles.index("Urgent") < titles.index("Calm")


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_the_home_page_query_count_does_not_grow_with_the_organisation(
    hr_client, manager_client, hr_person, manager, employee, django_assert_max_num_queries
):
    _hr_work(hr_person)
    _overdue_pair(manager, employee)
    small = {"hr": _home_queries(hr_client), "manager": _home_queries(manager_client)}

    # Ten times the people, reports, 1:1s, import runs, waves and programs.
    reports = [PersonFactory(manager=manager, org_unit=employee.org_unit) for _ in range(30)]
    for report in reports[:10]:
        _overdue_pair(manager, report)
    for _ in range(5):
        ImportRun.objects.create(filename="more.csv", content=b"", status=ImportRun.Status.QUEUED)
        ProgramFactory(starts_on=org_today())
    PersonFactory.create_batch(40)

    # The only growth allowed: the wellness-week check of each day of the coming week on
    # which some program has a round (at most eight days, whatever the number of programs).
    with django_assert_max_num_queries(small["hr"] + 7):
        hr_client.get("/")
    with django_assert_max_num_queries(small["manager"]):
        manager_client.get("/")
