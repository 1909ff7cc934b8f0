"""Every read of the directory that a page or the API returns, already authorised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from kith.core.permissions import (
    Viewer,
    can_browse_directory,
    can_see_former_colleagues,
    can_view_person,
)
from kith.directory.engine.text import fold, slugify_tag
from kith.directory.models import OrgUnit, Person, Tag
from kith.directory.schemas import profile_dict


def person_for_user(user: object) -> Person | None:
    """The directory entry behind a login. Emails are stored lower-case, so this is an exact
    match on the unique index (an iexact lookup would scan the table on every request)."""
    email = (getattr(user, "email", "") or "").strip().lower()
    if not email:
        return None
    return Person.objects.select_related("org_unit", "manager").filter(email=email).first()


def directory_entry_for_viewer(viewer: Viewer) -> dict[str, object]:
    """The viewer's own entry, private fields included, for their export."""
    person = viewer.person
    assert person is not None  # the export asks only when a person is behind the login
    entry = profile_dict(person, private=True)
    entry["coordinates_of_city"] = {"latitude": person.latitude, "longitude": person.longitude}
    return entry


def visible_people(viewer: Viewer) -> QuerySet[Person]:
    """Everyone this viewer may see (the query form of permissions.can_view_person)."""
    if can_see_former_colleagues(viewer):
        return Person.objects.all()
    if not can_browse_directory(viewer):
        return Person.objects.none()
    return Person.objects.filter(is_active=True)


def _clean(text: str, limit: int) -> str:
    # A NUL character cannot reach PostgreSQL; nobody types one on purpose.
    return (text or "").replace("\x00", "")[:limit].strip()


@dataclass(frozen=True)
class DirectoryQuery:
    text: str = ""
    team: int | None = None  # an org unit id: the unit and everything below it
    skill: str = ""
    interest: str = ""
    city: str = ""

    @classmethod
    def build(
        cls,
        *,
        text: str = "",
        team: int | None = None,
        skill: str = "",
        interest: str = "",
        city: str = "",
    ) -> DirectoryQuery:
        """The one place search input is cleaned, for the page and the API alike."""
        return cls(
            text=_clean(text, 200),
            team=team,
            skill=_clean(skill, 80),
            interest=_clean(interest, 80),
            city=_clean(city, 200),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.team or self.skill or self.interest or self.city)


def search_people_for_viewer(viewer: Viewer, query: DirectoryQuery) -> QuerySet[Person]:
    people = visible_people(viewer)
    if query.text:
        for word in fold(query.text).split():
            people = people.filter(Q(search_text__contains=word) | Q(email__istartswith=word))
    if query.team:
        unit = OrgUnit.objects.filter(pk=query.team).only("path").first()
        if unit is None:
            return people.none()
        people = people.filter(org_unit__path__startswith=unit.path)
    for kind, value in ((Tag.Kind.SKILL, query.skill), (Tag.Kind.INTEREST, query.interest)):
        if value:
            people = people.filter(
                pk__in=Tag.people.through.objects.filter(
                    tag__kind=kind, tag__slug=slugify_tag(value)
                ).values("person_id")
            )
    if query.city:
        people = people.filter(city__iexact=query.city.strip())
    return people.select_related("org_unit").order_by("full_name", "id")


def directory_page_for_viewer(
    viewer: Viewer, query: DirectoryQuery, page_number: int | str, per_page: int
) -> Page[Person]:
    people = search_people_for_viewer(viewer, query)
    # Page over ids first (an index-only scan even deep into the list), then load only
    # the rows of that page: a late row lookup keeps page 4,000 as fast as page 1.
    paginator = Paginator(people.values_list("id", flat=True), per_page)
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    by_id = people.in_bulk(ids)
    rows = [by_id[i] for i in ids if i in by_id]
    _prefetch_tags(rows)
    page.object_list = rows  # type: ignore[assignment]
    return page  # type: ignore[return-value]


def _prefetch_tags(people: list[Person]) -> None:
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(people, Prefetch("tags", queryset=Tag.objects.order_by("name")))


def person_for_viewer(viewer: Viewer, person_id: int) -> Person | None:
    person = (
        Person.objects.select_related("org_unit", "manager", "org_unit__parent")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .filter(pk=person_id)
        .first()
    )
    if person is None or not can_view_person(viewer, person):
        return None
    return person


def manager_chain_for_viewer(viewer: Viewer, person: Person, limit: int = 50) -> list[Person]:
    """From the person's manager up to the top, stopping at the first manager the viewer may
    not see (someone who has left). One query per level; levels are few, and the loop stops
    on a cycle that bad data might hold."""
    chain: list[Person] = []
    seen = {person.pk}
    current = person.manager
    while current is not None and current.pk not in seen and len(chain) < limit:
        if not can_view_person(viewer, current):
            break
        chain.append(current)
        seen.add(current.pk)
        current = Person.objects.select_related("manager").get(pk=current.pk).manager
    return chain


def reports_for_viewer(viewer: Viewer, person: Person) -> list[Person]:
    return list(
        visible_people(viewer)
        .filter(manager=person)
        .select_related("org_unit")
        .annotate(report_count=Count("reports", filter=Q(reports__is_active=True)))
        .order_by("full_name")
    )


