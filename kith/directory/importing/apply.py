"""Importing people from an HRIS file: the one write path behind the command, the upload
page's task and the benchmark.

The whole file is checked before anything is written. Row checks run outside the
transaction (they are slow and need no lock); the checks against the directory, the plan and
every write run inside one transaction, against the snapshot read in it, so nothing can
change in between and nothing is ever half written. Imports take turns: on SQLite the
IMMEDIATE transaction holds the write lock from its start, on PostgreSQL an advisory lock
does the same (`_one_import_at_a_time`).

The upload page's runs (preview, apply in the background, retention) are in runs.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kith.accounts.services import users_sync_from_people
from kith.core.audit import record
from kith.directory.caching import directory_changed
from kith.directory.engine.geocoding import Geocoder
from kith.directory.hooks import people_added, people_left
from kith.directory.importing.parse import ParsedFile, Problem, parse_csv
from kith.directory.importing.plan import PersonChange, Plan, build_plan
from kith.directory.importing.progress import STAGE_WRITE, NoProgress, Progress
from kith.directory.importing.report import has_changes
from kith.directory.importing.snapshot import (
    SNAPSHOT_FIELDS,
    ExistingPerson,
    ExistingUnits,
    Snapshot,
    unit_key,
)
from kith.directory.importing.validate import CheckedRows, check_against_directory, check_rows
from kith.directory.models import OrgUnit, Person
from kith.directory.services import (
    EmailChange,
    orgunit_set_path,
    person_email_changes_record,
)

BATCH_SIZE = 1000  # Django lowers it further to stay under SQLite's 999 variables
MASS_DEACTIVATION_SHARE = 0.2
SQLITE_CACHE_KIB = 64 * 1024

T = TypeVar("T")


@dataclass
class ImportOutcome:
    filename: str
    problems: list[Problem] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_changes(self) -> bool:
        return has_changes(self.summary)


def people_import(
    *,
    content: bytes,
    filename: str,
    deactivate_missing: bool = False,
    dry_run: bool = False,
    actor: Any = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Check `content` (a CSV export) and, unless it has problems or this is a dry run,
    bring the directory in line with it. Returns the problems or what changed."""
    progress = progress or NoProgress()
    parsed = parse_csv(content)
    if not parsed.readable:
        return ImportOutcome(filename, problems=_sorted(parsed.problems))
    # A header problem (a missing column) does not stop here: the rows are still checked in
    # the columns that are there, so one run lists every fault in the file.
    checked = check_rows(parsed, Geocoder(settings.KITH_GEOCODER_MIN_POPULATION), progress)
    if parsed.problems or checked.problems or dry_run:
        return _plan_only(parsed, checked, filename, deactivate_missing, actor)
    with transaction.atomic():
        _one_import_at_a_time()
        snapshot = load_snapshot()
        problems = _directory_problems(parsed, checked, snapshot, deactivate_missing)
        if problems:
            return ImportOutcome(filename, problems=problems)
        plan = build_plan(
            checked.records, snapshot, rows=len(parsed.rows), deactivate_missing=deactivate_missing
        )
        with _roomy_sqlite_cache():
            write_plan(plan, snapshot, progress)
            logins = users_sync_from_people()
        # A new work email is a new sign-in address: the person hears of it at the old one.
        person_email_changes_record(
            changes=email_changes(plan, snapshot), actor=actor, via=f"an import of {filename}"
        )
        summary = _summary(parsed, plan, snapshot, actor)
        summary.update(
            logins_created=logins.created,
            logins_reactivated=logins.reactivated,
            logins_deactivated=logins.deactivated,
        )
        record(actor=actor, action="directory.import", target=filename, **_audit_counts(summary))
    return ImportOutcome(filename, summary=summary, applied=True)


def _plan_only(
    parsed: ParsedFile, checked: CheckedRows, filename: str, deactivate_missing: bool, actor: Any
) -> ImportOutcome:
    snapshot = load_snapshot()
    problems = [
        *parsed.problems,
        *checked.problems,
        *_directory_problems(parsed, checked, snapshot, deactivate_missing),
    ]
    if problems:
        return ImportOutcome(filename, problems=_sorted(problems))
    plan = build_plan(
        checked.records, snapshot, rows=len(parsed.rows), deactivate_missing=deactivate_missing
    )
    return ImportOutcome(filename, summary=_summary(parsed, plan, snapshot, actor))


