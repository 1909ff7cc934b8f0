"""What Pulse's pages cost in queries (issue 15): a bounded number, the same with 2 closed
waves and a handful of invitees as with 20 waves and many more, and never a wave's unit
snapshot where the page does not need it (the survey, answering, the lists of waves).
Counts, never timings."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kith.accounts.models import User
from kith.core.dates import org_today
from kith.core.permissions import viewer_for_user
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.pulse import results, selectors, services, snapshot
from kith.pulse.models import Campaign, Invitation, Wave
from kith.pulse.tests.builders import PulseOrg, answer_all, build_org, campaign

pytestmark = pytest.mark.django_db

# Whole requests (session, viewer and navigation included) with a cold snapshot cache, plus
# one for headroom; what matters most is that they do not grow with the organisation.
HOME_QUERIES = 11  # 10: the viewer's 4, open surveys and receipts, closed waves, nav, wellness
SURVEY_QUERIES = 3  # 2: the invitation with its wave and campaign, whether it was answered
ANSWER_QUERIES = 12  # 11: those, the wave's lock, receipt, response, savepoints
RESULTS_QUERIES = 17  # 16: the viewer's, wave, snapshot, cells, audit, trend (cells and
# their ledger rows), wellness banner


@pytest.fixture(autouse=True)
def _memory_cache(settings):
    """The throttles' counters in memory: in the database cache they cost a number of queries
    that depends on the minute (a new row per window, the cull check), not on Pulse."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "q"}
    }


@dataclass
class World:
    org: PulseOrg
    hr_user: User
    weekly: Campaign  # one wave a week, closed one by one


@pytest.fixture
def world() -> World:
    org = build_org()
    hr_user = login_for(org.hr, hr=True)
    start = org_today() - dt.timedelta(weeks=21)
    weekly = services.campaign_save(
        campaign=None,
        fields={
            "name": "Weekly pulse",
            "instruments": ["edmondson", "enps"],
            "opens_on": start,
            "closes_on": start + dt.timedelta(days=6),
            "cadence_weeks": 1,
        },
        org_units=[],
        actor=hr_user,
    )
    world = World(org, hr_user, weekly)
    _close_waves(world, 2)
    _open_survey(world)
    return world


def _close_waves(world: World, count: int) -> None:
    """Send the weekly campaign's next `count` waves, have every invitee answer, close them."""
    for _ in range(count):
        wave = world.weekly.waves.get(sent_at__isnull=True)
        services.wave_send(wave=wave, notify=False)
        wave.refresh_from_db()
        answer_all(wave, list(Person.objects.filter(pulse_invitations__wave=wave)))
        results.wave_results_compute(wave=wave)


def _open_survey(world: World) -> Wave:
    survey = campaign(world.hr_user, today=org_today())
    wave = survey.waves.get(number=1)
    services.wave_send(wave=wave, notify=False)
    return wave


def _grow(world: World) -> None:
    """Twenty more people in Platform (under the manager), 18 more closed waves (20 in all)
    and a second open survey: several times the invitations and waves."""
    for i in range(20):
        PersonFactory(
            full_name=f"Later Person{i}", org_unit=world.org.platform, manager=world.org.manager
        )
    _close_waves(world, 18)
    _open_survey(world)
    assert Wave.objects.filter(results_at__isnull=False).count() == 20