def subtree_units(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit and all its descendants, in one query."""
    return OrgUnit.objects.filter(path__startswith=unit.path).order_by("path")


def unit_ancestors(unit: OrgUnit) -> list[OrgUnit]:
    ids = unit.ancestor_ids
    by_id = OrgUnit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


@dataclass
class TeamView:
    unit: OrgUnit
    ancestors: list[OrgUnit]
    children: Sequence[OrgUnit]
    members: list[Person]
    subtree_headcount: int


def team_for_viewer(viewer: Viewer, unit_id: int) -> TeamView | None:
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        return None
    people = visible_people(viewer)
    counted = Q() if can_see_former_colleagues(viewer) else Q(members__is_active=True)
    children = list(
        unit.children.annotate(headcount=Count("members", filter=counted)).order_by("name")
    )
    members = list(people.filter(org_unit=unit).select_related("org_unit").order_by("full_name"))
    _prefetch_tags(members)
    return TeamView(
        unit=unit,
        ancestors=unit_ancestors(unit),
        children=children,
        members=members,
        subtree_headcount=people.filter(org_unit__path__startswith=unit.path).count(),
    )


def org_units_for_choices(selected: int | None = None, max_depth: int = 1) -> list[tuple[int, str]]:
    """Departments and the level below them for the team filter (a deep tree of thousands of
    units would make an unusable list); a deeper unit chosen from a team page is added."""
    units = OrgUnit.objects.filter(Q(depth__lte=max_depth) | Q(pk=selected or 0))
    return [
        (unit.pk, "— " * unit.depth + unit.name)
        for unit in units.only("id", "name", "depth", "path").order_by("path")
    ]


def city_names(viewer: Viewer) -> list[str]:
    """Cities where the people this viewer can see work, for suggestions."""
    return list(
        visible_people(viewer)
        .exclude(city="")
        .values_list("city", flat=True)
        .distinct()
        .order_by("city")
    )


@dataclass
class HomeView:
    person: Person | None
    people_count: int
    new_joiners: list[Person]
    teammates: list[Person]
    reports: list[Person]


def home_for_viewer(viewer: Viewer) -> HomeView:
    from django.utils import timezone

    today = timezone.localdate()
    people = visible_people(viewer).filter(is_active=True)
    new_joiners = list(
        people.filter(start_date__gte=today.replace(day=1), start_date__lte=today)
        .select_related("org_unit")
        .order_by("-start_date", "full_name")[:8]
    )
    person = viewer.person
    teammates: list[Person] = []
    reports: list[Person] = []
    if person is not None and person.org_unit_id:
        teammates = list(
            people.filter(org_unit_id=person.org_unit_id)
            .exclude(pk=person.pk)
            .order_by("full_name")[:12]
        )
    if person is not None:
        reports = list(people.filter(manager=person).order_by("full_name")[:20])
    return HomeView(person, people.count(), new_joiners, teammates, reports)


@dataclass
class TreeNode:
    unit: OrgUnit
    headcount: int
    children: list[TreeNode]
    hidden_sub_units: int = 0  # units below the levels drawn


def org_tree(viewer: Viewer, max_depth: int = 1) -> list[TreeNode]:
    """Departments and the level below them with direct headcounts, in one query; deeper
    levels are a click away on each team page (a 100k-person tree has ~13k units)."""
    counted = Q() if can_see_former_colleagues(viewer) else Q(members__is_active=True)
    units = list(
        OrgUnit.objects.filter(depth__lte=max_depth)
        .annotate(
            headcount=Count("members", filter=counted, distinct=True),
            sub_units=Count("children", distinct=True),
        )
        .order_by("path")
    )
    nodes = {
        u.pk: TreeNode(u, u.headcount, [], u.sub_units if u.depth == max_depth else 0)
        for u in units
    }
    roots: list[TreeNode] = []
    for unit in units:
        node = nodes[unit.pk]
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.unit.name)
    roots.sort(key=lambda n: n.unit.name)
    return roots


def tags_by_kind(person: Person) -> dict[str, list[Tag]]:
    """A person's tags from the prefetch, by kind: {"interest": [...], "skill": [...]}."""
    grouped: dict[str, list[Tag]] = {Tag.Kind.INTEREST: [], Tag.Kind.SKILL: []}
    for tag in person.tags.all():
        grouped.setdefault(tag.kind, []).append(tag)
    return grouped


_REPORTING_LINE = """
    WITH RECURSIVE line(id) AS (
        SELECT id FROM {table} WHERE manager_id = %s AND is_active = %s
        UNION
        SELECT p.id FROM {table} p JOIN line ON p.manager_id = line.id
        WHERE p.is_active = %s
    )
"""


def reporting_line_ids(person: Person) -> set[int]:
    """The person and everyone active below them (all levels), in one recursive query (UNION,
    not UNION ALL: a cycle in bad data ends instead of looping)."""
    table = connection.ops.quote_name(Person._meta.db_table)
    sql = _REPORTING_LINE.format(table=table) + "SELECT id FROM line"
    with connection.cursor() as cursor:
        cursor.execute(sql, [person.pk, True, True])
        return {int(row[0]) for row in cursor.fetchall()} | {person.pk}


def reporting_line_units(person: Person) -> set[int]:
    """Org unit ids of everyone in a manager's reporting line (all levels), in one query."""
    table = connection.ops.quote_name(Person._meta.db_table)
    sql = _REPORTING_LINE.format(table=table) + (
        f"SELECT DISTINCT org_unit_id FROM {table} "
        "WHERE id IN (SELECT id FROM line) AND org_unit_id IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [person.pk, True, True])
        return {int(row[0]) for row in cursor.fetchall()}
