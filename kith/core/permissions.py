"""The one place that answers "may this viewer see or do this?" for every module.

Views, API endpoints, selectors, commands and tasks ask here; nobody checks a group or a
flag on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from kith.accounts.models import User
    from kith.directory.models import Person

HR_ADMINS_GROUP = "HR admins"
AMBASSADORS_GROUP = "Community ambassadors"


@dataclass
class Viewer:
    """Who is asking: a login, the person behind it (if any) and their roles."""

    user: User | AnonymousUser
    person: Person | None
    _groups: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user.is_authenticated)

    @property
    def is_hr(self) -> bool:
        return self.is_authenticated and (
            HR_ADMINS_GROUP in self._groups or bool(self.user.is_superuser)
        )

    @property
    def is_ambassador(self) -> bool:
        return AMBASSADORS_GROUP in self._groups

    @cached_property
    def is_manager(self) -> bool:
        """A manager is anyone with at least one active report; nobody assigns the role."""
        return self.person is not None and self.person.reports.filter(is_active=True).exists()

    @property
    def role_names(self) -> list[str]:
        roles = ["Employee"] if self.person else []
        if self.is_manager:
            roles.append("Manager")
        if self.is_hr:
            roles.append("HR admin")
        if self.is_ambassador:
            roles.append("Community ambassador")
        return roles


def viewer_for_user(user: User | AnonymousUser) -> Viewer:
    from kith.directory.selectors import person_for_user

    if not user.is_authenticated:
        return Viewer(user=user, person=None)
    groups = frozenset(user.groups.values_list("name", flat=True))
    return Viewer(user=user, person=person_for_user(user), _groups=groups)


def anonymous_viewer() -> Viewer:
    return Viewer(user=AnonymousUser(), person=None)


# --- Directory ----------------------------------------------------------------------------------


def can_view_person(viewer: Viewer, person: Person) -> bool:
    """Active people are visible to every signed-in colleague; former ones only to HR.
    A login with no active person behind it (someone who left, an email HR changed) sees
    nobody, unless it is HR or an administrator."""
    if viewer.is_hr:
        return True
    return person.is_active and can_browse_directory(viewer)


def can_browse_directory(viewer: Viewer) -> bool:
    """Active colleagues, HR and administrators see the directory; a login with no active
    person behind it (someone who left, an email HR changed) sees nobody."""
    if not viewer.is_authenticated:
        return False
    is_colleague = viewer.person is not None and viewer.person.is_active
    return is_colleague or viewer.is_hr or bool(getattr(viewer.user, "is_staff", False))


def can_view_private_fields(viewer: Viewer, person: Person) -> bool:
    """Employee id, employment type and exact start date: the person, their manager, HR."""
    if viewer.is_hr:
        return True
    if viewer.person is None or not viewer.person.is_active:
        return False
    return viewer.person.pk == person.pk or person.manager_id == viewer.person.pk


def can_edit_profile(viewer: Viewer, person: Person) -> bool:
    """People own their profile; HR changes the HR-owned fields through the HRIS import."""
    return viewer.person is not None and viewer.person.pk == person.pk and person.is_active


def can_import_people(viewer: Viewer) -> bool:
    return viewer.is_hr


def can_view_audit_log(viewer: Viewer) -> bool:
    return viewer.is_hr


def require(allowed: bool, message: str = "You do not have access to this page.") -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- Connect ------------------------------------------------------------------------------------


def can_manage_programs(viewer: Viewer) -> bool:
    """HR admins create and run matching programs, preview rounds and read statistics."""
    return viewer.is_hr


def can_take_part(viewer: Viewer) -> bool:
    """Only an active colleague can join a program or be matched."""
    return viewer.person is not None and viewer.person.is_active


def can_view_match(viewer: Viewer, member_ids: set[int]) -> bool:
    """A match (who met whom, their answers) is seen by its members only: HR sees aggregates."""
    return viewer.person is not None and viewer.person.pk in member_ids


# --- Pulse ----------------------------------------------------------------------------------


def can_manage_surveys(viewer: Viewer) -> bool:
    """HR admins compose and send campaigns, read every published result and export them."""
    return viewer.is_hr


def can_filter_results(viewer: Viewer) -> bool:
    """Filters by coarse attributes (country, tenure band, …) are for HR only: managers see
    their units as a whole, which keeps the set of published numbers small."""
    return viewer.is_hr
