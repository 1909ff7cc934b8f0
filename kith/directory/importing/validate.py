"""Checking every row of a parsed HRIS file. Pure Python apart from Django's gettext (reasons
are in the active language): the geocoder, zoneinfo and email-validator are the only outside
helpers.

Two passes: `check_rows` looks at each row on its own and at the file as a whole (duplicates);
`check_against_directory` looks at what the directory already holds (manager ids, emails
taken by someone else, manager cycles). Every problem is collected; nothing stops early.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

import holidays as holiday_calendars
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from kith.directory.engine.geocoding import Geocoder, GeocodingError, Place
from kith.directory.engine.text import fold
from kith.directory.importing.parse import ParsedFile, Problem
from kith.directory.importing.progress import STAGE_CHECK, NoProgress, Progress
from kith.directory.importing.snapshot import Snapshot

MAX_LENGTHS = {
    "employee_id": 64,
    "full_name": 200,
    "preferred_name": 200,
    "pronouns": 40,
    "email": 254,
    "title": 200,
    "department": 200,
    "team": 200,
}
PROGRESS_STEP = 1000

# --- Employment type -------------------------------------------------------------------------

EMPLOYMENT_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    # On the payroll, whatever the hours or the length of the contract.
    "employee": (
        "Employee",
        "Full-time",
        "Part-time",
        "Full-time employee",
        "Part-time employee",
        "Permanent",
        "Regular",
        "Regular employee",
        "Fixed-term",
        "Temporary",
        "Salaried",
        "Hourly",
        "Intern",
        "Internship",
        "Trainee",
        "Apprentice",
        "Working student",
        "Staff",
    ),
    # Works for us through a contract or an agency.
    "contractor": (
        "Contractor",
        "Contract",
        "Contract worker",
        "Contingent",
        "Contingent worker",
        "Consultant",
        "Agency",
        "Agency worker",
        "Independent contractor",
    ),
    # Self-employed, engaged directly.
    "freelancer": ("Freelancer", "Freelance", "Self-employed"),
}


def _type_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


EMPLOYMENT_TYPES = {
    _type_key(alias): value
    for value, aliases in EMPLOYMENT_TYPE_ALIASES.items()
    for alias in aliases
}

# --- Dates -----------------------------------------------------------------------------------

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_YEAR_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ ,-]+(\d{4})")
_MONTH_NAME_DAY = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})")
_SLASHED = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})")


def _make_date(year: str, month: str | int, day: str) -> dt.date:
    try:
        value = dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(_("there is no such day; write it as YYYY-MM-DD")) from None
    if not 1900 <= value.year <= 2100:
        raise ValueError(
            _("the year %(year)s looks wrong; write it as YYYY-MM-DD") % {"year": value.year}
        )
    return value


def parse_date(text: str) -> dt.date:
    """Accepts only formats whose day and month cannot be mixed up (see docs/import.md)."""
    if m := _ISO.fullmatch(text) or _YEAR_SLASH.fullmatch(text):
        return _make_date(m[1], m[2], m[3])
    if m := _DOTTED.fullmatch(text):
        return _make_date(m[3], m[2], m[1])
    if (m := _DAY_MONTH_NAME.fullmatch(text)) and m[2].casefold() in MONTHS:
        return _make_date(m[3], MONTHS[m[2].casefold()], m[1])
    if (m := _MONTH_NAME_DAY.fullmatch(text)) and m[1].casefold() in MONTHS:
        return _make_date(m[3], MONTHS[m[1].casefold()], m[2])
    if m := _SLASHED.fullmatch(text):
        raise ValueError(_ambiguous_date_reason(m[1], m[2], m[3]))
    raise ValueError(_("not a date Kith can read; write it as YYYY-MM-DD"))


def _ambiguous_date_reason(first: str, second: str, year: str) -> str:
    if len(year) == 2:
        return _("a two-digit year is ambiguous; write it as YYYY-MM-DD")
    readings = []
    for day, month in ((first, second), (second, first)):
        try:
            readings.append(dt.date(int(year), int(month), int(day)).isoformat())
        except ValueError:
            continue
    if len(set(readings)) == 2:
        return _(
            "day and month could be either way round; write it as YYYY-MM-DD "
            "(%(first)s or %(second)s)"
        ) % {"first": readings[0], "second": readings[1]}
    if readings:
        return _("day/month order is never guessed; write it as YYYY-MM-DD (%(reading)s?)") % {
            "reading": readings[0]
        }
    return _("day/month order is never guessed; write it as YYYY-MM-DD")


def _too_long(limit: int) -> str:
    return _("longer than %(limit)d characters") % {"limit": limit}


# --- Time zones ------------------------------------------------------------------------------

_ZONES = {name.casefold(): name for name in zoneinfo.available_timezones()}
_ZONE_IN_LABEL = re.compile(r"\(([A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+)\)")


@functools.lru_cache(maxsize=512)
def holiday_region(country: str, text: str) -> str | None:
    """The `holidays` package's subdivision code for `text` (a code or a name, any case) in
    this country: what decides a person's regional public holidays. "" when the package has
    no subdivisions for the country (the column then only helps find the city); None when
    the country has them and `text` is none of them."""
    try:
        calendar = holiday_calendars.country_holidays(country)
    except NotImplementedError:
        return ""
    codes = {str(c).casefold(): str(c) for c in getattr(calendar, "subdivisions", ())}
    if not codes:
        return ""
    aliases = getattr(calendar, "subdivisions_aliases", {}) or {}
    names = {fold(str(name)): str(code) for name, code in aliases.items()}
    wanted = text.strip()
    return codes.get(wanted.casefold()) or names.get(fold(wanted))


def holiday_region_codes(country: str) -> list[str]:
    try:
        return sorted(str(c) for c in holiday_calendars.country_holidays(country).subdivisions)
    except NotImplementedError:
        return []


def parse_timezone(text: str) -> str:
    """An IANA name in any case ("europe/lisbon"), or a label with one in brackets, as some
    HRIS exports write them: "(GMT+01:00) Central European Time (Europe/Berlin)"."""
    zone = _ZONES.get(text.strip().casefold())
    if zone is None and (m := _ZONE_IN_LABEL.search(text)):
        zone = _ZONES.get(m[1].casefold())
    if zone is None:
        raise ValueError(_("unknown time zone: use an IANA name such as Europe/Lisbon"))
    return zone


# --- Rows ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowKeys:
    """The identifiers of one row, kept even when the row has problems, so a later check does
    not report "manager not found" only because the manager's own row had a typo."""

    row: int
    employee_id: str
    email: str  # lower-cased; "" when missing or unreadable
    manager_id: str | None  # None when the file has no manager column


