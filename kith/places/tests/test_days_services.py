"""Writing office days, leave and anchor days: validation, ownership, permissions, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.places.models import AnchorDay, Leave, OfficeDay
from kith.places.services import days as services
from kith.places.tests.days_builders import TODAY, office

pytestmark = pytest.mark.django_db


@pytest.fixture
def lisbon():
    return office()


def _errors(exc_info) -> dict[str, list[str]]:
    return exc_info.value.message_dict


def test_one_day_and_weekly_plans(employee, lisbon):
    once = services.office_day_add(
        person=employee, office_id=lisbon.pk, on_date=TODAY + dt.timedelta(days=3), today=TODAY
    )
    assert (once.weekday, once.starts_on, once.ends_on) == (
        None,
        TODAY + dt.timedelta(days=3),
        TODAY + dt.timedelta(days=3),
    )
    weekly = services.office_day_add(person=employee, office_id=lisbon.pk, weekday=2, today=TODAY)
    assert (weekly.weekday, weekly.starts_on, weekly.ends_on) == (2, TODAY, None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"on_date": TODAY - dt.timedelta(days=1)}, "on_date"),
        ({"on_date": TODAY + dt.timedelta(days=400)}, "on_date"),
        ({"weekday": 8}, "weekday"),
        ({"weekday": 2, "starts_on": TODAY - dt.timedelta(days=7)}, "starts_on"),
        ({"weekday": 2, "ends_on": TODAY - dt.timedelta(days=1)}, "ends_on"),
        ({}, "on_date"),
        ({"on_date": TODAY, "weekday": 2}, "on_date"),
    ],
)
def test_bad_plans_name_the_field_and_write_nothing(employee, lisbon, fields, field):
    with pytest.raises(ValidationError) as exc:
        services.office_day_add(person=employee, office_id=lisbon.pk, today=TODAY, **fields)
    assert field in _errors(exc)
    assert not OfficeDay.objects.exists()


def test_unknown_office_and_clashing_plans(employee, lisbon):
    with pytest.raises(ValidationError) as exc:
        services.office_day_add(person=employee, office_id=999999, on_date=TODAY, today=TODAY)
    assert "office" in _errors(exc)
    services.office_day_add(person=employee, office_id=lisbon.pk, weekday=3, today=TODAY)
    porto = office("Porto office", city="Porto")
    with pytest.raises(ValidationError) as exc:
        services.office_day_add(person=employee, office_id=porto.pk, weekday=3, today=TODAY)
    assert "Lisbon office" in _errors(exc)["office"][0]
    # A one-off day in another office on that weekday is fine: it wins for that day.
    services.office_day_add(
        person=employee, office_id=porto.pk, on_date=TODAY + dt.timedelta(days=2), today=TODAY
    )


def test_changing_a_running_weekly_plan_keeps_its_past(employee, lisbon):
    porto = office("Porto office", city="Porto")
    plan = services.office_day_add(person=employee, office_id=lisbon.pk, weekday=2, today=TODAY)
    later = TODAY + dt.timedelta(days=10)
    new = services.office_day_update(
        person=employee, office_day_id=plan.pk, office_id=porto.pk, today=later
    )
    plan.refresh_from_db()
    assert plan.ends_on == later - dt.timedelta(days=1) and plan.office == lisbon
    assert (new.office, new.starts_on, new.weekday) == (porto, later, 2)


def test_only_the_owner_changes_or_removes_a_plan(employee, manager, lisbon):
    plan = services.office_day_add(person=employee, office_id=lisbon.pk, on_date=TODAY, today=TODAY)
    with pytest.raises(OfficeDay.DoesNotExist):
        services.office_day_remove(person=manager, office_day_id=plan.pk)
    with pytest.raises(OfficeDay.DoesNotExist):
        services.office_day_update(
            person=manager, office_day_id=plan.pk, office_id=lisbon.pk, today=TODAY
        )
    services.office_day_remove(person=employee, office_day_id=plan.pk)
    assert not OfficeDay.objects.exists()


def test_former_colleagues_plan_nothing(lisbon):
    former = PersonFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        services.office_day_add(person=former, office_id=lisbon.pk, on_date=TODAY, today=TODAY)
    with pytest.raises(PermissionDenied):
        services.leave_add(person=None, starts_on=TODAY, ends_on=TODAY, today=TODAY)


def test_leave_rules(employee, manager):
    leave = services.leave_add(
        person=employee,
        starts_on=TODAY - dt.timedelta(days=2),
        ends_on=TODAY + dt.timedelta(days=4),
        today=TODAY,
    )
    with pytest.raises(ValidationError) as exc:
        services.leave_add(
            person=employee,
            starts_on=TODAY + dt.timedelta(days=4),
            ends_on=TODAY + dt.timedelta(days=6),
            today=TODAY,
        )
    assert "starts_on" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.leave_add(
            person=employee,
            starts_on=TODAY - dt.timedelta(days=9),
            ends_on=TODAY - dt.timedelta(days=8),
            today=TODAY,
        )
    assert "ends_on" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.leave_add(
            person=employee,
            starts_on=TODAY + dt.timedelta(days=5),
            ends_on=TODAY + dt.timedelta(days=4),
            today=TODAY,
        )
    assert "ends_on" in _errors(exc)
    with pytest.raises(Leave.DoesNotExist):
        services.leave_remove(person=manager, leave_id=leave.pk)
    services.leave_remove(person=employee, leave_id=leave.pk)
    assert not Leave.objects.exists()


def test_anchor_days_by_the_teams_manager_or_hr_and_audited(
    team, manager, employee, hr_person, lisbon
):
    other_team = OrgUnitFactory()
    as_manager = viewer_for_user(login_for(manager))
    saved = services.anchor_days_set(
        viewer=as_manager, org_unit_id=team.pk, office_id=lisbon.pk, weekdays=[2, 4]
    )
    assert sorted(a.weekday for a in saved) == [2, 4]
    audit = AuditEvent.objects.get(action="places.anchor_days_set")
    assert audit.target == f"org_unit:{team.pk}" and audit.detail["weekdays"] == [2, 4]
    with pytest.raises(PermissionDenied):
        services.anchor_days_set(
            viewer=as_manager, org_unit_id=other_team.pk, office_id=lisbon.pk, weekdays=[2]
        )
    with pytest.raises(PermissionDenied):
        services.anchor_days_set(
            viewer=viewer_for_user(login_for(employee)),
            org_unit_id=team.pk,
            office_id=lisbon.pk,
            weekdays=[2],
        )
    as_hr = viewer_for_user(login_for(hr_person, hr=True))
    porto = office("Porto office", city="Porto")
    services.anchor_days_set(viewer=as_hr, org_unit_id=team.pk, office_id=porto.pk, weekdays=[2])
    assert AnchorDay.objects.get(org_unit=team, weekday=2).office == porto  # replaced
    with pytest.raises(ValidationError) as exc:
        services.anchor_days_set(
            viewer=as_hr, org_unit_id=team.pk, office_id=porto.pk, weekdays=[0]
        )
    assert "weekdays" in _errors(exc)
    services.anchor_day_remove(viewer=as_manager, anchor_id=saved[1].pk)
    assert AuditEvent.objects.filter(action="places.anchor_day_removed").count() == 1


def test_joining_an_anchor_day_adds_the_weekly_plan(team, manager, employee, lisbon):
    anchor = AnchorDay.objects.create(org_unit=team, office=lisbon, weekday=2)
    plan = services.anchor_day_join(person=employee, anchor_id=anchor.pk, today=TODAY)
    assert (plan.office, plan.weekday, plan.starts_on, plan.anchor) == (lisbon, 2, TODAY, anchor)
    stranger = PersonFactory(org_unit=OrgUnitFactory())
    with pytest.raises(AnchorDay.DoesNotExist):
        services.anchor_day_join(person=stranger, anchor_id=anchor.pk, today=TODAY)
    assert not AuditEvent.objects.exists()  # a person's own plans are never audited
