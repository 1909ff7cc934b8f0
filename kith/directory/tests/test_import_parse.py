"""Reading and checking HRIS files without a database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kith.directory.engine.geocoding import Geocoder
from kith.directory.importing.parse import (
    ALIAS_INDEX,
    HEADER_ALIASES,
    decode,
    detect_delimiter,
    header_key,
    parse_csv,
)
from kith.directory.importing.report import problems_table
from kith.directory.importing.snapshot import ExistingPerson, Snapshot
from kith.directory.importing.validate import (
    EMPLOYMENT_TYPE_ALIASES,
    EMPLOYMENT_TYPES,
    _type_key,
    check_against_directory,
    check_rows,
    parse_date,
    parse_timezone,
)

HEADER = "employee_id,full_name,email,manager_id,department,team,city,country\n"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "import.md"


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder(5000)


def check(text: str, geocoder: Geocoder):
    parsed = parse_csv(text.encode())
    assert not parsed.problems, parsed.problems
    return check_rows(parsed, geocoder)


# --- Encoding and shape -------------------------------------------------------------------


def test_bom_is_removed():
    text, problems = decode("\ufeffemployee_id".encode())
    assert (text, problems) == ("employee_id", [])


def test_latin1_file_is_refused_with_the_line():
    content = "employee_id,full_name,email\n1,José,jose@example.com\n".encode("latin-1")
    parsed = parse_csv(content)
    [problem] = parsed.problems
    assert problem.row == 2
    assert "not UTF-8" in problem.reason and "CSV UTF-8" in problem.reason
    assert problem.value == "byte 0xE9"


def test_utf16_file_is_refused():
    [problem] = parse_csv("employee_id,full_name,email\n".encode("utf-16")).problems
    assert "UTF-16" in problem.reason


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_empty_file(content):
    [problem] = parse_csv(content).problems
    assert problem.row is None and problem.reason == "the file is empty"


def test_header_only():
    [problem] = parse_csv(b"employee_id,full_name,email\n").problems
    assert "nobody in it" in problem.reason


def test_semicolons_are_detected_and_quotes_respected():
    assert detect_delimiter('"a,b";c;d\n') == ";"
    assert detect_delimiter("a,b,c\n") == ","
    assert detect_delimiter("a\n") == ","


def test_quoted_cells_with_separators_and_line_breaks_keep_row_numbers():
    text = (
        "employee_id;full_name;email;title\n"
        '1;"Nguyen, Minh";minh@example.com;"Lead; EMEA"\n'
        '2;Bo;bo@example.com;"two\nlines"\n'
        "\n"
        '3;Cy;cy@example.com;"say ""hi"""\n'
    )
    parsed = parse_csv(text.encode())
    assert parsed.delimiter == ";"
    assert [row for row, _ in parsed.rows] == [2, 3, 5]  # the blank row 4 still counts
    assert parsed.rows[0][1][1] == "Nguyen, Minh"
    assert parsed.rows[0][1][3] == "Lead; EMEA"
    assert parsed.rows[1][1][3] == "two\nlines"
    assert parsed.rows[2][1][3] == 'say "hi"'


def test_unclosed_quote_is_a_problem():
    [problem] = parse_csv(b'employee_id,full_name,email\n1,"Ana,a@example.com\n').problems
    assert problem.row == 2 and "quote" in problem.reason


def test_wrong_number_of_fields(geocoder):
    checked = check(HEADER + "1,Ana,ana@example.com,,,,Lisbon\n", geocoder)
    [problem] = checked.problems
    assert (problem.row, problem.value) == (2, "7 cells")
    assert "8 columns" in problem.reason


# --- Headers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Employee ID", "employee_id"),
        ("employee_id", "employee_id"),
        ("  EMPLOYEE   number ", "employee_id"),
        ("Employee #", "employee_id"),
        ("Work Email", "email"),
        ("Email Address", "email"),
        ("work e-mail", "email"),
        ("Hire Date", "start_date"),
        ("Start Date", "start_date"),
        ("Manager ID", "manager_id"),
        ("Supervisor ID", "manager_id"),
        ("Job Title", "title"),
        ("Department", "department"),
        ("Team", "team"),
        ("Location City", "city"),
        ("Country", "country"),
        ("Time Zone", "timezone"),
        ("Worker Type", "employment_type"),
        ("Legal Name", "full_name"),
        ("Preferred Name", "preferred_name"),
        ("State/Province", "region"),
    ],
)
def test_header_aliases(header, column):
    assert ALIAS_INDEX[header_key(header)] == column


