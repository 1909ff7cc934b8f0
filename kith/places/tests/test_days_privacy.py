"""Who is there: names only for the viewer's circles, the map's small-count rule for the rest,
hidden people nowhere, confidential groups only among their members, leave private."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kith.communities.models import Community, Membership
from kith.connect.models import Match, MatchMember, Round
from kith.connect.tests.factories import ProgramFactory
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events.models import Met
from kith.events.tests.builders import make_event
from kith.places.models import Leave
from kith.places.selectors import days as selectors
from kith.places.tests.days_builders import TODAY, hide, office, people, plan, weekly

pytestmark = pytest.mark.django_db
DAY = TODAY + dt.timedelta(days=2)  # a Wednesday


@pytest.fixture
def lisbon():
    return office()


@pytest.fixture
def me(team):
    return PersonFactory(full_name="Ana Viewer", org_unit=team)


def _viewer(person):
    return viewer_for_user(login_for(person))


def _there(person, where, day=DAY):
    return selectors.who_is_there_for_viewer(_viewer(person), office_id=where.pk, day=day)


def _names(there):
    return [a.name for a in there.people]


def test_teammates_are_named_and_strangers_only_counted_from_three(me, team, lisbon):
    mate = PersonFactory(full_name="Bea Mate", org_unit=team)
    plan(mate, lisbon, DAY)
    strangers = people(2, org_unit=OrgUnitFactory())
    for s in strangers:
        plan(s, lisbon, DAY)
    there = _there(me, lisbon)
    assert _names(there) == ["Bea Mate"]
    assert there.people[0].reasons == ["your team"]
    assert there.others is None  # two strangers: "fewer than 3"
    plan(PersonFactory(org_unit=OrgUnitFactory()), lisbon, DAY)
    assert _there(me, lisbon).others == 3


def test_hidden_and_former_people_are_neither_named_nor_counted(me, team, lisbon):
    hidden_mate = PersonFactory(full_name="Hidden Mate", org_unit=team)
    hide(hidden_mate)
    plan(hidden_mate, lisbon, DAY)
    former = PersonFactory(full_name="Former Mate", org_unit=team, is_active=False)
    plan(former, lisbon, DAY)
    others = people(3, org_unit=OrgUnitFactory())
    for s in others:
        plan(s, lisbon, DAY)
    hide(others[0])
    there = _there(me, lisbon)
    assert _names(there) == []
    assert there.others is None  # 2 visible strangers left


def test_leave_removes_the_day_and_a_one_off_elsewhere_wins(me, team, lisbon):
    porto = office("Porto office", city="Porto", latitude=41.15, longitude=-8.61)
    mate = PersonFactory(full_name="Bea Mate", org_unit=team)
    other = PersonFactory(full_name="Carl Mate", org_unit=team)
    weekly(mate, lisbon, DAY.isoweekday())
    weekly(other, lisbon, DAY.isoweekday())
    Leave.objects.create(person=mate, starts_on=DAY, ends_on=DAY + dt.timedelta(days=1))
    plan(other, porto, DAY)
    assert _names(_there(me, lisbon)) == []
    assert _names(_there(me, porto)) == ["Carl Mate"]
    assert _names(_there(me, lisbon, DAY + dt.timedelta(days=7))) == ["Bea Mate", "Carl Mate"]


def _community(name, visibility, *members):
    group = Community.objects.create(name=name, slug=name.lower(), visibility=visibility)
    for person in members:
        Membership.objects.create(community=group, person=person)
    return group


def test_community_members_are_named_only_to_fellow_members(me, lisbon):
    elsewhere = OrgUnitFactory()
    friend = PersonFactory(full_name="Dee Friend", org_unit=elsewhere)
    outsider = PersonFactory(full_name="Eve Outsider", org_unit=OrgUnitFactory())
    _community("Rainbow", Community.Visibility.CONFIDENTIAL, me, friend)
    _community("Chess", Community.Visibility.PUBLIC, friend)  # the viewer is not in it
    plan(friend, lisbon, DAY)
    there = _there(me, lisbon)
    assert _names(there) == ["Dee Friend"]
    assert there.people[0].reasons == ["Rainbow"]  # never "Chess": the viewer is not a member
    # Someone outside the confidential group never learns who of its members is there.
    there = _there(outsider, lisbon)
    assert _names(there) == [] and there.others is None


def test_pending_membership_is_not_membership(me, lisbon):
    friend = PersonFactory(full_name="Dee Friend", org_unit=OrgUnitFactory())
    group = _community("Rainbow", Community.Visibility.CONFIDENTIAL, friend)
    Membership.objects.create(community=group, person=me, status=Membership.Status.PENDING)
    plan(friend, lisbon, DAY)
    assert _names(_there(me, lisbon)) == []


def _match(a, b, *, a_met):
    program = ProgramFactory()
    rnd = Round.objects.create(program=program, scheduled_for=TODAY, ran_at=timezone.now())
    match = Match.objects.create(round=rnd, program=program, explanation="x")
    MatchMember.objects.create(match=match, person=a, met=a_met)
    MatchMember.objects.create(match=match, person=b, met="")


def test_people_i_said_i_met_are_named_not_those_who_said_they_met_me(me, lisbon):
    unit = OrgUnitFactory()
    coffee = PersonFactory(full_name="Fay Coffee", org_unit=unit)
    no_show = PersonFactory(full_name="Gus NoShow", org_unit=unit)
    at_event = PersonFactory(full_name="Hal Event", org_unit=unit)
    claims_me = PersonFactory(full_name="Ivy Claims", org_unit=unit)
    _match(me, coffee, a_met="yes")
    _match(me, no_show, a_met="no")
    event = make_event()
    Met.objects.create(event=event, person=me, other=at_event)
    Met.objects.create(event=event, person=claims_me, other=me)  # private to Ivy
    for p in (coffee, no_show, at_event, claims_me):
        plan(p, lisbon, DAY)
    there = _there(me, lisbon)
    assert _names(there) == ["Fay Coffee", "Hal Event"]
    assert {tuple(a.reasons) for a in there.people} == {("you met",)}
    assert there.others is None  # Gus and Ivy: two others


def test_my_days_use_the_same_rule_as_the_office_view(me, team, lisbon):
    mate = PersonFactory(full_name="Bea Mate", org_unit=team)
    plan(mate, lisbon, DAY)
    plan(me, lisbon, DAY)
    for s in people(3, org_unit=OrgUnitFactory()):
        plan(s, lisbon, DAY)
    page = selectors.my_office_days_for_viewer(_viewer(me), today=TODAY)
    assert len(page.days) == selectors.DAYS_SHOWN
    planned = [d for d in page.days if d.plan]
    assert [d.day for d in planned] == [DAY]
    assert planned[0].there == _there(me, lisbon)
    assert planned[0].there.viewer_there and planned[0].there.others == 3


def test_my_page_asks_the_same_number_of_queries_however_many_days(
    me, team, lisbon, django_assert_max_num_queries
):
    for i in range(20):
        plan(me, lisbon, TODAY + dt.timedelta(days=i))
        plan(PersonFactory(org_unit=team), lisbon, TODAY + dt.timedelta(days=i))
    viewer = _viewer(me)
    with django_assert_max_num_queries(25):
        page = selectors.my_office_days_for_viewer(viewer, today=TODAY)
    assert sum(1 for d in page.days if d.there and d.there.people) == 20
