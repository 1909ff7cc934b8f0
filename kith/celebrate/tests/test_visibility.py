"""Who reads which kudos, on every feed: public, our teams, only us — and community feeds,
which exist only for people who may see the community's members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from kith.celebrate import selectors, services
from kith.celebrate.models import Kudos, Milestone
from kith.celebrate.tests.helpers import viewer_of
from kith.communities.models import Community, Membership
from kith.core.permissions import can_read_kudos
from kith.directory.models import Person
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory


@dataclass
class World:
    employee: Person
    manager: Person
    designer: Person
    seller: Person
    hr: Person
    public: Kudos
    team: Kudos
    private: Kudos


def _saved(made: object) -> Person:
    """The factory's person, typed as one (factory_boy is untyped)."""
    assert isinstance(made, Person)
    return made


@pytest.fixture
def world(employee, manager, hr_person) -> World:
    designer = _saved(
        PersonFactory(full_name="Dana Design", org_unit=OrgUnitFactory(name="Design"))
    )
    seller = _saved(PersonFactory(full_name="Sam Sales", org_unit=OrgUnitFactory(name="Sales")))
    public = services.kudos_give(sender=designer, recipients=[seller], message="Public thanks")
    team = services.kudos_give(
        sender=employee, recipients=[designer], message="Team thanks", visibility="team"
    )
    private = services.kudos_give(
        sender=seller, recipients=[designer], message="Private thanks", visibility="private"
    )
    return World(employee, manager, designer, seller, hr_person, public, team, private)


def _visible(person: Person, *, hr: bool = False) -> set[str]:
    viewer = viewer_of(person, hr=hr)
    return set(selectors.visible_kudos(viewer).values_list("message", flat=True))


def _feed(person: Person, scope: selectors.Scope, *, hr: bool = False) -> list[str]:
    page = selectors.feed_page_for_viewer(viewer_of(person, hr=hr), scope)
    return [item.kudos.kudos.message for item in page.object_list if item.kudos]


def test_each_viewer_reads_exactly_what_the_visibility_allows(world):
    assert _visible(world.employee) == {"Public thanks", "Team thanks"}  # sender
    assert _visible(world.manager) == {"Public thanks", "Team thanks"}  # the sender's team
    assert _visible(world.designer) == {"Public thanks", "Team thanks", "Private thanks"}
    assert _visible(world.seller) == {"Public thanks", "Private thanks"}  # not their team
    assert _visible(world.hr, hr=True) == {"Public thanks"}  # no HR exception


def test_the_in_memory_rule_agrees_with_the_query(world):
    for person, hr in [
        (world.employee, False),
        (world.manager, False),
        (world.designer, False),
        (world.seller, False),
        (world.hr, True),
    ]:
        viewer = viewer_of(person, hr=hr)
        visible = set(selectors.visible_kudos(viewer).values_list("pk", flat=True))
        for kudos in (world.public, world.team, world.private):
            allowed = can_read_kudos(
                viewer,
                visibility=kudos.visibility,
                sender_id=kudos.sender_id,
                recipient_ids=set(kudos.recipients.values_list("pk", flat=True)),
                audience_unit_ids=set(kudos.audience_units.values_list("pk", flat=True)),
            )
            assert allowed == (kudos.pk in visible), (person.full_name, kudos.visibility)


def test_team_audience_is_fixed_when_given_and_follows_the_viewers_current_team(world):
    newcomer = PersonFactory(org_unit=OrgUnitFactory(name="Finance"))
    assert "Team thanks" not in _visible(newcomer)
    newcomer.org_unit = world.designer.org_unit  # moves into Design, one of its teams
    newcomer.save()
    assert "Team thanks" in _visible(newcomer)
    world.designer.org_unit = OrgUnitFactory(name="Research")  # a recipient moving on
    world.designer.save()
    assert "Team thanks" not in _visible(PersonFactory(org_unit=world.designer.org_unit))


def test_org_feed_is_newest_first_and_respects_visibility(world):
    assert _feed(world.seller, selectors.ORGANISATION) == ["Private thanks", "Public thanks"]
    assert _feed(world.manager, selectors.ORGANISATION) == ["Team thanks", "Public thanks"]