@dataclass(slots=True)
class PersonRecord:
    """One valid row, ready to plan. `fields` holds only what the file says (model attribute
    names); a column the file does not have is left alone on existing people."""

    row: int
    employee_id: str
    fields: dict[str, object]
    unit: tuple[str, str] | None  # (department, team); ("", "") = no unit; None = leave alone
    manager_id: str | None  # "" = no manager; None = leave alone

    @property
    def name(self) -> str:
        return str(self.fields["full_name"])


@dataclass
class CheckedRows:
    records: list[PersonRecord] = field(default_factory=list)
    keys: list[RowKeys] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class RowChecker:
    def __init__(self, parsed: ParsedFile, geocoder: Geocoder) -> None:
        self.parsed = parsed
        self.geocoder = geocoder
        self.labels = {c: parsed.headers[i].strip() for c, i in parsed.columns.items()}
        self._places: dict[tuple[str, str, str], Place | Problem] = {}
        self._countries: dict[str, str | Problem] = {}
        self._dates: dict[str, dt.date | str] = {}
        self._zones: dict[str, str] = {}
        self._types: dict[str, str | None] = {}

    def label(self, column: str) -> str:
        return self.labels.get(column, column)

    def check(
        self, row: int, cells: list[str]
    ) -> tuple[PersonRecord | None, RowKeys, list[Problem]]:
        if len(cells) != len(self.parsed.headers):
            return None, self._keys_of_misshapen(row, cells), [self._shape_problem(row, cells)]
        problems: list[Problem] = []

        def cell(column: str) -> str:
            index = self.parsed.columns.get(column)
            return cells[index].strip() if index is not None else ""

        def problem(column: str, reason: str, value: str | None = None) -> None:
            shown = cell(column) if value is None else value
            problems.append(Problem(row, self.label(column), shown, reason))

        employee_id = cell("employee_id")
        email = self._email(cell("email"), problem) if self.parsed.has("email") else ""
        manager_id = cell("manager_id") if self.parsed.has("manager_id") else None
        keys = RowKeys(row, employee_id, email, manager_id)
        fields: dict[str, object] = {"email": email}
        self._identity(cell, problem, fields)
        self._job(cell, problem, fields)
        self._location(cell, problem, fields)
        unit = self._unit(cell, problem)
        if manager_id and manager_id == employee_id:
            problem("manager_id", _("a person cannot be their own manager"))
        if problems:
            return None, keys, problems
        return PersonRecord(row, employee_id, fields, unit, manager_id), keys, []

    def _keys_of_misshapen(self, row: int, cells: list[str]) -> RowKeys:
        index = self.parsed.columns.get("employee_id")
        employee_id = cells[index].strip() if index is not None and index < len(cells) else ""
        return RowKeys(row, employee_id, "", None)

    def _shape_problem(self, row: int, cells: list[str]) -> Problem:
        expected = len(self.parsed.headers)
        return Problem(
            row,
            "",
            _("%(n)d cells") % {"n": len(cells)},
            _(
                "the header has %(expected)d columns but this row has %(found)d: check for a "
                "missing or extra separator, or an unquoted comma or semicolon in a cell"
            )
            % {"expected": expected, "found": len(cells)},
        )

    @staticmethod
    def _email(text: str, problem: Callable[..., None]) -> str:
        if not text:
            problem("email", _("required: every person needs a work email"))
            return ""
        try:
            checked = validate_email(text, check_deliverability=False)
        except EmailNotValidError as exc:
            problem("email", _("not a valid email address: %(error)s") % {"error": exc})
            return ""
        return checked.normalized.lower()

    def _identity(
        self, cell: Callable[[str], str], problem: Callable[..., None], fields: dict[str, object]
    ) -> None:
        # A missing required column is reported once, on the header; not again on every row.
        if not cell("employee_id") and "employee_id" not in self.parsed.missing:
            problem("employee_id", _("required: every person needs an employee id"))
        full_name = cell("full_name")
        if not self.parsed.has("full_name"):
            full_name = " ".join(f for f in (cell("first_name"), cell("last_name")) if f)
        full_name = " ".join(full_name.split())
        if not full_name and "full_name" not in self.parsed.missing:
            column = "full_name" if self.parsed.has("full_name") else "first_name"
            problem(column, _("required: every person needs a name"))
        fields["full_name"] = full_name
        for column in ("preferred_name", "pronouns"):
            if self.parsed.has(column):
                fields[column] = " ".join(cell(column).split())
        for column in ("employee_id", "full_name", "preferred_name", "pronouns"):
            value = cell("employee_id") if column == "employee_id" else fields.get(column, "")
            if len(str(value)) > MAX_LENGTHS[column]:
                problem(column, _too_long(MAX_LENGTHS[column]))

    def _job(
        self, cell: Callable[[str], str], problem: Callable[..., None], fields: dict[str, object]
    ) -> None:
        if self.parsed.has("title"):
            fields["title"] = " ".join(cell("title").split())
            if len(str(fields["title"])) > MAX_LENGTHS["title"]:
                problem("title", _too_long(MAX_LENGTHS["title"]))
        if self.parsed.has("employment_type"):
            text = cell("employment_type")
            if text not in self._types:
                self._types[text] = EMPLOYMENT_TYPES.get(_type_key(text)) if text else "employee"
            value = self._types[text]
            if value is None:
                problem(
                    "employment_type",
                    _(
                        "unknown employment type: use employee, contractor or freelancer "
                        "(or one of the names on the import help page)"
                    ),
                )
            fields["employment_type"] = value
        if self.parsed.has("start_date"):
            text = cell("start_date")
            parsed = self._date(text) if text else None
            if isinstance(parsed, str):
                problem("start_date", parsed)
            fields["start_date"] = parsed

    def _date(self, text: str) -> dt.date | str:
        if text not in self._dates:
            try:
                self._dates[text] = parse_date(text)
            except ValueError as exc:
                self._dates[text] = str(exc)
        return self._dates[text]

    def _unit(
        self, cell: Callable[[str], str], problem: Callable[..., None]
    ) -> tuple[str, str] | None:
        if not (self.parsed.has("department") or self.parsed.has("team")):
            return None
        department = " ".join(cell("department").split())
        team = " ".join(cell("team").split())
        if team and not department:
            problem("team", _("a team needs its department: fill in the department too"))
        for column, value in (("department", department), ("team", team)):
            if len(value) > MAX_LENGTHS[column]:
                problem(column, _too_long(MAX_LENGTHS[column]))
        return department, team

    def _location(
        self, cell: Callable[[str], str], problem: Callable[..., None], fields: dict[str, object]
    ) -> None:
        city, country = cell("city"), cell("country")
        place: Place | None = None
        code = ""
        if country:
            found = self._country(country)
            if isinstance(found, Problem):
                problem("country", found.reason)
            else:
                code = found
        if city and not country:
            problem(
                "country",
                _("needed to find the city '%(city)s': add the country") % {"city": city},
                value="",
            )
        elif city and code:
            found_place = self._place(city, country, cell("region"))
            if isinstance(found_place, Problem):
                problem("city", found_place.reason)
            else:
                place = found_place
        zone = ""
        if cell("timezone"):
            zone = self._zone(cell("timezone"))
            if not zone:
                problem("timezone", _("unknown time zone: use an IANA name such as Europe/Lisbon"))
        if self.parsed.has("city"):
            fields["city"] = place.city if place else ""
            fields["latitude"] = place.latitude if place else None
            fields["longitude"] = place.longitude if place else None
        if self.parsed.has("country"):
            fields["country"] = place.country if place else code
        if self.parsed.has("region"):
            fields["region"] = self._region(
                cell("region"), place.country if place else code, problem
            )
        if zone or place:
            fields["timezone"] = zone or (place.timezone if place else "")
        elif self.parsed.has("timezone") or self.parsed.has("city"):
            fields["timezone"] = ""

    def _country(self, country: str) -> str | Problem:
        key = country  # keyed on the spelling as written: fold() per row is slow
        if key not in self._countries:
            try:
                self._countries[key] = self.geocoder.country_code(country)
            except GeocodingError as exc:
                self._countries[key] = Problem(None, "country", country, str(exc))
        return self._countries[key]

    def _place(self, city: str, country: str, region: str) -> Place | Problem:
        key = (city, country, region)  # the geocoder folds; each spelling resolves once
        if key not in self._places:
            try:
                self._places[key] = self.geocoder.resolve(city, country, region)
            except GeocodingError as exc:
                self._places[key] = Problem(None, "city", city, str(exc))
        return self._places[key]

    def _region(self, text: str, country: str, problem: Callable[..., None]) -> str:
        """The holiday subdivision code, checked against the `holidays` package's list for
        the country ("" when empty or when the country has no subdivisions there)."""
        if not text.strip() or not country:
            return ""
        found = holiday_region(country, text)
        if found is None:
            codes = holiday_region_codes(country)
            shown = ", ".join(codes[:12]) + (", …" if len(codes) > 12 else "")
            problem(
                "region",
                _(
                    "not a region of %(country)s for public holidays: use its code or name "
                    "(%(codes)s)"
                )
                % {"country": country, "codes": shown},
            )
            return ""
        return found

    def _zone(self, text: str) -> str:
        if text not in self._zones:
            try:
                self._zones[text] = parse_timezone(text)
            except ValueError:
                self._zones[text] = ""
        return self._zones[text]


