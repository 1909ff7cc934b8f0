"""A person's language: chosen on My account (or with the footer's switcher), else the
browser's; Kith's pages, emails and chat messages follow it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext_lazy

from kith.accounts.models import User
from kith.accounts.selectors import language_of_user, languages_for_emails
from kith.accounts.services import user_language_set
from kith.notify import services as notify

pytestmark = pytest.mark.django_db


def user_of(person) -> User:
    """The person's login, made if missing (its password untouched: sessions stay valid)."""
    return User.objects.get_or_create(email=person.email.lower())[0]


def test_without_a_choice_the_browser_decides_and_is_remembered(employee, employee_client):
    page = employee_client.get("/me/", HTTP_ACCEPT_LANGUAGE="pt-PT,pt;q=0.9")
    assert page.status_code == 200
    assert "A minha conta" in page.content.decode()
    user = user_of(employee)
    assert (user.language, user.last_language) == ("", "pt")
    english = employee_client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert "My account" in english.content.decode()
    assert user_of(employee).last_language == "en"


def test_an_english_browser_costs_no_write(employee, employee_client):
    employee_client.get("/me/")  # the login's first page
    with CaptureQueriesContext(connection) as captured:
        employee_client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert not [sql for sql in writes if "last_language" in sql]
    assert user_of(employee).last_language == ""


def test_a_chosen_language_wins_over_the_browser(employee, employee_client):
    response = employee_client.post("/me/language/", {"language": "pt"}, follow=True)
    html = response.content.decode()
    assert "O Kith fala Português consigo" in html  # the confirmation, in the language chosen
    assert user_of(employee).language == "pt"

    page = employee_client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="pt">' in page.content.decode()
    assert page["Content-Language"] == "pt"
    assert '<option value="pt" lang="pt" selected>' in page.content.decode()

    employee_client.post("/me/language/", {"language": ""})  # back to the browser's
    page = employee_client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in page.content.decode()


def test_the_footer_switcher_becomes_the_choice_of_a_signed_in_person(employee, employee_client):
    user_language_set(user=user_of(employee), language="en")
    response = employee_client.post("/i18n/setlang/", {"language": "pt", "next": "/me/"})
    assert response.status_code == 302
    assert user_of(employee).language == "pt"


def test_an_unknown_language_is_refused_with_the_choices_named(employee):
    with pytest.raises(ValidationError) as refused:
        user_language_set(user=user_of(employee), language="xx")
    assert "language: choose one of English, Português" in refused.value.messages[0]
    with translation.override("pt"), pytest.raises(ValidationError) as recusado:
        user_language_set(user=user_of(employee), language="klingon")
    assert "idioma: escolha" in recusado.value.messages[0]


def test_the_page_refuses_an_unknown_language_in_a_message(employee, employee_client):
    response = employee_client.post("/me/language/", {"language": "xx"}, follow=True)
    assert "language: choose one of" in response.content.decode()
    assert user_of(employee).language == ""


def test_languages_for_many_addresses_in_one_query(employee, manager, django_assert_num_queries):
    user_language_set(user=user_of(employee), language="pt")
    manager_login = user_of(manager)
    manager_login.last_language = "en"
    manager_login.save()
    with django_assert_num_queries(1):
        found = languages_for_emails(["Margarida@example.com", "maya@example.com", "x@y.org"])
    assert found == {"margarida@example.com": "pt", "maya@example.com": "en", "x@y.org": "en"}
    assert language_of_user(object()) == "en"


def test_emails_are_written_in_the_recipients_language_not_the_senders(employee, settings):
    user_language_set(user=user_of(employee), language="pt")
    with translation.override("en"):  # an English-speaking sender
        note = notify.notification_send(
            person=employee, subject=gettext_lazy("On its way"), body=gettext_lazy("Mark read")
        )
    assert (note.subject, note.body) == ("A caminho", "Marcar como lido")
    message = notify._build_email(note)
    assert message.extra_headers["Content-Language"] == "pt"
    assert "Recebe esta mensagem porque faz parte de" in message.body
    assert mail.outbox == []


def test_the_email_footer_stays_english_for_an_english_reader(employee):
    note = notify.notification_send(person=employee, subject="Hello", body="Hi")
    message = notify._build_email(note)
    assert message.body.endswith("You get this because you are part of Kith.")
    assert message.extra_headers["Content-Language"] == "en"
