from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kith.communities import selectors, services
from kith.communities.models import Announcement, Community, LeadershipRequest, Membership
from kith.core.permissions import viewer_for_user
from kith.directory.services import person_update_profile
from kith.directory.tests.factories import PersonFactory, login_for
from kith.notify.models import Notification

from .conftest import add, client_for, community


def test_joining_an_open_club_is_immediate_and_leaving_works(employee_client, employee):
    club = community("Choir")
    employee_client.post(f"/communities/c/{club.slug}/join/")
    assert Membership.objects.get(community=club, person=employee).status == "active"
    employee_client.post(f"/communities/c/{club.slug}/leave/")
    assert not Membership.objects.filter(community=club).exists()


def test_a_confidential_request_waits_for_a_leader_who_is_told(pride, team):
    asker = PersonFactory(full_name="Ana Asker", org_unit=team)
    client = client_for(asker)
    client.post(f"/communities/c/{pride.slug}/join/")
    request = Membership.objects.get(community=pride, person=asker)
    assert request.status == "pending"
    told = Notification.objects.get(person=pride.leader, kind="community_request")
    assert "Ana Asker" in told.subject
    # Nobody but the leaders was told.
    assert not Notification.objects.filter(person=pride.member).exists()

    # A plain member cannot approve; the leader can, and the asker hears of it.
    member_client = client_for(pride.member)
    response = member_client.post(f"/communities/c/{pride.slug}/manage/{request.pk}/approve/")
    assert response.status_code == 403
    leader_client = client_for(pride.leader)
    manage = leader_client.get(f"/communities/c/{pride.slug}/manage/").content.decode()
    assert "Ana Asker" in manage
    leader_client.post(f"/communities/c/{pride.slug}/manage/{request.pk}/approve/")
    request.refresh_from_db()
    assert request.status == "active"
    assert Notification.objects.filter(person=asker, kind="community_welcome").exists()
    page = client.get(f"/communities/c/{pride.slug}/").content.decode()
    assert "Samuel Hiddenmember" in page


def test_a_declined_request_is_gone_and_the_asker_is_told(pride, team):
    asker = PersonFactory(org_unit=team)
    request = services.membership_request(community=pride, person=asker)
    services.membership_decline(membership=request, by=pride.leader)
    assert not Membership.objects.filter(pk=request.pk).exists()
    assert Notification.objects.filter(person=asker, kind="community_declined").exists()


def test_requires_approval_applies_to_any_visibility(team, employee):
    club = community("Secret supper", requires_approval=True)
    assert services.membership_request(community=club, person=employee).status == "pending"


def test_joining_twice_and_leaving_when_not_in_say_why(employee_client, employee):
    club = community("Choir")
    services.membership_request(community=club, person=employee)
    with pytest.raises(ValidationError, match="already a member"):
        services.membership_request(community=club, person=employee)
    response = employee_client.post(f"/api/v1/communities/groups/{club.pk}/join")
    assert response.status_code == 400 and "already a member" in response.json()["detail"]
    services.membership_leave(community=club, person=employee)
    response = employee_client.post(f"/api/v1/communities/groups/{club.pk}/leave")
    assert response.status_code == 400 and "not in this community" in response.json()["detail"]


def test_the_only_leader_hands_over_before_leaving(pride):
    with pytest.raises(ValidationError, match="only leader"):
        services.membership_leave(community=pride, person=pride.leader)
    membership = Membership.objects.get(community=pride, person=pride.member)
    services.membership_set_role(membership=membership, role="leader", by=pride.leader)
    services.membership_leave(community=pride, person=pride.leader)
    assert selectors.led_by(pride.member).get() == pride


def test_announcements_are_listed_and_notify_every_other_member(pride, team):
    outsider = PersonFactory(org_unit=team)
    client = client_for(pride.leader)
    response = client.post(
        f"/communities/c/{pride.slug}/manage/", {"title": "Social", "body": "Friday at six."}
    )
    assert response.status_code == 302
    assert Announcement.objects.get().title == "Social"
    notified = set(
        Notification.objects.filter(kind="community_announcement").values_list(
            "person_id", flat=True
        )
    )
    assert notified == {pride.member.pk}
    assert outsider.pk not in notified
    # The same post again (a second click, the browser resending): posted and sent once.
    again = client.post(
        f"/communities/c/{pride.slug}/manage/", {"title": "Social", "body": "Friday at six."}
    )
    assert again.status_code == 302 and Announcement.objects.count() == 1
    assert Notification.objects.filter(kind="community_announcement").count() == 1
    page = client.get(f"/communities/c/{pride.slug}/manage/").content.decode()
    assert "Yes, post and notify members" in page and "cannot be taken back" in page
    assert (
        "Friday at six."
        in client_for(pride.member).get(f"/communities/c/{pride.slug}/").content.decode()
    )


