"""`kith import_people`: checking, planning and writing against a real database."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kith.accounts.models import User
from kith.core.models import AuditEvent
from kith.directory.models import OrgUnit, Person

DATA = Path(__file__).parent / "data"
CLEAN = DATA / "import_clean.csv"
FAULTS = DATA / "import_faults.csv"
HEADER = "employee_id,full_name,email,manager_id,department,team,title,city,country\n"

pytestmark = pytest.mark.django_db


def run(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_people", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


def run_text(tmp_path: Path, text: str, *args: str, name: str = "people.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return run(path, *args)


def database_state() -> dict[str, list[str]]:
    """Every row of every table, to prove that nothing at all was written."""
    state = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            state[table] = sorted(repr(row) for row in cursor.fetchall())
    return state


def people() -> dict[str, Person]:
    return {p.employee_id: p for p in Person.objects.select_related("org_unit", "manager")}


# --- Faults ------------------------------------------------------------------------------

EXPECTED_FAULTS = [
    (3, "email", "not a valid email"),
    (4, "employee_id", "duplicate employee id: also on row 3"),
    (5, "email", "duplicate email: also on row 2"),
    (6, "start_date", "no such day"),
    (7, "start_date", "either way round"),
    (8, "timezone", "unknown time zone"),
    (9, "city", "no city called 'Atlantis'"),
    (10, "manager_id", "nobody in this file or in Kith has employee id E999"),
    (11, "manager_id", "cannot be their own manager"),
    (12, "manager_id", "managers go round in a circle"),
    (13, "manager_id", "managers go round in a circle"),
    (14, "", "the header has 12 columns but this row has 9"),
    (15, "full_name", "every person needs a name"),
    (16, "employment_type", "unknown employment type"),
    (17, "team", "a team needs its department"),
    (18, "country", "needed to find the city 'Lisbon'"),
    (19, "country", "unknown country 'Narnia'"),
    (20, "start_date", "not a date"),
    (21, "employee_id", "every person needs an employee id"),
]


def parse_table(output: str) -> list[tuple[int, str, str]]:
    lines = output.splitlines()
    starts = [lines[0].index(h) for h in ("Row", "Column", "Value", "Reason")]
    found = []
    for line in lines[2:]:
        row = int(line[: starts[1]].strip())
        column = line[starts[1] : starts[2]].strip()
        found.append((row, column, line[starts[3] :]))
    return found


def test_every_fault_is_listed_and_nothing_is_written():
    run(CLEAN)  # a directory with people in it, so "unchanged" means something
    before = database_state()
    code, out, err = run(FAULTS)
    assert code == 2
    assert "Nothing was imported" in err and "19 problems" in err
    found = parse_table(out)
    assert len(found) == len(EXPECTED_FAULTS)
    for (row, column, reason), (got_row, got_column, got_reason) in zip(
        EXPECTED_FAULTS, found, strict=True
    ):
        assert (got_row, got_column) == (row, column)
        assert reason in got_reason
    assert database_state() == before


def test_missing_required_columns(tmp_path):
    code, out, _ = run_text(tmp_path, "Employee ID,Department\nE1,Sales\n")
    assert code == 2
    assert [(r, c) for r, c, _ in parse_table(out)] == [(1, "full_name"), (1, "email")]
    assert not Person.objects.exists()


def without_column(path: Path, name: str) -> str:
    """The file with one column cut out of the header and of every row."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    index = rows[0].index(name)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [cell for at, cell in enumerate(row) if at != index] for row in rows
    )
    return out.getvalue()


# The faults that need the column to be seen at all. Without employee ids, managers, emails
# taken in Kith and circles cannot be matched, so those checks wait for the column.
NEEDS_COLUMN = {
    "full_name": {15},
    "email": {3, 5},
    "employee_id": {4, 10, 11, 12, 13, 21},
}


@pytest.mark.parametrize("missing", NEEDS_COLUMN)
def test_missing_column_still_lists_every_other_fault(tmp_path, missing):
    """The issue's acceptance: a file with faults of every kind lists every fault with its
    row and column, a missing column among them, and writes nothing."""
    run(CLEAN)
    before = database_state()
    code, out, err = run_text(tmp_path, without_column(FAULTS, missing))
    assert code == 2
    expected = [(1, missing, "required column is missing")] + [
        (row, column, "this row has 8" if row == 14 else reason)
        for row, column, reason in EXPECTED_FAULTS
        if row not in NEEDS_COLUMN[missing]
    ]
    found = parse_table(out)
    assert [(r, c) for r, c, _ in found] == [(r, c) for r, c, _ in expected]
    for (_, _, reason), (_, _, got_reason) in zip(expected, found, strict=True):
        assert reason in got_reason
    assert f"{len(expected)} problems" in err
    assert database_state() == before


