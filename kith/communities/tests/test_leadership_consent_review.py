"""The privacy review of the leadership consent flow (issue 9 item 5), each attack run as an
HR admin through the page and the API:

1. An HRIS import that leaves a confidential group's leaders out deactivates them; the group
   then looked leaderless, so HR named themself, accepted, and led at once. Now leaders an
   import deactivated still count: HR's naming waits for them, and they decide on return.
2. The audit log told HR whether the person named already led the group (their acceptance
   wrote `leadership_granted` at once). Now the rows are the same whoever is named.
3. Members-only groups: HR named themself leader at once and listed the members, though HR
   sees a count only. Now naming a leader of one goes through the same consent.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from kith.accounts.models import User
from kith.communities import services
from kith.communities.models import LeadershipRequest, Membership
from kith.core.models import AuditEvent
from kith.directory.importing.apply import people_import
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory
from kith.notify.models import Notification

from .conftest import add, client_for, community
from .test_leadership_consent import SECRETS, _actions, _assert_hr_sees_no_member, _edit_as_hr

pytestmark = pytest.mark.django_db

GROUP = "/api/v1/communities/groups"


@pytest.fixture
def hr(hr_person):
    hr_person.client = client_for(hr_person, hr=True)
    return hr_person


@pytest.fixture
def pride_with_a_request(pride, team):
    services.membership_request(
        community=pride, person=PersonFactory(full_name="Paula Pending", org_unit=team)
    )
    return pride


def _hris_file(people) -> bytes:
    rows = io.StringIO(newline="")
    writer = csv.writer(rows)
    writer.writerow(["employee_id", "full_name", "email", "department", "city", "country"])
    for p in people:
        writer.writerow([p.employee_id, p.full_name, p.email, "Engineering", "Lisbon", "PT"])
    return rows.getvalue().encode()


def _import(people, actor: User) -> None:
    outcome = people_import(
        content=_hris_file(people), filename="hris.csv", deactivate_missing=True, actor=actor
    )
    assert outcome.applied, outcome.problems


def _name(hr, group, email: str, through: str):
    if through == "page":
        return _edit_as_hr(hr.client, group, email)
    return hr.client.post(
        f"{GROUP}/{group.pk}/leaders", {"email": email}, content_type="application/json"
    )


def _hr_readable_audit(group) -> list[tuple[str, bool, list[str]]]:
    """The group's audit rows as HR reads them: action, whether an actor is named, the detail's
    keys (the request's and the person's ids are HR's own choices)."""
    rows = AuditEvent.objects.filter(target=f"community:{group.pk}").order_by("id")
    return [
        (r.action.removeprefix("communities."), r.actor_id is not None, sorted(r.detail))
        for r in rows
        if r.action.startswith("communities.leadership")
    ]


# --- 1. Leaders deactivated by an HRIS import still count --------------------------------------


@pytest.mark.parametrize("through", ["page", "api"])
def test_an_import_that_deactivates_the_leaders_does_not_let_hr_lead_at_once(
    pride_with_a_request, hr, through
):
    pride = pride_with_a_request
    hr_user = User.objects.get(email=hr.email)
    everyone = list(Person.objects.filter(is_active=True))
    _import([p for p in everyone if p.pk != pride.leader.pk], hr_user)
    pride.leader.refresh_from_db()
    assert not pride.leader.is_active

    # HR names themself: the group still has its (deactivated) leader, so this is a request.
    response = _name(hr, pride, hr.email, through)
    assert response.status_code == (200 if through == "page" else 202)
    for secret in SECRETS:
        assert secret not in response.content.decode()
    asked = LeadershipRequest.objects.get(community=pride, person=hr)
    assert asked.status == "awaiting_leaders"
    assert not Membership.objects.filter(community=pride, person=hr).exists()
    _assert_hr_sees_no_member(hr.client, pride)
    assert not Notification.objects.filter(kind="community_new_leader").exists()
    assert _actions(pride)[-2:] == ["leadership_requested", "leadership_accepted"]

    # Naming themself again does not turn the wait into a grant either.
    again = hr.client.post(
        f"{GROUP}/{pride.pk}/leaders", {"email": hr.email}, content_type="application/json"
    )
    assert again.status_code == 422
    assert LeadershipRequest.objects.get(pk=asked.pk).status == "awaiting_leaders"
    _assert_hr_sees_no_member(hr.client, pride)

    # The next import brings the leader back: the request waits for them, and they decline.
    _import(everyone, hr_user)
    pride.leader.refresh_from_db()
    assert pride.leader.is_active
    _assert_hr_sees_no_member(hr.client, pride)
    leader = client_for(pride.leader)
    manage = leader.get(f"/communities/c/{pride.slug}/manage/").content.decode()
    assert "Jasmine Garcia" in manage
    leader.post(f"/communities/c/{pride.slug}/manage/leadership/{asked.pk}/decline/")
    assert LeadershipRequest.objects.get(pk=asked.pk).status == "declined"
    assert not Membership.objects.filter(community=pride, person=hr).exists()
    _assert_hr_sees_no_member(hr.client, pride)


def test_a_group_whose_leader_left_it_gets_one_on_acceptance(team, hr):
    """Only a group with no leader membership at all counts as leaderless: here its only
    leader left it (a last leader may leave only a group with nobody else in it)."""
    other = community("Quiet readers", visibility="confidential")
    leader = PersonFactory(org_unit=team)
    add(other, leader, role="leader")
    services.membership_leave(community=other, person=leader)
    assert not Membership.objects.filter(community=other).exists()
    hr.client.post(
        f"{GROUP}/{other.pk}/leaders", {"email": hr.email}, content_type="application/json"
    )
    assert Membership.objects.get(community=other, person=hr).role == "leader"


# --- 2. The audit rows never tell whether the person named already leads ----------------------


@pytest.mark.parametrize("visibility", ["members", "confidential"])
@pytest.mark.parametrize("through", ["page", "api"])
def test_naming_the_groups_own_leader_writes_the_same_audit_rows_as_naming_an_outsider(
    team, hr, visibility, through
):
    groups, named = [], []
    for i, already_leads in enumerate((True, False)):
        group = community(f"Network {i}", visibility=visibility)
        leader = PersonFactory(org_unit=team)
        add(group, leader, role="leader")
        add(group, PersonFactory(org_unit=team))
        person = leader if already_leads else PersonFactory(org_unit=team)
        groups.append(group)
        named.append((group, leader, person))

    seen = []
    for group, _leader, person in named:
        response = _name(hr, group, person.email, through)
        text = re.sub(r"[A-Za-z0-9]{64}", "csrf", response.content.decode())  # CSRF tokens
        text = text.replace(person.display_name, "X")
        seen.append((response.status_code, text.replace(group.name, "G").replace(group.slug, "g")))
        offer = LeadershipRequest.objects.get(community=group, person=person)
        answer = client_for(person).post(f"/api/v1/communities/leadership-offers/{offer.pk}/accept")
        assert answer.json()["status"] == "awaiting_leaders"
    assert seen[0] == seen[1]
    assert _hr_readable_audit(groups[0]) == _hr_readable_audit(groups[1])
    assert [a for a, *_ in _hr_readable_audit(groups[0])] == [
        "leadership_requested",
        "leadership_accepted",
    ]

    # The leaders decide — the leader named approves their own request like any other.
    for group, leader, person in named:
        offer = LeadershipRequest.objects.get(community=group, person=person)
        client_for(leader).post(f"{GROUP}/{group.pk}/leadership-requests/{offer.pk}/approve")
        assert Membership.objects.get(community=group, person=person).role == "leader"
    assert _hr_readable_audit(groups[0]) == _hr_readable_audit(groups[1])
    assert [a for a, *_ in _hr_readable_audit(groups[0])][-2:] == [
        "leadership_approved",
        "leadership_granted",
    ]


# --- 3. Members-only groups need the same consent ----------------------------------------------


@pytest.fixture
def book_club(team):
    group = community("Book club", visibility="members", description="Novels, monthly.")
    leader = PersonFactory(full_name="Leonor Secretleader", org_unit=team)
    member = PersonFactory(full_name="Samuel Hiddenmember", org_unit=team)
    add(group, leader, role="leader")
    add(group, member)
    group.leader, group.member = leader, member
    return group


def _assert_hr_sees_a_count_only(client, group, count: int) -> None:
    assert client.get(f"{GROUP}/{group.pk}/members").status_code == 403
    assert client.get(f"/communities/c/{group.slug}/manage/").status_code == 403
    assert client.get(f"{GROUP}/{group.pk}").json()["member_count"] == count
    for text in (
        client.get(f"/communities/c/{group.slug}/").content.decode(),
        client.get("/audit/").content.decode(),
    ):
        assert "Secretleader" not in text and "Hiddenmember" not in text


@pytest.mark.parametrize("through", ["page", "api"])
def test_hr_naming_themself_leader_of_a_members_only_group_asks_its_leaders(book_club, hr, through):
    _name(hr, book_club, hr.email, through)
    asked = LeadershipRequest.objects.get(community=book_club, person=hr)
    assert asked.status == "awaiting_leaders"
    assert not Membership.objects.filter(community=book_club, person=hr).exists()
    _assert_hr_sees_a_count_only(hr.client, book_club, 2)
    page = hr.client.post(f"/communities/c/{book_club.slug}/manage/leadership/{asked.pk}/approve/")
    assert page.status_code == 403

    leader = client_for(book_club.leader)
    leader.post(f"{GROUP}/{book_club.pk}/leadership-requests/{asked.pk}/approve")
    names = {m["name"] for m in hr.client.get(f"{GROUP}/{book_club.pk}/members").json()}
    assert names == {"Leonor Secretleader", "Samuel Hiddenmember", "Jasmine Garcia"}


def test_a_colleague_named_leader_of_a_members_only_group_is_asked_first(book_club, hr, team):
    cora = PersonFactory(full_name="Cora Quietcolleague", org_unit=team)
    response = _name(hr, book_club, cora.email, "api")
    assert response.status_code == 202 and "asked" in response.json()["detail"]
    assert not Membership.objects.filter(community=book_club, person=cora).exists()
    group_sees = json.dumps(list(Notification.objects.exclude(person=cora).values("subject")))
    assert "Quietcolleague" not in group_sees
    offer = LeadershipRequest.objects.get(community=book_club, person=cora)
    client_for(cora).post(f"/communities/leadership/{offer.pk}/refuse/")
    assert not Membership.objects.filter(community=book_club, person=cora).exists()
    _assert_hr_sees_a_count_only(hr.client, book_club, 2)


def test_a_public_community_still_gets_the_leader_hr_names_at_once(hr, team):
    club = community("Running club", visibility="public")
    ana = PersonFactory(org_unit=team)
    assert _name(hr, club, ana.email, "api").status_code == 202
    assert Membership.objects.get(community=club, person=ana).role == "leader"
    assert not LeadershipRequest.objects.filter(community=club).exists()
