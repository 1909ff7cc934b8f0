"""Review finding: HR re-imports a colleague's work email pointed at a mailbox HR reads, signs
in with a code sent there and reads the colleague's private notes and check-ins. For 7 days
after a change of sign-in address (decision 0011) the new address sees none of them, until
the person confirms from the previous address."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from kith.accounts.models import User
from kith.core.permissions import viewer_for_user
from kith.directory.importing.apply import people_import
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.touchpoints.models import OneOnOne
from kith.touchpoints.services import checkins
from kith.touchpoints.services import oneonones as s

HEAD = "employee_id,full_name,email,manager_id,department,team,title,city,country,start_date\n"
ROWS = (
    "E1,Maya Jackson,maya@example.com,,Eng,,Head,Lisbon,PT,2019-04-01\n"
    "E2,Rae Report,rae@example.com,E1,Eng,,Eng,Lisbon,PT,2020-01-01\n"
)


@pytest.fixture
def swapped(db, django_capture_on_commit_callbacks):
    hr_user = login_for(PersonFactory(full_name="Hana HR", email="hana@example.com"), hr=True)
    with django_capture_on_commit_callbacks(execute=True):
        people_import(content=(HEAD + ROWS).encode(), filename="a.csv", actor=hr_user)
    rae = Person.objects.get(email="rae@example.com")
    s.one_on_ones_sync()
    pair = OneOnOne.objects.get(report=rae)
    rae_viewer = viewer_for_user(User.objects.get(email="rae@example.com"))
    soon = timezone.now() + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = s.meeting_schedule(one_on_one=pair, actor=rae_viewer, starts_at=soon)
    s.private_note_save(viewer=rae_viewer, meeting=meeting, text="interviewing elsewhere")
    checkins.check_in_write(viewer=rae_viewer, how=1, energy=1, note="burnt out")
    mail.outbox.clear()
    swapped_rows = HEAD + ROWS.replace("rae@example.com", "hana.alias@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        people_import(content=swapped_rows.encode(), filename="b.csv", actor=hr_user)
    client = Client()
    client.force_login(User.objects.get(email="hana.alias@example.com"))
    return client, meeting


def test_the_new_address_sees_no_private_data_for_a_week(swapped):
    client, meeting = swapped
    assert client.get(f"/touchpoints/meetings/{meeting.pk}/").status_code == 404
    export = client.get("/me/export.json").content.decode()
    assert "interviewing elsewhere" not in export and "burnt out" not in export
    assert "held_until" in export
    assert "hidden until" in client.get("/touchpoints/").content.decode()
    assert [m.to for m in mail.outbox] == [["rae@example.com"]]


def test_confirming_from_the_previous_address_lifts_the_hold(swapped):
    client, meeting = swapped
    link = re.search(r"http://\S+/people/me/email-change/\S+/", mail.outbox[0].body)
    assert link is not None
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    assert Client().get("/" + path).status_code == 302  # signed out: to the login page
    client.get("/" + path)
    page = client.get(f"/touchpoints/meetings/{meeting.pk}/").content.decode()
    assert "interviewing elsewhere" in page


def test_the_hold_ends_by_itself_after_a_week(swapped):
    client, meeting = swapped
    Person.objects.filter(email="hana.alias@example.com").update(
        email_changed_at=timezone.now() - dt.timedelta(days=7, minutes=1)
    )
    assert client.get(f"/touchpoints/meetings/{meeting.pk}/").status_code == 200