def _directory_problems(
    parsed: ParsedFile, checked: CheckedRows, snapshot: Snapshot, deactivate_missing: bool
) -> list[Problem]:
    if not parsed.has("employee_id"):
        # Managers, emails and circles are all matched by employee id: without the column
        # every row would be reported again, wrongly, for the one missing header.
        return []
    labels = {c: parsed.headers[i].strip() for c, i in parsed.columns.items()}
    return _sorted(
        check_against_directory(
            checked, snapshot, deactivate_missing=deactivate_missing, labels=labels
        )
    )


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.row or 0)


def _summary(parsed: ParsedFile, plan: Plan, snapshot: Snapshot, actor: Any) -> dict[str, Any]:
    summary = plan.summary()
    summary["ignored_columns"] = parsed.ignored_headers
    summary["delimiter"] = parsed.delimiter
    summary["warnings"] = _warnings(plan, snapshot, actor)
    return summary


def email_changes(plan: Plan, snapshot: Snapshot) -> list[EmailChange]:
    """Existing people whose work email (and so their sign-in address) this plan changes."""
    changes = []
    for change in plan.updates:
        new = str(change.values.get("email", "") or "")
        old = str(snapshot.people[change.record.employee_id].values.get("email", "") or "")
        if change.pk is not None and new and old and new.lower() != old.lower():
            changes.append(EmailChange(person_id=change.pk, old=old, new=new))
    return changes


def _warnings(plan: Plan, snapshot: Snapshot, actor: Any) -> list[str]:
    warnings = []
    moved = email_changes(plan, snapshot)
    if moved:
        by_pk = {p.pk: p for p in snapshot.people.values()}
        names = [str(by_pk[m.person_id].values.get("full_name", "")) for m in moved[:10]]
        listed = ", ".join(names)
        if len(moved) > 10:
            listed = _("%(names)s and %(n)d more") % {"names": listed, "n": len(moved) - 10}
        warnings.append(
            ngettext(
                "This changes the sign-in email of %(n)d person (%(names)s). Whoever reads a "
                "new address can sign in as that person, so each is told at their previous "
                "address, and the change is kept in the audit log.",
                "This changes the sign-in email of %(n)d people (%(names)s). Whoever reads a "
                "new address can sign in as that person, so each is told at their previous "
                "address, and the change is kept in the audit log.",
                len(moved),
            )
            % {"n": len(moved), "names": listed}
        )
    active = snapshot.active_count
    if plan.deactivate and len(plan.deactivate) > MASS_DEACTIVATION_SHARE * active:
        warnings.append(
            _(
                "This deactivates %(n)d of the %(active)d active people. Check that the file "
                "is the complete export before you apply it."
            )
            % {"n": len(plan.deactivate), "active": active}
        )
    email = str(getattr(actor, "email", "") or "").lower()
    if email and any(str(p.values["email"]).lower() == email for p in plan.deactivate):
        warnings.append(_("You are not in this file: applying it deactivates you and your login."))
    return warnings


def _audit_counts(summary: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "rows",
        "created",
        "updated",
        "reactivated",
        "unchanged",
        "deactivated",
        "departments_created",
        "teams_created",
        "deactivate_missing",
        "logins_created",
        "logins_reactivated",
        "logins_deactivated",
    )
    return {key: summary[key] for key in keys if key in summary}


# --- Reading the directory --------------------------------------------------------------------


# Any constant will do as long as nothing else uses it: "kith_imp" in ASCII.
IMPORT_LOCK_KEY = 0x6B6974685F696D70


