"""Town halls on the event page: asking (named and anonymous), votes, moderation, the lists,
closing, notes, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kith.communities.models import Community, Membership
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events import town_hall_selectors as th_selectors
from kith.events import town_hall_services as th_services
from kith.events.forms import ANONYMOUS_NOTICE
from kith.events.models import Question, QuestionVote, TownHall
from kith.events.tests.builders import community, join, make_event, make_town_hall
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db


def _viewer(person, *, hr: bool = False):
    return viewer_for_user(login_for(person, hr=hr))


def _client(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _ask(person, event, text: str, *, anonymous: bool = False, hr: bool = False) -> Question:
    return th_services.question_ask(
        viewer=_viewer(person, hr=hr), event_id=event.pk, text=text, anonymous=anonymous
    )


def _vote(person, question, *, up: bool = True) -> bool:
    return th_services.question_vote(
        viewer=_viewer(person), event_id=question.event_id, question_id=question.pk, up=up
    )


def _texts(person, event, view: str = "open", *, hr: bool = False) -> list[str]:
    page = th_selectors.questions_for_viewer(_viewer(person, hr=hr), event.pk, view=view)
    assert page is not None
    return [row.question.text for row in page.rows]


@pytest.fixture
def hall():
    return make_town_hall()


# --- asking -------------------------------------------------------------------------------------


def test_a_named_question_shows_its_author_and_only_the_author_can_withdraw_it(hall):
    ana, ben = PersonFactory.create_batch(2)
    question = _ask(ana, hall, "  Will we   hire in 2027? ")
    assert question.text == "Will we hire in 2027?" and question.author == ana

    page = _client(ben).get(f"/events/{hall.pk}/").content.decode()
    assert "Will we hire in 2027?" in page and ana.display_name in page
    assert "Withdraw my question" not in page
    assert "Withdraw my question" in _client(ana).get(f"/events/{hall.pk}/").content.decode()

    url = f"/events/{hall.pk}/questions/{question.pk}/withdraw/"
    assert _client(ben).post(url).status_code == 403
    assert Question.objects.filter(pk=question.pk).exists()
    assert _client(ana).post(url).status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()


def test_an_anonymous_question_names_nobody_and_cannot_be_withdrawn(hall, hr_person):
    ana = PersonFactory(full_name="Ana Quiet")
    response = _client(ana).post(
        f"/events/{hall.pk}/questions/", {"text": "Are layoffs coming?", "asker": "anonymous"}
    )
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.author_id is None and question.is_anonymous

    for client in (_client(ana), _client(hr_person, hr=True)):  # the asker and a moderator
        page = client.get(f"/events/{hall.pk}/")
        row = page.context["qp"].rows[0]
        assert row.question.text == "Are layoffs coming?"
        assert row.author_name == "" and not row.mine
        assert "Anonymous" in page.content.decode()
    with pytest.raises(PermissionDenied):
        th_services.question_withdraw(
            viewer=_viewer(ana), event_id=hall.pk, question_id=question.pk
        )


def test_the_form_says_what_anonymous_means_where_the_question_is_written(hall):
    page = _client(PersonFactory()).get(f"/events/{hall.pk}/").content.decode()
    assert str(ANONYMOUS_NOTICE) in page
    assert "Anonymous: nobody, not even HR or the organisers, can see that you asked this." in page
    assert 'name="asker" value="anonymous"' in page


def test_named_and_anonymous_asking_get_the_same_answer(hall):
    ana = PersonFactory()
    client = _client(ana)
    named = client.post(f"/events/{hall.pk}/questions/", {"text": "One?", "asker": "named"})
    anonymous = client.post(f"/events/{hall.pk}/questions/", {"text": "Two?", "asker": "anonymous"})
    assert named.status_code == anonymous.status_code == 302
    assert named["Location"] == anonymous["Location"] == f"/events/{hall.pk}/?asked=1#questions"
    assert "messages" not in anonymous.cookies and "sessionid" not in anonymous.cookies
    thanks = client.get(named["Location"]).content.decode()
    assert "Thank you for your question!" in thanks


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   \t  ", "This field is required."),
        ("\x01 \x02\x7f", "Write your question first."),
        ("Why\x00?", "Null characters are not allowed."),
        ("x" * 501, "at most 500 characters"),
    ],
)
def test_a_question_that_is_not_usable_is_refused_under_its_field(hall, text, message):
    page = _client(PersonFactory()).post(
        f"/events/{hall.pk}/questions/", {"text": text, "asker": "named"}
    )
    assert page.status_code == 200
    errors = page.context["question_form"].errors
    assert message in " ".join(errors["text"]), errors
    assert not Question.objects.exists()


def test_services_refuse_text_no_database_can_store(hall):
    with pytest.raises(ValidationError) as caught:
        _ask(PersonFactory(), hall, "Why \ud800?")
    assert "not valid text" in caught.value.message_dict["text"][0]
    assert not Question.objects.exists()


def test_the_same_question_twice_gets_a_vote_instead(hall):
    ana, ben = PersonFactory.create_batch(2)
    _ask(ana, hall, "Will we hire in 2027?")
    with pytest.raises(th_services.QuestionConflict, match="give it a vote"):
        _ask(ben, hall, "will we HIRE in 2027", anonymous=True)
    page = _client(ben).post(
        f"/events/{hall.pk}/questions/", {"text": "Will we hire in 2027!", "asker": "named"}
    )
    assert "give it a vote instead" in page.content.decode()
    assert Question.objects.count() == 1


def test_a_hidden_question_does_not_block_the_same_question(hall, hr_person):
    ana, ben = PersonFactory.create_batch(2)
    first = _ask(ana, hall, "Why the reorg?")
    th_services.question_hide(
        viewer=_viewer(hr_person, hr=True), event_id=hall.pk, question_id=first.pk, reason="Rude"
    )
    assert _ask(ben, hall, "Why the reorg?").state == Question.State.SHOWN


def test_one_event_takes_a_bounded_number_of_questions(hall, monkeypatch):
    monkeypatch.setattr(th_services, "MAX_OPEN_QUESTIONS", 2)
    ana = PersonFactory()
    _ask(ana, hall, "First?")
    _ask(ana, hall, "Second?", anonymous=True)
    with pytest.raises(th_services.QuestionConflict, match="2 questions already"):
        _ask(ana, hall, "Third?")


def test_only_town_halls_take_questions(employee):
    meetup = make_event()
    with pytest.raises(th_services.NoSuchTownHall):
        _ask(employee, meetup, "Hello?")
    client = _client(employee)
    assert "Questions" not in client.get(f"/events/{meetup.pk}/").content.decode()
    assert client.post(f"/events/{meetup.pk}/questions/", {"text": "x"}).status_code == 404


# --- votes ---------------------------------------------------------------------------------------


def test_one_vote_per_person_counts_shown_voters_never_listed(hall):
    ana = PersonFactory(full_name="Ana Asker")
    ben, cai = PersonFactory(full_name="Ben Voter"), PersonFactory(full_name="Cai Voter")
    popular = _ask(ana, hall, "Four-day week?")
    quiet = _ask(ana, hall, "Parking?")
    assert _vote(ben, popular) and _vote(ben, popular)  # twice: still one vote
    _vote(cai, popular)
    _vote(cai, quiet)
    assert QuestionVote.objects.filter(question=popular).count() == 2

    page = th_selectors.questions_for_viewer(_viewer(ben), hall.pk)
    assert [(r.question.text, r.votes, r.voted) for r in page.rows] == [
        ("Four-day week?", 2, True),
        ("Parking?", 1, False),
    ]
    assert not _vote(ben, popular, up=False)  # taken back
    page = th_selectors.questions_for_viewer(_viewer(ben), hall.pk)
    assert [(r.votes, r.voted) for r in page.rows] == [(1, False), (1, False)]
    html = _client(ana).get(f"/events/{hall.pk}/").content.decode()
    assert cai.display_name not in html and ben.display_name not in html


def test_voting_by_page_and_htmx(hall):
    ana, ben = PersonFactory.create_batch(2)
    question = _ask(ana, hall, "Lunch budget?")
    url = f"/events/{hall.pk}/questions/{question.pk}/vote/"
    client = _client(ben)
    plain = client.post(url, {"vote": "up", "view": "open"})
    assert plain.status_code == 302 and plain["Location"].endswith("#questions")
    partial = client.post(url, {"vote": "withdraw", "view": "open"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200 and body.lstrip().startswith('<div id="question-list"')
    assert 'value="up"' in body and not QuestionVote.objects.exists()
    assert client.post(url, {"vote": "sideways"}).status_code == 302
    assert not QuestionVote.objects.exists()


def test_only_shown_questions_take_votes(hall, hr_person):
    ana, ben = PersonFactory.create_batch(2)
    question = _ask(ana, hall, "Office dogs?")
    th_services.question_hide(
        viewer=_viewer(hr_person, hr=True), event_id=hall.pk, question_id=question.pk, reason="Off"
    )
    with pytest.raises(th_services.NoSuchTownHall):  # ben cannot even see it
        _vote(ben, question)
    with pytest.raises(th_services.QuestionConflict, match="on show"):
        _vote(ana, question)  # the author still sees it, but it takes no votes


def test_lists_sort_by_votes_and_split_answered_from_not(hall, hr_person):
    people = PersonFactory.create_batch(4)
    one, two, three = (_ask(people[0], hall, t) for t in ("One?", "Two?", "Three?"))
    for voter in people[:3]:
        _vote(voter, three)
    _vote(people[3], one)
    th_services.question_mark_answered(
        viewer=_viewer(hr_person, hr=True), event_id=hall.pk, question_id=two.pk, answered=True
    )
    assert _texts(people[1], hall) == ["Three?", "One?"]
    assert _texts(people[1], hall, "answered") == ["Two?"]
    page = _client(people[1]).get(f"/events/{hall.pk}/?questions=answered")
    assert [r.question.text for r in page.context["qp"].rows] == ["Two?"]


# --- moderation ---------------------------------------------------------------------------------


def test_pre_moderation_holds_questions_until_a_moderator_shows_them(hall, hr_person):
    ana, ben = PersonFactory.create_batch(2)
    hr = _viewer(hr_person, hr=True)
    assert TownHall.objects.filter(event=hall).count() == 0  # default: shown at once
    th_services.town_hall_settings_update(viewer=hr, event_id=hall.pk, approval_needed=True)
    named = _ask(ana, hall, "Named and waiting?")
    anonymous = _ask(ana, hall, "Anonymous and waiting?", anonymous=True)
    assert {named.state, anonymous.state} == {Question.State.WAITING}

    assert _texts(ben, hall) == []  # nobody else sees them
    assert _texts(ana, hall) == ["Named and waiting?"]  # the author sees their named one
    assert sorted(_texts(hr_person, hall, "waiting", hr=True)) == [
        "Anonymous and waiting?",
        "Named and waiting?",
    ]
    th_services.question_approve(viewer=hr, event_id=hall.pk, question_id=anonymous.pk)
    assert _texts(ben, hall) == ["Anonymous and waiting?"]


def test_a_hidden_question_keeps_its_reason_for_moderators_only(hall, hr_person):
    organiser, ana, ben = PersonFactory.create_batch(3)
    hall.created_by = organiser
    hall.save()
    question = _ask(ana, hall, "Something unkind?")
    client = _client(organiser)
    response = client.post(
        f"/events/{hall.pk}/questions/{question.pk}/moderate/",
        {"action": "hide", "reason": "Names a colleague", "view": "open"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.state == Question.State.HIDDEN and question.hidden_reason == "Names a colleague"

    hidden = client.get(f"/events/{hall.pk}/?questions=hidden")
    assert "Names a colleague" in hidden.content.decode()
    assert _texts(ben, hall) == []
    author_page = _client(ana).get(f"/events/{hall.pk}/").content.decode()
    assert "Hidden by the moderators" in author_page and "Names a colleague" not in author_page

    no_reason = client.post(
        f"/events/{hall.pk}/questions/{question.pk}/moderate/", {"action": "hide", "reason": " "}
    )
    assert no_reason.status_code == 302  # refused, with the reason why in a message
    client.post(f"/events/{hall.pk}/questions/{question.pk}/moderate/", {"action": "show"})
    question.refresh_from_db()
    assert question.state == Question.State.SHOWN and question.hidden_reason == ""


def test_answered_can_be_taken_back_and_a_hidden_question_is_shown_first(hall, hr_person):
    hr = _viewer(hr_person, hr=True)
    question = _ask(PersonFactory(), hall, "Roadmap?")
    common = {"viewer": hr, "event_id": hall.pk, "question_id": question.pk}
    th_services.question_mark_answered(answered=True, **common)
    th_services.question_mark_answered(answered=False, **common)
    th_services.question_hide(reason="Duplicate", **common)
    with pytest.raises(th_services.QuestionConflict, match="show it again first"):
        th_services.question_mark_answered(answered=True, **common)


def test_who_moderates(hr_person):
    """Organisers and HR; HR not a confidential group's town hall (it cannot see it)."""
    group = community("Parents", Community.Visibility.CONFIDENTIAL)
    leader, member, employee = PersonFactory.create_batch(3)
    join(leader, group, Membership.Role.LEADER)
    join(member, group)
    secret = make_town_hall(host="community", community=group)
    public = make_town_hall(title="All hands")
    unit = OrgUnitFactory(name="Sales")
    manager = PersonFactory()
    PersonFactory(org_unit=unit, manager=manager)
    team = make_town_hall(title="Sales town hall", host="team", org_unit=unit)

    def moderates(person, event, hr: bool = False) -> bool | None:
        access = th_selectors.town_hall_access(_viewer(person, hr=hr), event.pk)
        return None if access is None else access.moderator

    assert moderates(leader, secret) is True
    assert moderates(member, secret) is False
    assert moderates(hr_person, secret, hr=True) is None  # not even seen
    assert moderates(hr_person, public, hr=True) is True
    assert moderates(employee, public) is False
    assert moderates(manager, team) is True and moderates(hr_person, team, hr=True) is True
    with pytest.raises(PermissionDenied):
        th_services.town_hall_settings_update(
            viewer=_viewer(employee), event_id=public.pk, approval_needed=True
        )
    question = _ask(employee, public, "Why?")
    response = _client(employee).post(
        f"/events/{public.pk}/questions/{question.pk}/moderate/", {"action": "answered"}
    )
    assert response.status_code == 403
    assert _client(employee).get(f"/events/{public.pk}/?questions=waiting").context["qp"].view == (
        "open"
    )