def _client(person: Person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _queries(client: Client, url: str, data: dict[str, str] | None = None) -> list[str]:
    """The SQL of one request, from a cold snapshot cache (the worst case)."""
    snapshot.snapshots.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code in (200, 302), (url, response.status_code)
    return [q["sql"] for q in captured.captured_queries]


def _reads_units(sql: str) -> bool:
    """Whether a query reads the wave's `units` column (its stored size does not count)."""
    return bool(re.search(r'\."units"', re.sub(r"(?i)(LENGTH|pg_column_size)\([^)]*\)", "", sql)))


def _latest_closed() -> Wave:
    return Wave.objects.filter(results_at__isnull=False).order_by("-number").first()  # type: ignore[return-value]


def _open_token(person: Person) -> str:
    invitation = (
        Invitation.objects.filter(person=person, wave__results_at__isnull=True)
        .order_by("-wave_id")
        .first()
    )
    assert invitation is not None
    return invitation.token


# --- /pulse/ -----------------------------------------------------------------------------------


def test_pulse_home_costs_the_same_for_2_waves_as_for_20(world, django_assert_max_num_queries):
    org = world.org
    people = {
        "employee": (org.platform_people[0], False),
        "manager": (org.manager, False),
        "hr": (org.hr, True),
    }
    clients = {role: _client(person, hr=hr) for role, (person, hr) in people.items()}
    before = {}
    for role, client in clients.items():
        with django_assert_max_num_queries(HOME_QUERIES):
            before[role] = _queries(client, "/pulse/")
    _grow(world)
    for role, client in clients.items():
        with django_assert_max_num_queries(HOME_QUERIES):
            after = _queries(client, "/pulse/")
        assert len(after) == len(before[role]), role
        assert not any(_reads_units(sql) for sql in after), role


def test_closed_waves_for_viewer_never_distincts_whole_wave_rows(world):
    """At 100,000 people, a DISTINCT over whole wave rows (their snapshots included) joined
    to every invitation never finished: the invitations are a subquery of wave ids now."""
    _grow(world)
    for person, hr in ((world.org.platform_people[0], False), (world.org.manager, False)):
        viewer = viewer_for_user(login_for(person, hr=hr))
        with CaptureQueriesContext(connection) as captured:
            waves = selectors.closed_waves_for_viewer(viewer)
        assert len(waves) == 20
        sql = " ".join(q["sql"] for q in captured.captured_queries)
        assert len(captured.captured_queries) == 1
        assert "DISTINCT" not in sql.upper()
        assert not _reads_units(sql)


def test_closed_waves_are_those_invited_to_or_for_everyone(world):
    """The same waves as before the rewrite: a campaign for Platform only is listed for its
    invitees and HR, not for Data; the organisation-wide campaign for everyone."""
    org = world.org
    today = org_today()
    platform_only = services.campaign_save(
        campaign=None,
        fields={
            "name": "Platform pulse",
            "instruments": ["enps"],
            "opens_on": today,
            "closes_on": today + dt.timedelta(days=7),
        },
        org_units=[org.platform],
        actor=world.hr_user,
    )
    wave = platform_only.waves.get(number=1)
    services.wave_send(wave=wave, notify=False)
    answer_all(wave, org.platform_people)
    results.wave_results_compute(wave=wave)

    def listed(person: Person, *, hr: bool = False) -> set[str]:
        viewer = viewer_for_user(login_for(person, hr=hr))
        return {w.campaign.name for w in selectors.closed_waves_for_viewer(viewer)}

    assert listed(org.platform_people[0]) == {"Weekly pulse", "Platform pulse"}
    assert listed(org.data_people[0]) == {"Weekly pulse"}
    assert listed(org.hr, hr=True) == {"Weekly pulse", "Platform pulse"}


# --- The survey and answering ------------------------------------------------------------------


def test_the_survey_and_answering_cost_the_same_and_never_read_the_snapshot(
    world, django_assert_max_num_queries
):
    answers = {"q:edmondson.1": "6", "q:enps.1": "8"}

    def answer_as(person: Person) -> tuple[list[str], list[str]]:
        url = f"/pulse/s/{_open_token(person)}/"
        with django_assert_max_num_queries(SURVEY_QUERIES):
            page = _queries(Client(), url)
        with django_assert_max_num_queries(ANSWER_QUERIES):
            answered = _queries(Client(), url, answers)
        return page, answered

    before = answer_as(world.org.platform_people[0])
    _grow(world)
    after = answer_as(world.org.platform_people[1])
    assert [len(q) for q in after] == [len(q) for q in before]
    for sql in [*after[0], *after[1]]:
        assert not _reads_units(sql), sql


def test_answer_submit_does_not_read_the_snapshot(world):
    token = _open_token(world.org.data_people[0])
    with CaptureQueriesContext(connection) as captured:
        services.answer_submit(token=token, answers={"enps.1": 9}, texts={})
    assert captured.captured_queries
    assert not any(_reads_units(q["sql"]) for q in captured.captured_queries)


# --- Results -----------------------------------------------------------------------------------


def test_results_pages_cost_the_same_for_2_waves_as_for_20(world, django_assert_max_num_queries):
    org = world.org
    clients = {
        "employee": _client(org.platform_people[0]),
        "manager": _client(org.manager),
        "hr": _client(org.hr, hr=True),
    }

    def measure() -> dict[str, int]:
        url = f"/pulse/waves/{_latest_closed().pk}/"
        counts = {}
        for role, client in clients.items():
            with django_assert_max_num_queries(RESULTS_QUERIES):
                counts[role] = len(_queries(client, url))
        return counts

    before = measure()
    _grow(world)
    assert measure() == before


def test_results_decode_the_snapshot_once_per_process(world):
    wave = _latest_closed()
    client = _client(world.org.manager)
    cold = _queries(client, f"/pulse/waves/{wave.pk}/")
    assert any(_reads_units(sql) for sql in cold)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/pulse/waves/{wave.pk}/")
    assert page.status_code == 200 and "Platform" in page.content.decode()
    assert not any(_reads_units(q["sql"]) for q in captured.captured_queries)
    assert len(captured.captured_queries) < len(cold)


def test_the_cached_snapshot_is_the_waves_own(world):
    """Each wave gets its own snapshot from the cache, unchangeable, equal to the stored one."""
    waves = list(snapshot.without_units(Wave.objects.filter(sent_at__isnull=False)))
    snapshot.fill_units(waves)
    snapshot.fill_units(waves)  # already filled: nothing to do
    for wave in waves:
        stored = Wave.objects.values_list("units", flat=True).get(pk=wave.pk)
        assert [list(u) for u in wave.units] == stored
        assert isinstance(wave.units, tuple)
    # A wave sent after it was cached under its unsent state gets its new snapshot.
    unsent = world.weekly.waves.get(sent_at__isnull=True)
    loaded = snapshot.without_units(Wave.objects.filter(pk=unsent.pk)).get()
    snapshot.fill_units([loaded])
    assert loaded.units == ()
    services.wave_send(wave=unsent, notify=False)
    again = snapshot.without_units(Wave.objects.filter(pk=unsent.pk)).get()
    snapshot.fill_units([again])
    assert len(again.units) == len(Wave.objects.get(pk=unsent.pk).units) > 1
