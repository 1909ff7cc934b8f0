"""Reading an HRIS export: bytes -> header map and raw rows. Pure Python, no Django.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first person row 2,
and a quoted cell that spans several lines still belongs to one row.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kith.directory.engine.text import fold

# The columns Kith understands, in the order problems and docs list them.
CANONICAL_COLUMNS = (
    "employee_id",
    "full_name",
    "email",
    "manager_id",
    "department",
    "team",
    "title",
    "employment_type",
    "city",
    "country",
    "timezone",
    "start_date",
)
EXTRA_COLUMNS = ("preferred_name", "pronouns", "region", "first_name", "last_name")
ALL_COLUMNS = CANONICAL_COLUMNS + EXTRA_COLUMNS
REQUIRED_COLUMNS = ("employee_id", "full_name", "email")

# Header names used by common HRIS exports (Workday, BambooHR, Personio, HiBob, ...). Matching
# ignores case, accents, spaces and punctuation, and "#" reads as "number". Keep docs/import.md
# in step with this table.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "employee_id": (
        "Employee ID",
        "Employee Number",
        "Employee No",
        "Employee #",
        "Employee Code",
        "EEID",
        "Emp ID",
        "Worker ID",
        "Person ID",
        "Personnel Number",
        "Staff ID",
        "Staff Number",
    ),
    "full_name": ("Full Name", "Name", "Legal Name", "Employee Name", "Worker Name", "Worker"),
    "first_name": ("First Name", "Given Name", "Legal First Name", "Forename"),
    "last_name": ("Last Name", "Surname", "Family Name", "Legal Last Name"),
    "preferred_name": ("Preferred Name", "Display Name", "Known As", "Nickname"),
    "pronouns": ("Pronouns", "Preferred Pronouns"),
    "email": (
        "Email",
        "E-mail",
        "Email Address",
        "Work Email",
        "Work Email Address",
        "Business Email",
        "Company Email",
        "Primary Work Email",
        "Email - Primary Work",
        "Work E-mail",
    ),
    "manager_id": (
        "Manager ID",
        "Manager Employee ID",
        "Manager Number",
        "Manager Employee Number",
        "Manager #",
        "Supervisor ID",
        "Supervisor Employee ID",
        "Reports To ID",
        "Reports To Employee ID",
        "Line Manager ID",
    ),
    "department": ("Department", "Dept", "Department Name"),
    "team": ("Team", "Team Name", "Sub-department", "Subdepartment"),
    "title": ("Title", "Job Title", "Business Title", "Position", "Position Title"),
    "employment_type": (
        "Employment Type",
        "Worker Type",
        "Employee Type",
        "Worker Category",
        "Contract Type",
    ),
    "city": ("City", "Location City", "Work City", "Office City", "Work Location City", "Town"),
    "country": (
        "Country",
        "Location Country",
        "Work Country",
        "Country Code",
        "Work Location Country",
        "Country/Region",
    ),
    "region": ("Region", "State", "Province", "State/Province", "Location State", "Work State"),
    "timezone": ("Timezone", "Time Zone", "TZ", "Work Time Zone", "Location Time Zone"),
    "start_date": (
        "Start Date",
        "Hire Date",
        "Date of Hire",
        "Joining Date",
        "Join Date",
        "Date Joined",
        "Employment Start Date",
        "First Day",
    ),
}

DELIMITERS = (",", ";")


def header_key(header: str) -> str:
    """ "Employee #" -> "employeenumber", "Work E-mail" -> "workemail", "employee_id" -> ..."""
    return re.sub(r"[^a-z0-9]", "", fold(header.replace("#", " number ")))


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for column in ALL_COLUMNS:
        index[header_key(column)] = column
        for alias in HEADER_ALIASES.get(column, ()):
            index[header_key(alias)] = column
    return index


ALIAS_INDEX = _alias_index()


@dataclass(frozen=True)
class Problem:
    """One reason the file cannot be imported. `row` is None when it concerns the whole file."""

    row: int | None
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class ParsedFile:
    delimiter: str = ","
    headers: list[str] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)  # canonical column -> field index
    ignored_headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number, cells)
    problems: list[Problem] = field(default_factory=list)
    # Required columns the header lacks: reported once on row 1, never again on every row.
    missing: list[str] = field(default_factory=list)
    # False when the rows cannot be read at all (encoding, empty file, broken quotes). A
    # header problem alone leaves them readable: the columns that are there are still checked.
    readable: bool = True

    def has(self, column: str) -> bool:
        return column in self.columns


def decode(content: bytes) -> tuple[str, list[Problem]]:
    """UTF-8 with or without a byte-order mark; anything else gets a message saying how to fix
    it, because a wrongly decoded name would be imported silently wrong."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content[:4096]:
        return "", [
            _file_problem(
                _("the file looks like UTF-16 (it has NUL bytes), not UTF-8: %(fix)s")
                % {"fix": _save_as_utf8()}
            )
        ]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        bad = content[exc.start : exc.start + 1]
        return "", [
            Problem(
                row=line,
                column="",
                value=_("byte 0x%(hex)s") % {"hex": bad.hex().upper()},
                reason=_("the file is not UTF-8 (first bad byte on line %(line)d): %(fix)s")
                % {"line": line, "fix": _save_as_utf8()},
            )
        ]
    if "\x00" in text:
        return "", [
            _file_problem(_("the file contains NUL characters: %(fix)s") % {"fix": _save_as_utf8()})
        ]
    return text, []


