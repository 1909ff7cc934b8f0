"""The weekly digest: once per person per ISO week, only with something to say."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kith.celebrate import digest, services
from kith.celebrate.models import Kudos, Milestone, WeeklyDigest
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.notify.models import Notification

MONDAY = dt.date(2026, 3, 16)
LAST_WEEK = dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def last_week(employee, manager, team):
    """A kudos to the manager and the employee's work anniversary, both in the week before."""
    kudos = services.kudos_give(sender=employee, recipients=[manager], message="Great call!")
    Kudos.objects.filter(pk=kudos.pk).update(created_at=LAST_WEEK)
    employee.start_date = dt.date(2023, 3, 12)
    employee.save()
    services.milestones_generate(on=dt.date(2026, 3, 12))
    Notification.objects.all().delete()
    return kudos


def test_digest_goes_once_a_week_to_people_with_something(last_week, employee, manager, team):
    teammate = PersonFactory(full_name="Tea Mate", org_unit=team)
    lonely = PersonFactory(full_name="Quiet Week", org_unit=OrgUnitFactory(name="Elsewhere"))
    assert digest.digests_send_due(today=MONDAY) == 2
    assert digest.digests_send_due(today=MONDAY + dt.timedelta(days=2)) == 0  # same week
    sent = {n.person_id: n for n in Notification.objects.filter(kind="celebrate.digest")}
    # The employee only gave kudos and had their own anniversary: nothing to tell them.
    assert set(sent) == {manager.pk, teammate.pk}
    assert lonely.pk not in sent and employee.pk not in sent
    to_manager = sent[manager.pk]
    assert to_manager.subject == "Last week: kudos for you and 1 celebration in your team"
    assert "From Margarida Ribeiro: “Great call!”" in to_manager.body
    assert "Margarida Ribeiro: 3 years with us" in to_manager.body
    assert sent[teammate.pk].subject == "Last week: 1 celebration in your team"
    assert "Great call" not in sent[teammate.pk].body  # someone else's kudos
    assert sent[teammate.pk].url == "/celebrate/"
    assert WeeklyDigest.objects.get(person=manager).kudos_count == 1


def test_next_week_looks_at_its_own_week(last_week):
    digest.digests_send_due(today=MONDAY)
    assert digest.digests_send_due(today=MONDAY + dt.timedelta(days=7)) == 0  # nothing new


def test_people_who_opted_out_get_no_digest(last_week, manager):
    services.settings_update(
        person=manager, celebrate_work_dates=True, weekly_digest=False, birthday=None
    )
    digest.digests_send_due(today=MONDAY)
    assert not Notification.objects.filter(person=manager, kind="celebrate.digest").exists()


def test_a_claim_already_taken_is_not_sent_again(last_week, manager):
    WeeklyDigest.objects.create(person=manager, week_start=MONDAY)
    assert digest.digests_send_due(today=MONDAY) == 0
    assert not Notification.objects.filter(person=manager).exists()


def test_digest_content_skips_own_milestones(employee, manager, team):
    Milestone.objects.create(
        person=employee, kind="birthday", date=dt.date(2026, 3, 10), at=timezone.now()
    )
    contents = digest.digest_contents(MONDAY)
    assert set(contents) == {manager.pk}
