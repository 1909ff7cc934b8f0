"""Property-based tests of the whole API from its own OpenAPI document (DESIGN §6): for
generated valid and invalid input, no server error and no answer outside the schema."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import jsonschema_rs
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kith.accounts.services import api_token_create
from kith.connect.tests.factories import ProgramFactory
from kith.directory.services import person_update_profile
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for

OPENAPI = "/api/v1/openapi.json"
# Bounded and repeatable in CI; KITH_SCHEMATHESIS_EXAMPLES=2000 explores afresh each run.
EXPLORE = int(os.environ.get("KITH_SCHEMATHESIS_EXAMPLES", "0"))


@pytest.fixture
def same_connection() -> Iterator[None]:
    """The WSGI app would close the test's database connection at the end of each request
    (inside the test transaction); Django's own test client switches that off the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(db, same_connection, team, employee, manager) -> dict[str, str]:
    """A few people to find (one former), and a bearer token for an ordinary employee."""
    PersonFactory(full_name="Former Colleague", is_active=False, manager=manager)
    other = PersonFactory(full_name="José Núñez", org_unit=OrgUnitFactory(name="Design"))
    person_update_profile(person=other, changes={}, interests=["Jazz"], skills=["Figma"])
    ProgramFactory(pk=1, name="Coffee", starts_on=dt.date(2026, 1, 5))  # id 1: found sometimes
    _, raw = api_token_create(user=login_for(employee), name="schemathesis")
    return {"Authorization": f"Bearer {raw}"}


# Loaded when the module is collected: the document needs no database. (Schemathesis's lazy
# `from_fixture` loader does not work with pytest 9, whose nodes have no `_nodeid`.)
schema = schemathesis.openapi.from_wsgi(OPENAPI, get_wsgi_application())
# Every request carries a real token (below), so generated Authorization headers and session
# cookies would only be overwritten, and would make schemathesis judge the wrong request.
schema.config.generation.update(with_security_parameters=False)


