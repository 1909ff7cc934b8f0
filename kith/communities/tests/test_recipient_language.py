"""Issue 14, item 14: what Communities tells a person (a request to join, its answer, a new
leader) is in that person's language, not the language of whoever caused it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from kith.accounts.services import user_language_set
from kith.communities import services
from kith.communities.models import Membership
from kith.communities.tests.conftest import add, community
from kith.directory.tests.factories import PersonFactory, login_for
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _speaking(language: str, **fields):
    person = PersonFactory.create(**fields)
    user_language_set(user=login_for(person), language=language)
    return person


def test_an_english_leader_welcomes_a_portuguese_member_in_portuguese():
    group = community("Runners", requires_approval=True)
    leader, joiner = _speaking("en", full_name="Rita Leader"), _speaking("pt")
    add(group, leader, role="leader")
    with translation.override("pt"):  # the joiner asks from a Portuguese page
        membership = services.membership_request(community=group, person=joiner)
    asked = Notification.objects.get(person=leader, kind="community_request")
    assert asked.subject == f"{joiner.display_name} asked to join Runners"
    with translation.override("en"):  # the leader approves from an English page
        services.membership_approve(membership=membership, by=leader)
    welcome = Notification.objects.get(person=joiner, kind="community_welcome")
    assert welcome.subject == "Bem-vindo a Runners"
    assert welcome.body.startswith("Rita Leader aprovou")


def test_a_portuguese_leader_declines_an_english_request_in_english():
    group = community("Chess", requires_approval=True)
    leader, joiner = _speaking("pt"), _speaking("en")
    add(group, leader, role="leader")
    membership = services.membership_request(community=group, person=joiner)
    with translation.override("pt"):
        services.membership_decline(membership=membership, by=leader)
    note = Notification.objects.get(person=joiner, kind="community_declined")
    assert note.subject == "Your request to join Chess"
    assert not Membership.objects.filter(person=joiner).exists()
