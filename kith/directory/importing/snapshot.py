"""What the directory holds before an import, as plain data, so checks and planning stay pure.

apply.load_snapshot() fills it from the database in two queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The Person fields an import owns, as model attribute names. org_unit and manager are
# handled separately because they point at rows that may not exist yet.
COMPARED_FIELDS = (
    "full_name",
    "email",
    "title",
    "employment_type",
    "start_date",
    "city",
    "country",
    "latitude",
    "longitude",
    "timezone",
    "region",
    "search_text",
)
# Filled in for new people only: after that the person owns them on their profile page.
CREATE_ONLY_FIELDS = ("preferred_name", "pronouns")
SNAPSHOT_FIELDS = COMPARED_FIELDS + CREATE_ONLY_FIELDS


def unit_key(name: str) -> str:
    """Org unit names match ignoring case and repeated spaces: "R&D " is "r&d"."""
    return " ".join(name.split()).casefold()


@dataclass(slots=True)
class ExistingPerson:
    pk: int
    employee_id: str
    is_active: bool
    org_unit_id: int | None
    manager_employee_id: str  # "" when they have no manager
    values: dict[str, object]  # SNAPSHOT_FIELDS
    tags: tuple[str, ...] = ()  # interest and skill names, for the search text


@dataclass
class ExistingUnits:
    roots: dict[str, int] = field(default_factory=dict)  # unit_key(name) -> pk
    children: dict[tuple[int, str], int] = field(default_factory=dict)  # (parent pk, key) -> pk
    names: dict[int, str] = field(default_factory=dict)  # pk -> name as written

    def find(self, department: str, team: str) -> int | None:
        """The pk of the unit a (department, team) pair means, or None if it must be made."""
        root = self.roots.get(unit_key(department))
        if root is None or not team:
            return root
        return self.children.get((root, unit_key(team)))


@dataclass
class Snapshot:
    people: dict[str, ExistingPerson] = field(default_factory=dict)  # by employee id
    units: ExistingUnits = field(default_factory=ExistingUnits)

    def __post_init__(self) -> None:
        self.email_owner = {
            str(p.values["email"]).lower(): p.employee_id for p in self.people.values()
        }

    @property
    def active_count(self) -> int:
        return sum(1 for p in self.people.values() if p.is_active)
