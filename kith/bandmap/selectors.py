"""Every read of the Band Map that a page or the API returns, already authorised.

Privacy rules, applied here once for the page and the API alike:
- only active people who have not hidden themselves are counted or listed;
- coordinates leave the server per city (the city's centre), never per person;
- a city with fewer than MIN_CITY_COUNT such colleagues is left off the map and the city
  list for everyone, so a count never singles anyone out.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Collate
from django.utils.translation import gettext as _

from kith.bandmap.engine import geo
from kith.bandmap.models import MapPreference
from kith.core.permissions import Viewer, can_set_map_preference, can_view_hubs, can_view_map
from kith.directory.caching import GENERATION as DIRECTORY_GENERATION
from kith.directory.engine.text import slugify_tag
from kith.directory.models import Office, OrgUnit, Person, Tag

MIN_CITY_COUNT = 3
DEFAULT_RADIUS_KM = 50
MIN_RADIUS_KM = 10
MAX_RADIUS_KM = 500
NEAR_PAGE_SIZE = 20
NEAREST_CITIES = 5
DEFAULT_HUB_OFFICE_KM = 50
MAX_ID = 2**63 - 1  # ids are 64-bit: anything larger is simply not there


def hub_min_people() -> int:
    return max(MIN_CITY_COUNT, int(getattr(settings, "KITH_MAP_HUB_MIN_PEOPLE", 5)))


def hub_office_km() -> float:
    return float(getattr(settings, "KITH_MAP_HUB_OFFICE_KM", DEFAULT_HUB_OFFICE_KM))


def shown_count(count: int) -> int | None:
    """A count as it may be shown: None ("fewer than 3") below the threshold."""
    return count if count >= MIN_CITY_COUNT else None


def _on_the_map() -> QuerySet[Person]:
    hidden = MapPreference.objects.filter(hidden=True).values("person_id")
    return Person.objects.filter(
        is_active=True, latitude__isnull=False, longitude__isnull=False
    ).exclude(pk__in=hidden)


def map_people(viewer: Viewer) -> QuerySet[Person]:
    """The colleagues the map may count or list for this viewer: active, with a known city
    centre, and not hidden from the map. (The same people for every viewer who may see the
    map at all.)"""
    if not can_view_map(viewer):
        return Person.objects.none()
    return _on_the_map()


def is_hidden(person: Person) -> bool:
    return MapPreference.objects.filter(person=person, hidden=True).exists()


# --- Cities --------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    country: str
    latitude: float
    longitude: float
    count: int

    @property
    def key(self) -> str:
        return f"{self.name}|{self.country}"


@dataclass(frozen=True)
class CityMap:
    cities: list[City]  # only those with at least MIN_CITY_COUNT, largest first
    people_shown: int  # the sum of the counts shown

    @property
    def countries(self) -> int:
        return len({c.country for c in self.cities})


# The city counts are one GROUP BY over every person (~50-200 ms at 100,000 people), the
# same for every viewer who may see the map at all: they are kept in the shared cache under
# two generations, random tokens that move when something the counts depend on changes:
# - the directory's (kith.directory.caching): every write to people — save() and delete()
#   anywhere, the HR import's bulk SQL (new people, moves to another city, leavers), SCIM —
#   calls directory_changed();
# - the map's own (apps.py): a map preference saved or deleted (hide, show), and the demo's
#   bulk hiding.
# CITY_CACHE_SECONDS is the backstop for a write outside Kith's code (a manual SQL fix).
CITY_CACHE_SECONDS = 60
GENERATION_KEY = "bandmap:generation"
CITIES_KEY = "bandmap:cities:v3"

# (city as stored, country, mean latitude, mean longitude, count), only MIN_CITY_COUNT and up.
CachedCity = tuple[str, str, float, float, int]


def map_changed(**kwargs: Any) -> None:
    """Someone hid or showed themselves (a MapPreference post_save/post_delete receiver):
    the cached city counts are stale.

    The generation moves at once (so the writer's own next request sees the change) and
    again once the transaction commits, so a request that read the old rows while the write
    was in flight cannot leave them cached under the new generation."""
    _bump()
    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    if connections[using].in_atomic_block:
        transaction.on_commit(_bump, using=using, robust=True)


def _bump() -> None:
    # A fresh token rather than incr(): one write, and an evicted generation never makes an
    # old entry valid again.
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def _generation(found: dict[str, Any], key: str) -> str:
    """The generation read, or a new one when there is none (a fresh or evicted cache)."""
    if found.get(key):
        return str(found[key])
    token = uuid.uuid4().hex
    if cache.add(key, token, None):
        return token
    return str(cache.get(key) or token)  # another process started one just now


def _city_rows() -> list[CachedCity]:
    """Every city with MIN_CITY_COUNT or more colleagues on the map (hidden people left
    out), largest first: from the shared cache while both generations are unchanged (one
    cache read for the three keys), else counted again."""
    found = cache.get_many([DIRECTORY_GENERATION, GENERATION_KEY, CITIES_KEY])
    generations = (_generation(found, DIRECTORY_GENERATION), _generation(found, GENERATION_KEY))
    entry = found.get(CITIES_KEY)
    if entry is not None and entry[0] == generations:
        return list(entry[1])
    cities = _count_cities()
    cache.set(CITIES_KEY, (generations, cities), CITY_CACHE_SECONDS)
    return cities


def _count_cities() -> list[CachedCity]:
    """One pass over the index on (latitude, longitude, ...): counts and coordinate sums per
    city centre and city name (a few hundred rows), added up per city here. (Grouping by
    city in the database would read every row through the (city, country) index instead:
    twice as slow on SQLite.)"""
    rows = (
        _on_the_map()
        .values("latitude", "longitude", "city", "country")
        .annotate(n=Count("id"), lat=Sum("latitude"), lon=Sum("longitude"))
        .values_list("city", "country", "n", "lat", "lon")
        .order_by()
    )
    sums: dict[tuple[str, str], tuple[int, float, float]] = {}
    for city, country, n, lat, lon in rows:
        count, lat_sum, lon_sum = sums.get((city, country), (0, 0.0, 0.0))
        sums[(city, country)] = (count + n, lat_sum + lat, lon_sum + lon)
    cities = [
        (city, country, lat / n, lon / n, n)
        for (city, country), (n, lat, lon) in sums.items()
        if n >= MIN_CITY_COUNT
    ]
    return sorted(cities, key=lambda c: (-c[4], c[0], c[1]))


def city_counts() -> list[City]:
    """Every city with its count of colleagues on the map, MIN_CITY_COUNT or more, largest
    first (then by name). Hiding, showing and every write to people (a form, SCIM, the HR
    import) take effect on the next request in every process."""
    return [
        City(city or _("Unnamed place"), country, lat, lon, n)
        for city, country, lat, lon, n in _city_rows()
    ]


def cities_for_viewer(viewer: Viewer) -> CityMap:
    """Cities with their colleague counts, each at least MIN_CITY_COUNT."""
    if not can_view_map(viewer):
        return CityMap(cities=[], people_shown=0)
    shown = city_counts()
    shown.sort(key=lambda c: (-c.count, c.name, c.country))  # by the name as translated
    return CityMap(cities=shown, people_shown=sum(c.count for c in shown))


# --- Near me -------------------------------------------------------------------------------


def _clean(text: str, limit: int) -> str:
    return (text or "").replace("\x00", "")[:limit].strip()


@dataclass(frozen=True)
class NearQuery:
    radius_km: int = DEFAULT_RADIUS_KM
    interest: str = ""
    team: int | None = None

    @classmethod
    def build(
        cls, *, radius_km: int | None, interest: str = "", team: int | None = None
    ) -> NearQuery:
        """The one place near-me input is cleaned, for the page and the API alike. The
        radius must already be within MIN_RADIUS_KM..MAX_RADIUS_KM (forms and schemas
        say so to the person)."""
        radius = DEFAULT_RADIUS_KM if radius_km is None else radius_km
        if not MIN_RADIUS_KM <= radius <= MAX_RADIUS_KM:
            raise ValueError(f"radius must be {MIN_RADIUS_KM} to {MAX_RADIUS_KM} km")
        return cls(radius_km=radius, interest=_clean(interest, 80), team=team)

    @property
    def filtered(self) -> bool:
        return bool(self.interest) or self.team is not None


@dataclass(frozen=True)
class Nearby:
    person: Person
    distance_km: float


@dataclass(frozen=True)
class NearCity:
    """A city within the radius. No coordinates: the map highlights the city's own marker,
    which exists only when the city has at least MIN_CITY_COUNT colleagues on the map."""

    name: str
    country: str
    count: int | None  # matching colleagues there; None when fewer than MIN_CITY_COUNT
    distance_km: float

    @property
    def key(self) -> str:
        return f"{self.name}|{self.country}"


@dataclass
class NearMe:
    """Colleagues within the radius of the viewer's city. `problem` explains an empty answer
    that is not a real "nobody": no directory entry, or no known city.

    When an unfiltered search finds nobody, nobody is left at a dead end: `nearest` holds the
    closest cities beyond the radius that the map itself shows (MIN_CITY_COUNT or more, with
    the map's own counts), and `wider` says whether anyone is within MAX_RADIUS_KM."""

    query: NearQuery
    origin: City | None = None
    problem: str = ""
    total: int = 0
    page: Page[Nearby] | None = None
    cities: list[NearCity] = field(default_factory=list)
    nearest: list[NearCity] = field(default_factory=list)
    wider: bool = False

    @property
    def dead_end(self) -> bool:
        """Nobody to show: no city to search from, or an unfiltered search found nobody."""
        if self.problem == NO_CITY:
            return True
        return self.origin is not None and self.total == 0 and not self.query.filtered


NO_PERSON = "no_person"
NO_CITY = "no_city"


def _matching(people: QuerySet[Person], me: Person, query: NearQuery) -> QuerySet[Person]:
    """The people near me may list, wherever they are: not me, and the filters."""
    people = people.exclude(pk=me.pk)
    if query.team is not None:
        unit = None
        if 0 < query.team <= MAX_ID:
            unit = OrgUnit.objects.filter(pk=query.team).only("path").first()
        if unit is None:
            return people.none()
        people = people.filter(org_unit__path__startswith=unit.path)
    if query.interest:
        people = people.filter(
            pk__in=Tag.people.through.objects.filter(
                tag__kind=Tag.Kind.INTEREST, tag__slug=slugify_tag(query.interest)
            ).values("person_id")
        )
    return people


def _in_box(people: QuerySet[Person], me: Person, radius_km: float) -> QuerySet[Person]:
    """Those inside the bounding box of the circle (a superset of it)."""
    assert me.latitude is not None and me.longitude is not None
    box = geo.bounding_box(me.latitude, me.longitude, radius_km)
    lon_filter = Q()
    for west, east in box.lon_ranges:
        lon_filter |= Q(longitude__gte=west, longitude__lte=east)
    return people.filter(lon_filter, latitude__gte=box.min_lat, latitude__lte=box.max_lat)


def _candidates(people: QuerySet[Person], me: Person, query: NearQuery) -> QuerySet[Person]:
    return _in_box(_matching(people, me, query), me, query.radius_km)


# Near me never loads a city into Python. The database groups the candidates in the
# circle's bounding box by city centre (people carry their city's coordinates, so a city of
# 10,000 colleagues is one row), the engine computes the exact distance of each centre, and
# only the page shown is read as people, ordered by the database: nearest first, then by
# name in code point order (as Python compares strings) and id.


@dataclass(frozen=True)
class _Point:
    """Candidates sharing one city centre, with its exact distance from the viewer's."""

    latitude: float
    longitude: float
    city: str
    country: str
    count: int
    distance_km: float


Centre = tuple[float, float, str, str, int]


def _points(people: QuerySet[Person]) -> list[Centre]:
    """(latitude, longitude, city, country, count) of the candidates, one row per centre
    (a few hundred at most, whatever the number of people)."""
    rows = (
        people.order_by()
        .values("latitude", "longitude", "city", "country")
        .annotate(n=Count("id"))
        .values_list("latitude", "longitude", "city", "country", "n")
    )
    return cast("list[Centre]", list(rows))  # latitude and longitude are never null here


def _within(me: Person, rows: list[Centre], radius_km: float) -> list[_Point]:
    """The centres within the radius, nearest first (the engine's exact test)."""
    assert me.latitude is not None and me.longitude is not None
    lats = np.fromiter((r[0] for r in rows), dtype=np.float64, count=len(rows))
    lons = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    found = geo.within_radius(me.latitude, me.longitude, lats, lons, radius_km)
    return [
        _Point(rows[i][0], rows[i][1], rows[i][2], rows[i][3], rows[i][4], float(d))
        for i, d in zip(found.indices, found.distances_km, strict=True)
    ]


@dataclass(frozen=True)
class _Ring:
    """Everyone at one distance (usually one city centre), in list order."""

    distance_km: float
    centres: tuple[tuple[float, float], ...]
    count: int


def _rings(points: list[_Point]) -> list[_Ring]:
    rings: list[_Ring] = []
    for p in points:  # nearest first
        if rings and rings[-1].distance_km == p.distance_km:
            last = rings[-1]
            centres = last.centres
            if (p.latitude, p.longitude) not in centres:
                centres = (*centres, (p.latitude, p.longitude))
            rings[-1] = _Ring(last.distance_km, centres, last.count + p.count)
        else:
            rings.append(_Ring(p.distance_km, ((p.latitude, p.longitude),), p.count))
    return rings


def _name_order(people: QuerySet[Person]) -> Collate | F:
    """full_name in code point order, as Python sorts strings: PostgreSQL's "C" collation
    (bytes of UTF-8, which order as code points); SQLite compares the bytes already."""
    if connections[people.db].vendor == "postgresql":
        return Collate("full_name", "C")
    return F("full_name")


class _NearList:
    """The near-me list for the paginator: its length from the rings, and a slice read from
    the database as one query over the rings it touches (never the whole circle)."""

    def __init__(self, people: QuerySet[Person], rings: list[_Ring]) -> None:
        self.people = people
        self.rings = rings
        self.total = sum(r.count for r in rings)

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: slice) -> list[Nearby]:
        start, stop, _step = index.indices(self.total)
        if start >= stop:
            return []
        touched, offset = self._rings_between(start, stop)
        ring_of = {centre: i for i, ring in enumerate(touched) for centre in ring.centres}
        # The ids of the page in a subquery (an index-only scan, however deep the page),
        # then those people, put back in list order here (Python compares names by code
        # point, as the "C" collation does).
        ids = self._in_order(ring_of).values("id")[offset : offset + stop - start]
        people = Person.objects.filter(pk__in=ids).select_related("org_unit").order_by()
        found = sorted(people, key=lambda p: (ring_of[_centre(p)], p.full_name, p.pk))
        return [Nearby(p, touched[ring_of[_centre(p)]].distance_km) for p in found]

    def _rings_between(self, start: int, stop: int) -> tuple[list[_Ring], int]:
        """The rings that list positions start..stop-1 fall in, and where start is in the
        first of them."""
        touched: list[_Ring] = []
        offset = before = 0
        for ring in self.rings:
            if before + ring.count > start and before < stop:
                if not touched:
                    offset = start - before
                touched.append(ring)
            before += ring.count
            if before >= stop:
                break
        return touched, offset

    def _in_order(self, ring_of: dict[tuple[float, float], int]) -> QuerySet[Person]:
        """The candidates at these centres, in list order."""
        at = Q()
        for lat, lon in ring_of:
            at |= Q(latitude=lat, longitude=lon)
        people = self.people.filter(at)
        name = _name_order(people)
        if len(set(ring_of.values())) == 1:
            # One distance (most pages: a city's own people): the index on (latitude,
            # longitude, name, id) gives the page in order, read from the index alone.
            return people.order_by(name, "id")
        rank = Case(
            *(
                When(Q(latitude=lat, longitude=lon), then=Value(i))
                for (lat, lon), i in ring_of.items()
            ),
            output_field=IntegerField(),
        )
        return people.annotate(ring=rank).order_by("ring", name, "id")


def _centre(person: Person) -> tuple[float, float]:
    assert person.latitude is not None and person.longitude is not None
    return (person.latitude, person.longitude)


def near_me_for_viewer(viewer: Viewer, query: NearQuery, page_number: int | str = 1) -> NearMe:
    result = NearMe(query=query)
    me = viewer.person
    if not can_set_map_preference(viewer) or not can_view_map(viewer) or me is None:
        result.problem = NO_PERSON
        return result
    if me.latitude is None or me.longitude is None:
        result.problem = NO_CITY
        return result
    result.origin = City(me.city, me.country, me.latitude, me.longitude, 0)
    matching = _matching(map_people(viewer), me, query)
    points = _within(me, _points(_in_box(matching, me, query.radius_km)), query.radius_km)
    # The page is read by exact city centre; the box would only blur the planner's estimate
    # (it multiplies the box's selectivity into the centre's, and sorts a whole city).
    listing = _NearList(matching, _rings(points))
    result.total = listing.total
    result.cities = _near_cities(points)
    if result.dead_end:
        result.nearest = _nearest_cities(me, beyond_km=query.radius_km)
        result.wider = query.radius_km < MAX_RADIUS_KM and _anyone_within(
            map_people(viewer), me, MAX_RADIUS_KM
        )
    result.page = Paginator(listing, NEAR_PAGE_SIZE).get_page(page_number)  # type: ignore[arg-type]
    return result


def _nearest_cities(me: Person, *, beyond_km: float) -> list[NearCity]:
    """The NEAREST_CITIES closest cities farther than `beyond_km` from the viewer's city,
    among those the map shows (MIN_CITY_COUNT or more colleagues), with the map's counts.

    Only what the map and its city table already publish is used, city by city: no count is
    summed over a distance band, so comparing answers at different radii tells nothing the
    city table does not (a sum over "everyone between 500 and 900 km" would, by difference)."""
    assert me.latitude is not None and me.longitude is not None
    cities = city_counts()
    found = geo.nearest_beyond(
        me.latitude,
        me.longitude,
        np.array([c.latitude for c in cities], dtype=np.float64),
        np.array([c.longitude for c in cities], dtype=np.float64),
        beyond_km=beyond_km,
        limit=NEAREST_CITIES,
    )
    return [
        NearCity(cities[i].name, cities[i].country, cities[i].count, float(d))
        for i, d in zip(found.indices, found.distances_km, strict=True)
    ]


def _anyone_within(people: QuerySet[Person], me: Person, radius_km: int) -> bool:
    """Whether an unfiltered near-me search at `radius_km` would find anyone (it names them,
    so saying yes or no reveals nothing more)."""
    rows = _points(_candidates(people, me, NearQuery(radius_km=radius_km)))
    return bool(rows) and bool(_within(me, rows, radius_km))


def _near_cities(points: list[_Point]) -> list[NearCity]:
    """The cities of the colleagues found, nearest first, with how many match there (None
    under MIN_CITY_COUNT: the list names them, but no number is shown for so few)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    distance: dict[tuple[str, str], float] = {}
    for p in points:  # nearest first
        key = (p.city, p.country)
        counts[key] += p.count
        distance.setdefault(key, p.distance_km)
    cities = [
        NearCity(
            name=name or _("Unnamed place"),
            country=country,
            count=shown_count(count),
            distance_km=distance[(name, country)],
        )
        for (name, country), count in counts.items()
    ]
    cities.sort(key=lambda c: (c.distance_km, c.name, c.country))
    return cities


# --- Programs that work from anywhere --------------------------------------------------------

# Connect's kinds whose meetings work over video: a coffee chat, a cross-team intro and
# mentoring. Lunch groups meet in person, and onboarding buddies are assigned to new joiners,
# not joined. (Connect has no "virtual" flag of its own.)
VIRTUAL_KINDS = ("coffee", "cross_team", "mentoring")


@dataclass(frozen=True)
class VirtualProgram:
    id: int
    name: str
    kind: str
    kind_label: str
    taking_part: bool


def virtual_programs_for_viewer(viewer: Viewer) -> list[VirtualProgram]:
    """Active Connect programs open to the viewer that need no shared city, for someone the
    map finds nobody near. Read through Connect's own selector (its audiences and standing)."""
    from kith.connect.selectors import programs_for_viewer

    if viewer.person is None:
        return []
    return [
        VirtualProgram(
            id=card.program.pk,
            name=card.program.name,
            kind=card.program.kind,
            kind_label=card.program.get_kind_display(),
            taking_part=card.standing.taking_part,
        )
        for card in programs_for_viewer(viewer)
        if card.standing.in_audience and card.program.kind in VIRTUAL_KINDS
    ]


# --- Offices -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeMarker:
    """An office on the map: a place, not a person, so it is shown whatever the counts."""

    id: int
    name: str
    city: str
    country: str
    latitude: float
    longitude: float

    @property
    def key(self) -> str:
        return f"{self.city}|{self.country}"


def offices_for_map(viewer: Viewer) -> list[OfficeMarker]:
    """Every office (HR manages them under /places/offices/), by name."""
    if not can_view_map(viewer):
        return []
    rows = Office.objects.order_by("name", "id").values_list(
        "id", "name", "city", "country", "latitude", "longitude"
    )
    return [OfficeMarker(*row) for row in rows]


# --- Hubs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hub:
    city: City
    nearest_office: str  # "" when the organisation has no office at all
    nearest_office_km: float | None


def hubs_for_viewer(viewer: Viewer) -> list[Hub] | None:
    """Cities with at least hub_min_people() colleagues and no office within
    hub_office_km(): None when the viewer may not see hubs."""
    if not can_view_hubs(viewer):
        return None
    cities = city_counts()
    offices = list(Office.objects.only("name", "latitude", "longitude"))
    found = geo.hubs(
        np.array([c.latitude for c in cities], dtype=np.float64),
        np.array([c.longitude for c in cities], dtype=np.float64),
        np.array([c.count for c in cities], dtype=np.int64),
        np.array([o.latitude for o in offices], dtype=np.float64),
        np.array([o.longitude for o in offices], dtype=np.float64),
        min_people=hub_min_people(),
        office_radius_km=hub_office_km(),
    )
    return [
        Hub(
            city=cities[h.index],
            nearest_office=offices[h.nearest_office].name if h.nearest_office is not None else "",
            nearest_office_km=h.nearest_office_km,
        )
        for h in found
    ]


# --- My preference -------------------------------------------------------------------------


def interest_names(limit: int = 500) -> list[str]:
    """Interest tags for the filter's suggestions."""
    return list(
        Tag.objects.filter(kind=Tag.Kind.INTEREST)
        .order_by("name")
        .values_list("name", flat=True)[:limit]
    )


def my_bandmap_data(person: Person) -> dict[str, object]:
    """The person's own export (/me/export.json, under "bandmap"): their map choice and
    where the map counts them. Nothing else about the map is held per person."""
    preference = MapPreference.objects.filter(person=person).first()
    hidden = bool(preference and preference.hidden)
    on_map = person.is_active and person.latitude is not None and not hidden
    return {
        "hidden_from_map": hidden,
        "preference_changed_at": preference.updated_at.isoformat() if preference else None,
        "counted_in_city": f"{person.city}, {person.country}".strip(", ") if on_map else "",
    }
