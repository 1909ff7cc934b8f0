"""Every read of the directory that a page or the API returns, already authorised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat

from kith.core.permissions import (
    Viewer,
    can_browse_directory,
    can_see_former_colleagues,
    can_view_person,
)
from kith.directory.caching import Audience, cached
from kith.directory.engine.text import fold, slugify_tag
from kith.directory.models import OrgUnit, Person, Tag
from kith.directory.schemas import profile_dict

# A search that matches more people than this says "more than 1,000" and pages through the
# first 1,000 only: counting 40,000 matches of a common word would cost more than the page
# (the unfiltered directory still counts everyone, from the cache).
COUNT_CAP = 1000
# pg_trgm's index finds a word anywhere in the text from three characters on; a shorter word
# matches the start of a word instead ("ng" finds Ng and Nguyen, not everyone in Engineering).
SHORTEST_INFIX = 3


def person_for_user(user: object) -> Person | None:
    """The directory entry behind a login. Emails are stored lower-case, so this is an exact
    match on the unique index (an iexact lookup would scan the table on every request)."""
    email = (getattr(user, "email", "") or "").strip().lower()
    if not email:
        return None
    # Unique, so no ORDER BY (`.first()` would sort by name: planning and a sort on every
    # request, as this runs for every signed-in page).
    found = list(
        Person.objects.select_related("org_unit", "manager").filter(email=email).order_by()[:1]
    )
    return found[0] if found else None


def directory_entry_for_viewer(viewer: Viewer) -> dict[str, object]:
    """The viewer's own entry, private fields included, for their export."""
    person = viewer.person
    assert person is not None  # the export asks only when a person is behind the login
    entry = profile_dict(person, private=True)
    entry["coordinates_of_city"] = {"latitude": person.latitude, "longitude": person.longitude}
    return entry


def audience_of(viewer: Viewer) -> Audience | None:
    """Which people this viewer may see, as a kind of viewer (None: nobody)."""
    if can_see_former_colleagues(viewer):
        return Audience.EVERYONE_EVER
    if not can_browse_directory(viewer):
        return None
    return Audience.ACTIVE


def _people_of(audience: Audience | None) -> QuerySet[Person]:
    if audience is Audience.EVERYONE_EVER:
        return Person.objects.all()
    if audience is None:
        return Person.objects.none()
    return Person.objects.filter(is_active=True)


def visible_people(viewer: Viewer) -> QuerySet[Person]:
    """Everyone this viewer may see (the query form of permissions.can_view_person)."""
    return _people_of(audience_of(viewer))


def _headcount(audience: Audience | None) -> int:
    """How many people an audience sees, from the shared cache (kith.directory.caching)."""
    if audience is None:
        return 0
    return cached("headcount", audience, _people_of(audience).count)


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


def _word_matches(word: str) -> Q:
    """One folded word of the search box: in the names, title, team, city or tags
    (`search_text`, which holds only what every colleague sees on the profile), or the start
    of the work email.

    `contains` is a plain `LIKE '%word%'`, which pg_trgm's GIN index serves on PostgreSQL
    (migration 0007); `icontains` would wrap the column in UPPER() and scan the table.
    Emails are stored lower-case (see person_for_user), so `startswith` uses the email's own
    pattern index under any collation, where a LIKE on UPPER(email) read every row."""
    by_email = Q(email__startswith=word)
    if len(word) >= SHORTEST_INFIX:
        return Q(search_text__contains=word) | by_email
    return Q(search_text__startswith=word) | Q(search_text__contains=f" {word}") | by_email


def _with_tags(people: QuerySet[Person], wanted: list[tuple[str, str]]) -> QuerySet[Person]:
    """People with every (kind, slug) tag. The tags' ids are looked up first (one query), so
    the planner sees `tag_id = 9` and probes the (person, tag) index per person, or reads the
    tag's people from the (tag, person) index (migration 0008), instead of joining the tags
    table for each of thousands of people."""
    if not wanted:
        return people
    which = Q()
    for kind, slug in wanted:
        which |= Q(kind=kind, slug=slug)
    ids = dict(Tag.objects.filter(which).values_list("kind", "id"))
    for kind, _slug in wanted:
        if kind not in ids:
            return people.none()
        tagged = Tag.people.through.objects.filter(tag_id=ids[kind]).values("person_id")
        people = people.filter(pk__in=tagged)
    return people


def search_people_for_viewer(viewer: Viewer, query: DirectoryQuery) -> QuerySet[Person]:
    people = visible_people(viewer)
    if query.text:
        for word in fold(query.text).split():
            people = people.filter(_word_matches(word))
    if query.team:
        unit = OrgUnit.objects.filter(pk=query.team).only("path").first()
        if unit is None:
            return people.none()
        people = people.filter(org_unit__path__startswith=unit.path)
    tags = ((Tag.Kind.SKILL, query.skill), (Tag.Kind.INTEREST, query.interest))
    people = _with_tags(people, [(kind, slugify_tag(value)) for kind, value in tags if value])
    if query.city:
        # The city names this viewer's suggestions hold (cached), matched as the search box
        # matches: "lisbon" and "LISBON" find Lisbon, "sao paulo" finds São Paulo. The exact
        # names then use the (city, country) index, where a case-insensitive comparison
        # scanned every person.
        wanted = fold(query.city)
        people = people.filter(city__in=[c for c in city_names(viewer) if fold(c) == wanted])
    return people.select_related("org_unit").order_by("full_name", "id")


