"""`kith plan_gathering`: JSON, the table, and clear errors with a non-zero exit."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kith.directory.models import Office
from kith.directory.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    Office.objects.create(
        name="Berlin Hub",
        city="Berlin",
        country="DE",
        latitude=52.52,
        longitude=13.40,
        timezone="Europe/Berlin",
        capacity=0,
    )
    a = PersonFactory(email="a@x.org", city="Berlin", country="DE", latitude=52.52, longitude=13.4)
    b = PersonFactory(email="b@y.org", city="Munich", country="DE", latitude=48.14, longitude=11.58)
    c = PersonFactory(email="c@y.org", city="", latitude=None, longitude=None)
    return a, b, c


def run(*args: str) -> str:
    out = StringIO()
    call_command("plan_gathering", *args, stdout=out)
    return out.getvalue()


def test_json_lists_ranked_options_with_per_person_costs(people):
    rows = json.loads(
        run(
            "--emails",
            "a@x.org,b@y.org,c@y.org",
            "--from",
            "2027-06-01",
            "--to",
            "2027-06-30",
            "--json",
        )
    )
    assert rows[0]["office"] == "Berlin Hub" and rows[0]["city"] == "Berlin"
    # Not the week of 7 June: 10 June is a public holiday in Portugal, where c lives.
    assert rows[0]["week_start"] == "2027-06-14"
    assert rows[1]["office"] is None and rows[1]["city"] == "Munich"
    assert [r["total_km"] for r in rows] == sorted(r["total_km"] for r in rows)
    per = {p["email"]: p for p in rows[0]["per_person"]}
    assert set(per) == {"a@x.org", "b@y.org"}  # c has no city: not counted
    assert per["a@x.org"]["km"] == 0 and 480 < per["b@y.org"]["km"] < 510
    assert rows[0]["co2_kg"] == pytest.approx(per["b@y.org"]["co2_kg"])


def test_table(people):
    text = run("--emails", "a@x.org,b@y.org,c@y.org", "--from", "2027-06-01", "--to", "2027-06-30")
    assert "Berlin Hub" in text and "not counted" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--emails", "a@x.org,zz@x.org", "--from", "2027-06-01", "--to", "2027-06-30"),
            "zz@x.org",
        ),
        (("--emails", "a@x.org,b@y.org", "--from", "2027-06-30", "--to", "2027-06-01"), "--to"),
        (
            (
                "--emails",
                "a@x.org,b@y.org",
                "--from",
                "2027-06-01",
                "--to",
                "2027-06-30",
                "--days",
                "8",
            ),
            "--days",
        ),
        (
            ("--emails", "a@x.org,b@y.org", "--from", "2027-06-02", "--to", "2027-06-06"),
            "No week fits",
        ),
        (("--emails", "a@x.org,b@y.org", "--from", "June", "--to", "2027-06-06"), "--from"),
    ],
)
def test_bad_input_is_a_clear_error_with_a_non_zero_exit(people, args, message):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert message in str(caught.value) and caught.value.returncode == 2
