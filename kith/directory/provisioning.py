"""One person at a time, from an identity provider (SCIM), through the HRIS import's rules.

An IdP pushes people one by one; HR's file brings them all at once. Both must agree on what a
valid person is and on how the directory changes, so this module builds a one-row import
and runs the import's own checks (`validate.check_rows`, `check_against_directory`), plan
(`plan.build_plan`) and writer (`apply.write_plan`). Only the snapshot differs: instead of
the whole directory it holds the people this row can touch (the person, whoever has the
email, the manager's chain), so a push costs a few queries whatever the size of the company.

Deactivation never deletes: the person is switched off, their login follows at once
(decision 0003) and apps hear of it through `hooks.people_left` when the hook exists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.accounts.models import ApiToken, User
from kith.core.audit import record
from kith.directory import hooks
from kith.directory.caching import directory_changed
from kith.directory.engine.geocoding import Geocoder
from kith.directory.importing.apply import IMPORT_LOCK_KEY, write_plan
from kith.directory.importing.parse import ParsedFile, Problem
from kith.directory.importing.plan import build_plan
from kith.directory.importing.snapshot import (
    SNAPSHOT_FIELDS,
    ExistingPerson,
    ExistingUnits,
    Snapshot,
    unit_key,
)
from kith.directory.importing.validate import check_against_directory, check_rows
from kith.directory.models import OrgUnit, Person
from kith.directory.services import EmailChange, person_email_changes_record

ROW = 2  # the row number a one-row file's person has


class ProvisioningError(Exception):
    """A person the directory cannot take. `column` is the import's column name; `conflict`
    marks a value another person already has (an email, an employee id)."""

    def __init__(self, column: str, reason: str, *, conflict: bool = False) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason
        self.conflict = conflict


@dataclass
class PersonInput:
    """What an IdP says about one person, already mapped onto the import's columns.

    `department` None leaves the person's team alone; `manager_id` is the manager's person
    id (None: no manager). `preferred_name` is used for new people only, as in the import."""

    employee_id: str
    email: str
    full_name: str
    active: bool = True
    preferred_name: str = ""
    title: str = ""
    city: str = ""
    country: str = ""
    region: str = ""
    timezone: str = ""
    department: str | None = None
    manager_id: int | None = None
    employee_number_sent: str = ""  # what the IdP itself said (for its own view)


@dataclass
class Provisioned:
    person_id: int
    created: bool
    deactivated: bool
    reactivated: bool


def person_provision(
    *, person_id: int | None, values: PersonInput, via: str, actor: Any = None
) -> Provisioned:
    """Create (person_id None) or update one person from `values`, with the HRIS import's
    validation. Raises ProvisioningError naming the column when the person is not valid."""
    with transaction.atomic():
        _one_writer_at_a_time()
        current = (
            Person.objects.select_for_update().filter(pk=person_id).first()
            if person_id is not None
            else None
        )
        if person_id is not None and current is None:
            raise ProvisioningError("id", _no_such_id(person_id))
        if current is not None and current.employee_id != values.employee_id:
            _change_employee_id(current, values.employee_id)
        elif current is None and Person.objects.filter(employee_id=values.employee_id).exists():
            raise ProvisioningError(
                "employee_id",
                _(
                    "employee %(employee_id)s is already in Kith: an employee id can belong "
                    "to one person only"
                )
                % {"employee_id": values.employee_id},
                conflict=True,
            )
        manager_employee_id = _manager_employee_id(values.manager_id)
        if current is not None and values.manager_id == current.pk:
            raise ProvisioningError("manager_id", _("a person cannot be their own manager"))
        parsed = _one_row(values, current, manager_employee_id)
        checked = check_rows(parsed, _geocoder())
        if checked.problems:
            raise _error(checked.problems)
        snapshot = _snapshot(values, manager_employee_id)
        kept = current is not None and current.manager_id == values.manager_id
        if manager_employee_id in snapshot.people and (kept or not values.active):
            # An identity provider deactivates a team in no particular order: a manager who
            # left first must not stop their reports from being switched off, nor from being
            # updated while the link stays as it was.
            snapshot.people[manager_employee_id] = dataclasses.replace(
                snapshot.people[manager_employee_id], is_active=True
            )
        problems = check_against_directory(checked, snapshot, deactivate_missing=False)
        if problems:
            raise _error(problems, against_directory=True)
        plan = build_plan(checked.records, snapshot, rows=1, deactivate_missing=False)
        was_active = current.is_active if current is not None else None
        old_email = current.email if current is not None else ""
        write_plan(plan, snapshot)
        person = Person.objects.get(employee_id=values.employee_id)
        deactivated = False
        if not values.active and person.is_active:
            Person.objects.filter(pk=person.pk).update(is_active=False, updated_at=timezone.now())
            directory_changed()
            deactivated = was_active is not False
        email_changed = bool(old_email) and old_email.lower() != person.email.lower()
        arrived = current is None or was_active is False or email_changed
        logins_follow(
            [old_email, person.email],
            arrived=[person.email] if arrived else [],
            via=via,
            actor=actor,
        )
        if email_changed:
            person_email_changes_record(
                changes=[EmailChange(person_id=person.pk, old=old_email, new=person.email)],
                actor=actor,
                via=via,
            )
        reactivated = was_active is False and values.active
        outcome = Provisioned(person.pk, current is None, deactivated, reactivated)
        record(
            actor=actor,
            action="directory.provisioned",
            target=f"person {person.pk}",
            via=via,
            created=outcome.created,
            deactivated=deactivated,
            reactivated=reactivated,
        )
        if deactivated:
            _people_left([person.pk])
    return outcome


def person_deactivate(*, person_id: int, via: str, actor: Any = None) -> bool:
    """Switch a person off (never delete them) and their login with them. Returns whether
    they were active."""
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(pk=person_id).first()
        if person is None:
            raise ProvisioningError("id", _no_such_id(person_id))
        if not person.is_active:
            return False
        Person.objects.filter(pk=person.pk).update(is_active=False, updated_at=timezone.now())
        directory_changed()
        logins_follow([person.email], via=via, actor=actor)
        record(
            actor=actor,
            action="directory.provisioned",
            target=f"person {person.pk}",
            via=via,
            created=False,
            deactivated=True,
            reactivated=False,
        )
        _people_left([person.pk])
    return True


def logins_follow(
    emails: Iterable[str], *, arrived: Iterable[str] = (), via: str = "", actor: Any = None
) -> None:
    """`users_sync_from_people` for a few addresses: a login for each active person's email,
    every other non-staff login with one of these addresses switched off (decision 0003).

    A login switched off also loses its API tokens and its sessions (`login_end`), so
    switching it on again later never brings them back. A privileged login (staff,
    superuser, in a group such as HR admins or ambassadors, or with its own permissions)
    is never switched on automatically: the person comes back, the login stays off until HR
    re-enables it, and an audit row says so when the person has just arrived at that
    address (`arrived`: created, reactivated or given this email by this write)."""
    arrived_emails = {e.lower() for e in arrived if e}
    for email in {e.lower() for e in emails if e}:
        active = Person.objects.filter(email__iexact=email, is_active=True).exists()
        user = User.objects.filter(email__iexact=email).first()
        if active and user is None:
            try:
                with transaction.atomic():
                    User.objects.create(email=email, password=make_password(None))
            except IntegrityError:
                pass  # made meanwhile, by single sign-on
        elif active and user is not None and not user.is_active:
            if not login_is_privileged(user):
                User.objects.filter(pk=user.pk).update(is_active=True)
            elif email in arrived_emails:
                record(
                    actor=actor,
                    action="directory.login_left_inactive",
                    target=f"user {user.pk}",
                    via=via,
                    reason="privileged login (staff, superuser, groups or permissions): "
                    "HR must re-enable it",
                )
        elif (
            not active
            and user is not None
            and user.is_active
            and not (user.is_staff or user.is_superuser)
        ):
            User.objects.filter(pk=user.pk).update(is_active=False)
            ended = login_end(user)
            record(
                actor=actor,
                action="directory.login_switched_off",
                target=f"user {user.pk}",
                via=via,
                api_tokens_revoked=ended.api_tokens,
                sessions_ended=ended.sessions,
            )


def login_is_privileged(user: User) -> bool:
    """Staff, superuser, a member of any group (HR admins, ambassadors…) or holding a
    permission of its own: such a login is switched on by a person, never by a push."""
    return bool(
        user.is_staff or user.is_superuser or user.groups.exists() or user.user_permissions.exists()
    )


@dataclass
class LoginEnded:
    api_tokens: int
    sessions: int


def login_end(user: User) -> LoginEnded:
    """Revoke every API token of a login and end every session it has.

    Sessions in the database (the `db` and `cached_db` engines) are found and deleted. Other
    engines cannot be listed, so a passwordless login (code or single sign-on) also gets a
    new unusable password: its session hash changes and Django refuses any session left.
    (While the login is inactive its sessions answer as anonymous anyway: ModelBackend.)"""
    now = timezone.now()
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    store_class: Any = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = 0
    get_model_class = getattr(store_class, "get_model_class", None)
    if get_model_class is not None:
        rows = (
            get_model_class()
            .objects.filter(expire_date__gt=now)
            .values_list("session_key", "session_data")
        )
        keys = [
            key
            for key, data in rows.iterator(chunk_size=500)
            if str(store_class().decode(data).get(SESSION_KEY, "")) == str(user.pk)
        ]
        for key in keys:
            store_class(session_key=key).delete()
        sessions = len(keys)
    if not user.has_usable_password():
        user.set_unusable_password()
        User.objects.filter(pk=user.pk).update(password=user.password)
    return LoginEnded(api_tokens=tokens, sessions=sessions)


def _people_left(person_ids: list[int]) -> None:
    people_left = getattr(hooks, "people_left", None)
    if people_left is not None:
        people_left(person_ids)


def _one_writer_at_a_time() -> None:
    """Takes turns with imports (the same lock): both plan against what they read."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