def test_aliases_do_not_collide():
    seen: dict[str, str] = {}
    for column, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            key = header_key(alias)
            assert seen.setdefault(key, column) == column, alias


def test_docs_list_every_alias_and_employment_type():
    docs = DOCS.read_text(encoding="utf-8")
    for column, aliases in HEADER_ALIASES.items():
        assert f"| `{column}` | {', '.join(aliases)} |" in docs, column
    for aliases in EMPLOYMENT_TYPE_ALIASES.values():
        assert ", ".join(aliases) in docs


def test_missing_required_columns_are_listed():
    parsed = parse_csv(b"Employee ID,Name,Department\n1,Ana,Sales\n")
    [problem] = parsed.problems
    assert (problem.row, problem.column) == (1, "email")
    assert '"Work Email"' in problem.reason


def test_rows_are_still_read_when_a_required_column_is_missing(geocoder):
    parsed = parse_csv(b"Name,Email,Start Date\nAna,a@example.com,03/04/2021\n,b@example.com,\n")
    assert parsed.readable and parsed.missing == ["employee_id"]
    assert [p.column for p in parsed.problems] == ["employee_id"]
    checked = check_rows(parsed, geocoder)
    # Row faults in the columns that are there; the missing one is not blamed on every row.
    assert [(p.row, p.column) for p in checked.problems] == [(2, "Start Date"), (3, "Name")]


def test_unreadable_files_stop_before_the_rows():
    assert not parse_csv(b"").readable
    assert not parse_csv(b"employee_id,full_name,email\n").readable
    assert not parse_csv(b'employee_id,full_name,email\n1,"Ana,a@example.com\n').readable
    assert not parse_csv("employee_id\n1\n".encode("utf-16")).readable
    assert parse_csv(b"Employee ID,Department\nE1,Sales\n").readable


def test_two_headers_meaning_the_same_column():
    parsed = parse_csv(b"Employee ID,Employee Number,Name,Email\n1,1,Ana,a@example.com\n")
    [problem] = parsed.problems
    assert problem.column == "employee_id" and "both mean" in problem.reason


def test_unknown_headers_are_ignored_and_reported():
    parsed = parse_csv(b"Employee ID,Name,Email,Shoe size\n1,Ana,a@example.com,38\n")
    assert not parsed.problems
    assert parsed.ignored_headers == ["Shoe size"]


def test_first_and_last_name_make_the_full_name(geocoder):
    checked = check(
        "Employee ID,First Name,Last Name,Email\n1,Ana,Silva,ana@example.com\n", geocoder
    )
    assert checked.records[0].fields["full_name"] == "Ana Silva"


# --- Values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-03-04", dt.date(2021, 3, 4)),
        ("2021-3-4", dt.date(2021, 3, 4)),
        ("2021-03-04T00:00:00", dt.date(2021, 3, 4)),
        ("2021-03-04 09:30:00+01:00", dt.date(2021, 3, 4)),
        ("2021/03/04", dt.date(2021, 3, 4)),
        ("04.03.2021", dt.date(2021, 3, 4)),
        ("4 Mar 2021", dt.date(2021, 3, 4)),
        ("04-Mar-2021", dt.date(2021, 3, 4)),
        ("4 March 2021", dt.date(2021, 3, 4)),
        ("March 4, 2021", dt.date(2021, 3, 4)),
        ("Sept 4 2021", dt.date(2021, 9, 4)),
    ],
)
def test_unambiguous_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("03/04/2021", "either way round; write it as YYYY-MM-DD (2021-04-03 or 2021-03-04)"),
        ("13/04/2021", "never guessed; write it as YYYY-MM-DD (2021-04-13?)"),
        ("04-13-2021", "never guessed"),
        ("03/04/21", "two-digit year"),
        ("2021-02-30", "no such day"),
        ("1850-01-01", "looks wrong"),
        ("44197", "not a date"),
        ("yesterday", "not a date"),
        ("4 Smarch 2021", "not a date"),
    ],
)
def test_ambiguous_or_bad_dates_are_refused(text, reason):
    with pytest.raises(
        ValueError, match=reason.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")
    ):
        parse_date(text)


def test_time_zones():
    assert parse_timezone("europe/lisbon") == "Europe/Lisbon"
    assert parse_timezone("(GMT+01:00) Central European Time (Europe/Berlin)") == "Europe/Berlin"
    assert parse_timezone("UTC") == "UTC"
    with pytest.raises(ValueError):
        parse_timezone("CET+1")


