from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kith.directory import selectors, services
from kith.directory.engine.text import fold, search_text_for, slugify_tag
from kith.directory.models import OrgUnit, Tag
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_orgunit_paths_and_subtree():
    root = services.orgunit_create(name="Engineering", kind=OrgUnit.Kind.DEPARTMENT)
    area = services.orgunit_create(name="Core", parent=root)
    team = services.orgunit_create(name="Platform", parent=area)
    other = services.orgunit_create(name="Sales", kind=OrgUnit.Kind.DEPARTMENT)
    assert team.path == f"{root.pk}.{area.pk}.{team.pk}."
    assert (root.depth, area.depth, team.depth) == (0, 1, 2)
    assert [u.name for u in selectors.subtree_units(root)] == ["Engineering", "Core", "Platform"]
    assert [u.name for u in selectors.unit_ancestors(team)] == ["Engineering", "Core"]
    assert other not in selectors.subtree_units(root)


def test_orgunit_move_rewrites_subtree():
    root = services.orgunit_create(name="Engineering", kind=OrgUnit.Kind.DEPARTMENT)
    area = services.orgunit_create(name="Core", parent=root)
    team = services.orgunit_create(name="Platform", parent=area)
    sales = services.orgunit_create(name="Sales", kind=OrgUnit.Kind.DEPARTMENT)
    services.orgunit_move(unit=area, new_parent=sales)
    team.refresh_from_db()
    assert team.path == f"{sales.pk}.{area.pk}.{team.pk}." and team.depth == 2
    with pytest.raises(ValidationError):
        services.orgunit_move(unit=sales, new_parent=team)


def test_subtree_queries_do_not_grow_with_depth(django_assert_num_queries):
    parent = OrgUnitFactory(name="Root", kind="department")
    for depth in range(12):
        parent = OrgUnitFactory(name=f"Level {depth}", parent=parent)
    with django_assert_num_queries(1):
        ancestors = selectors.unit_ancestors(parent)
    assert len(ancestors) == 12


def test_profile_update_only_owned_fields(employee):
    with pytest.raises(ValidationError) as info:
        services.person_update_profile(person=employee, changes={"title": "CEO"})
    assert "title" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.person_update_profile(
            person=employee, changes={"work_start": dt.time(18), "work_end": dt.time(9)}
        )
    with pytest.raises(ValidationError):
        services.person_update_profile(person=employee, changes={"work_days": [0, 8]})


def test_tags_are_deduplicated_by_slug(employee):
    services.person_update_profile(
        person=employee, changes={}, interests=["Board games", "board  games", "Jazz"]
    )
    assert sorted(t.name for t in employee.tags.all()) == ["Board games", "Jazz"]
    other = PersonFactory()
    services.person_update_profile(person=other, changes={}, interests=["BOARD GAMES"])
    assert Tag.objects.filter(kind="interest").count() == 2


def test_text_folding():
    assert fold("  José   NÚÑEZ ") == "jose nunez"
    assert slugify_tag("Science fiction!") == "science-fiction"
    assert (
        search_text_for("Ana Lima", "Ani Lima", "Senior Engineer")
        == "ana lima | ani lima | senior engineer"
    )


def test_profile_save_never_writes_back_hr_fields_from_a_stale_copy(employee):
    from kith.directory.models import Person

    stale = Person.objects.get(pk=employee.pk)  # the page loaded this
    Person.objects.filter(pk=employee.pk).update(is_active=False, title="Principal Engineer")
    services.person_update_profile(person=stale, changes={"bio": "Hello"}, interests=["Chess"])
    fresh = Person.objects.get(pk=employee.pk)
    assert (fresh.is_active, fresh.title, fresh.bio) == (False, "Principal Engineer", "Hello")
    assert "chess" in fresh.search_text and "principal engineer" in fresh.search_text
