"""A confidential group's membership leaks through no page, count, search, suggestion, API
response, profile list, export or audit row: checked as a non-member, a member and HR."""

from __future__ import annotations

import json

import pytest

from kith.communities import selectors, services
from kith.communities.models import Membership
from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.services import person_update_profile
from kith.directory.tests.factories import PersonFactory, login_for

from .conftest import add, client_for

SECRET_NAMES = ("Secretleader", "Hiddenmember")


def _no_secrets(text: str) -> None:
    for name in SECRET_NAMES:
        assert name not in text


def _pages(client, pride) -> dict[str, str]:
    urls = {
        "home": "/communities/",
        "search": "/communities/?q=LGBTQ",
        "search by interest": "/communities/?q=pride",
        "page": f"/communities/c/{pride.slug}/",
        "ambassador": "/communities/ambassador/",
    }
    pages = {}
    for label, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, label
        pages[label] = response.content.decode()
    return pages


def _api(client, pride) -> dict[str, tuple[int, str]]:
    paths = {
        "list": "/api/v1/communities/groups",
        "search": "/api/v1/communities/groups?q=network",
        "one": f"/api/v1/communities/groups/{pride.pk}",
        "members": f"/api/v1/communities/groups/{pride.pk}/members",
        "announcements": f"/api/v1/communities/groups/{pride.pk}/announcements",
        "mine": "/api/v1/communities/memberships",
        "suggestions": "/api/v1/communities/suggestions",
    }
    return {
        k: (r.status_code, r.content.decode())
        for k, r in ((k, client.get(p)) for k, p in paths.items())
    }


@pytest.fixture
def announced(pride):
    services.announcement_post(
        community=pride, author=pride.leader, title="Secret social", body="Roof terrace at six."
    )
    return pride


@pytest.mark.parametrize("hr", [False, True], ids=["colleague", "hr-admin"])
def test_a_non_member_sees_the_group_exists_but_nothing_of_its_membership(announced, team, hr):
    outsider = PersonFactory(full_name="Olga Outsider", org_unit=team, city="Lisbon")
    person_update_profile(person=outsider, changes={}, interests=["Pride"], skills=[])
    announced.interests.set(outsider.tags.all())
    client = client_for(outsider, hr=hr)

    pages = _pages(client, announced)
    for label, html in pages.items():
        _no_secrets(html)
        assert "Secret social" not in html, label
    assert "Pride network" in pages["search"]  # people must be able to find it
    assert "Pride network" in pages["home"]  # and it is suggested from the interest
    assert "2 members" not in pages["home"] and "members</span>" not in pages["search"]
    assert "only its members see who is in it, or how many" in pages["page"]

    answers = _api(client, announced)
    for label, (status, body) in answers.items():
        assert status in (200, 403), label
        _no_secrets(body)
        assert "Secret social" not in body, label
    listed = [c for c in json.loads(answers["list"][1]) if c["name"] == "Pride network"]
    assert listed and listed[0]["member_count"] is None and not listed[0]["members_visible"]
    assert json.loads(answers["one"][1])["member_count"] is None
    assert answers["members"][0] == 403
    assert answers["announcements"][0] == 403
    suggested = json.loads(answers["suggestions"][1])
    assert [s["member_count"] for s in suggested if s["name"] == "Pride network"] == [None]

    # The HR edit page shows the group's settings, never its people.
    if hr:
        edit = client.get(f"/communities/c/{announced.slug}/edit/").content.decode()
        _no_secrets(edit)


def test_a_member_sees_the_members_count_and_announcements(announced):
    client = client_for(announced.member)
    page = client.get(f"/communities/c/{announced.slug}/").content.decode()
    assert "Leonor Secretleader" in page and "Samuel Hiddenmember" in page
    assert "Secret social" in page and "(2)" in page
    members = client.get(f"/api/v1/communities/groups/{announced.pk}/members").json()
    assert {m["name"] for m in members} == {"Leonor Secretleader", "Samuel Hiddenmember"}
    one = client.get(f"/api/v1/communities/groups/{announced.pk}").json()
    assert one["member_count"] == 2 and one["my_status"] == "active"


def test_a_pending_request_is_not_membership(pride, team):
    asker = PersonFactory(full_name="Paula Asking", org_unit=team)
    services.membership_request(community=pride, person=asker)
    client = client_for(asker)
    page = client.get(f"/communities/c/{pride.slug}/").content.decode()
    _no_secrets(page)
    assert "Request sent" in page
    assert client.get(f"/api/v1/communities/groups/{pride.pk}/members").status_code == 403
    # Other non-members do not learn someone asked either.
    other = client_for(PersonFactory(org_unit=team))
    assert "Paula Asking" not in other.get(f"/communities/c/{pride.slug}/").content.decode()


def test_an_hr_admin_gets_no_exception_but_one_who_is_a_member_sees_like_a_member(pride, team):
    hr = PersonFactory(full_name="Hana Hr", org_unit=team)
    user = login_for(hr, hr=True)
    viewer = viewer_for_user(user)
    assert not selectors.can_see_members(viewer, pride)
    add(pride, hr)
    assert selectors.can_see_members(viewer_for_user(user), pride)


def test_profiles_list_only_memberships_the_viewer_may_see(pride, team, employee):
    book = pride.__class__.objects.create(name="Book club", slug="book-club")
    add(book, pride.member)
    outsider = viewer_for_user(login_for(employee))
    shown = selectors.communities_of_person_for_viewer(outsider, pride.member)
    assert [m.community.name for m in shown] == ["Book club"]
    fellow = viewer_for_user(login_for(pride.leader))
    shown = selectors.communities_of_person_for_viewer(fellow, pride.member)
    assert [m.community.name for m in shown] == ["Book club", "Pride network"]


def test_my_export_lists_my_memberships_and_nobody_elses(pride):
    data = selectors.my_communities_data(pride.member)
    assert [m["community"] for m in data["memberships"]] == ["Pride network"]
    dumped = json.dumps(data, default=str)
    assert "Secretleader" not in dumped


def test_membership_changes_are_never_in_the_audit_log(pride, team):
    asker = PersonFactory(org_unit=team)
    request = services.membership_request(community=pride, person=asker)
    services.membership_approve(membership=request, by=pride.leader)
    services.membership_leave(community=pride, person=asker)
    assert not AuditEvent.objects.filter(action__startswith="communities.membership").exists()
    assert not AuditEvent.objects.filter(target=f"person:{asker.pk}").exists()


def test_the_directory_order_never_depends_on_size(pride, team, employee):
    from .conftest import community

    big = community("Aardvark fans")
    for _ in range(4):
        add(big, PersonFactory(org_unit=team))
    cards = selectors.communities_for_viewer(viewer_for_user(login_for(employee)))
    assert [c.community.name for c in cards] == ["Aardvark fans", "Pride network"]


def test_members_only_groups_show_the_count_but_not_the_names(team, employee):
    from .conftest import community

    parents = community("Working parents", visibility="members")
    add(parents, PersonFactory(full_name="Petra Parent", org_unit=team), role="leader")
    client = client_for(employee)
    page = client.get(f"/communities/c/{parents.slug}/").content.decode()
    assert "Petra Parent" not in page and "<strong>1</strong> member" in page
    assert client.get(f"/api/v1/communities/groups/{parents.pk}").json()["member_count"] == 1
    assert client.get(f"/api/v1/communities/groups/{parents.pk}/members").status_code == 403
    assert Membership.objects.count() == 1
