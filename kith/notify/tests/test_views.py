from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.accounts.models import User
from kith.notify import services
from kith.notify.models import Notification
from kith.notify.tests.conftest import ALWAYS_AT_WORK

INBOX = reverse("notify:inbox")
MARK_READ = reverse("notify:mark_read")


@pytest.fixture
def ana(make_person):
    return make_person(full_name="Ana Almeida", email="ana@example.org", **ALWAYS_AT_WORK)


@pytest.fixture
def ana_client(client, ana):
    client.force_login(User.objects.create_user(email=ana.email, password="x"))
    return client


def send(person, subject, **kwargs) -> Notification:
    return services.notification_send(person=person, subject=subject, email=False, **kwargs)


def test_inbox_shows_delivered_messages_newest_first_and_hides_scheduled_ones(ana, ana_client):
    send(ana, "Meet Bea for coffee", url="/people/2/")
    send(ana, "Lunch group on Friday")
    send(ana, "Not yet", due=timezone.now() + dt.timedelta(days=30))

    page = ana_client.get(INBOX)

    assert page.status_code == 200
    html = page.content.decode()
    assert '<a href="/people/2/">Meet Bea for coffee</a>' in html
    assert html.index("Lunch group on Friday") < html.index("Meet Bea for coffee")
    assert "Not yet" not in html
    assert 'aria-label="2 unread"' in html


def test_mark_one_read_then_all(ana, ana_client):
    first = send(ana, "First")
    send(ana, "Second")

    response = ana_client.post(MARK_READ, {"id": str(first.pk)})

    assert response.status_code == 302
    assert response.url == INBOX
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'aria-label="1 unread"' in ana_client.get(INBOX).content.decode()

    ana_client.post(MARK_READ)
    html = ana_client.get(INBOX).content.decode()
    assert "unread" not in html
    assert "Mark all as read" not in html


def test_nobody_can_mark_someone_elses_messages(ana, ana_client, make_person):
    bea = make_person(**ALWAYS_AT_WORK)
    theirs = send(bea, "For Bea")
    ana_client.post(MARK_READ, {"id": str(theirs.pk)})
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("bad_id", ["abc", "²", "-1", "1.5"])
def test_a_malformed_id_is_a_clear_400(ana_client, bad_id):
    assert ana_client.post(MARK_READ, {"id": bad_id}).status_code == 400


def test_mark_read_needs_post(ana_client):
    assert ana_client.get(MARK_READ).status_code == 405


def test_empty_inbox_says_what_to_do_next(ana_client):
    html = ana_client.get(INBOX).content.decode()
    assert "Nothing here yet" in html
    assert "look someone up" in html


def test_login_without_a_directory_entry_is_refused(client, db):
    client.force_login(User.objects.create_user(email="contractor@example.org", password="x"))
    assert client.get(INBOX).status_code == 403


def test_inbox_needs_login(client, db):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_inbox_pages_through_many_messages(ana, ana_client):
    for number in range(35):
        send(ana, f"Message {number:02}")
    first = ana_client.get(INBOX).content.decode()
    second = ana_client.get(INBOX, {"page": 2}).content.decode()
    assert "Message 34" in first and "Message 04" not in first
    assert "Message 04" in second and "Page 2 of 2" in second


def test_a_message_held_for_working_hours_shows_as_on_its_way_with_its_time(make_person, client):
    """The page said "the invite is in your inbox" at 23:00: the inbox does not look empty."""
    night_owl = make_person(full_name="Noor", email="noor@example.org", timezone="UTC")
    client.force_login(User.objects.create_user(email=night_owl.email, password="x"))
    now = timezone.now()
    held = send(night_owl, "You are going: Lisbon meetup", url="/events/3/")
    later = send(night_owl, "Event reminder", due=now + dt.timedelta(days=400))
    if held.deliver_at <= now:  # inside 9–17 on a weekday right now: hold it by hand
        Notification.objects.filter(pk=held.pk).update(deliver_at=now + dt.timedelta(hours=3))
        held.refresh_from_db()

    html = client.get(INBOX).content.decode()

    assert "On its way" in html
    assert '<a href="/events/3/">You are going: Lisbon meetup</a>' in html
    assert f'<time datetime="{held.deliver_at.isoformat()}"' in html  # UTC viewer: same instant
    assert later.subject not in html  # scheduled by the sender for later: not due yet
    assert "Nothing here yet" not in html
    assert 'aria-label="1 unread"' not in html  # arrives (and counts) at its time


def test_the_inbox_speaks_portuguese(ana, ana_client):
    send(ana, "Conhece a Bea")
    html = ana_client.get(INBOX, HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    assert "Apresentações, convites e lembretes." in html
    assert "Marcar tudo como lido" in html