def test_announcement_form_and_api_name_what_is_wrong(pride):
    client = client_for(pride.leader)
    page = client.post(f"/communities/c/{pride.slug}/manage/", {"title": "", "body": "x"})
    assert "This field is required." in page.content.decode()
    assert not Announcement.objects.exists()
    response = client.post(
        f"/api/v1/communities/groups/{pride.pk}/announcements",
        {"title": "Hi", "body": ""},
        content_type="application/json",
    )
    assert response.status_code == 422
    member = client_for(pride.member)
    response = member.post(
        f"/api/v1/communities/groups/{pride.pk}/announcements",
        {"title": "Hi", "body": "there"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_suggestions_come_from_my_interests_and_city_and_skip_mine(employee, team):
    person_update_profile(person=employee, changes={}, interests=["Running"], skills=[])
    running = community("Running club")
    running.interests.set(employee.tags.all())
    local = community("Lisbon lunch walkers", city="Lisbon", country="PT")
    community("Porto chess", city="Porto", country="PT")
    joined = community("Joined already", city="Lisbon", country="PT")
    add(joined, employee)
    cards = selectors.suggestions_for_viewer(viewer_for_user(login_for(employee)))
    assert [c.community.name for c in cards] == ["Lisbon lunch walkers", "Running club"]
    assert cards[1].reasons == ["You are into Running"]
    assert "your city" in cards[0].reasons[0]
    assert local.pk != running.pk


def test_search_finds_by_name_description_and_interest(employee_client, employee):
    person_update_profile(person=employee, changes={}, interests=["Jazz"], skills=[])
    band = community("Band", description="We rehearse on Tuesdays")
    band.interests.set(employee.tags.all())
    community("Choir")
    for q in ("band", "tuesdays", "jazz"):
        names = [c["name"] for c in employee_client.get(f"/api/v1/communities/groups?q={q}").json()]
        assert names == ["Band"], q
    page = employee_client.get("/communities/?q=zzz").content.decode()
    assert "No community matches" in page


def test_hr_creates_a_community_with_a_first_leader(hr_client, employee):
    response = hr_client.post(
        "/communities/new/",
        {
            "name": "Parents",
            "kind": "belonging",
            "description": "Tips and support.",
            "visibility": "confidential",
            "interests": "Parenting, Family",
            "leader_email": employee.email,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    created = Community.objects.get(name="Parents")
    assert created.requires_approval  # always for a confidential group
    assert {t.name for t in created.interests.all()} == {"Parenting", "Family"}
    # A confidential group's first leader is asked, and leads once they accept.
    assert not selectors.led_by(employee).exists()
    offer = LeadershipRequest.objects.get(community=created, person=employee)
    client_for(employee).post(f"/communities/leadership/{offer.pk}/accept/")
    assert selectors.led_by(employee).get() == created


def test_hr_names_the_leader_of_an_open_community_directly(hr_client, employee):
    response = hr_client.post(
        "/communities/new/",
        {
            "name": "Runners",
            "kind": "club",
            "visibility": "public",
            "leader_email": employee.email,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert selectors.led_by(employee).get().name == "Runners"
    assert not LeadershipRequest.objects.exists()


def test_hr_form_and_api_name_what_is_wrong(hr_client, employee_client):
    page = hr_client.post(
        "/communities/new/",
        {
            "name": "X",
            "kind": "club",
            "visibility": "public",
            "leader_email": "nobody@x.org",
            "country": "Portugal",
        },
    ).content.decode()
    assert "No active colleague has the email nobody@x.org" in page
    assert "two-letter country code" in page
    assert not Community.objects.exists()
    response = hr_client.post(
        "/api/v1/communities/groups",
        {"name": "X", "leader_email": "nobody@x.org"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "leader_email"
    assert employee_client.get("/communities/new/").status_code == 403
    response = employee_client.post(
        "/api/v1/communities/groups",
        {"name": "X", "leader_email": "a@b.c"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_group_with_members_can_only_become_more_private(pride, hr_person):
    hr_user = login_for(hr_person, hr=True)
    with pytest.raises(ValidationError, match="more private"):
        services.community_save(
            community=pride,
            fields={"visibility": "public"},
            interests=[],
            new_leader=None,
            actor=hr_user,
        )
    pride.refresh_from_db()
    assert pride.visibility == "confidential"
    open_club = community("Open club")
    add(open_club, pride.member)
    services.community_save(
        community=open_club,
        fields={"visibility": "members"},
        interests=[],
        new_leader=None,
        actor=hr_user,
    )


def test_the_four_shared_selectors(pride, team, employee):
    assert selectors.is_member(pride.member, pride)
    assert not selectors.is_member(employee, pride)
    outsider = viewer_for_user(login_for(employee))
    assert pride in selectors.communities_visible_to(outsider)
    assert not selectors.can_see_members(outsider, pride)
    assert list(selectors.led_by(pride.leader)) == [pride]
    assert not selectors.led_by(pride.member).exists()
    pride.is_active = False
    pride.save()
    assert pride not in selectors.communities_visible_to(outsider)