def test_a_confidential_groups_town_hall_is_for_its_members_only(hr_person):
    group = community("Parents", Community.Visibility.CONFIDENTIAL)
    member, outsider = PersonFactory.create_batch(2)
    join(member, group)
    secret = make_town_hall(host="community", community=group)
    question = _ask(member, secret, "Childcare?")
    for person, hr in ((outsider, False), (hr_person, True)):
        with pytest.raises(th_services.NoSuchTownHall):
            _ask(person, secret, "Hello?", hr=hr)
        client = _client(person, hr=hr)
        assert (
            client.get(f"/events/{secret.pk}/questions/", HTTP_HX_REQUEST="true").status_code == 404
        )
        url = f"/events/{secret.pk}/questions/{question.pk}/vote/"
        assert client.post(url, {"vote": "up"}).status_code == 404


def test_settings_page_flow(hall, hr_person):
    client = _client(hr_person, hr=True)
    response = client.post(f"/events/{hall.pk}/questions/settings/", {"approval": "needed"})
    assert response.status_code == 302
    assert TownHall.objects.get(event=hall).approval_needed
    client.post(f"/events/{hall.pk}/questions/settings/", {"approval": "bogus"})
    assert TownHall.objects.get(event=hall).approval_needed
    page = _client(PersonFactory()).get(f"/events/{hall.pk}/").content.decode()
    assert "A moderator approves each new question before it shows." in page


