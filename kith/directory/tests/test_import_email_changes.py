"""A changed work email is a changed sign-in address: audited, told to the previous address
(decision 0011)."""

from __future__ import annotations

import pytest
from django.core import mail

from kith.core.models import AuditEvent
from kith.directory.importing.apply import people_import
from kith.directory.models import Person
from kith.directory.services import EmailChange, email_masked, person_email_changes_record
from kith.directory.tests.factories import PersonFactory, login_for
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db

HEAD = "employee_id,full_name,email,manager_id,department,team,title,city,country,start_date\n"
CSV = HEAD + (
    "E1,Maya Jackson,maya@example.com,,Eng,,Head,Lisbon,PT,2019-04-01\n"
    "E2,Rae Report,rae@example.com,E1,Eng,,Eng,Lisbon,PT,2020-01-01\n"
)


@pytest.fixture
def hr_user():
    return login_for(PersonFactory(full_name="Hana HR", email="hana@example.com"), hr=True)


def _import(text: str, actor, capture, name: str = "people.csv"):
    with capture(execute=True):
        return people_import(content=text.encode(), filename=name, actor=actor)


def test_a_reimported_email_is_told_to_the_old_address_and_audited(
    hr_user, django_capture_on_commit_callbacks
):
    _import(CSV, hr_user, django_capture_on_commit_callbacks)
    rae = Person.objects.get(employee_id="E2")
    mail.outbox.clear()

    out = _import(
        CSV.replace("rae@example.com", "hana.alias@example.com"),
        hr_user,
        django_capture_on_commit_callbacks,
        name="b.csv",
    )

    assert out.applied and Person.objects.get(pk=rae.pk).email == "hana.alias@example.com"
    assert [m.to for m in mail.outbox] == [["rae@example.com"]]
    body = mail.outbox[0].body
    assert "changed from rae@example.com to hana.alias@example.com" in body
    assert "an import of b.csv run by Hana HR" in body
    assert "If you did not expect this, tell" in body

    row = AuditEvent.objects.get(action="directory.email_changed")
    assert row.actor == hr_user and row.target == f"person:{rae.pk}"
    assert row.detail["person_id"] == rae.pk
    assert row.detail["old_email"] == "r…@example.com"
    assert row.detail["new_email"] == "h…@example.com"
    assert "rae@example.com" not in str(row.detail)

    notice = Notification.objects.get(person=rae, kind="directory.email_changed")
    assert "rae@example.com" in notice.body and notice.email_state == "none"
    assert any("sign-in email of 1 person (Rae Report)" in w for w in out.summary["warnings"])


def test_the_preview_warns_before_anything_is_written(hr_user, django_capture_on_commit_callbacks):
    _import(CSV, hr_user, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        preview = people_import(
            content=CSV.replace("rae@", "rae.new@").encode(),
            filename="c.csv",
            actor=hr_user,
            dry_run=True,
        )
    assert any("sign-in email of 1 person" in w for w in preview.summary["warnings"])
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="directory.email_changed").exists()


def test_an_import_with_unchanged_emails_sends_nothing(hr_user, django_capture_on_commit_callbacks):
    _import(CSV, hr_user, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    # A new title and an email in other letter case: neither is a new sign-in address.
    out = _import(
        CSV.replace("Head", "Chief").replace("rae@example.com", "Rae@Example.com"),
        hr_user,
        django_capture_on_commit_callbacks,
    )
    assert out.applied
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="directory.email_changed").exists()
    assert not Notification.objects.filter(kind="directory.email_changed").exists()
    assert not any("sign-in email" in w for w in out.summary["warnings"])


def test_a_swap_between_two_people_tells_both(hr_user, django_capture_on_commit_callbacks):
    _import(CSV, hr_user, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    swapped = (
        CSV.replace("maya@example.com", "X")
        .replace("rae@example.com", "maya@example.com")
        .replace("X", "rae@example.com")
    )
    _import(swapped, hr_user, django_capture_on_commit_callbacks)
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == ["maya@example.com", "rae@example.com"]
    assert AuditEvent.objects.filter(action="directory.email_changed").count() == 2


def test_nothing_is_sent_when_the_write_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    rae = PersonFactory(email="rae@example.com")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        person_email_changes_record(
            changes=[EmailChange(rae.pk, "rae@example.com", "new@example.com")], actor=None
        )
        raise RuntimeError("the import failed after planning")
    assert callbacks == [] and mail.outbox == []
    assert not AuditEvent.objects.filter(action="directory.email_changed").exists()


def test_masking_keeps_the_domain_and_one_letter():
    assert email_masked("rae.report@example.com") == "r…@example.com"
    assert email_masked("not-an-address") == "…"


def test_chat_accounts_found_by_the_old_address_are_forgotten(
    hr_user, django_capture_on_commit_callbacks
):
    """Found by the old (perhaps mistyped) address, a Slack or Matrix account may be someone
    else's: a changed email, or leaving, forgets it; the next message looks it up again."""
    from kith.notify.models import ChatIdentity

    _import(CSV, hr_user, django_capture_on_commit_callbacks)
    maya, rae = Person.objects.get(employee_id="E1"), Person.objects.get(employee_id="E2")
    ChatIdentity.objects.create(person=rae, provider="slack", external_id="T1:URAE")
    ChatIdentity.objects.create(person=maya, provider="slack", external_id="T1:UMAYA")
    _import(
        CSV.replace("rae@example.com", "rae.new@example.com"),
        hr_user,
        django_capture_on_commit_callbacks,
        name="b.csv",
    )
    assert list(ChatIdentity.objects.values_list("person_id", flat=True)) == [maya.pk]
    with django_capture_on_commit_callbacks(execute=True):
        people_import(
            content=(
                HEAD + "E2,Rae Report,rae.new@example.com,,Eng,,Eng,Lisbon,PT,2020-01-01\n"
            ).encode(),
            filename="c.csv",
            actor=hr_user,
            deactivate_missing=True,
        )
    assert not Person.objects.get(pk=maya.pk).is_active
    assert not ChatIdentity.objects.exists()
