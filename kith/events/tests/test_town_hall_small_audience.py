"""Anonymous town hall questions only where they hide their asker (docs/events.md, "Town
halls"): at least k (5) people besides the organisers and moderators must be able to ask.
An invitation-only town hall counts its invitees, a team's its people, a confidential
community's its members; an open one is for every colleague. Below that, the page says
anonymous asking is not offered and the API answers 422 on `anonymous`; named asking works."""

from __future__ import annotations

import pytest
from django.test import Client

from kith.communities.models import Community, Membership
from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.models import Person
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events import town_hall_selectors as th_selectors
from kith.events import town_hall_services as th_services
from kith.events.engine.town_hall import MIN_ANONYMOUS_AUDIENCE, audience_hides_an_asker
from kith.events.models import Event, EventInvite, Question
from kith.events.tests.builders import community, join, make_town_hall

pytestmark = pytest.mark.django_db
JSON = "application/json"
NOT_OFFERED = "Anonymous asking is not offered for such a small audience"


def _client(person: Person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _ask_api(person: Person, event: Event, *, anonymous: bool) -> tuple[int, dict]:
    response = _client(person).post(
        f"/api/v1/events/{event.pk}/questions",
        {"text": "Why was my team's bonus cut?", "anonymous": anonymous},
        content_type=JSON,
    )
    return response.status_code, response.json()


def _offered(person: Person, event: Event) -> bool:
    access = th_selectors.town_hall_access(viewer_for_user(login_for(person)), event.pk)
    assert access is not None
    return access.anonymous_offered


def _invite_only(invitees: int, *, organiser: Person | None = None) -> tuple[Event, list[Person]]:
    boss = organiser or PersonFactory.create(full_name="Olga Organiser")
    event = make_town_hall(title="Skip-level AMA", created_by=boss, invite_only=True)
    people = PersonFactory.create_batch(invitees)
    for person in people:
        EventInvite.objects.create(event=event, person=person)
    return event, people


def test_the_rule_needs_k_others_or_an_open_event():
    assert MIN_ANONYMOUS_AUDIENCE == 5
    assert audience_hides_an_asker(None)
    assert audience_hides_an_asker(5) and not audience_hides_an_asker(4)
    assert not audience_hides_an_asker(0)


def test_the_reviewed_case_an_invitation_only_town_hall_of_one_refuses_anonymity():
    event, (ivan,) = _invite_only(1)
    status, body = _ask_api(ivan, event, anonymous=True)
    assert status == 422
    assert body["detail"][0]["loc"][-1] == "anonymous"
    assert NOT_OFFERED in body["detail"][0]["msg"]
    assert not Question.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="events.question").exists()
    listed = _client(ivan).get(f"/api/v1/events/{event.pk}/questions").json()
    assert listed["anonymous_offered"] is False
    named_status, named = _ask_api(ivan, event, anonymous=False)
    assert named_status == 201 and named["author"]["id"] == ivan.pk


def test_invitees_count_but_not_the_organiser_nor_those_who_left():
    boss = PersonFactory.create(full_name="Olga Organiser")
    event, people = _invite_only(4, organiser=boss)
    EventInvite.objects.create(event=event, person=boss)  # on her own list: still an organiser
    gone = PersonFactory.create(is_active=False)
    EventInvite.objects.create(event=event, person=gone)
    assert th_selectors.anonymous_audience(event) == 4
    assert not _offered(people[0], event)
    fifth = PersonFactory.create()
    EventInvite.objects.create(event=event, person=fifth)
    assert th_selectors.anonymous_audience(event) == 5
    assert _offered(people[0], event)
    status, body = _ask_api(fifth, event, anonymous=True)
    assert status == 201 and body["author"] is None