def _one_import_at_a_time() -> None:
    """Imports take turns, whoever starts them (the command, an upload's task, the bench).

    Two imports that interleave between reading the snapshot and writing would each plan
    against a directory the other is changing. SQLite's IMMEDIATE transactions already take
    the write lock at BEGIN; on PostgreSQL a transaction-scoped advisory lock does the same,
    and is let go at commit or rollback whatever happens. Under READ COMMITTED (Django's
    default) the snapshot read after the wait sees what the previous import committed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def load_snapshot() -> Snapshot:
    rows = Person.objects.order_by().values_list(
        "pk", "employee_id", "is_active", "org_unit_id", "manager_id", *SNAPSHOT_FIELDS
    )
    people: dict[str, ExistingPerson] = {}
    manager_pks: list[tuple[ExistingPerson, int]] = []
    employee_ids: dict[int, str] = {}
    for pk, employee_id, is_active, org_unit_id, manager_id, *values in rows.iterator(5000):
        person = ExistingPerson(
            pk,
            employee_id,
            is_active,
            org_unit_id,
            "",
            dict(zip(SNAPSHOT_FIELDS, values, strict=True)),
        )
        people[employee_id] = person
        employee_ids[pk] = employee_id
        if manager_id is not None:
            manager_pks.append((person, manager_id))
    for person, manager_pk in manager_pks:
        person.manager_employee_id = employee_ids.get(manager_pk, "")
    tags: dict[int, list[str]] = {}
    for person_id, tag_name in Person.tags.through.objects.values_list("person_id", "tag__name"):
        tags.setdefault(person_id, []).append(tag_name)
    for person in people.values():
        person.tags = tuple(sorted(tags.get(person.pk, ())))
    return Snapshot(people=people, units=_load_units())


def _load_units() -> ExistingUnits:
    units = ExistingUnits()
    rows = sorted(OrgUnit.objects.values_list("pk", "name", "parent_id"))
    for pk, name, parent_id in rows:
        units.names[pk] = name
        if parent_id is None:
            units.roots.setdefault(unit_key(name), pk)
        else:
            units.children.setdefault((parent_id, unit_key(name)), pk)
    return units


# --- Writing ---------------------------------------------------------------------------------


@contextmanager
def _roomy_sqlite_cache() -> Iterator[None]:
    """A bigger page cache while writing, so rewriting the index entries of 100,000 people
    does not spill to disk in the middle of the transaction (about a third faster).
    SQLite only, and put back afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def _batches(items: Sequence[T], size: int = BATCH_SIZE) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_plan(plan: Plan, snapshot: Snapshot, progress: Progress | None = None) -> None:
    """Apply a plan made against `snapshot`. Call inside the transaction that read it."""
    progress = progress or NoProgress()
    now = timezone.now()
    units = _create_units(plan, snapshot.units)
    links = [c for c in (*plan.creates, *plan.updates) if c.manager_id is not None]
    progress.start(
        STAGE_WRITE, len(plan.creates) + len(plan.updates) + len(links) + len(plan.deactivate)
    )
    _free_emails(plan, snapshot)
    _update_people(plan.updates, units, now, progress)
    pks = {employee_id: p.pk for employee_id, p in snapshot.people.items()}
    created = _create_people(plan.creates, units, progress)
    pks.update(created)
    _link_managers(links, pks, now, progress)
    _deactivate(plan.deactivate, now, progress)
    progress.finish()
    # The rows above are written in bulk (no signals): the cached cities and headcounts
    # are forgotten here, for the import and SCIM alike.
    directory_changed()
    # Apps that welcome new people (onboarding journeys) hear of them once this commits, and
    # apps that follow departures (webhooks) hear of the people switched off.
    people_added(created.values())
    people_left(p.pk for p in plan.deactivate)


def _create_units(plan: Plan, units: ExistingUnits) -> ExistingUnits:
    """Departments first, then their teams, each with its materialised path."""
    departments = [
        OrgUnit(name=name, kind=OrgUnit.Kind.DEPARTMENT) for name in plan.new_departments
    ]
    _bulk_create_units(departments)
    for unit in departments:
        units.roots[unit_key(unit.name)] = unit.pk
    parent_pks = {units.roots[unit_key(department)] for department, _ in plan.new_teams}
    parents = OrgUnit.objects.in_bulk(parent_pks)
    teams = [
        OrgUnit(name=team, kind=OrgUnit.Kind.TEAM, parent=parents[units.roots[unit_key(dept)]])
        for dept, team in plan.new_teams
    ]
    _bulk_create_units(teams)
    for unit in teams:
        assert unit.parent_id is not None
        units.children[(unit.parent_id, unit_key(unit.name))] = unit.pk
    return units


def _bulk_create_units(units: list[OrgUnit]) -> None:
    OrgUnit.objects.bulk_create(units, batch_size=BATCH_SIZE)
    for unit in units:
        orgunit_set_path(unit)
    OrgUnit.objects.bulk_update(units, ["path", "depth"], batch_size=BATCH_SIZE)


def _unit_pk(units: ExistingUnits, unit: tuple[str, str] | None) -> int | None:
    return units.find(*unit) if unit and unit[0] else None