_GEOCODER: Geocoder | None = None


def _geocoder() -> Geocoder:
    global _GEOCODER
    if _GEOCODER is None:
        _GEOCODER = Geocoder(settings.KITH_GEOCODER_MIN_POPULATION)
    return _GEOCODER


def _error(problems: list[Problem], *, against_directory: bool = False) -> ProvisioningError:
    first = problems[0]
    # Against the directory, an email problem is always "taken by someone else" (the reason
    # is in the reader's language, so it is not matched on).
    conflict = against_directory and first.column == "email"
    return ProvisioningError(first.column or "person", first.reason, conflict=conflict)


def _no_such_id(person_id: int) -> str:
    return _("no person has id %(id)s") % {"id": person_id}


def _change_employee_id(person: Person, employee_id: str) -> None:
    if Person.objects.filter(employee_id=employee_id).exclude(pk=person.pk).exists():
        raise ProvisioningError(
            "employee_id",
            _(
                "employee %(employee_id)s is someone else in Kith: an employee id can belong "
                "to one person only"
            )
            % {"employee_id": employee_id},
            conflict=True,
        )
    if not employee_id.strip():
        raise ProvisioningError("employee_id", _("required: every person needs an employee id"))
    Person.objects.filter(pk=person.pk).update(employee_id=employee_id)
    person.employee_id = employee_id


