"""Logins follow the directory: users_sync_from_people."""

from __future__ import annotations

import pytest

from kith.accounts.models import User
from kith.accounts.services import users_sync_from_people
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _logins() -> dict[str, bool]:
    return dict(User.objects.values_list("email", "is_active"))


def test_creates_a_login_without_password_for_each_active_person():
    PersonFactory(email="Ana.Costa@Example.com")
    PersonFactory(email="bo@example.com")
    PersonFactory(email="gone@example.com", is_active=False)

    result = users_sync_from_people()

    assert (result.created, result.reactivated, result.deactivated) == (2, 0, 0)
    assert _logins() == {"ana.costa@example.com": True, "bo@example.com": True}
    assert not User.objects.get(email="bo@example.com").has_usable_password()


def test_is_idempotent():
    PersonFactory(email="bo@example.com")
    users_sync_from_people()
    assert users_sync_from_people() == type(users_sync_from_people())(0, 0, 0)
    assert User.objects.count() == 1


def test_deactivates_leavers_and_reactivates_returners():
    person = PersonFactory(email="bo@example.com")
    users_sync_from_people()
    user = User.objects.get(email="bo@example.com")
    user.set_password("kept-through-leave-1")
    user.save()

    Person.objects.filter(pk=person.pk).update(is_active=False)
    left = users_sync_from_people()
    assert (left.created, left.reactivated, left.deactivated) == (0, 0, 1)
    assert _logins() == {"bo@example.com": False}

    Person.objects.filter(pk=person.pk).update(is_active=True)
    back = users_sync_from_people()
    assert (back.created, back.reactivated, back.deactivated) == (0, 1, 0)
    user.refresh_from_db()
    assert user.is_active and user.check_password("kept-through-leave-1")


def test_matches_emails_whatever_their_case():
    User.objects.create_user("bo@example.com", "pw-long-enough-1", is_active=False)
    PersonFactory(email="BO@Example.COM")
    result = users_sync_from_people()
    assert (result.created, result.reactivated) == (0, 1)
    assert _logins() == {"bo@example.com": True}


def test_switches_off_logins_without_an_active_person_but_not_administrators():
    User.objects.create_superuser("admin@example.com", "pw-long-enough-1")
    User.objects.create_user("robot@example.com", "pw-long-enough-1", is_staff=True)
    User.objects.create_user("renamed@example.com", "pw-long-enough-1")  # HR changed the email
    PersonFactory(email="gone@example.com", is_active=False)
    users_sync_from_people()
    assert _logins() == {
        "admin@example.com": True,
        "robot@example.com": True,
        "renamed@example.com": False,
    }


def test_a_rehire_with_a_new_entry_keeps_the_login_active():
    User.objects.create_user("bo@example.com", "pw-long-enough-1")
    PersonFactory(email="Bo@Example.com", is_active=False)  # the old entry
    PersonFactory(email="bo@example.com")  # the new one
    result = users_sync_from_people()
    assert (result.created, result.deactivated) == (0, 0)
    assert _logins() == {"bo@example.com": True}


def test_people_without_an_email_get_no_login():
    PersonFactory(email="")
    assert users_sync_from_people().created == 0
    assert not User.objects.exists()


def test_a_login_switched_off_keeps_no_tokens_sessions_or_roles():
    """A returner, or a new hire given a re-used mailbox, must not inherit the old login's
    API tokens, browser sessions or HR role."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from kith.accounts.services import api_token_authenticate, api_token_create

    person = PersonFactory(email="bo@example.com")
    users_sync_from_people()
    user = User.objects.get(email="bo@example.com")
    user.groups.add(Group.objects.get_or_create(name="HR admins")[0])
    _token, raw = api_token_create(user=user, name="script")
    browser = Client()
    browser.force_login(user)

    Person.objects.filter(pk=person.pk).update(is_active=False)
    users_sync_from_people()
    Person.objects.filter(pk=person.pk).update(is_active=True)
    users_sync_from_people()

    user.refresh_from_db()
    assert user.is_active and not user.groups.exists()
    assert api_token_authenticate(raw) is None
    assert "_auth_user_id" not in browser.session
