"""Viva Insights person-to-person query with a person-id mapping."""

from __future__ import annotations

import io
from pathlib import Path

from kith.insights import importers
from kith.insights.tests.test_import_support import (
    ANA,
    BEN,
    CLEO,
    DEV,
    directory,
    everything_said,
    pairs,
    people,
    problems,
    read,
)

W1, W2 = "2024-03-04", "2024-03-11"
HEADER = (
    "PrimaryCollaborator_PersonId,SecondaryCollaborator_PersonId,MetricDate,Strong_tie_score,"
    "Strong_tie_type,Diverse_tie_score,Diverse_tie_type,PrimaryCollaborator_Organization,"
    "SecondaryCollaborator_Organization\n"
)
QUERY = (
    HEADER
    + "p1,p2,2024-03-04,0.82,1,0.10,0,Eng,Eng\n"
    + "p2,p1,2024-03-04,0.82,1,0.10,0,Eng,Eng\n"  # the same pair the other way round
    + "p1,p3,3/13/2024,0.20,0,0.71,1,Eng,Sales\n"
    + "p1,p9,2024-03-04,0.50,2,0.00,0,Eng,Ops\n"  # p9 is not in the mapping
    + "p5,p2,2024-03-04,0.50,2,0.00,0,Ext,Eng\n"  # p5 maps to someone not in Kith
    + "p4,p4,2024-03-04,0.50,2,0.00,0,Eng,Eng\n"
)
MAPPING = (
    "person_id,email\np1,Ana@example.com\np2,ben@example.com\np3,cleo@example.com\n"
    "p4,dev@example.com\np5,stranger@elsewhere.org\n"
)


def test_each_row_is_a_tie_counted_once_per_pair_and_date() -> None:
    reduced = read(QUERY.encode(), "viva", mapping=io.BytesIO(MAPPING.encode()))
    assert pairs(reduced) == {
        (ANA, BEN, W1, "other"): (2, 0, 0),  # two interactions: a tie, not two ties
        (ANA, CLEO, W2, "other"): (2, 0, 0),  # M/D/YYYY dates; the week of that date
    }
    assert people(reduced) == {}  # no time of day: no person rows
    assert reduced.events == 6
    assert reduced.unknown_addresses == 2
    assert reduced.events_with_unknown == 2


def test_count_columns_are_used_when_the_query_has_them(tmp_path: Path) -> None:
    query = (
        "PrimaryCollaborator_PersonId,SecondaryCollaborator_PersonId,MetricDate,Email_count,"
        "Meeting_count,Meeting_hours,Strong_tie_score\n"
        "p1,p2,2024-03-04,12,3,1.5,0.9\n"
        "p2,p1,2024-03-04,10,4,2,0.9\n"
        "p3,p4,2024-03-04,,1,0.5,0.2\n"
    )
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(MAPPING)
    reduced = read(query.encode(), "viva", mapping=mapping)
    assert pairs(reduced) == {
        (ANA, BEN, W1, "email"): (12, 0, 0),  # the larger of the two directions
        (ANA, BEN, W1, "meeting"): (4, 120, 0),
        (CLEO, DEV, W1, "meeting"): (1, 30, 0),
    }


def test_a_bad_query_and_mapping_name_every_problem_with_its_place() -> None:
    query = (
        "PrimaryCollaborator_PersonId,SecondaryCollaborator_PersonId,MetricDate,Email_count\n"
        "p1,,2024-03-04,3\n"
        "p1,p2,31/12/2024,3\n"
        "p1,p2,2024-03-04,lots\n"
        "p1,p2,2024-03-04\n"
    )
    mapping = "person_id,email\np1,ana@example.com\np2,not-an-address\np1,ben@example.com\n,x@y.z\n"
    assert problems(query.encode(), "viva", mapping=io.BytesIO(mapping.encode())) == [
        (
            "mapping, line 3, column email",
            "is not an email address; expected one like name@example.com",
        ),
        ("mapping, line 4", "maps a person_id that an earlier line maps elsewhere"),
        ("mapping, line 5, column person_id", "is empty"),
        ("line 2, column SecondaryCollaborator_PersonId", "is empty; expected a person id"),
        ("line 3, column MetricDate", "is not a date; expected YYYY-MM-DD or M/D/YYYY"),
        ("line 4, column Email_count", "is not a number; expected 0 or more"),
        ("line 5", "has 3 fields; expected 4"),
    ]


def test_a_query_without_its_columns_or_mapping_says_so() -> None:
    found = problems(
        b"PersonId,MetricDate\nx,2024-03-04\n", "viva", mapping=io.BytesIO(MAPPING.encode())
    )
    assert [place for place, _ in found] == ["line 1", "line 1"]
    assert "PrimaryCollaborator_PersonId" in found[0][1]
    assert problems(QUERY.encode(), "viva") == [
        ("mapping", "is missing; a Viva Insights file needs a person_id,email mapping CSV")
    ]
    assert problems(QUERY.encode(), "viva", mapping=io.BytesIO(b"id,mail\n")) == [
        ("mapping, line 1", "expected the header person_id,email")
    ]


def test_no_address_of_the_mapping_reaches_the_result_or_the_problems() -> None:
    mapping = io.BytesIO(MAPPING.encode())
    said = everything_said(QUERY.encode(), "viva", mapping=mapping)
    assert "stranger" not in said and "elsewhere" not in said
    bad = MAPPING + "p6,secret.person@@hidden.example\n"
    said = everything_said(QUERY.encode(), "viva", mapping=io.BytesIO(bad.encode()))
    assert "ImportFailed" in said and "secret.person" not in said


def test_the_caller_keeps_its_streams_open() -> None:
    query, mapping = io.BytesIO(QUERY.encode()), io.BytesIO(MAPPING.encode())
    importers.read(query, "viva", directory=directory(), mapping=mapping)
    assert not query.closed and not mapping.closed
