"""The channel advisor never reads nor tells a colleague's private meeting preference."""

from __future__ import annotations

import pytest

from kith.directory.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/guidelines"


@pytest.mark.parametrize("mode", ["virtual", "in_person"])
def test_advice_does_not_move_with_the_colleagues_private_preference(
    employee_client, employee, mode: str
) -> None:
    """Preferences are the person's own (only Kith's matching, events, nudges and notifications
    read them): the advisor answers the same with or without one and never mentions it."""
    from kith.directory.models import ContactPreference

    employee.city, employee.country, employee.timezone = "Lisbon", "PT", "Europe/Lisbon"
    employee.save()
    colleague = PersonFactory(city="Lisbon", country="PT", timezone="Europe/Lisbon")
    body = {"kind": "career", "urgency": "no_rush", "colleague": colleague.pk}
    plain = employee_client.post(f"{API}/advice", body, content_type="application/json")
    assert plain.status_code == 200, plain.content
    ContactPreference.objects.create(person=colleague, meeting_mode=mode)
    told = employee_client.post(f"{API}/advice", body, content_type="application/json")
    assert told.json() == plain.json()
    assert "prefers" not in told.content.decode() and "likes to meet" not in told.content.decode()


def test_advice_selector_does_not_read_contact_preferences(employee) -> None:
    """The selector never touches directory.ContactPreference (no query names its table)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kith.core.permissions import viewer_for_user
    from kith.directory.models import ContactPreference
    from kith.directory.tests.factories import login_for
    from kith.guidelines.selectors import guide as selectors

    colleague = PersonFactory(city=employee.city, country=employee.country)
    ContactPreference.objects.create(person=colleague, meeting_mode="virtual")
    viewer = viewer_for_user(login_for(employee))
    with CaptureQueriesContext(connection) as queries:
        picked = selectors.colleague_for_viewer(viewer, person_id=colleague.pk)
        page = selectors.advice_for_viewer(
            viewer, kind_key="career", urgency="no_rush", distance="same_place", colleague=picked
        )
    table = ContactPreference._meta.db_table
    assert not [q for q in queries.captured_queries if table in q["sql"]]
    assert not hasattr(page.situation, "colleague_prefers")
