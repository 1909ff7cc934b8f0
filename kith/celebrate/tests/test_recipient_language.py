"""Issue 14, item 14: a kudos message and the weekly digest are written in the recipient's
language, whatever the language of the page the sender used."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation

from kith.accounts.services import user_language_set
from kith.celebrate import digest, services
from kith.celebrate.models import Kudos
from kith.directory.tests.factories import PersonFactory, login_for
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_kudos_from_an_english_page_reach_a_portuguese_colleague_in_portuguese():
    sender = PersonFactory.create(full_name="Ana Lima")
    thanked, english = PersonFactory.create(), PersonFactory.create()
    user_language_set(user=login_for(thanked), language="pt")
    with translation.override("en"):
        services.kudos_give(sender=sender, recipients=[thanked, english], message="Thanks!")
    assert Notification.objects.get(person=thanked).subject == "Ana Lima deu-lhe kudos"
    assert Notification.objects.get(person=english).subject == "Ana Lima gave you kudos"


def test_kudos_from_a_portuguese_page_reach_an_english_colleague_in_english():
    sender, thanked = PersonFactory.create(full_name="Ana Lima"), PersonFactory.create()
    user_language_set(user=login_for(thanked), language="en")
    with translation.override("pt"):
        services.kudos_give(sender=sender, recipients=[thanked], message="Obrigada!")
    assert Notification.objects.get(person=thanked).subject == "Ana Lima gave you kudos"


def test_the_weekly_digest_is_in_each_readers_language(team):
    giver = PersonFactory.create(org_unit=team)
    reader_pt, reader_en = PersonFactory.create(org_unit=team), PersonFactory.create(org_unit=team)
    user_language_set(user=login_for(reader_pt), language="pt")
    kudos = services.kudos_give(sender=giver, recipients=[reader_pt, reader_en], message="Top!")
    Kudos.objects.filter(pk=kudos.pk).update(
        created_at=dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)
    )
    with translation.override("pt"):  # whatever language the scheduler happens to run in
        assert digest.digests_send_due(today=dt.date(2026, 3, 16)) == 2
    sent = {n.person_id: n for n in Notification.objects.filter(kind="celebrate.digest")}
    assert sent[reader_pt.pk].subject.startswith("Semana passada: ")
    assert sent[reader_pt.pk].body.startswith("Olá ")
    assert sent[reader_en.pk].subject == "Last week: kudos for you"
    assert sent[reader_en.pk].body.startswith("Hello ")
