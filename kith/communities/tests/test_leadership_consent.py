"""No role grants itself access to a confidential group (DESIGN §4, issue 9 item 7).

Before: an HR admin edited a confidential community, put their own email (or a colleague's)
as leader, and became an active leader who lists every member and pending request — or outed
the colleague to the members. Now naming a leader of a confidential group only asks: the
person named accepts, then one of the group's active leaders approves; a group with no
active leader gets one on the acceptance alone, and its members are told. Each attack runs
through the page and the API as an HR admin would."""

from __future__ import annotations

import json

import pytest

from kith.accounts.models import User
from kith.communities import services
from kith.communities.models import LeadershipRequest, Membership
from kith.core.models import AuditEvent
from kith.directory.tests.factories import PersonFactory
from kith.notify.models import Notification

from .conftest import add, client_for, community

pytestmark = pytest.mark.django_db

SECRETS = ("Secretleader", "Hiddenmember", "Paula Pending")
GROUP = "/api/v1/communities/groups"


@pytest.fixture
def pride_with_a_request(pride, team):
    """The confidential group, with a pending request to join that only its leaders see."""
    services.membership_request(
        community=pride, person=PersonFactory(full_name="Paula Pending", org_unit=team)
    )
    return pride


@pytest.fixture
def hr(hr_person):
    hr_person.client = client_for(hr_person, hr=True)
    return hr_person


@pytest.fixture
def colleague(team):
    return PersonFactory(full_name="Cora Quietcolleague", email="cora@example.com", org_unit=team)


def _edit_as_hr(client, group, leader_email: str):
    return client.post(
        f"/communities/c/{group.slug}/edit/",
        {
            "name": group.name,
            "kind": group.kind,
            "description": group.description,
            "visibility": group.visibility,
            "requires_approval": "on",
            "is_active": "on",
            "leader_email": leader_email,
        },
        follow=True,
    )


def _assert_hr_sees_no_member(client, group) -> None:
    """Every page and endpoint that lists members or requests, as HR sees it now."""
    texts = [
        client.get(f"/communities/c/{group.slug}/").content.decode(),
        client.get(f"/communities/c/{group.slug}/edit/").content.decode(),
        client.get("/communities/").content.decode(),
        client.get("/audit/").content.decode(),
        client.get(f"{GROUP}/{group.pk}").content.decode(),
    ]
    assert client.get(f"/communities/c/{group.slug}/manage/").status_code == 403
    assert client.get(f"{GROUP}/{group.pk}/members").status_code == 403
    assert client.get(f"{GROUP}/{group.pk}/leadership-requests").status_code == 403
    assert client.get(f"{GROUP}/{group.pk}").json()["member_count"] is None
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def _user(person) -> User:
    """The login client_for made (login_for again would change its password and sign out)."""
    return User.objects.get(email=person.email)


def _actions(group) -> list[str]:
    rows = AuditEvent.objects.filter(target=f"community:{group.pk}").order_by("id")
    return [row.action.removeprefix("communities.") for row in rows]


def test_hr_naming_themself_on_the_edit_page_asks_the_leaders_and_gets_no_access(
    pride_with_a_request, hr
):
    pride = pride_with_a_request
    page = _edit_as_hr(hr.client, pride, hr.email).content.decode()
    assert "You asked to lead it" in page

    _assert_hr_sees_no_member(hr.client, pride)
    assert not Membership.objects.filter(community=pride, person=hr).exists()
    asked = LeadershipRequest.objects.get(community=pride, person=hr)
    assert asked.status == "awaiting_leaders"  # naming yourself is accepting

    # The leaders decide, and see who asks; a decline leaves HR outside.
    leader = client_for(pride.leader)
    assert "Jasmine Garcia" in leader.get(f"/communities/c/{pride.slug}/manage/").content.decode()
    leader.post(f"/communities/c/{pride.slug}/manage/leadership/{asked.pk}/decline/")
    _assert_hr_sees_no_member(hr.client, pride)
    assert _actions(pride) == [
        "community_changed",
        "leadership_requested",
        "leadership_accepted",
        "leadership_declined",
    ]
    # Only HR's own request names an actor or a person: no row says which leader decided.
    rows = AuditEvent.objects.filter(action__startswith="communities.leadership")
    assert [r.actor is not None for r in rows.order_by("id")] == [True, False, False]
    assert not AuditEvent.objects.filter(actor=_user(pride.leader)).exists()
    assert "Secretleader" not in json.dumps(list(rows.values("detail")))