def test_employment_types():
    assert EMPLOYMENT_TYPES[_type_key("Full-time")] == "employee"
    assert EMPLOYMENT_TYPES[_type_key("Contingent Worker")] == "contractor"
    assert EMPLOYMENT_TYPES[_type_key("self employed")] == "freelancer"
    assert set(EMPLOYMENT_TYPE_ALIASES) == {"employee", "contractor", "freelancer"}


def test_row_values(geocoder):
    checked = check(
        "Employee ID,Name,Email,Worker Type,City,Country,Region,Time Zone,Hire Date\n"
        "7, Ana  Silva ,Ana.Silva@Example.COM,,Portland,US,Oregon,,2020-01-02\n"
        "8,Bo,bo@example.com,Contractor,Lisbon,Portugal,,Atlantic/Azores,\n",
        geocoder,
    )
    assert not checked.problems
    ana, bo = checked.records
    assert ana.fields["full_name"] == "Ana Silva"
    assert ana.fields["email"] == "ana.silva@example.com"
    assert ana.fields["employment_type"] == "employee"
    assert ana.fields["timezone"] == "America/Los_Angeles"
    assert (ana.fields["city"], ana.fields["country"]) == ("Portland", "US")
    assert ana.fields["start_date"] == dt.date(2020, 1, 2)
    assert ana.unit is None and ana.manager_id is None  # no such columns: left alone
    assert bo.fields["timezone"] == "Atlantic/Azores"  # the column wins over the city
    assert bo.fields["start_date"] is None


def test_ambiguous_city_asks_for_the_region(geocoder):
    checked = check(
        "Employee ID,Name,Email,City,Country\n1,Ana,a@example.com,Portland,US\n", geocoder
    )
    [problem] = checked.problems
    assert problem.column == "City" and "add the region" in problem.reason


# --- Managers ----------------------------------------------------------------------------


def existing(employee_id: str, manager: str = "", *, active: bool = True) -> ExistingPerson:
    values = {"email": f"{employee_id.lower()}@example.com", "full_name": employee_id}
    return ExistingPerson(1, employee_id, active, None, manager, values)


def directory(*people: ExistingPerson) -> Snapshot:
    return Snapshot(people={p.employee_id: p for p in people})


def manager_problems(rows: str, snapshot: Snapshot, geocoder, *, full: bool = False):
    checked = check(HEADER + rows, geocoder)
    assert not checked.problems
    return [
        (p.row, p.column, p.value)
        for p in check_against_directory(checked, snapshot, deactivate_missing=full)
    ]


def test_manager_may_be_in_the_directory_for_a_partial_file(geocoder):
    rows = "1,Ana,a@example.com,B9,,,,\n"
    assert manager_problems(rows, directory(existing("B9")), geocoder) == []
    assert manager_problems(rows, directory(), geocoder) == [(2, "manager_id", "B9")]
    assert manager_problems(rows, directory(existing("B9", active=False)), geocoder) == [
        (2, "manager_id", "B9")
    ]
    # A complete export must hold every manager itself.
    assert manager_problems(rows, directory(existing("B9")), geocoder, full=True) == [
        (2, "manager_id", "B9")
    ]


def test_manager_cycle_through_the_directory(geocoder):
    # In Kith, B reports to A; the file now says A reports to B.
    snapshot = directory(existing("A"), existing("B", manager="A"))
    assert manager_problems("A,Ana,a@example.com,B,,,,\n", snapshot, geocoder) == [
        (2, "manager_id", "B")
    ]
    # The same file with B's new manager fixes the loop.
    rows = "A,Ana,a@example.com,B,,,,\nB,Bo,b@example.com,,,,,\n"
    assert manager_problems(rows, snapshot, geocoder) == []


def test_long_cycle_is_reported_on_every_row(geocoder):
    rows = (
        "1,A,a@example.com,2,,,,\n2,B,b@example.com,3,,,,\n3,C,c@example.com,1,,,,\n"
        "4,D,d@example.com,1,,,,\n"
    )
    problems = manager_problems(rows, directory(), geocoder)
    assert [p[0] for p in problems] == [2, 3, 4]


def test_email_of_someone_else_in_the_directory(geocoder):
    snapshot = directory(existing("OLD", active=False))
    rows = "NEW,Ana,old@example.com,,,,,\n"
    assert manager_problems(rows, snapshot, geocoder) == [(2, "email", "old@example.com")]


def test_problem_table_is_aligned():
    parsed = parse_csv(b"Employee ID,Name\n1,Ana\n")
    table = problems_table(parsed.problems).splitlines()
    assert table[0].split() == ["Row", "Column", "Value", "Reason"]
    assert table[2].startswith("1    email")