# --- closing, refreshing and notes --------------------------------------------------------------


def test_questions_close_half_an_hour_after_the_end(employee):
    start = timezone.now() - dt.timedelta(hours=2)
    hall = make_town_hall(starts_at=start, ends_at=start + dt.timedelta(hours=1, minutes=45))
    question = _ask(employee, hall, "Still open?")  # 15 minutes after the end
    over = make_town_hall(starts_at=start, ends_at=start + dt.timedelta(hours=1))
    with pytest.raises(th_services.QuestionsClosed):
        _ask(employee, over, "Too late?")
    later = timezone.now() + dt.timedelta(minutes=20)
    with pytest.raises(th_services.QuestionsClosed):
        th_services.question_vote(
            viewer=_viewer(employee),
            event_id=hall.pk,
            question_id=question.pk,
            up=True,
            now=later,
        )
    page = _client(employee).get(f"/events/{over.pk}/").content.decode()
    assert "Questions are closed." in page and 'name="asker"' not in page


def test_the_list_refreshes_itself_only_around_the_event(employee):
    soon = make_town_hall(starts_at=timezone.now() + dt.timedelta(minutes=30))
    later = make_town_hall(starts_at=timezone.now() + dt.timedelta(days=3))
    client = _client(employee)
    live = client.get(f"/events/{soon.pk}/questions/?view=open", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 20s"' in live.content.decode()
    assert live["Vary"] and "HX-Request" in live["Vary"]
    quiet = client.get(f"/events/{later.pk}/questions/", HTTP_HX_REQUEST="true")
    assert quiet.status_code == 200 and "hx-trigger" not in quiet.content.decode()
    plain = client.get(f"/events/{later.pk}/questions/?view=answered")
    assert plain.status_code == 302
    assert plain["Location"] == f"/events/{later.pk}/?questions=answered#questions"


def test_notes_come_after_the_event_from_its_organisers_and_close_questions(hr_person):
    organiser, ana, ben, cai, outsider = PersonFactory.create_batch(5)
    group = community("Runners")
    join(organiser, group, Membership.Role.LEADER)
    start = timezone.now() - dt.timedelta(hours=3)
    hall = make_town_hall(
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2, minutes=50),
        host="community",
        community=group,
    )
    hall.rsvps.create(person=ana, status="going", queued_at=start)
    question = _ask(ben, hall, "Follow-up on pay bands?")  # named: ben hears of the notes
    _vote(cai, question)
    _ask(outsider, hall, "Anonymous one?", anonymous=True)

    upcoming = make_town_hall(host="community", community=group)
    with pytest.raises(th_services.QuestionConflict, match="once it has ended"):
        th_services.town_hall_notes_publish(
            viewer=_viewer(organiser), event_id=upcoming.pk, notes="Too soon"
        )
    assert th_selectors.town_hall_access(_viewer(hr_person, hr=True), hall.pk).moderator
    with pytest.raises(PermissionDenied):  # HR moderates, but notes are the organisers'
        th_services.town_hall_notes_publish(
            viewer=_viewer(hr_person, hr=True), event_id=hall.pk, notes="Not mine"
        )
    later = timezone.now() + dt.timedelta(minutes=5)
    client = _client(organiser)
    assert client.get(f"/events/{hall.pk}/notes/").status_code == 200
    assert _client(ana).get(f"/events/{hall.pk}/notes/").status_code == 404
    response = client.post(
        f"/events/{hall.pk}/notes/", {"notes": "Pay bands:\r\npublished in May.\r\n\r\n\r\nThanks!"}
    )
    assert response.status_code == 302
    settings = TownHall.objects.get(event=hall)
    assert settings.notes == "Pay bands:\npublished in May.\n\nThanks!"
    assert settings.notes_published_at is not None
    with pytest.raises(th_services.QuestionsClosed):
        th_services.question_ask(
            viewer=_viewer(ana), event_id=hall.pk, text="One more?", anonymous=False, now=later
        )
    page = _client(outsider).get(f"/events/{hall.pk}/").content.decode()
    assert "Notes from the town hall" in page and "published in May." in page

    assert th_services.notes_tell(event_id=hall.pk) == 3  # ana went, ben asked, cai voted
    assert th_services.notes_tell(event_id=hall.pk) == 0  # once each
    told = set(
        Notification.objects.filter(kind="events.town_hall_notes").values_list(
            "person_id", flat=True
        )
    )
    assert told == {ana.pk, ben.pk, cai.pk}