def test_the_page_says_anonymity_is_not_offered_and_refuses_a_forged_post():
    event, (ivan,) = _invite_only(1)
    client = _client(ivan)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert NOT_OFFERED in page
    assert 'value="anonymous"' not in page
    assert '<input type="hidden" name="asker" value="named">' in page
    forged = client.post(
        f"/events/{event.pk}/questions/", {"text": "Who decided?", "asker": "anonymous"}
    )
    assert forged.status_code == 200
    assert NOT_OFFERED in forged.content.decode()
    assert not Question.objects.exists()
    named = client.post(
        f"/events/{event.pk}/questions/", {"text": "Who decided?", "asker": "named"}
    )
    assert named.status_code == 302
    assert Question.objects.get().author_id == ivan.pk


def test_an_open_town_hall_offers_anonymity_however_few_have_answered():
    event = make_town_hall()
    ana = PersonFactory.create()
    assert th_selectors.anonymous_audience(event) is None
    page = _client(ana).get(f"/events/{event.pk}/").content.decode()
    assert 'value="anonymous"' in page and NOT_OFFERED not in page
    status, _ = _ask_api(ana, event, anonymous=True)
    assert status == 201


def test_a_team_town_hall_counts_its_people_without_managers_hr_or_its_creator():
    department = OrgUnitFactory.create(name="Engineering", kind="department")
    team = OrgUnitFactory.create(name="Platform", parent=department)
    below = OrgUnitFactory.create(name="Platform SRE", parent=team)
    lead = PersonFactory.create(org_unit=department)
    staff = PersonFactory.create_batch(3, org_unit=team, manager=lead)
    sre = PersonFactory.create(org_unit=below)
    hr_person = PersonFactory.create(org_unit=team)
    login_for(hr_person, hr=True)
    PersonFactory.create(org_unit=team, is_active=False)
    PersonFactory.create(org_unit=department)  # above the team: does not see it
    event = make_town_hall(host=Event.Host.TEAM, org_unit=team, created_by=staff[0])
    # staff[1], staff[2] and sre: the lead manages the team, staff[0] created it, HR moderates.
    assert th_selectors.anonymous_audience(event) == 3
    assert not _offered(staff[1], event)
    status, body = _ask_api(sre, event, anonymous=True)
    assert status == 422 and body["detail"][0]["loc"][-1] == "anonymous"
    PersonFactory.create_batch(2, org_unit=below)
    assert th_selectors.anonymous_audience(event) == 5
    assert _offered(staff[1], event)
    assert _ask_api(sre, event, anonymous=True)[0] == 201


def test_a_confidential_communitys_town_hall_counts_its_members():
    circle = community("Circle", Community.Visibility.CONFIDENTIAL)
    leader = PersonFactory.create()
    join(leader, circle, Membership.Role.LEADER)
    members = PersonFactory.create_batch(4)
    for person in members:
        join(person, circle)
    pending = PersonFactory.create()
    Membership.objects.create(community=circle, person=pending, status=Membership.Status.PENDING)
    event = make_town_hall(host=Event.Host.COMMUNITY, community=circle, created_by=leader)
    assert th_selectors.anonymous_audience(event) == 4
    assert _ask_api(members[0], event, anonymous=True)[0] == 422
    join(PersonFactory.create(), circle)
    assert th_selectors.anonymous_audience(event) == 5
    assert _ask_api(members[0], event, anonymous=True)[0] == 201


def test_a_public_communitys_town_hall_is_open():
    runners = community("Runners")
    leader = PersonFactory.create()
    join(leader, runners, Membership.Role.LEADER)
    event = make_town_hall(host=Event.Host.COMMUNITY, community=runners, created_by=leader)
    assert th_selectors.anonymous_audience(event) is None


def test_the_service_refuses_before_writing_anything():
    event, (ivan,) = _invite_only(1)
    with pytest.raises(th_services.ValidationError) as refused:
        th_services.question_ask(
            viewer=viewer_for_user(login_for(ivan)),
            event_id=event.pk,
            text="Why?",
            anonymous=True,
        )
    assert "anonymous" in refused.value.message_dict
    assert not isinstance(refused.value, th_services.QuestionConflict)
    assert not Question.objects.exists()