def _save_as_utf8() -> str:
    return _("save it as “CSV UTF-8” from your spreadsheet or HR system and upload it again")


def _file_problem(reason: str, column: str = "", value: str = "") -> Problem:
    return Problem(row=None, column=column, value=value, reason=reason)


def detect_delimiter(text: str) -> str:
    """The header decides: whichever of comma or semicolon occurs more often outside quotes."""
    first_line = text.split("\n", 1)[0]
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], d == ","))


@dataclass
class HeaderMap:
    columns: dict[str, int]  # canonical column -> field index
    ignored: list[str]  # headers Kith does not know, as written
    missing: list[str]  # required columns that are not there
    problems: list[Problem]


def map_headers(headers: list[str]) -> HeaderMap:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[Problem] = []
    for index, raw in enumerate(headers):
        header = raw.strip()
        column = ALIAS_INDEX.get(header_key(header))
        if column is None:
            if header:
                ignored.append(header)
        elif column in columns:
            first = headers[columns[column]].strip()
            problems.append(
                Problem(
                    1,
                    column,
                    header,
                    _(
                        "“%(first)s” and “%(second)s” both mean %(column)s: remove or rename "
                        "one of them"
                    )
                    % {"first": first, "second": header, "column": column},
                )
            )
        else:
            columns[column] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if "full_name" in missing and {"first_name", "last_name"} <= columns.keys():
        missing.remove("full_name")  # built from first and last name
    for column in missing:
        accepted = ", ".join(f'"{a}"' for a in (column, *HEADER_ALIASES.get(column, ())))
        problems.append(
            Problem(
                1,
                column,
                "",
                _("required column is missing (accepted headers: %(headers)s)")
                % {"headers": accepted},
            )
        )
    return HeaderMap(columns, ignored, missing, problems)


def parse_csv(content: bytes) -> ParsedFile:
    """Decode, detect the delimiter, map the header and split the rows. Problems that make
    the rows unreadable (encoding, an empty file, a quote that never closes) stop here and
    clear `readable`; header problems (a missing or doubled column) are reported and the rows
    are still split, so the columns that are there can be checked too."""
    text, problems = decode(content)
    parsed = ParsedFile(problems=problems, readable=not problems)
    if problems:
        return parsed
    if not text.strip():
        parsed.problems.append(_file_problem(_("the file is empty")))
        parsed.readable = False
        return parsed
    parsed.delimiter = detect_delimiter(text)
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=parsed.delimiter,
        strict=True,
        skipinitialspace=True,
    )
    row_number = 0
    try:
        for row_number, cells in enumerate(reader, start=1):
            if row_number == 1:
                parsed.headers = cells
            elif any(cell.strip() for cell in cells):
                parsed.rows.append((row_number, cells))
    except csv.Error as exc:
        parsed.problems.append(
            Problem(
                row_number + 1,
                "",
                "",
                _(
                    "the row cannot be read as CSV (%(error)s); check that every quote that "
                    "opens a cell also closes it"
                )
                % {"error": exc},
            )
        )
        parsed.readable = False
        return parsed
    header = map_headers(parsed.headers)
    parsed.columns, parsed.ignored_headers = header.columns, header.ignored
    parsed.missing = header.missing
    parsed.problems.extend(header.problems)
    if not parsed.rows:
        parsed.problems.append(_file_problem(_("the file has a header row but nobody in it")))
        parsed.readable = False
    return parsed
