"""`kith import_offices FILE`: every bad row named (row, column, reason) and nothing written;
encodings, byte-order mark and separators as the people import; upsert by name; --dry-run."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kith.core.models import AuditEvent
from kith.directory.models import Office
from kith.places.services.offices import offices_import

pytestmark = pytest.mark.django_db

GOOD = (
    "name,city,country,capacity,address,amenities,timezone\n"
    'Lisbon office,Lisbon,PT,120,"Rua Augusta 100, 3rd floor",Quiet room;Bike parking,\n'
    "Berlin office,Berlin,Germany,80,,,\n"
)


def run(tmp_path: Path, text: str | bytes, *args: str) -> str:
    path = tmp_path / "offices.csv"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    out = StringIO()
    call_command("import_offices", str(path), *args, stdout=out)
    return out.getvalue()


def failing(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "offices.csv"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_offices", str(path), stdout=out)
    assert exc.value.returncode == 2
    assert "Nothing was imported" in str(exc.value)
    return out.getvalue()


def test_a_good_file_creates_offices(tmp_path):
    out = run(tmp_path, GOOD)
    assert "Created: 2" in out and "Updated: 0" in out and "Unchanged: 0" in out
    lisbon = Office.objects.get(name="Lisbon office")
    assert (lisbon.city, lisbon.country, lisbon.timezone) == ("Lisbon", "PT", "Europe/Lisbon")
    assert lisbon.address == "Rua Augusta 100, 3rd floor"
    assert lisbon.amenities == ["Quiet room", "Bike parking"]
    assert Office.objects.get(name="Berlin office").country == "DE"
    row = AuditEvent.objects.get(action="places.offices_imported")
    assert row.detail == {"created": 2, "updated": 0, "unchanged": 0}


def test_the_same_name_updates_and_an_unchanged_office_is_counted(tmp_path):
    run(tmp_path, GOOD)
    changed = GOOD.replace("Berlin office,Berlin,Germany,80", "BERLIN OFFICE,Berlin,DE,95")
    out = run(tmp_path, changed)
    assert "Created: 0" in out
    assert "Updated: 1: BERLIN OFFICE" in out
    assert "Unchanged: 1: Lisbon office" in out
    assert Office.objects.count() == 2
    assert Office.objects.get(name="BERLIN OFFICE").capacity == 95


def test_dry_run_writes_nothing(tmp_path):
    out = run(tmp_path, GOOD, "--dry-run")
    assert "Dry run, nothing written" in out and "To create: 2" in out
    assert not Office.objects.exists()
    assert not AuditEvent.objects.exists()


def test_every_bad_row_is_named_and_nothing_is_written(tmp_path):
    text = (
        "name,city,country,capacity,amenities\n"
        "Lisbon office,Lisbon,PT,120,\n"  # fine, but not written
        "Typo office,Lisbn,PT,10,\n"
        "Minus office,Berlin,DE,-3,\n"
        ",Berlin,DE,5,\n"
        "Long amenities,Madrid,ES,5," + ";".join(f"A{n}" for n in range(13)) + "\n"
        "lisbon OFFICE,Porto,PT,1,\n"
        "Short row,Porto\n"
        "Zone office,Porto,Narnia,4,\n"
    )
    out = failing(tmp_path, text)
    lines = out.splitlines()

    def problem(row: int, column: str, words: str) -> None:
        assert any(
            line.split()[0] == str(row) and f" {column} " in f" {line} " and words in line
            for line in lines
        ), f"row {row} {column}: {words!r} not in\n{out}"

    problem(3, "city", "Did you mean Lisbon?")
    problem(4, "capacity", "whole number")
    problem(5, "name", "Give the office a name")
    problem(6, "amenities", "At most 12 amenities")
    problem(7, "name", "the same office as on row 2")
    problem(8, "", "the header has 5 columns but this row has 2")
    problem(9, "country", "Unknown country")
    assert not Office.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_missing_column_is_named_on_the_header(tmp_path):
    out = failing(tmp_path, "name,city,country\nLisbon office,Lisbon,PT\n")
    assert "capacity" in out and "required column is missing" in out


def test_byte_order_mark_semicolons_and_header_aliases(tmp_path):
    text = (
        "\ufeffOffice Name;Town;Country Code;Seats;Time zone\n"
        "Lisbon office;Lisbon;PT;12;Atlantic/Azores\n"
    )
    out = run(tmp_path, text.encode("utf-8"))
    assert "Created: 1" in out
    office = Office.objects.get()
    assert (office.capacity, office.timezone) == (12, "Atlantic/Azores")


def test_a_file_that_is_not_utf8_says_how_to_fix_it(tmp_path):
    out = failing(
        tmp_path, "name,city,country,capacity\nSão Paulo,São Paulo,BR,3\n".encode("latin-1")
    )
    assert "not UTF-8" in out


def test_an_empty_file_and_a_file_with_no_office(tmp_path):
    assert "empty" in failing(tmp_path, "")
    assert "no office" in failing(tmp_path, "name,city,country,capacity\n")


def test_the_service_reports_the_same_problems_without_writing():
    outcome = offices_import(
        content=b"name,city,country,capacity\nX,Nowhere-at-all,PT,1\n", filename="x.csv"
    )
    assert not outcome.ok and not outcome.applied
    [problem] = outcome.problems
    assert (problem.row, problem.column, problem.value) == (2, "city", "Nowhere-at-all")