def check_rows(
    parsed: ParsedFile, geocoder: Geocoder, progress: Progress | None = None
) -> CheckedRows:
    progress = progress or NoProgress()
    checker = RowChecker(parsed, geocoder)
    result = CheckedRows()
    progress.start(STAGE_CHECK, len(parsed.rows))
    for done, (row, cells) in enumerate(parsed.rows, start=1):
        record, keys, problems = checker.check(row, cells)
        result.keys.append(keys)
        result.problems.extend(problems)
        if record is not None:
            result.records.append(record)
        if done % PROGRESS_STEP == 0:
            progress.advance(PROGRESS_STEP)
    progress.advance(len(parsed.rows) % PROGRESS_STEP)
    progress.finish()
    result.problems.extend(_duplicates(result.keys, checker))
    return result


def _duplicates(keys: list[RowKeys], checker: RowChecker) -> list[Problem]:
    problems = []
    first_id: dict[str, int] = {}
    first_email: dict[str, int] = {}
    for key in keys:
        if key.employee_id in first_id:
            problems.append(
                Problem(
                    key.row,
                    checker.label("employee_id"),
                    key.employee_id,
                    _("duplicate employee id: also on row %(row)d")
                    % {"row": first_id[key.employee_id]},
                )
            )
        elif key.employee_id:
            first_id[key.employee_id] = key.row
        if key.email in first_email:
            problems.append(
                Problem(
                    key.row,
                    checker.label("email"),
                    key.email,
                    _("duplicate email: also on row %(row)d") % {"row": first_email[key.email]},
                )
            )
        elif key.email:
            first_email[key.email] = key.row
    return problems


