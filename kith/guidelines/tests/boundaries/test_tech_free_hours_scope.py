"""Which units a manager may set tech-free hours for: a unit's hours hold everyone in it and in
every unit below it, so only a unit whose active people are all in the manager's reporting line
(their reports, recursively, or themselves)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from kith.core import boundaries
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.guidelines.models import TechFreeHours
from kith.guidelines.selectors import boundaries as selectors

pytestmark = pytest.mark.django_db
API = "/api/v1/guidelines/boundaries"
ALL_DAY = {"weekday": 3, "starts_at": "00:00", "ends_at": "23:59"}


def client_for(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _viewer(person):
    return viewer_for_user(login_for(person))


def test_one_report_in_a_department_does_not_let_a_manager_mute_the_department() -> None:
    department = OrgUnitFactory(name="Engineering", kind="department")
    other_team = OrgUnitFactory(name="Payments", parent=department)
    boss = PersonFactory()
    PersonFactory(manager=boss, org_unit=department)  # one report, directly in the department
    stranger = PersonFactory(org_unit=other_team)  # not in the manager's line
    answer = client_for(boss).post(
        f"{API}/tech-free-hours",
        json.dumps({"org_unit": department.pk, **ALL_DAY}),
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert not TechFreeHours.objects.exists()
    begin = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    held = boundaries.quiet_periods([stranger.pk], begin, begin + dt.timedelta(days=14))
    assert not held.get(stranger.pk)
    assert department.pk not in selectors.managed_unit_ids(_viewer(boss))
    assert not selectors.can_set_tech_free_hours(_viewer(boss), department.pk)


def test_units_wholly_in_the_reporting_line_are_settable_at_any_depth() -> None:
    department = OrgUnitFactory(name="Engineering", kind="department")
    platform = OrgUnitFactory(name="Platform", parent=department)
    infra = OrgUnitFactory(name="Infra", parent=platform)
    payments = OrgUnitFactory(name="Payments", parent=department)
    boss = PersonFactory(org_unit=platform)
    lead = PersonFactory(manager=boss, org_unit=platform)
    PersonFactory(manager=lead, org_unit=infra)  # a report's report
    PersonFactory(org_unit=payments)  # a stranger in a sibling team
    viewer = _viewer(boss)
    assert selectors.managed_unit_ids(viewer) == {platform.pk, infra.pk}
    assert [u.pk for u in selectors.settable_units_for_viewer(viewer)] == [platform.pk, infra.pk]
    assert selectors.can_set_tech_free_hours(viewer, infra.pk)
    assert not selectors.can_set_tech_free_hours(viewer, payments.pk)


def test_a_stranger_below_the_unit_or_beside_a_report_takes_the_unit_away() -> None:
    platform = OrgUnitFactory(name="Platform")
    infra = OrgUnitFactory(name="Infra", parent=platform)
    boss = PersonFactory()
    PersonFactory(manager=boss, org_unit=platform)
    report_in_infra = PersonFactory(manager=boss, org_unit=infra)
    viewer = _viewer(boss)
    assert selectors.managed_unit_ids(viewer) == {platform.pk, infra.pk}
    outsider = PersonFactory(org_unit=infra)  # someone else's person, below platform
    assert selectors.managed_unit_ids(viewer) == set()
    outsider.is_active = False  # people who left do not count
    outsider.save()
    assert selectors.managed_unit_ids(viewer) == {platform.pk, infra.pk}
    report_in_infra.is_active = False
    report_in_infra.save()
    assert selectors.managed_unit_ids(viewer) == {platform.pk}


def test_a_manager_without_reports_sets_nothing_and_hr_sets_any_unit() -> None:
    unit = OrgUnitFactory()
    alone = PersonFactory(org_unit=unit)
    assert selectors.managed_unit_ids(_viewer(alone)) == set()
    assert not selectors.can_set_tech_free_hours(_viewer(alone))
    hr = viewer_for_user(login_for(PersonFactory(), hr=True))
    assert selectors.can_set_tech_free_hours(hr, unit.pk)


def test_the_scope_is_a_few_queries_whatever_the_size(django_assert_max_num_queries) -> None:
    units = [OrgUnitFactory() for _ in range(3)]
    boss = PersonFactory()
    for unit in units:
        for _ in range(4):
            PersonFactory(manager=boss, org_unit=unit)
    viewer = _viewer(boss)
    with django_assert_max_num_queries(3):
        assert selectors.managed_unit_ids(viewer) == {u.pk for u in units}