def test_missing_column_with_a_clean_rest_writes_nothing(tmp_path):
    code, out, _ = run_text(tmp_path, without_column(CLEAN, "email"))
    assert code == 2
    assert [(r, c) for r, c, _ in parse_table(out)] == [(1, "email")]
    assert not Person.objects.exists()


def test_doubled_header_and_row_faults_are_listed_together(tmp_path):
    text = "Employee ID,Employee Number,Name,Email\nE1,E1,Ana,not-an-email\nE2,E2,,b@example.com\n"
    code, out, _ = run_text(tmp_path, text)
    assert code == 2
    assert [(r, c) for r, c, _ in parse_table(out)] == [
        (1, "employee_id"),
        (2, "Email"),
        (3, "Name"),
    ]
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"employee_id,full_name,email\n", "header row but nobody"),
        ("employee_id,full_name,email\n1,Zoë,z@example.com\n".encode("cp1252"), "not UTF-8"),
    ],
)
def test_unreadable_files(tmp_path, content, reason):
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    code, out, _ = run(path)
    assert code == 2 and reason in out


def test_missing_file():
    code, _, err = run("/nonexistent/people.csv")
    assert code == 2 and "Cannot read" in err


# --- A clean import ----------------------------------------------------------------------


def test_clean_file_imports_everything():
    code, out, _ = run(CLEAN)
    assert code == 0, out
    assert "Created" in out and "10" in out
    found = people()
    assert len(found) == 10
    ana, chloe, eva, ivan = found["E001"], found["E003"], found["E005"], found["E009"]
    assert ana.manager is None and ana.org_unit.name == "Leadership"
    assert ana.org_unit.kind == OrgUnit.Kind.DEPARTMENT and ana.org_unit.depth == 0
    assert (ana.city, ana.country, ana.timezone) == ("Lisbon", "PT", "Europe/Lisbon")
    assert ana.latitude == pytest.approx(38.725, abs=0.01)
    assert str(ana.start_date) == "2015-03-02" and ana.employment_type == "employee"
    assert chloe.manager.employee_id == "E002"
    assert chloe.org_unit.name == "Platform" and chloe.org_unit.kind == OrgUnit.Kind.TEAM
    assert chloe.org_unit.parent.name == "Engineering"
    assert chloe.org_unit.path == f"{chloe.org_unit.parent_id}.{chloe.org_unit.pk}."
    assert chloe.search_text == "chloe dubois | staff engineer | platform | paris"
    assert found["E004"].employment_type == "contractor"
    assert found["E006"].employment_type == "freelancer"
    assert (eva.city, eva.timezone) == ("Köln", "Europe/Berlin")
    assert (ivan.city, ivan.country, ivan.timezone, ivan.start_date) == ("", "", "", None)
    assert ivan.latitude is None
    assert OrgUnit.objects.count() == 7
    # Everyone can sign in with their work email.
    assert set(User.objects.values_list("email", flat=True)) == {p.email for p in found.values()}
    [event] = AuditEvent.objects.filter(action="directory.import")
    assert event.target == "import_clean.csv"
    assert event.detail["created"] == 10 and event.detail["rows"] == 10
    assert "example.com" not in repr(event.detail)  # counts only, never personal data


def test_reimport_changes_nothing():
    run(CLEAN)
    stamps = dict(Person.objects.values_list("employee_id", "updated_at"))
    code, out, _ = run(CLEAN)
    assert code == 0
    assert out.startswith("No changes: the directory already matches")
    assert dict(Person.objects.values_list("employee_id", "updated_at")) == stamps
    assert OrgUnit.objects.count() == 7