def test_team_feed_holds_the_subtree_and_still_respects_visibility(world, team):
    engineering = team.parent
    scope = selectors.team_scope_for_viewer(viewer_of(world.seller), engineering.pk)
    assert scope is not None
    assert _feed(world.seller, scope) == []  # the only Engineering kudos is for "our teams"
    assert _feed(world.manager, scope) == ["Team thanks"]
    sales = selectors.team_scope_for_viewer(viewer_of(world.seller), world.seller.org_unit_id)
    assert _feed(world.designer, sales) == ["Private thanks", "Public thanks"]
    assert _feed(world.employee, sales) == ["Public thanks"]
    assert selectors.team_scope_for_viewer(viewer_of(world.seller), 999_999) is None


def test_kudos_of_someone_who_left_leave_the_feeds_but_not_the_recipients_own_view(world):
    world.seller.is_active = False
    world.seller.save()
    assert _feed(world.employee, selectors.ORGANISATION) == ["Team thanks"]
    assert selectors.kudos_for_viewer(viewer_of(world.employee), world.public.pk) is None
    mine = selectors.kudos_for_viewer(viewer_of(world.designer), world.private.pk)
    assert mine is not None and mine.sender == world.seller


def test_kudos_detail_follows_the_same_rule(world):
    assert selectors.kudos_for_viewer(viewer_of(world.employee), world.private.pk) is None
    assert selectors.kudos_for_viewer(viewer_of(world.seller), world.private.pk) is not None
    assert selectors.kudos_for_viewer(viewer_of(world.hr, hr=True), world.team.pk) is None


def _community(visibility: str, *members: Person) -> Community:
    community = Community.objects.create(
        name=f"Group {visibility}", slug=f"group-{visibility}", visibility=visibility
    )
    for person in members:
        Membership.objects.create(community=community, person=person)
    return community


def test_a_confidential_community_feed_exists_only_for_its_members(world, client):
    group = _community("confidential", world.designer)
    Membership.objects.create(
        community=group, person=world.manager, status=Membership.Status.PENDING
    )
    for outsider, hr in [(world.seller, False), (world.manager, False), (world.hr, True)]:
        assert selectors.community_scope_for_viewer(viewer_of(outsider, hr=hr), group.pk) is None
    scope = selectors.community_scope_for_viewer(viewer_of(world.designer), group.pk)
    assert scope is not None
    assert _feed(world.designer, scope) == ["Private thanks", "Team thanks", "Public thanks"]


def test_community_pages_and_api_answer_a_non_member_like_a_missing_community(world, client):
    from kith.directory.tests.factories import login_for

    group = _community("confidential", world.designer)
    client.force_login(login_for(world.seller))
    page = client.get(f"/celebrate/community/{group.pk}/")
    missing = client.get("/celebrate/community/987654/")
    assert page.status_code == missing.status_code == 404
    api = client.get(f"/api/v1/celebrate/communities/{group.pk}/feed")
    api_missing = client.get("/api/v1/celebrate/communities/987654/feed")
    assert api.status_code == api_missing.status_code == 404
    assert api.json() == api_missing.json()
    assert "Dana" not in page.content.decode()


def test_members_only_and_public_community_feeds(world):
    members_only = _community("members", world.seller)
    assert selectors.community_scope_for_viewer(viewer_of(world.employee), members_only.pk) is None
    public = _community("public", world.seller)
    scope = selectors.community_scope_for_viewer(viewer_of(world.employee), public.pk)
    assert scope is not None
    assert _feed(world.employee, scope) == ["Public thanks"]  # Sam's, as the employee sees it


def test_milestones_show_in_the_feeds_of_the_persons_teams(world, team):
    today = dt.date(2026, 3, 14)
    services.milestones_generate(on=today)  # factories start everyone on 14 March 2022
    assert Milestone.objects.filter(date=today, kind="anniversary", years=4).count() == 5
    scope = selectors.team_scope_for_viewer(viewer_of(world.seller), team.pk)
    milestones = selectors.milestones_in_scope(viewer_of(world.seller), scope, today=today)
    assert set(milestones.values_list("person_id", flat=True)) == {
        world.employee.pk,
        world.manager.pk,
    }
