from __future__ import annotations

import pytest
from django.test import Client

from kith.communities.models import Community, Membership
from kith.directory.tests.factories import PersonFactory, login_for


def client_for(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def community(name: str, *, visibility: str = "public", **fields) -> Community:
    from django.utils.text import slugify

    return Community.objects.create(
        name=name,
        slug=slugify(name),
        visibility=visibility,
        **{"requires_approval": visibility == "confidential", **fields},
    )


def add(community: Community, person, *, role: str = "member", status: str = "active"):
    return Membership.objects.create(community=community, person=person, role=role, status=status)


@pytest.fixture
def pride(db, team):
    """A confidential group with a leader and a member whose names must never leak."""
    group = community(
        "Pride network", visibility="confidential", description="LGBTQ+ network and allies."
    )
    leader = PersonFactory(full_name="Leonor Secretleader", org_unit=team)
    member = PersonFactory(full_name="Samuel Hiddenmember", org_unit=team)
    add(group, leader, role="leader")
    add(group, member)
    group.leader, group.member = leader, member
    return group