def test_bom_semicolons_quotes_and_aliases():
    code, out, _ = run(DATA / "import_bom_semicolon.csv")
    assert code == 0, out
    found = people()
    minh, siobhan, jorg = found["P-100"], found["P-101"], found["P-102"]
    assert (minh.full_name, minh.preferred_name) == ("Nguyen, Minh", "Minh")
    assert minh.title == "Head of Operations; EMEA"
    assert str(minh.start_date) == "2019-02-01"
    assert minh.country == "DE" and minh.timezone == "Europe/Berlin"
    assert siobhan.title == "Logistics Lead (night shift)"  # a line break inside quotes
    assert siobhan.employment_type == "contractor"
    assert siobhan.timezone == "Europe/Dublin" and str(siobhan.start_date) == "2021-03-15"
    assert siobhan.manager == minh and siobhan.org_unit.name == "Logistics"
    assert jorg.title == 'Driver, "senior"' and jorg.city == "Munich"
    assert str(jorg.start_date) == "2022-07-04"


def test_hris_style_headers(tmp_path):
    text = (
        "Employee #,First Name,Last Name,Email Address,Reports To ID,DEPARTMENT,Job Title,"
        "Employee Type,Work City,Work Country,Start Date,Shoe Size\n"
        "77,Ada,Lovelace,Ada@Example.com,,Research,Analyst,Full-Time,London,United Kingdom,"
        "10 Dec 2015,39\n"
    )
    code, out, _ = run_text(tmp_path, text)
    assert code == 0, out
    assert "Ignored columns: Shoe Size." in out
    ada = Person.objects.get(employee_id="77")
    assert (ada.full_name, ada.email, ada.title) == ("Ada Lovelace", "ada@example.com", "Analyst")
    assert (ada.city, ada.country, str(ada.start_date)) == ("London", "GB", "2015-12-10")


# --- Updates, partial files and deactivation -------------------------------------------------


def test_partial_file_updates_only_its_columns(tmp_path):
    run(CLEAN)
    Person.objects.filter(employee_id="E003").update(preferred_name="Clo")
    text = (
        "Employee ID,Name,Email,Job Title,Manager ID\n"
        "E003,Chloé Dubois,chloe.dubois@example.com,Principal Engineer,E001\n"
    )
    code, out, _ = run_text(tmp_path, text)
    assert code == 0, out
    assert "chloé dubois" not in out.casefold() or "Principal" not in out
    assert "Chloé Dubois (title, manager)" in out
    chloe = people()["E003"]
    assert chloe.title == "Principal Engineer" and chloe.manager.employee_id == "E001"
    assert chloe.org_unit.name == "Platform" and chloe.city == "Paris"  # columns not in the file
    assert chloe.preferred_name == "Clo"  # the person owns it after the first import
    assert chloe.search_text == "chloe dubois | clo | principal engineer | platform | paris"
    assert Person.objects.filter(is_active=True).count() == 10  # nobody deactivated


def test_deactivate_missing_never_deletes(tmp_path):
    run(CLEAN)
    lines = CLEAN.read_text(encoding="utf-8").splitlines(keepends=True)
    without_ivan = "".join(line for line in lines if not line.startswith("E009"))
    code, out, _ = run_text(tmp_path, without_ivan)
    assert code == 0 and out.startswith("No changes")  # without the flag nobody leaves
    code, out, _ = run_text(tmp_path, without_ivan, "--deactivate-missing")
    assert code == 0, out
    assert "Deactivated" in out and "Ivan Petrov" in out
    ivan = Person.objects.get(employee_id="E009")
    assert not ivan.is_active
    assert not User.objects.get(email=ivan.email).is_active
    assert Person.objects.count() == 10
    # Back in the next export: reactivated, with their login.
    code, out, _ = run(CLEAN, "--deactivate-missing")
    assert "Reactivated" in out
    ivan.refresh_from_db()
    assert ivan.is_active and User.objects.get(email=ivan.email).is_active


def test_full_export_needs_every_manager_in_the_file(tmp_path):
    run(CLEAN)
    text = HEADER + "E100,New Person,new.person@example.com,E001,Sales,,Rep,Lisbon,PT\n"
    code, out, _ = run_text(tmp_path, text)
    assert code == 0  # a partial file may point at a manager already in Kith
    code, out, _ = run_text(tmp_path, text, "--deactivate-missing")
    assert code == 2 and "every manager must be in the file" in out


def test_manager_who_left_is_refused(tmp_path):
    run(CLEAN)
    Person.objects.filter(employee_id="E007").update(is_active=False)
    text = HEADER + "E100,New Person,new.person@example.com,E007,People,,Rep,Lisbon,PT\n"
    code, out, _ = run_text(tmp_path, text)
    assert code == 2 and "E007 has left" in out


