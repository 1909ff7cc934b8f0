"""Giving kudos: who may, to whom, how often, and what happens."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from kith.celebrate import services
from kith.celebrate.models import CompanyValue, Kudos
from kith.core.models import AuditEvent
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.notify.models import Notification


@pytest.fixture
def designer(db):
    return PersonFactory(full_name="Ana Designer", org_unit=OrgUnitFactory(name="Design"))


def test_kudos_reaches_every_recipient_and_records_the_teams(employee, manager, designer):
    value = CompanyValue.objects.create(name="Be kind")
    kudos = services.kudos_give(
        sender=employee,
        recipients=[manager, designer, manager],
        message="  Thank you both for the launch.  ",
        visibility="team",
        value=value,
    )
    assert kudos.message == "Thank you both for the launch."
    assert set(kudos.recipients.all()) == {manager, designer}
    assert set(kudos.audience_units.values_list("pk", flat=True)) == {
        employee.org_unit_id,
        designer.org_unit_id,
    }
    sent = Notification.objects.filter(kind="celebrate.kudos")
    assert sorted(n.person_id for n in sent) == sorted([manager.pk, designer.pk])
    assert all(n.url == f"/celebrate/kudos/{kudos.pk}/" for n in sent)
    assert sent.first().subject == "Margarida Ribeiro gave you kudos for “Be kind”"
    audit = AuditEvent.objects.get(action="celebrate.kudos_given")
    assert audit.detail == {"recipients": 2, "visibility": "team"}  # never the message


def test_no_kudos_to_oneself_alone_or_among_others(employee, manager):
    with pytest.raises(ValidationError, match="cannot give kudos to yourself: choose"):
        services.kudos_give(sender=employee, recipients=[employee], message="Me!")
    with pytest.raises(ValidationError, match="remove yourself from the recipients"):
        services.kudos_give(sender=employee, recipients=[manager, employee], message="Us!")
    assert not Kudos.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("message", "error"),
    [("   ", "Write a few words"), ("x" * 1001, "under 1000 characters")],
)
def test_message_is_required_and_bounded(employee, manager, message, error):
    with pytest.raises(ValidationError, match=error):
        services.kudos_give(sender=employee, recipients=[manager], message=message)


def test_at_most_ten_recipients_and_only_current_colleagues(employee, manager):
    many = PersonFactory.create_batch(11)
    with pytest.raises(ValidationError, match="up to 10 people at once; you chose 11"):
        services.kudos_give(sender=employee, recipients=many, message="All of you!")
    manager.is_active = False
    manager.save()
    with pytest.raises(ValidationError, match="Maya Jackson no longer works here"):
        services.kudos_give(sender=employee, recipients=[manager], message="Thanks")
    archived = CompanyValue.objects.create(name="Old", is_active=False)
    with pytest.raises(ValidationError, match="archived"):
        services.kudos_give(sender=employee, recipients=[many[0]], message="Thanks", value=archived)
    assert not Kudos.objects.exists()


@override_settings(KITH_KUDOS_DAILY_LIMIT=2)
def test_daily_limit_per_sender_is_read_from_settings(employee, manager, designer):
    services.kudos_give(sender=employee, recipients=[manager], message="One")
    services.kudos_give(sender=employee, recipients=[manager, designer], message="Two")
    with pytest.raises(ValidationError, match="given 2 kudos today, the daily limit"):
        services.kudos_give(sender=employee, recipients=[designer], message="Three")
    assert Kudos.objects.count() == 2
    # Someone else's count is their own.
    services.kudos_give(sender=manager, recipients=[employee], message="Back at you")


def test_default_daily_limit_is_five(settings):
    del settings.KITH_KUDOS_DAILY_LIMIT
    assert services.kudos_daily_limit() == 5


def test_the_same_kudos_sent_twice_is_given_once(employee, manager, designer, client):
    """Issue 14, item 4: a double click, or the browser resending the form, thanks once and
    tells each person once. Another message, or other people, is another kudos."""
    from kith.directory.tests.factories import login_for

    first = services.kudos_give(sender=employee, recipients=[manager], message="Thank you!")
    again = services.kudos_give(sender=employee, recipients=[manager], message="Thank you!")
    assert again.pk == first.pk and Kudos.objects.count() == 1
    assert Notification.objects.filter(kind="celebrate.kudos").count() == 1
    client.force_login(login_for(employee))
    form = {"recipients": [manager.pk], "message": "Thank you!", "visibility": "public"}
    assert client.post("/celebrate/kudos/new/", form).status_code == 302
    assert Kudos.objects.count() == 1
    services.kudos_give(sender=employee, recipients=[manager, designer], message="Thank you!")
    services.kudos_give(sender=employee, recipients=[manager], message="And again, thanks.")
    assert Kudos.objects.count() == 3
