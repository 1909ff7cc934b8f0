"""A changed sign-in address is told in the person's language, and the new login keeps it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from kith.accounts.models import User
from kith.accounts.services import users_sync_from_people
from kith.directory.services import EmailChange, person_email_changes_record
from kith.directory.tests.factories import PersonFactory, login_for
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db


def _change_rae_email(*, sync: bool):
    rae = PersonFactory.create(full_name="Rae Report", email="rae@example.com")
    user = login_for(rae)  # the login Rae has used so far, in Portuguese
    User.objects.filter(pk=user.pk).update(language="pt", last_language="pt")
    rae.email = "rae.new@example.com"  # the HR import changes the work email
    rae.save()
    if sync:
        users_sync_from_people()  # as an import does, before recording the change
    return rae


def test_the_notice_and_the_email_follow_the_old_logins_language(
    django_capture_on_commit_callbacks,
):
    rae = _change_rae_email(sync=False)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        person_email_changes_record(
            changes=[EmailChange(rae.pk, "rae@example.com", "rae.new@example.com")],
            actor=None,
            via="an import of b.csv",
        )
    translation.activate(settings.LANGUAGE_CODE)
    [message] = mail.outbox
    assert message.subject == "O seu endereço de início de sessão no Kith foi alterado"
    assert message.to == ["rae@example.com"]
    notice = Notification.objects.get(person=rae, kind="directory.email_changed")
    assert "Your sign-in address" not in notice.subject


def test_the_new_login_takes_the_language_of_the_one_switched_off(
    django_capture_on_commit_callbacks,
):
    rae = _change_rae_email(sync=True)
    new = User.objects.get(email="rae.new@example.com")
    assert (new.language, new.is_active) == ("", True)
    assert not User.objects.get(email="rae@example.com").is_active
    with django_capture_on_commit_callbacks(execute=True):
        person_email_changes_record(
            changes=[EmailChange(rae.pk, "rae@example.com", "rae.new@example.com")],
            actor=None,
            via="an import of b.csv",
        )
    new.refresh_from_db()
    assert (new.language, new.last_language) == ("pt", "pt")
    [message] = mail.outbox
    assert message.subject == "O seu endereço de início de sessão no Kith foi alterado"


def test_a_language_chosen_on_the_new_login_is_kept():
    rae = _change_rae_email(sync=True)
    User.objects.filter(email="rae.new@example.com").update(language="en")
    person_email_changes_record(
        changes=[EmailChange(rae.pk, "rae@example.com", "rae.new@example.com")],
        actor=None,
    )
    assert User.objects.get(email="rae.new@example.com").language == "en"