def test_hr_naming_themself_through_the_api_gets_a_request_not_access(pride_with_a_request, hr):
    pride = pride_with_a_request
    response = hr.client.post(
        f"{GROUP}/{pride.pk}/leaders", {"email": hr.email}, content_type="application/json"
    )
    assert response.status_code == 202
    for secret in SECRETS:
        assert secret not in response.content.decode()
    _assert_hr_sees_no_member(hr.client, pride)
    # HR cannot approve its own request, nor answer for the leaders.
    asked = LeadershipRequest.objects.get(community=pride, person=hr)
    assert (
        hr.client.post(f"{GROUP}/{pride.pk}/leadership-requests/{asked.pk}/approve").status_code
        == 403
    )
    page = hr.client.post(f"/communities/c/{pride.slug}/manage/leadership/{asked.pk}/approve/")
    assert page.status_code == 403
    assert LeadershipRequest.objects.get(pk=asked.pk).status == "awaiting_leaders"
    _assert_hr_sees_no_member(hr.client, pride)

    # Once a leader approves, HR leads with the group's consent, like any member.
    leader = client_for(pride.leader)
    answer = leader.post(f"{GROUP}/{pride.pk}/leadership-requests/{asked.pk}/approve")
    assert answer.status_code == 200
    names = {m["name"] for m in hr.client.get(f"{GROUP}/{pride.pk}/members").json()}
    assert names == {"Leonor Secretleader", "Samuel Hiddenmember", "Jasmine Garcia"}
    assert _actions(pride)[-2:] == ["leadership_approved", "leadership_granted"]


@pytest.mark.parametrize("through", ["page", "api"])
def test_naming_a_colleague_does_not_out_them_before_they_consent(
    pride_with_a_request, hr, colleague, through
):
    pride = pride_with_a_request
    if through == "page":
        _edit_as_hr(hr.client, pride, colleague.email)
    else:
        hr.client.post(
            f"{GROUP}/{pride.pk}/leaders",
            {"email": colleague.email},
            content_type="application/json",
        )
    _assert_hr_sees_no_member(hr.client, pride)

    def seen_by_the_group() -> str:
        leader, member = client_for(pride.leader), client_for(pride.member)
        return " ".join(
            [
                leader.get(f"/communities/c/{pride.slug}/manage/").content.decode(),
                leader.get(f"{GROUP}/{pride.pk}/leadership-requests").content.decode(),
                member.get(f"/communities/c/{pride.slug}/").content.decode(),
                member.get(f"{GROUP}/{pride.pk}/members").content.decode(),
                json.dumps(
                    list(Notification.objects.exclude(person=colleague).values("subject", "body"))
                ),
            ]
        )

    # Only Cora hears of it; the group does not, and she is in nothing.
    assert "Quietcolleague" not in seen_by_the_group()
    offer = LeadershipRequest.objects.get(community=pride, person=colleague)
    assert Notification.objects.filter(person=colleague, kind="community_leadership_offer").exists()
    assert not Membership.objects.filter(community=pride, person=colleague).exists()
    cora = client_for(colleague)
    assert "asked to help lead a community" in cora.get("/communities/").content.decode()
    page = cora.get("/communities/leadership/").content.decode()
    assert "Pride network" in page and "jasmine@example.com" in page
    assert "Secretleader" not in page and "Hiddenmember" not in page
    offers = cora.get("/api/v1/communities/leadership-offers").json()
    assert [o["id"] for o in offers] == [offer.pk] and "Secretleader" not in json.dumps(offers)
    # Nobody else can answer for her.
    for other in (hr.client, client_for(pride.leader)):
        assert (
            other.post(f"/api/v1/communities/leadership-offers/{offer.pk}/accept").status_code
            == 404
        )

    # She says no: the group never learns she was asked.
    cora.post(f"/communities/leadership/{offer.pk}/refuse/")
    assert LeadershipRequest.objects.get(pk=offer.pk).status == "refused"
    assert "Quietcolleague" not in seen_by_the_group()

    # Asked again, she says yes: now the leaders see her name and decide.
    services.community_leader_appoint(community=pride, person=colleague, actor=_user(hr))
    again = LeadershipRequest.objects.get(
        community=pride, person=colleague, status="awaiting_appointee"
    )
    answer = cora.post(f"/api/v1/communities/leadership-offers/{again.pk}/accept")
    assert answer.json()["status"] == "awaiting_leaders"
    assert not Membership.objects.filter(community=pride, person=colleague).exists()
    assert "Cora Quietcolleague" in seen_by_the_group()
    client_for(pride.leader).post(
        f"/communities/c/{pride.slug}/manage/leadership/{again.pk}/approve/"
    )
    assert Membership.objects.get(community=pride, person=colleague).role == "leader"
    _assert_hr_sees_no_member(hr.client, pride)