@settings(
    max_examples=EXPLORE or 30,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@schema.parametrize()
def test_api_conforms_to_its_schema(case, auth_headers):
    response = case.call(headers=auth_headers)
    excluded = []
    if _only_the_working_day_rule(response) or _a_rule_the_schema_cannot_say(response):
        # "The day ends after it starts" spans two fields, which JSON Schema cannot say, so a
        # schema-valid request may rightly get this 422. Every other check still runs.
        excluded.append(positive_data_acceptance)
    case.validate_response(response, headers=auth_headers, excluded_checks=excluded)


def _a_rule_the_schema_cannot_say(response) -> bool:
    """A rule about the data as it stands ("no org unit with id 7", "a time in the next 90
    days") answers 400 or 422 with one sentence naming the field; a request the schema
    rejects answers 422 with a list. Only the sentence may follow a schema-valid request."""
    if response.status_code not in (400, 422):
        return False
    detail = response.json().get("detail")
    return isinstance(detail, str) and ":" in detail


def _only_the_working_day_rule(response) -> bool:
    if response.status_code != 422:
        return False
    errors = response.json()["detail"]
    if not isinstance(errors, list):
        return False
    if errors and all(isinstance(e, dict) and e.get("type") == "places_rule" for e in errors):
        return True  # office days: "the day has passed", overlaps: rules JSON Schema cannot say
    return bool(errors) and all(
        e["loc"][-1] == "work_end" and e["msg"] == "Your working day must end after it starts."
        for e in errors
    )


def test_openapi_document_is_valid(db, same_connection):
    loaded = schemathesis.openapi.from_wsgi(OPENAPI, get_wsgi_application())
    loaded.validate()  # against the OpenAPI 3.1 meta-schema
    operations = []
    for result in loaded.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # an operation schemathesis cannot use: the document is invalid
        operations.append(result.ok())
    assert {f"{op.method.upper()} {op.path}" for op in operations} == {
        "GET /api/v1/people",
        "GET /api/v1/people/me",
        "PATCH /api/v1/people/me",
        "GET /api/v1/people/{person_id}",
        "GET /api/v1/people/{person_id}/private",
        "GET /api/v1/connect/programs",
        "POST /api/v1/connect/programs",
        "PUT /api/v1/connect/programs/{program_id}",
        "GET /api/v1/connect/programs/{program_id}",
        "POST /api/v1/connect/programs/{program_id}/join",
        "POST /api/v1/connect/programs/{program_id}/leave",
        "POST /api/v1/connect/programs/{program_id}/pause",
        "POST /api/v1/connect/programs/{program_id}/resume",
        "GET /api/v1/connect/programs/{program_id}/preview",
        "POST /api/v1/connect/programs/{program_id}/rounds",
        "GET /api/v1/connect/programs/{program_id}/stats",
        "GET /api/v1/connect/matches",
        "GET /api/v1/connect/matches/{match_id}",
        "POST /api/v1/connect/matches/{match_id}/answer",
        "GET /api/v1/pulse/surveys",
        "GET /api/v1/pulse/surveys/{token}",
        "POST /api/v1/pulse/surveys/{token}/answers",
        "GET /api/v1/pulse/waves/{wave_id}/results",
        "GET /api/v1/pulse/waves/{wave_id}/ai",
        "GET /api/v1/pulse/waves/{wave_id}/export",
        "GET /api/v1/pulse/campaigns",
        "POST /api/v1/pulse/campaigns",
        "GET /api/v1/communities/groups",
        "POST /api/v1/communities/groups/{community_id}/leaders",
        "GET /api/v1/communities/groups/{community_id}/leadership-requests",
        "POST /api/v1/communities/groups/{community_id}/leadership-requests/{request_id}/{action}",
        "GET /api/v1/communities/leadership-offers",
        "POST /api/v1/communities/leadership-offers/{offer_id}/{action}",
        "POST /api/v1/communities/groups",
        "GET /api/v1/communities/groups/{community_id}",
        "POST /api/v1/communities/groups/{community_id}/join",
        "POST /api/v1/communities/groups/{community_id}/leave",
        "GET /api/v1/communities/groups/{community_id}/members",
        "GET /api/v1/communities/groups/{community_id}/announcements",
        "POST /api/v1/communities/groups/{community_id}/announcements",
        "GET /api/v1/communities/memberships",
        "GET /api/v1/communities/suggestions",
        "GET /api/v1/communities/ambassadors",
        "POST /api/v1/communities/ambassadors",
        "GET /api/v1/events",
        "POST /api/v1/events",
        "GET /api/v1/events/{event_id}",
        "POST /api/v1/events/{event_id}/rsvp",
        "POST /api/v1/events/{event_id}/cancel",
        "GET /api/v1/events/feed",
        "POST /api/v1/events/feed",
        "DELETE /api/v1/events/feed",
        "GET /api/v1/celebrate/feed",
        "GET /api/v1/celebrate/teams/{unit_id}/feed",
        "GET /api/v1/celebrate/communities/{community_id}/feed",
        "GET /api/v1/celebrate/values",
        "POST /api/v1/celebrate/kudos",
        "GET /api/v1/celebrate/kudos/{kudos_id}",
        "GET /api/v1/celebrate/me/kudos",
        "GET /api/v1/celebrate/milestones",
        "GET /api/v1/celebrate/me/settings",
        "PUT /api/v1/celebrate/me/settings",
        "GET /api/v1/map/cities",
        "GET /api/v1/map/near",
        "GET /api/v1/map/hubs",
        "GET /api/v1/map/preference",
        "PUT /api/v1/map/preference",
        "GET /api/v1/insights/health",
        "GET /api/v1/insights/health/units/{unit_id}/trend",
        "GET /api/v1/insights/me",
        "POST /api/v1/insights/me/opt-out",
        "POST /api/v1/insights/me/opt-in",
        "PUT /api/v1/insights/settings",
        "POST /api/v1/insights/compute",
        "PUT /api/v1/insights/targets",
        "POST /api/v1/insights/imports",
        "POST /api/v1/insights/imports/{run_id}/apply",
        "GET /api/v1/insights/export",
        "GET /api/v1/pulse/waves/{wave_id}/focus-groups",
        "POST /api/v1/pulse/waves/{wave_id}/focus-groups",
        "GET /api/v1/pulse/focus-groups/{group_id}",
        "POST /api/v1/pulse/focus-groups/{group_id}/themes",
        "GET /api/v1/events/{event_id}/invitations",
        "POST /api/v1/events/{event_id}/invitations",
        "DELETE /api/v1/events/{event_id}/invitations/{person_id}",
        "GET /api/v1/events/{event_id}/questions",
        "POST /api/v1/events/{event_id}/questions",
        "PUT /api/v1/events/{event_id}/questions/settings",
        "PUT /api/v1/events/{event_id}/questions/notes",
        "DELETE /api/v1/events/{event_id}/questions/{question_id}",
        "POST /api/v1/events/{event_id}/questions/{question_id}/vote",
        "DELETE /api/v1/events/{event_id}/questions/{question_id}/vote",
        "POST /api/v1/events/{event_id}/questions/{question_id}/show",
        "POST /api/v1/events/{event_id}/questions/{question_id}/hide",
        "PUT /api/v1/events/{event_id}/questions/{question_id}/answered",
        "GET /api/v1/touchpoints/one-on-ones",
        "GET /api/v1/touchpoints/one-on-ones/{pair_id}",
        "POST /api/v1/touchpoints/one-on-ones/{pair_id}/meetings",
        "POST /api/v1/touchpoints/one-on-ones/{pair_id}/request",
        "POST /api/v1/touchpoints/one-on-ones/{pair_id}/cadence",
        "GET /api/v1/touchpoints/meetings/{meeting_id}",
        "POST /api/v1/touchpoints/meetings/{meeting_id}/agenda",
        "PUT /api/v1/touchpoints/meetings/{meeting_id}/notes",
        "POST /api/v1/touchpoints/meetings/{meeting_id}/actions",
        "POST /api/v1/touchpoints/meetings/{meeting_id}/state",
        "POST /api/v1/touchpoints/agenda/{item_id}",
        "POST /api/v1/touchpoints/actions/{item_id}",
        "GET /api/v1/touchpoints/check-ins",
        "POST /api/v1/touchpoints/check-ins",
        "DELETE /api/v1/touchpoints/check-ins/{check_in_id}",
        "GET /api/v1/touchpoints/settings",
        "PUT /api/v1/touchpoints/settings",
        "GET /api/v1/touchpoints/journeys",
        "GET /api/v1/touchpoints/journeys/me",
        "POST /api/v1/touchpoints/journeys/start",
        "POST /api/v1/touchpoints/journeys/steps/{step_id}/done",
        "GET /api/v1/touchpoints/journeys/templates",
        "POST /api/v1/touchpoints/journeys/templates",
        "GET /api/v1/touchpoints/journeys/templates/{template_id}",
        "PUT /api/v1/touchpoints/journeys/templates/{template_id}",
        "GET /api/v1/touchpoints/journeys/{journey_id}",
        "GET /api/v1/touchpoints/audit/map",
        "GET /api/v1/touchpoints/audit/processes",
        "POST /api/v1/touchpoints/audit/processes",
        "GET /api/v1/touchpoints/audit/processes/{process_id}",
        "PUT /api/v1/touchpoints/audit/processes/{process_id}",
        "DELETE /api/v1/touchpoints/audit/processes/{process_id}",
        "POST /api/v1/touchpoints/audit/processes/{process_id}/move",
        "POST /api/v1/touchpoints/audit/processes/{process_id}/steps",
        "GET /api/v1/touchpoints/audit/steps/{step_id}",
        "PUT /api/v1/touchpoints/audit/steps/{step_id}",
        "DELETE /api/v1/touchpoints/audit/steps/{step_id}",
        "POST /api/v1/touchpoints/audit/steps/{step_id}/move",
        "POST /api/v1/touchpoints/audit/example",
        "GET /api/v1/touchpoints/audit/figures",
        "GET /api/v1/touchpoints/audit/feedback",
        "POST /api/v1/touchpoints/audit/feedback/{step_id}",
        "GET /api/v1/touchpoints/span",
        "GET /api/v1/touchpoints/span/managers",
        "GET /api/v1/touchpoints/span/mine",
        "GET /api/v1/touchpoints/span/managers/{person_id}",
        "PUT /api/v1/touchpoints/span/managers/{person_id}/note",
        "PUT /api/v1/touchpoints/span/settings",
        "GET /api/v1/touchpoints/coverage",
        "POST /api/v1/touchpoints/coverage/recompute",
        "GET /api/v1/places/offices",
        "POST /api/v1/places/offices",
        "GET /api/v1/places/offices/{office_id}",
        "PUT /api/v1/places/offices/{office_id}",
        "PATCH /api/v1/places/offices/{office_id}",
        "DELETE /api/v1/places/offices/{office_id}",
        "GET /api/v1/places/office-days",
        "POST /api/v1/places/office-days",
        "PATCH /api/v1/places/office-days/{office_day_id}",
        "DELETE /api/v1/places/office-days/{office_day_id}",
        "GET /api/v1/places/who-is-there",
        "GET /api/v1/places/leave",
        "POST /api/v1/places/leave",
        "DELETE /api/v1/places/leave/{leave_id}",
        "GET /api/v1/places/anchor-days",
        "POST /api/v1/places/anchor-days",
        "DELETE /api/v1/places/anchor-days/{anchor_id}",
        "POST /api/v1/places/anchor-days/{anchor_id}/join",
        "GET /api/v1/gatherings",
        "POST /api/v1/gatherings",
        "POST /api/v1/gatherings/plan",
        "GET /api/v1/gatherings/{gathering_id}",
        "POST /api/v1/gatherings/{gathering_id}/options",
        "POST /api/v1/gatherings/{gathering_id}/choose",
        "POST /api/v1/gatherings/{gathering_id}/send",
        "PUT /api/v1/gatherings/{gathering_id}/agenda",
        "GET /api/v1/gatherings/{gathering_id}/groups",
        "POST /api/v1/gatherings/{gathering_id}/groups",
        "POST /api/v1/gatherings/{gathering_id}/cancel",
        "GET /api/v1/guidelines/guide",
        "POST /api/v1/guidelines/guide/kinds",
        "PATCH /api/v1/guidelines/guide/kinds/{kind_id}",
        "DELETE /api/v1/guidelines/guide/kinds/{kind_id}",
        "PUT /api/v1/guidelines/guide/kinds/{kind_id}/cells",
        "POST /api/v1/guidelines/guide/reset",
        "POST /api/v1/guidelines/advice",
        "POST /api/v1/guidelines/propose-call",
        "GET /api/v1/guidelines/boundaries/preferences",
        "PUT /api/v1/guidelines/boundaries/preferences",
        "GET /api/v1/guidelines/boundaries/tech-free-hours/mine",
        "GET /api/v1/guidelines/boundaries/tech-free-hours",
        "POST /api/v1/guidelines/boundaries/tech-free-hours",
        "PUT /api/v1/guidelines/boundaries/tech-free-hours/{rule_id}",
        "DELETE /api/v1/guidelines/boundaries/tech-free-hours/{rule_id}",
        "GET /api/v1/guidelines/boundaries/wellness-weeks",
        "POST /api/v1/guidelines/boundaries/wellness-weeks",
        "PUT /api/v1/guidelines/boundaries/wellness-weeks/{week_id}",
        "DELETE /api/v1/guidelines/boundaries/wellness-weeks/{week_id}",
        "GET /api/v1/guidelines/boundaries/pause",
    }


def test_the_validity_check_would_catch_a_broken_document():
    broken = dict(schema.raw_schema, paths={"/x": {"get": {"responses": "not an object"}}})
    with pytest.raises(jsonschema_rs.ValidationError):
        schemathesis.openapi.from_dict(broken).validate()