class CountedPaginator(Paginator):
    """Page numbers over positions 0..count-1 of a list counted beforehand (the cached
    headcount, or a capped count). `capped`: more match than `count` (COUNT_CAP), and only the
    pages up to it can be read."""

    def __init__(self, count: int, per_page: int, *, capped: bool) -> None:
        super().__init__(range(count), per_page)
        self.capped = capped


def _count(viewer: Viewer, query: DirectoryQuery, people: QuerySet[Person]) -> tuple[int, bool]:
    """(how many, whether more match than that). Everyone: the cached headcount, exact. A
    search: counted up to COUNT_CAP + 1 in a LIMITed subquery, without ordering, so a word
    that 40,000 people share stops counting after a thousand."""
    if query.is_empty:
        return _headcount(audience_of(viewer)), False
    found = people.order_by().values("id")[: COUNT_CAP + 1].count()
    return min(found, COUNT_CAP), found > COUNT_CAP


def _page_ids(
    people: QuerySet[Person], bottom: int, top: int, count: int, *, everyone: bool, capped: bool
) -> list[int]:
    """The ids in positions [bottom, top) of the name order, read the cheapest way for the kind
    of list (the order is the same in each):

    - everyone: along the name index; in the second half from its end, backwards, so the last
      page costs what the first does instead of a scan over everyone before it;
    - a search matching at most COUNT_CAP people: the matches found through their own index
      (trigram, tag, team, city) and sorted. Ordering by an expression the name index cannot
      give stops PostgreSQL from walking that index and testing person after person, which
      for a surname that 1 in 100 share read thousands of rows for one page;
    - a search matching more: along the name index, where matches are dense."""
    ids = people.values_list("id", flat=True)
    if everyone and bottom > count - top:
        backwards = ids.order_by("-full_name", "-id")[max(count - top, 0) : count - bottom]
        return list(reversed(backwards))
    if not everyone and not capped:
        ids = ids.order_by(Concat("full_name", Value("")), "id")
    return list(ids[bottom:top])


def directory_page_for_viewer(
    viewer: Viewer, query: DirectoryQuery, page_number: int | str, per_page: int
) -> Page[Person]:
    people = search_people_for_viewer(viewer, query)
    count, capped = _count(viewer, query, people)
    # The ids of the page first, then only the rows of those.
    paginator = CountedPaginator(count, per_page, capped=capped)
    page = paginator.get_page(page_number)
    bottom = (page.number - 1) * per_page
    top = min(bottom + per_page, count)
    ids = _page_ids(people, bottom, top, count, everyone=query.is_empty, capped=capped)
    by_id = people.in_bulk(ids)
    rows = [by_id[i] for i in ids if i in by_id]
    _prefetch_tags(rows)
    page.object_list = rows
    return page


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


_MANAGERS_ABOVE = """
    WITH RECURSIVE chain(id, level) AS (
        SELECT manager_id, 1 FROM {table} WHERE id = %s AND manager_id IS NOT NULL
        UNION
        SELECT p.manager_id, chain.level + 1 FROM {table} p JOIN chain ON p.id = chain.id
        WHERE p.manager_id IS NOT NULL AND chain.level < %s
    )
    SELECT id FROM chain ORDER BY level
"""


def manager_chain_for_viewer(viewer: Viewer, person: Person, limit: int = 50) -> list[Person]:
    """From the person's manager up to the top, stopping at the first manager the viewer may
    not see (someone who has left). Two queries however deep the line (the ids in one
    recursive query, then their rows); a cycle that bad data might hold ends at `limit`
    levels and is cut where a manager comes round again."""
    if person.manager_id is None:
        return []
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_MANAGERS_ABOVE.format(table=table), [person.pk, limit])
        ids = [int(row[0]) for row in cursor.fetchall()]
    by_id = Person.objects.in_bulk(ids)
    chain: list[Person] = []
    seen = {person.pk}
    for manager_id in ids:
        manager = by_id.get(manager_id)
        if manager is None or manager.pk in seen or not can_view_person(viewer, manager):
            break
        chain.append(manager)
        seen.add(manager.pk)
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
        subtree_headcount=_subtree_headcount(audience_of(viewer), unit),
    )


def _subtree_headcount(audience: Audience | None, unit: OrgUnit) -> int:
    """Everyone this audience sees in the unit and below, from the shared cache: the largest
    department's count reads some 30,000 people."""
    if audience is None:
        return 0
    people = _people_of(audience).filter(org_unit__path__startswith=unit.path)
    return cached("subtree-headcount", audience, people.count, part=unit.pk)


def org_units_for_choices(selected: int | None = None, max_depth: int = 1) -> list[tuple[int, str]]:
    """Departments and the level below them for the team filter (a deep tree of thousands of
    units would make an unusable list); a deeper unit chosen from a team page is added."""
    units = OrgUnit.objects.filter(Q(depth__lte=max_depth) | Q(pk=selected or 0))
    return [
        (unit.pk, "— " * unit.depth + unit.name)
        for unit in units.only("id", "name", "depth", "path").order_by("path")
    ]


def city_names(viewer: Viewer) -> list[str]:
    """Cities where the people this viewer can see work, for suggestions: one list for HR
    (former colleagues' cities too) and one for everyone else, in the shared cache."""
    audience = audience_of(viewer)
    if audience is None:
        return []

    def distinct_cities() -> list[str]:
        people = _people_of(audience).exclude(city="")
        return list(people.values_list("city", flat=True).distinct().order_by("city"))

    return cached("cities", audience, distinct_cities)


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
    # Active colleagues, for HR too (whose directory page also counts former colleagues).
    headcount = _headcount(Audience.ACTIVE) if audience_of(viewer) is not None else 0
    return HomeView(person, headcount, new_joiners, teammates, reports)


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