def _update_rows(
    fields: Sequence[str], rows: Sequence[tuple[int, Sequence[object]]], progress: Progress
) -> None:
    """Set `fields` on many people: one parameterised UPDATE run for a batch of rows at a time.

    bulk_update() would build a CASE expression with a branch per row: about half a
    millisecond a person, so minutes for a reorganisation of 100,000 people."""
    meta = Person._meta
    concrete = {f.name: f for f in meta.concrete_fields}
    model_fields = [concrete[name] for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in model_fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [
            *(f.get_db_prep_save(v, connection) for f, v in zip(model_fields, values, strict=True)),
            pk,
        ]
        for pk, values in rows
    ]
    with connection.cursor() as cursor:
        for batch in _batches(params):
            cursor.executemany(sql, batch)
            progress.advance(len(batch))


def _free_emails(plan: Plan, snapshot: Snapshot) -> None:
    """Two people swapping emails would trip the unique index half-way, so anyone whose old
    email someone else takes over gets a placeholder first."""
    wanted = {str(c.values["email"]) for c in (*plan.creates, *plan.updates) if "email" in c.values}
    movers = [
        (c.pk, [f"import-{c.pk}@placeholder.invalid"])
        for c in plan.updates
        if c.pk is not None
        and "email" in c.values
        and str(snapshot.people[c.record.employee_id].values["email"]).lower() in wanted
    ]
    _update_rows(["email"], movers, NoProgress())


def _update_people(
    changes: list[PersonChange], units: ExistingUnits, now: Any, progress: Progress
) -> None:
    # People changing the same fields go together: a new title for 5,000 people is one
    # narrow statement, not 5,000 rewrites of every column.
    groups: dict[tuple[str, ...], list[tuple[int, list[object]]]] = defaultdict(list)
    for change in changes:
        assert change.pk is not None
        values = dict(change.values)
        if change.reactivate:
            values["is_active"] = True
        if change.unit is not None:
            values["org_unit"] = _unit_pk(units, change.unit)
        if not values:
            progress.advance(1)  # only the manager changes, in the next pass
            continue
        fields = (*sorted(values), "updated_at")
        groups[fields].append((change.pk, [*(values[f] for f in fields[:-1]), now]))
    for fields, rows in groups.items():
        _update_rows(fields, rows, progress)


def _create_people(
    changes: list[PersonChange], units: ExistingUnits, progress: Progress
) -> dict[str, int]:
    """New people, in batches of one parameterised INSERT run for many rows.

    bulk_create() prepares every one of Person's columns through the ORM for every row,
    which made it half of a 100,000-row import. Here the columns an import never sets
    (defaults, timestamps) are prepared once, and only the imported ones per row."""
    if not changes:
        return {}
    template = Person()  # the model's defaults
    fields = [f for f in Person._meta.concrete_fields if not f.primary_key]
    imported = [
        f for f in fields if f.attname in {"employee_id", "org_unit_id", *changes[0].values}
    ]
    fixed = [
        f.get_db_prep_save(f.pre_save(template, add=True), connection)
        for f in fields
        if f not in imported
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(f.column) for f in [*imported, *(f for f in fields if f not in imported)]
    )
    sql = (
        f"INSERT INTO {quote(Person._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    rows = []
    for change in changes:
        values = {
            **change.values,
            "employee_id": change.record.employee_id,
            "org_unit_id": _unit_pk(units, change.unit),
        }
        rows.append(
            [*(f.get_db_prep_save(values[f.attname], connection) for f in imported), *fixed]
        )
    with connection.cursor() as cursor:
        for batch in _batches(rows):
            cursor.executemany(sql, batch)
            progress.advance(len(batch))
    created = {c.record.employee_id for c in changes}
    return {
        employee_id: pk
        for employee_id, pk in Person.objects.values_list("employee_id", "pk").iterator(5000)
        if employee_id in created
    }


def _link_managers(
    links: list[PersonChange], pks: dict[str, int], now: Any, progress: Progress
) -> None:
    """The second pass: every person exists now, so every manager id has a pk."""
    rows = [
        (pks[c.record.employee_id], [pks[c.manager_id] if c.manager_id else None, now])
        for c in links
    ]
    _update_rows(["manager", "updated_at"], rows, progress)


def _deactivate(people: list[ExistingPerson], now: Any, progress: Progress) -> None:
    """People who left are switched off, never deleted: their history stays theirs."""
    for batch in _batches([p.pk for p in people], 500):
        Person.objects.filter(pk__in=batch).update(is_active=False, updated_at=now)
        progress.advance(len(batch))