def test_cycle_with_the_directory_is_refused(tmp_path):
    run(CLEAN)
    before = database_state()
    text = HEADER + "E001,Ana Silva,ana.silva@example.com,E003,Leadership,,CEO,Lisbon,PT\n"
    code, out, _ = run_text(tmp_path, text)
    assert code == 2 and "E001 → E003 → E002 → E001" in out
    assert database_state() == before


def test_emails_can_swap(tmp_path):
    run(CLEAN)
    text = (
        "employee_id,full_name,email\n"
        "E001,Ana Silva,bruno.costa@example.com\nE002,Bruno Costa,ana.silva@example.com\n"
    )
    code, out, _ = run_text(tmp_path, text)
    assert code == 0, out
    found = people()
    assert found["E001"].email == "bruno.costa@example.com"
    assert found["E002"].email == "ana.silva@example.com"


def test_email_of_someone_else_is_refused(tmp_path):
    run(CLEAN)
    text = "employee_id,full_name,email\nE100,Ana Again,ana.silva@example.com\n"
    code, out, _ = run_text(tmp_path, text)
    assert code == 2 and "belongs to employee E001" in out


def test_moving_teams_and_clearing_cells(tmp_path):
    run(CLEAN)
    text = HEADER + "E004,Dan Okafor,dan.okafor@example.com,,Engineering,Mobile,,,\n"
    code, out, _ = run_text(tmp_path, text)
    assert code == 0, out
    dan = people()["E004"]
    assert dan.org_unit.name == "Mobile" and dan.manager is None
    assert (dan.title, dan.city, dan.country, dan.latitude) == ("", "", "", None)
    assert OrgUnit.objects.filter(name="Mobile").count() == 1


def test_dry_run_writes_nothing():
    before = database_state()
    code, out, _ = run(CLEAN, "--dry-run")
    assert code == 0
    assert out.startswith("Dry run, nothing written.")
    assert "To create" in out and "Ana Silva" in out
    assert database_state() == before


def test_dry_run_of_the_same_file_says_no_changes():
    run(CLEAN)
    code, out, _ = run(CLEAN, "--dry-run", "--deactivate-missing")
    assert code == 0 and "No changes" in out


def test_command_line_exit_status_and_untouched_database_file(tmp_path):
    """The real `kith` command on a real SQLite file: the bytes do not change."""
    env = {
        **os.environ,
        "KITH_DATA_DIR": str(tmp_path),
        "KITH_MODE": "development",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)
    kith = [sys.executable, "-m", "kith.cli"]
    root = Path(__file__).resolve().parents[3]
    subprocess.run([*kith, "migrate", "-v0"], env=env, cwd=root, check=True, capture_output=True)

    def digest() -> str:
        files = sorted(tmp_path.glob("kith.sqlite3*"))
        return hashlib.sha256(
            b"".join(f.name.encode() + f.read_bytes() for f in files if not f.name.endswith("-shm"))
        ).hexdigest()

    faults = tmp_path / "faults.csv"
    # Every row is fine on its own, so the managers are checked inside the write
    # transaction, which must end without writing a byte.
    faults.write_text(
        HEADER + "E001,Ana Silva,ana.silva@example.com,E002,Leadership,,CEO,,\n"
        "E002,Bo Berg,bo.berg@example.com,E001,Sales,,Rep,,\n"
        "E003,Cy Dahl,cy.dahl@example.com,E999,Sales,,Rep,,\n",
        encoding="utf-8",
    )
    before = digest()
    result = subprocess.run(
        [*kith, "import_people", str(faults)], env=env, cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Nothing was imported: faults.csv has 3 problems" in result.stderr
    assert "managers go round in a circle" in result.stdout and "E999" in result.stdout
    assert digest() == before


def test_search_text_of_imported_people_matches_profile_services():
    """Import and profile edits must agree on the search text, or a re-import after someone
    adds interests would report a change that is not one."""
    from kith.directory.services import person_refresh_search_text, person_update_profile

    assert run(CLEAN)[0] == 0
    person = Person.objects.select_related("org_unit").get(employee_id="E003")
    person_update_profile(person=person, changes={}, interests=["Chess", "Jazz"])
    stored = Person.objects.get(pk=person.pk).search_text
    person_refresh_search_text(person)
    assert stored == person.search_text and "chess" in stored and "jazz" in stored
    code, out, _ = run(CLEAN)
    assert code == 0 and "No changes" in out, out
