"""The town hall API: the same rules as the page, with 404 / 403 / 409 / 422 / 400 as
documented in kith/events/town_hall_api.py."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from kith.communities.models import Community, Membership
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events.models import Question, QuestionVote, TownHall
from kith.events.tests.builders import community, join, make_event, make_town_hall

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _client(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _base(event) -> str:
    return f"/api/v1/events/{event.pk}/questions"


def _ask(client: Client, event, text: str, *, anonymous: bool = False):
    return client.post(_base(event), {"text": text, "anonymous": anonymous}, content_type=JSON)


@pytest.fixture
def hall():
    return make_town_hall()


def test_asking_named_and_anonymous(hall):
    ana = PersonFactory(full_name="Ana Api")
    client = _client(ana)
    named = _ask(client, hall, "  Hiring   plans? ")
    assert named.status_code == 201
    body = named.json()
    assert body["text"] == "Hiring plans?" and body["author"] == {"id": ana.pk, "name": "Ana Api"}
    assert body["mine"] and not body["anonymous"] and body["state"] == "shown"
    anonymous = _ask(client, hall, "Layoffs?", anonymous=True).json()
    assert anonymous["author"] is None and anonymous["anonymous"] and not anonymous["mine"]

    listed = client.get(_base(hall)).json()
    assert listed["asking_open"] and listed["counts"] == {"open": 2, "answered": 0}
    by_text = {q["text"]: q for q in listed["questions"]}
    assert by_text["Layoffs?"]["author"] is None and not by_text["Layoffs?"]["mine"]
    assert set(by_text["Layoffs?"]) == {
        "id",
        "text",
        "anonymous",
        "author",
        "asked_on",
        "state",
        "answered",
        "votes",
        "voted",
        "mine",
        "hidden_reason",
    }  # fmt: skip  (votes are a count; no list of voters anywhere)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"text": "   "}, 422, "text"),  # the schema wants a visible character
        ({"text": "x" * 501}, 422, "text"),
        ({"text": "Why \ud800?"}, 422, "text"),  # a lone surrogate is no text
        ({}, 422, "text"),
    ],
)
def test_bad_questions_are_422_naming_the_field(hall, body, status, field):
    response = _client(PersonFactory()).post(_base(hall), body, content_type=JSON)
    assert response.status_code == status, response.content
    assert any(e["loc"][-1] == field for e in response.json()["detail"])
    assert not Question.objects.exists()


def test_a_body_that_is_not_json_is_400(hall):
    response = _client(PersonFactory()).post(_base(hall), "{not json", content_type=JSON)
    assert response.status_code == 400
    assert not Question.objects.exists()


def test_conflicts_are_409(hall):
    client = _client(PersonFactory())
    assert _ask(client, hall, "Same?").status_code == 201
    again = _ask(client, hall, "same", anonymous=True)
    assert again.status_code == 409 and "give it a vote" in again.json()["detail"]
    start = timezone.now() - dt.timedelta(hours=3)
    over = make_town_hall(starts_at=start)
    assert _ask(client, over, "Late?").status_code == 409


def test_not_found_and_not_a_town_hall(hall):
    client = _client(PersonFactory())
    meetup = make_event()
    assert client.get(_base(meetup)).status_code == 404
    assert client.get("/api/v1/events/999999/questions").status_code == 404
    assert client.get("/api/v1/events/0/questions").status_code == 404
    missing = f"{_base(hall)}/{uuid.uuid4()}/vote"
    assert client.post(missing).status_code == 404
    assert client.post(f"{_base(hall)}/not-a-uuid/vote").status_code == 422
    group = community("Circle", Community.Visibility.CONFIDENTIAL)
    secret = make_town_hall(host="community", community=group)
    assert client.get(_base(secret)).status_code == 404
    assert _ask(client, secret, "Hello?").status_code == 404


def test_votes_count_once_and_can_be_taken_back(hall):
    ana, ben = PersonFactory.create_batch(2)
    question = _ask(_client(ana), hall, "Vote me?").json()
    url = f"{_base(hall)}/{question['id']}/vote"
    client = _client(ben)
    assert client.post(url).json()["votes"] == 1
    voted = client.post(url).json()
    assert voted["votes"] == 1 and voted["voted"]
    assert _client(ana).get(_base(hall)).json()["questions"][0]["voted"] is False
    taken_back = client.delete(url).json()
    assert taken_back["votes"] == 0 and not taken_back["voted"]
    assert not QuestionVote.objects.exists()


def test_moderation_through_the_api(hall, hr_person):
    ana, ben = PersonFactory.create_batch(2)
    hr = _client(hr_person, hr=True)
    employee = _client(ben)
    settings_url = f"{_base(hall)}/settings"
    assert (
        employee.put(settings_url, {"approval_needed": True}, content_type=JSON).status_code == 403
    )
    response = hr.put(settings_url, {"approval_needed": True}, content_type=JSON)
    assert response.status_code == 200 and response.json()["approval_needed"]
    waiting = _ask(_client(ana), hall, "Wait for me?").json()
    assert waiting["state"] == "waiting"
    qid = waiting["id"]
    assert employee.get(_base(hall)).json()["questions"] == []
    assert employee.get(f"{_base(hall)}?view=waiting").status_code == 403
    assert [q["id"] for q in hr.get(f"{_base(hall)}?view=waiting").json()["questions"]] == [qid]
    assert employee.post(f"{_base(hall)}/{qid}/vote").status_code == 404  # unseen by ben
    assert hr.post(f"{_base(hall)}/{qid}/vote").status_code == 409  # seen, but not shown

    assert employee.post(f"{_base(hall)}/{qid}/show").status_code == 403  # moderators only
    shown = hr.post(f"{_base(hall)}/{qid}/show")
    assert shown.status_code == 200 and shown.json()["state"] == "shown"
    answered = hr.put(f"{_base(hall)}/{qid}/answered", {"answered": True}, content_type=JSON)
    assert answered.json()["answered"]
    assert employee.get(f"{_base(hall)}?view=answered").json()["questions"][0]["id"] == qid

    hide = f"{_base(hall)}/{qid}/hide"
    assert hr.post(hide, {"reason": " "}, content_type=JSON).status_code == 422
    hidden = hr.post(hide, {"reason": "Off topic"}, content_type=JSON).json()
    assert hidden["state"] == "hidden" and hidden["hidden_reason"] == "Off topic"
    author_view = _client(ana).get(_base(hall)).json()["questions"][0]
    assert author_view["state"] == "hidden" and author_view["hidden_reason"] is None
    again = hr.put(f"{_base(hall)}/{qid}/answered", {"answered": True}, content_type=JSON)
    assert again.status_code == 409


def test_withdrawing(hall):
    ana, ben = PersonFactory.create_batch(2)
    client = _client(ana)
    named = _ask(client, hall, "Mine?").json()["id"]
    anonymous = _ask(client, hall, "Nobody's?", anonymous=True).json()["id"]
    assert _client(ben).delete(f"{_base(hall)}/{named}").status_code == 403
    assert client.delete(f"{_base(hall)}/{anonymous}").status_code == 403
    assert client.delete(f"{_base(hall)}/{named}").status_code == 204
    assert list(Question.objects.values_list("text", flat=True)) == ["Nobody's?"]


def test_notes_through_the_api(hr_person):
    leader, employee = PersonFactory.create_batch(2)
    group = community("Runners")
    join(leader, group, Membership.Role.LEADER)
    start = timezone.now() - dt.timedelta(hours=3)
    past = make_town_hall(starts_at=start, host="community", community=group)
    coming = make_town_hall(host="community", community=group)
    url = f"{_base(past)}/notes"
    body = {"notes": "What we answered.\n\nWhat follows."}
    organiser = _client(leader)
    assert organiser.put(f"{_base(coming)}/notes", body, content_type=JSON).status_code == 409
    assert _client(employee).put(url, body, content_type=JSON).status_code == 403
    assert _client(hr_person, hr=True).put(url, body, content_type=JSON).status_code == 403
    assert organiser.put(url, {"notes": "\t"}, content_type=JSON).status_code == 422
    published = organiser.put(url, body, content_type=JSON)
    assert published.status_code == 200
    assert published.json()["notes"] == "What we answered.\n\nWhat follows."
    seen = _client(employee).get(_base(past)).json()
    assert seen["notes"] == body["notes"] and not seen["asking_open"]
    assert TownHall.objects.get(event=past).notes_published_at is not None


def test_every_body_endpoint_documents_400_and_422():
    from config.api import api

    paths = api.get_openapi_schema()["paths"]
    for path, operations in paths.items():
        if "/questions" not in path:
            continue
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert {"400", "422"} <= set(map(str, operation["responses"])), (method, path)