def _manager_employee_id(manager_id: int | None) -> str:
    if manager_id is None:
        return ""
    manager = Person.objects.filter(pk=manager_id).values_list("employee_id", flat=True).first()
    if manager is None:
        raise ProvisioningError(
            "manager_id", _("nobody in Kith has id %(id)s") % {"id": manager_id}
        )
    return manager


def _one_row(values: PersonInput, current: Person | None, manager_employee_id: str) -> ParsedFile:
    cells = {
        "employee_id": values.employee_id,
        "full_name": values.full_name,
        "email": values.email,
        "title": values.title,
        "city": values.city,
        "country": values.country,
        "region": values.region,
        "timezone": values.timezone,
        "manager_id": manager_employee_id,
    }
    if current is None:
        cells["preferred_name"] = values.preferred_name
    if values.department is not None and not _in_department(current, values.department):
        cells["department"] = values.department
        cells["team"] = ""
    headers = list(cells)
    return ParsedFile(
        headers=headers,
        columns={column: index for index, column in enumerate(headers)},
        rows=[(ROW, [cells[h] for h in headers])],
    )


def _in_department(person: Person | None, department: str) -> bool:
    """A person in a team of the department (or in the department itself) stays where they
    are: SCIM knows departments, HR's file may also know teams."""
    if person is None or person.org_unit_id is None:
        return False
    unit = OrgUnit.objects.filter(pk=person.org_unit_id).first()
    if unit is None:
        return False
    root_id = int(unit.path.split(".")[0]) if unit.path else unit.pk
    root = OrgUnit.objects.filter(pk=root_id).values_list("name", flat=True).first() or ""
    return unit_key(root) == unit_key(department)


def _snapshot(values: PersonInput, manager_employee_id: str) -> Snapshot:
    """The people a one-row import can touch: the person, whoever holds the email, and the
    manager's chain upwards (for the circle check)."""
    people: dict[str, ExistingPerson] = {}
    _load_people(people, Person.objects.filter(employee_id=values.employee_id))
    _load_people(people, Person.objects.filter(email__iexact=values.email))
    wanted = manager_employee_id
    while wanted and wanted not in people:
        _load_people(people, Person.objects.filter(employee_id=wanted))
        wanted = people[wanted].manager_employee_id if wanted in people else ""
    return Snapshot(people=people, units=_units())


def _load_people(people: dict[str, ExistingPerson], queryset: Any) -> None:
    rows = queryset.order_by().values_list(
        "pk", "employee_id", "is_active", "org_unit_id", "manager__employee_id", *SNAPSHOT_FIELDS
    )
    for pk, employee_id, is_active, org_unit_id, manager_employee_id, *values in rows:
        tags = Person.tags.through.objects.filter(person_id=pk).values_list("tag__name", flat=True)
        people[employee_id] = ExistingPerson(
            pk,
            employee_id,
            is_active,
            org_unit_id,
            manager_employee_id or "",
            dict(zip(SNAPSHOT_FIELDS, values, strict=True)),
            tuple(sorted(tags)),
        )


def _units() -> ExistingUnits:
    units = ExistingUnits()
    for pk, name, parent_id in sorted(OrgUnit.objects.values_list("pk", "name", "parent_id")):
        units.names[pk] = name
        if parent_id is None:
            units.roots.setdefault(unit_key(name), pk)
        else:
            units.children.setdefault((parent_id, unit_key(name)), pk)
    return units
