"""Every write to the directory: keyword-only, validated, in a transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from kith.directory.engine.text import search_text_for, slugify_tag
from kith.directory.models import OrgUnit, Person, Tag

PROFILE_FIELDS = (
    "preferred_name",
    "pronouns",
    "bio",
    "languages",
    "work_start",
    "work_end",
    "work_days",
)


def orgunit_set_path(unit: OrgUnit) -> None:
    parent_path = unit.parent.path if unit.parent_id and unit.parent else ""
    unit.path = f"{parent_path}{unit.pk}."
    unit.depth = parent_path.count(".")


@transaction.atomic
def orgunit_create(
    *, name: str, kind: str = OrgUnit.Kind.TEAM, parent: OrgUnit | None = None
) -> OrgUnit:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "An org unit needs a name."})
    unit = OrgUnit.objects.create(name=name, kind=kind, parent=parent)
    orgunit_set_path(unit)
    unit.save(update_fields=["path", "depth"])
    return unit


def tags_get_or_create(*, kind: str, names: Iterable[str]) -> list[Tag]:
    wanted: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())[:80]
        slug = slugify_tag(name)
        if slug and slug not in wanted:
            wanted[slug] = name
    existing = {t.slug: t for t in Tag.objects.filter(kind=kind, slug__in=wanted)}
    missing = [Tag(kind=kind, name=wanted[s], slug=s) for s in wanted if s not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        existing = {t.slug: t for t in Tag.objects.filter(kind=kind, slug__in=wanted)}
    return [existing[s] for s in wanted if s in existing]


def person_search_text(person: Person, tag_names: Iterable[str] = ()) -> str:
    unit = person.org_unit.name if person.org_unit_id and person.org_unit else ""
    return search_text_for(
        person.full_name, person.preferred_name, person.title, unit, person.city, *tag_names
    )


def person_refresh_search_text(person: Person) -> None:
    tags = sorted(t.name for t in person.tags.all()) if person.pk else []
    person.search_text = person_search_text(person, tags)


def _validate_profile(changes: dict[str, object]) -> None:
    errors: dict[str, str] = {}
    start, end = changes.get("work_start"), changes.get("work_end")
    for name, value in (("work_start", start), ("work_end", end)):
        if not isinstance(value, dt.time):
            errors[name] = "Give a time of day, like 09:00."
    if isinstance(start, dt.time) and isinstance(end, dt.time) and start >= end:
        errors["work_end"] = "Your working day must end after it starts."
    days = changes.get("work_days")
    if days is not None and (
        not isinstance(days, list) or not days or any(d not in range(1, 8) for d in days)
    ):
        errors["work_days"] = "Choose at least one working day."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_update_profile(
    *,
    person: Person,
    changes: dict[str, object],
    interests: list[str] | None = None,
    skills: list[str] | None = None,
) -> Person:
    """Change only the fields a person owns about themselves (PROFILE_FIELDS and tags).

    The row is re-read under a lock and only the owned columns are written, so an HRIS import
    that committed meanwhile (a new title, a deactivation) is never overwritten by the copy
    the page loaded earlier."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({f: "This field is managed by HR." for f in sorted(unknown)})
    fresh = (
        Person.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=person.pk)
    )
    merged = {f: changes.get(f, getattr(fresh, f)) for f in PROFILE_FIELDS}
    _validate_profile(merged)
    for field, value in changes.items():
        setattr(fresh, field, value)
    fresh.full_clean(exclude=["manager", "org_unit", "tags"], validate_unique=False)
    for kind, names in ((Tag.Kind.INTEREST, interests), (Tag.Kind.SKILL, skills)):
        if names is not None:
            keep = [t for t in fresh.tags.all() if t.kind != kind]
            fresh.tags.set(keep + tags_get_or_create(kind=kind, names=names))
    person_refresh_search_text(fresh)
    fresh.save(update_fields=[*changes, "search_text", "updated_at"])
    return fresh


@transaction.atomic
def orgunit_move(*, unit: OrgUnit, new_parent: OrgUnit | None) -> OrgUnit:
    """Re-parent a unit and rewrite the paths of its whole subtree."""
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": "A unit cannot move inside itself."})
    old_path = unit.path
    unit.parent = new_parent
    orgunit_set_path(unit)
    unit.save(update_fields=["parent", "path", "depth"])
    descendants = list(OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk))
    for child in descendants:
        child.path = unit.path + child.path[len(old_path) :]
        child.depth = child.path.count(".") - 1
    OrgUnit.objects.bulk_update(descendants, ["path", "depth"], batch_size=500)
    return unit