def test_a_group_without_a_leader_gets_one_on_acceptance_and_its_members_are_told(
    team, hr, colleague
):
    orphaned = community("Neurodiversity network", visibility="confidential")
    members = [PersonFactory(org_unit=team) for _ in range(3)]
    for person in members:
        add(orphaned, person)
    _edit_as_hr(hr.client, orphaned, colleague.email)
    _assert_hr_sees_no_member(hr.client, orphaned)
    assert not Notification.objects.filter(person__in=members).exists()  # not before she accepts

    offer = LeadershipRequest.objects.get(community=orphaned, person=colleague)
    response = client_for(colleague).post(f"/communities/leadership/{offer.pk}/accept/")
    assert response.status_code == 302
    assert Membership.objects.get(community=orphaned, person=colleague).role == "leader"
    told = Notification.objects.filter(kind="community_new_leader")
    assert {n.person_id for n in told} == {p.pk for p in members}
    assert "Cora Quietcolleague now leads Neurodiversity network" in told[0].subject
    assert _actions(orphaned)[-3:] == [
        "leadership_requested",
        "leadership_accepted",
        "leadership_granted",
    ]
    _assert_hr_sees_no_member(hr.client, orphaned)


def test_hr_can_lead_a_group_without_a_leader_and_its_members_are_told(team, hr):
    orphaned = community("Carers", visibility="confidential")
    member = PersonFactory(full_name="Cas Carer", org_unit=team)
    add(orphaned, member)
    hr.client.post(
        f"{GROUP}/{orphaned.pk}/leaders", {"email": hr.email}, content_type="application/json"
    )
    assert Membership.objects.get(community=orphaned, person=hr).role == "leader"
    told = Notification.objects.get(person=member, kind="community_new_leader")
    assert "Jasmine Garcia" in told.subject and "leave the group" in told.body


def test_what_hr_is_told_never_depends_on_who_is_in_the_group(pride, hr, colleague):
    """The same answer and the same audit rows for the group's leader as for an outsider."""

    def name(person) -> tuple[int, str]:
        response = hr.client.post(
            f"{GROUP}/{pride.pk}/leaders", {"email": person.email}, content_type="application/json"
        )
        return response.status_code, response.content.decode().replace(person.display_name, "X")

    first = name(pride.leader)
    assert first[0] == 202 and first == name(colleague)
    again = name(pride.leader)
    assert again[0] == 422 and again == name(colleague)  # asked twice: the same refusal
    rows = AuditEvent.objects.filter(action="communities.leadership_requested").order_by("id")
    assert [sorted(r.detail) for r in rows] == [["person", "request"], ["person", "request"]]


def test_the_appointee_sees_the_request_in_their_export(pride, hr, colleague):
    services.community_leader_appoint(community=pride, person=colleague, actor=_user(hr))
    data = client_for(colleague).get("/me/export.json").json()["communities"]
    assert [(r["community"], r["status"]) for r in data["asked_to_lead"]] == [
        ("Pride network", "awaiting_appointee")
    ]
    assert data["memberships"] == []