def test_publishing_notes_queues_the_message_once(hr_person, django_capture_on_commit_callbacks):
    organiser = PersonFactory()
    start = timezone.now() - dt.timedelta(hours=3)
    hall = make_town_hall(starts_at=start, created_by=organiser)
    viewer = _viewer(organiser)
    with django_capture_on_commit_callbacks() as first:
        th_services.town_hall_notes_publish(viewer=viewer, event_id=hall.pk, notes="Done.")
    with django_capture_on_commit_callbacks() as second:
        th_services.town_hall_notes_publish(viewer=viewer, event_id=hall.pk, notes="Done!")
    assert len(first) == 1 and len(second) == 0


def test_my_export_holds_my_named_questions_and_votes_never_an_anonymous_one(hall):
    from kith.events.selectors import my_events_data

    ana, ben = PersonFactory.create_batch(2)
    _ask(ana, hall, "Named one?")
    secret = _ask(ana, hall, "Anonymous one?", anonymous=True)
    _vote(ana, secret)
    data = my_events_data(ana)
    assert [q["question"] for q in data["questions_asked"]] == ["Named one?"]
    assert [q["question"] for q in data["questions_upvoted"]] == ["Anonymous one?"]
    assert my_events_data(ben)["questions_asked"] == []


def test_a_list_name_from_the_address_is_only_ever_a_known_one(hall):
    client = _client(PersonFactory())
    odd = client.get(f"/events/{hall.pk}/questions/?view=%0d%0aSet-Cookie:x")
    assert odd.status_code == 302 and odd["Location"] == f"/events/{hall.pk}/#questions"
    page = client.get(f"/events/{hall.pk}/?questions=<script>")
    assert page.status_code == 200 and page.context["qp"].view == "open"


def test_the_privacy_page_says_what_anonymous_means(employee):
    page = _client(employee).get("/privacy/").content.decode()
    assert 'id="events"' in page
    assert "nobody, not even HR or the organisers, can see that you asked it" in page


def test_the_list_costs_the_same_queries_however_many_questions(hall, hr_person):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    askers = PersonFactory.create_batch(12)
    client = _client(hr_person, hr=True)  # a moderator: every list, every action shown

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert (
                client.get(f"/events/{hall.pk}/questions/", HTTP_HX_REQUEST="true").status_code
                == 200
            )
        return len(queries)

    _ask(askers[0], hall, "Only one?")
    few = cost()
    for n, person in enumerate(askers[1:]):
        question = _ask(person, hall, f"Question {n}?", anonymous=n % 2 == 0)
        _vote(askers[0], question)
    assert cost() == few