# --- Against the directory -------------------------------------------------------------------


def check_against_directory(
    checked: CheckedRows,
    snapshot: Snapshot,
    *,
    deactivate_missing: bool,
    labels: dict[str, str] | None = None,
) -> list[Problem]:
    """Manager ids must exist, an email may not belong to someone else, and managers may not
    go round in a circle. With deactivate_missing the file is the whole organisation, so a
    manager must be in it; otherwise a manager may also be an active person already in Kith."""
    labels = labels or {}
    in_file = {k.employee_id: k for k in checked.keys if k.employee_id}
    problems: list[Problem] = []
    for key in checked.keys:
        problems.extend(_email_taken(key, in_file, snapshot, labels.get("email", "email")))
        problems.extend(
            _manager_missing(
                key, in_file, snapshot, deactivate_missing, labels.get("manager_id", "manager_id")
            )
        )
    problems.extend(
        _cycles(checked.keys, snapshot, deactivate_missing, labels.get("manager_id", "manager_id"))
    )
    return problems


def _email_taken(
    key: RowKeys, in_file: dict[str, RowKeys], snapshot: Snapshot, label: str
) -> list[Problem]:
    owner = snapshot.email_owner.get(key.email) if key.email else None
    if owner is None or owner == key.employee_id:
        return []
    if owner in in_file:
        return []  # the owner gets a new email in this file, or it is a duplicate row
    if snapshot.people[owner].is_active:
        reason = _(
            "this email belongs to employee %(owner)s in Kith: an email can belong to one "
            "person only"
        )
    else:
        reason = _(
            "this email belongs to employee %(owner)s in Kith, who has left: an email can "
            "belong to one person only"
        )
    return [Problem(key.row, label, key.email, reason % {"owner": owner})]


