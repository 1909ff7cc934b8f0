"""Acceptance: private notes and check-ins are unreadable to anyone but their authors or
pair. Every page and API GET that Kith routes (found by walking the URL resolver, so a new
page is tried too), the personal export and the search are tried as the other participant,
the manager's manager and HR; and a database dump holds none of it in plain text."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for
from kith.touchpoints.models import Meeting
from kith.touchpoints.services import checkins as checkin_services
from kith.touchpoints.services import oneonones as s

PRIVATE_REPORT = "zebra-private-of-report"
PRIVATE_MANAGER = "quokka-private-of-manager"
ALONE = "walrus-check-in-alone"
SHARED_CHECK_IN = "heron-check-in-shared"
SHARED = ("ibis-shared-notes", "okapi-talking-point", "lynx-action-item", SHARED_CHECK_IN)
EVERY_SECRET = (PRIVATE_REPORT, PRIVATE_MANAGER, ALONE, *SHARED)
SKIP = re.compile(r"^(accounts/|admin/|api/v1/docs|static/|favicon|healthz|.*logout)")


def _client(person, *, hr=False) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(login_for(person, hr=hr))
    return client


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    boss = PersonFactory(full_name="Big Boss")
    manager = PersonFactory(full_name="Mid Manager", manager=boss)
    report = PersonFactory(full_name="Rae Report", manager=manager)
    hr = PersonFactory(full_name="Hana HR")
    pair = s.one_on_one_ensure(manager=manager, report=report)
    as_report = viewer_for_user(login_for(report))
    as_manager = viewer_for_user(login_for(manager))
    with django_capture_on_commit_callbacks(execute=True):
        meeting = s.meeting_schedule(one_on_one=pair, actor=as_manager)
    s.shared_notes_save(viewer=as_manager, meeting=meeting, text=SHARED[0])
    agenda = s.agenda_add(viewer=as_report, pair=pair, text=SHARED[1], meeting=meeting)
    action = s.action_add(viewer=as_manager, pair=pair, text=SHARED[2], owner_id=report.pk)
    s.private_note_save(viewer=as_report, meeting=meeting, text=PRIVATE_REPORT)
    s.private_note_save(viewer=as_manager, meeting=meeting, text=PRIVATE_MANAGER)
    alone = checkin_services.check_in_write(viewer=as_report, how=2, energy=2, note=ALONE)
    shared = checkin_services.check_in_write(
        viewer=as_report, how=4, energy=3, support=SHARED_CHECK_IN, one_on_one=pair
    )
    ids = {pair.pk, meeting.pk, agenda.pk, action.pk, alone.pk, shared.pk}
    ids |= {p.pk for p in (boss, manager, report, hr)}
    return {
        "boss": boss,
        "manager": manager,
        "report": report,
        "hr": hr,
        "pair": pair,
        "meeting": meeting,
        "ids": sorted(ids),
    }


def _patterns(resolver: URLResolver | None = None, prefix: str = ""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _paths(ids: list[int]) -> set[str]:
    """Every routed GET path, each int parameter filled with every id of the world (str
    parameters — tokens — cannot be guessed and are left out)."""
    paths = set()
    for route in _patterns():
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")
        if SKIP.match(route) or "<str:" in route or "<slug:" in route or "(?P<" in route:
            continue
        params = re.findall(r"<(?:int:)?(\w+)>", route)
        if not params:
            paths.add("/" + route)
            continue
        for value in ids:
            paths.add("/" + re.sub(r"<(?:int:)?\w+>", str(value), route))
    return paths


def _leaks(client: Client, paths: set[str], secrets: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(paths):
        response = client.get(path, {"q": "zebra"} if "people" in path else {})
        body = response.content.decode(errors="replace")
        found += [f"{path}: {secret}" for secret in secrets if secret in body]
        if response.status_code >= 500:
            found.append(f"{path}: answered {response.status_code}")
    return found


def test_outsiders_read_nothing_anywhere(world):
    paths = _paths(world["ids"]) | {"/me/export.json", "/people/?q=zebra", "/audit/"}
    assert len(paths) > 100  # the walk found Kith's pages and API
    for who, hr in (("boss", False), ("hr", True)):
        assert _leaks(_client(world[who], hr=hr), paths, EVERY_SECRET) == [], who


def test_the_other_participant_reads_the_shared_part_but_no_private_note(world):
    paths = _paths(world["ids"]) | {"/me/export.json"}
    manager, report = _client(world["manager"]), _client(world["report"])
    assert _leaks(manager, paths, (PRIVATE_REPORT, ALONE)) == []
    assert _leaks(report, paths, (PRIVATE_MANAGER,)) == []
    page = manager.get(f"/touchpoints/meetings/{world['meeting'].pk}/").content.decode()
    assert all(secret in page for secret in SHARED[:3])
    assert PRIVATE_MANAGER in page
    export = report.get("/me/export.json").content.decode()
    assert PRIVATE_REPORT in export and ALONE in export and PRIVATE_MANAGER not in export


def test_outsiders_get_404_not_403_so_existence_does_not_leak(world):
    boss = _client(world["boss"])
    hr = _client(world["hr"], hr=True)
    for client in (boss, hr):
        assert client.get(f"/touchpoints/1on1/{world['pair'].pk}/").status_code == 404
        assert client.get(f"/touchpoints/meetings/{world['meeting'].pk}/").status_code == 404
        assert client.get(f"/api/v1/touchpoints/one-on-ones/{world['pair'].pk}").status_code == 404
        response = client.post(
            f"/api/v1/touchpoints/meetings/{world['meeting'].pk}/agenda",
            {"text": "sneaky"},
            content_type="application/json",
        )
        assert response.status_code == 404


def test_the_audit_log_tells_nothing_of_what_the_pair_did(world):
    from kith.core.models import AuditEvent

    assert not AuditEvent.objects.filter(action__startswith="touchpoints.").exists()


def test_a_database_dump_shows_no_notes_or_check_ins(world):
    tables = [t for t in connection.introspection.table_names() if t.startswith("touchpoints_")]
    dumped = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # table names from introspection
            dumped += [str(value) for row in cursor.fetchall() for value in row]
        cursor.execute("SELECT * FROM core_auditevent")
        dumped += [str(value) for row in cursor.fetchall() for value in row]
    text = "\n".join(dumped)
    assert "sealed:v1:" in text
    assert not [secret for secret in EVERY_SECRET if secret in text]
    assert Meeting.objects.get(pk=world["meeting"].pk).shared_notes == SHARED[0]