def _manager_missing(
    key: RowKeys,
    in_file: dict[str, RowKeys],
    snapshot: Snapshot,
    deactivate_missing: bool,
    label: str,
) -> list[Problem]:
    manager = key.manager_id
    if not manager or manager == key.employee_id or manager in in_file:
        return []
    existing = snapshot.people.get(manager)
    if deactivate_missing:
        reason = _(
            "nobody in this file has employee id %(manager)s: when people missing from "
            "the file are deactivated, every manager must be in the file"
        ) % {"manager": manager}
    elif existing is None:
        reason = _("nobody in this file or in Kith has employee id %(manager)s") % {
            "manager": manager
        }
    elif not existing.is_active:
        reason = _(
            "employee %(manager)s has left (inactive in Kith): add them to the file or "
            "choose another manager"
        ) % {"manager": manager}
    else:
        return []
    return [Problem(key.row, label, manager, reason)]


def _cycles(
    keys: list[RowKeys], snapshot: Snapshot, deactivate_missing: bool, label: str
) -> list[Problem]:
    """Each person has at most one manager, so the links form a functional graph: walk each
    chain once and report every loop that goes through a row of this file."""
    edges: dict[str, str] = {}
    if not deactivate_missing:
        edges = {
            eid: p.manager_employee_id
            for eid, p in snapshot.people.items()
            if p.manager_employee_id
        }
    rows: dict[str, RowKeys] = {}
    for key in keys:
        if key.employee_id and key.manager_id is not None:
            rows[key.employee_id] = key
            if key.manager_id and key.manager_id != key.employee_id:
                edges[key.employee_id] = key.manager_id
            else:
                edges.pop(key.employee_id, None)
    problems: list[Problem] = []
    state: dict[str, int] = {}  # 1: on the chain being walked, 2: done
    for start in edges:
        chain: list[str] = []
        node = start
        while node in edges and node not in state:
            state[node] = 1
            chain.append(node)
            node = edges[node]
        if state.get(node) == 1:
            loop = chain[chain.index(node) :]
            problems.extend(_loop_problems(loop, rows, label))
        for done in chain:
            state[done] = 2
    return problems


def _loop_problems(loop: list[str], rows: dict[str, RowKeys], label: str) -> list[Problem]:
    problems = []
    for at, employee_id in enumerate(loop):
        if employee_id in rows:  # not a person only in Kith
            circle = " → ".join([*loop[at:], *loop[:at], employee_id])
            key = rows[employee_id]
            problems.append(
                Problem(
                    key.row,
                    label,
                    key.manager_id or "",
                    _("managers go round in a circle: %(circle)s") % {"circle": circle},
                )
            )
    return sorted(problems, key=lambda p: p.row or 0)
